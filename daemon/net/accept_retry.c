/* A listener's second try at a connection it had no memory for; see
 * accept_retry.h. */
#include "daemon/net/accept_retry.h"

#include "daemon/core/log.h"

/* Long enough for memory to come back, short enough that a client's
 * connect does not time out over it. */
#define ACCEPT_RETRY_MS 100

static void on_retry(uv_timer_t *t)
{
    lq_accept_retry *r = t->data;
    r->accept(r->arg);
}

void lq_accept_retry_init(lq_accept_retry *r, uv_loop_t *loop, void (*accept)(void *arg), void *arg,
                          const char *what)
{
    uv_timer_init(loop, &r->timer);
    uv_unref((uv_handle_t *)&r->timer);
    r->timer.data = r;
    r->accept = accept;
    r->arg = arg;
    r->what = what;
    r->open = true;
}

void lq_accept_retry_later(lq_accept_retry *r)
{
    if (!r->open || uv_is_active((uv_handle_t *)&r->timer))
        return;
    lq_log(LQ_LOG_ERROR, "out of memory accepting a connection; trying again shortly",
           "listener=%s retry_ms=%d", r->what, ACCEPT_RETRY_MS);
    uv_timer_start(&r->timer, on_retry, ACCEPT_RETRY_MS, 0);
}

void lq_accept_retry_close(lq_accept_retry *r)
{
    if (!r->open)
        return;
    r->open = false;
    uv_close((uv_handle_t *)&r->timer, NULL);
}
