#include "client/lib/deadline.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "proto/error.h"

#define NEVER INT64_MAX

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lq_deadline_after(int timeout_ms)
{
    if (timeout_ms < 0)
        return NEVER;
    return now_ms() + timeout_ms;
}

int lq_deadline_left(int64_t deadline)
{
    if (deadline == NEVER)
        return -1;
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int)left;
}

int lq_deadline_wait_fd(int fd, short events, int64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int n = poll(&p, 1, lq_deadline_left(deadline));
        if (n > 0)
            return 0;
        if (n == 0)
            return LQ_ETIMEDOUT;
        /* A signal is not the caller's deadline: wait out the rest. */
        if (errno != EINTR)
            return LQ_EIO;
    }
}
