/* Taking a pending connection later, when the memory for it could not be
 * had now. libuv stops polling a listener until its pending connection is
 * accepted, so a listener that gave up on one would accept nothing ever
 * again; instead it tries again every ACCEPT_RETRY_MS (accept_retry.c),
 * and everyone else is served meanwhile. Loop thread only. */
#ifndef LQ_ACCEPT_RETRY_H
#define LQ_ACCEPT_RETRY_H

#include <stdbool.h>

#include <uv.h>

typedef struct lq_accept_retry {
    uv_timer_t timer;
    bool open;
    void (*accept)(void *arg); /* takes the pending connection, or calls later again */
    void *arg;
    const char *what;          /* the listener, for the log */
} lq_accept_retry;

/* Sets r up on loop; it does not keep the loop alive. Cannot fail. */
void lq_accept_retry_init(lq_accept_retry *r, uv_loop_t *loop, void (*accept)(void *arg),
                          void *arg, const char *what);

/* Calls r's accept again soon (once, however often this is called before
 * then), and logs why. Cannot fail. */
void lq_accept_retry_later(lq_accept_retry *r);

/* Closes r's timer; safe to call twice, or on a zeroed r. */
void lq_accept_retry_close(lq_accept_retry *r);

#endif
