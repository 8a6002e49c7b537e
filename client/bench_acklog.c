/* Acknowledgement log for labelq-bench; see bench_acklog.h. */
#include "bench_acklog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "proto/error.h"

#define ACK_LINE_MAX 1024

int bench_acklog_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? LQ_EIO : fd;
}

int bench_acklog_write(int fd, uint64_t task_id, const char *annotator, const char *label)
{
    char line[ACK_LINE_MAX];
    int n;
    if (fd < 0)
        return 0;
    n = snprintf(line, sizeof line, "%llu %s %s\n", (unsigned long long)task_id, annotator, label);
    if (n < 0 || (size_t)n >= sizeof line)
        return LQ_EIO;
    /* One write per line: a short write to a regular file means the disk
     * is full, which the caller reports. */
    for (;;) {
        ssize_t w = write(fd, line, (size_t)n);
        if (w == n)
            return 0;
        if (w < 0 && errno == EINTR)
            continue;
        return LQ_EIO;
    }
}
