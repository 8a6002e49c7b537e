/* Deadlines for blocking calls: every wait in liblabelq is bounded by one
 * absolute monotonic time, so a call's timeout covers all its steps (connect,
 * handshake, write, read) instead of restarting at each one. */
#ifndef LQ_DEADLINE_H
#define LQ_DEADLINE_H

#include <stdint.h>

/* Monotonic milliseconds timeout_ms from now; a negative timeout means
 * "never". Cannot fail. */
int64_t lq_deadline_after(int timeout_ms);

/* Milliseconds left before deadline, clamped to [0, INT_MAX]; -1 when the
 * deadline is "never" (poll's wait-forever). Cannot fail. */
int lq_deadline_left(int64_t deadline);

/* Waits until fd is ready for events (POLLIN/POLLOUT) or the deadline passes.
 * Returns 0 when ready (or in error/hang-up state, which the next read or
 * write reports), LQ_ETIMEDOUT, or LQ_EIO with errno set. */
int lq_deadline_wait_fd(int fd, short events, int64_t deadline);

#endif
