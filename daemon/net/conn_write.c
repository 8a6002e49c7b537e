/* The write side of a connection: replies are queued per loop iteration,
 * encrypted together and written to the socket; streams that produce more
 * than the socket takes wait here for it to drain. */
#include "daemon/net/conn_write.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "daemon/core/log.h"
#include "daemon/net/conn_read.h"
#include "proto/error.h"

/* Reply buffer a connection keeps between loop iterations; a larger one (an
 * export chunk, a big lease batch) is freed once sent, so idle connections
 * stay small. */
#define OUT_KEEP_BYTES 16384

/* Ciphertext is read out of OpenSSL in pieces of at most this size. */
#define WIRE_SLAB_BYTES 65536

typedef struct write_req {
    uv_write_t req;
    lq_conn *conn;
    size_t len;
    char data[];
} write_req;

size_t lq_conn_unsent(const lq_peer *p)
{
    const lq_conn *c = (const lq_conn *)p;
    return c->out.len + c->write_pending;
}

/* A stream waited stall_timeout_ms on a reader that took nothing: drop the
 * connection, or a client could hold a stream and its buffers for ever. */
static void on_stalled(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_log(LQ_LOG_WARN, "dropping a connection whose reader stopped reading",
           "peer=%s "
           "unsent=%zu stall_ms=%u",
           c->base.name, lq_conn_unsent(&c->base), c->base.srv->cfg->stall_timeout_ms);
    lq_peer_close(&c->base, "stalled reader");
}

/* While a stream waits for c to drain, c's timer (idle once the Hello is
 * done; the linger timer takes it over at close) measures the time since
 * the kernel last took bytes. */
static void arm_stall_timer(lq_conn *c)
{
    uv_timer_start(&c->timer, on_stalled, c->base.srv->cfg->stall_timeout_ms, 0);
}

void lq_conn_wait_drain(lq_peer *p, lq_drain_waiter *w)
{
    lq_conn *c = (lq_conn *)p;
    if (!c->drain_waiters)
        arm_stall_timer(c);
    w->next = c->drain_waiters;
    c->drain_waiters = w;
}

/* Empties the list first: a resumed stream may park itself again. */
void lq_conn_wake_drain_waiters(lq_conn *c, bool closing)
{
    lq_drain_waiter *w = c->drain_waiters;
    if (w && !closing)
        uv_timer_stop(&c->timer); /* drained: no longer stalled */
    c->drain_waiters = NULL;
    while (w) {
        lq_drain_waiter *next = w->next;
        w->next = NULL;
        if (closing)
            w->abort(w);
        else
            w->resume(w);
        w = next;
    }
}

/* Resumes the streams parked on c once its unsent output is below half of
 * write_queue_high. */
static void maybe_wake_drain_waiters(lq_conn *c)
{
    if (c->drain_waiters && !c->base.closing &&
        lq_conn_unsent(&c->base) < c->base.srv->cfg->write_queue_high / 2)
        lq_conn_wake_drain_waiters(c, false);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    lq_conn *c = w->conn;
    c->write_pending -= w->len;
    free(w);
    if (status < 0 && !c->base.closing)
        lq_peer_close(&c->base, uv_strerror(status));
    else if (c->drain_waiters && !c->base.closing)
        arm_stall_timer(c); /* the reader took bytes: it is slow, not stalled */
    maybe_wake_drain_waiters(c);
    if (c->paused)
        lq_conn_resume(c); /* the reader took bytes: c may be under its limits again */
    lq_peer_unref(&c->base);
}

void lq_conn_write_failed(lq_conn *c, int status)
{
    if (c->base.closing)
        lq_conn_close_handles(c);
    else
        lq_peer_close(&c->base, uv_strerror(status));
}

/* Queues len bytes from data behind whatever libuv still has to write. */
static void queue_write(lq_conn *c, const char *data, size_t len)
{
    write_req *w = malloc(sizeof(*w) + len);
    if (!w) {
        lq_log(LQ_LOG_ERROR, "out of memory sending", "peer=%s", c->base.name);
        lq_conn_write_failed(c, UV_ENOMEM);
        return;
    }
    memcpy(w->data, data, len);
    w->len = len;
    w->conn = c;
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
    if (rc < 0) {
        free(w);
        lq_conn_write_failed(c, rc);
        return;
    }
    lq_peer_ref(&c->base);
    c->write_pending += len;
}

/* Straight into the kernel when libuv has nothing queued (no request, no
 * callback), and what the kernel does not take behind it in libuv's queue. */
void lq_conn_flush_tls(lq_conn *c)
{
    static char slab[WIRE_SLAB_BYTES]; /* one loop thread: shared by every connection */
    size_t pending;
    while (!uv_is_closing((uv_handle_t *)&c->tcp) && (pending = BIO_ctrl_pending(c->wbio)) > 0) {
        int n = BIO_read(c->wbio, slab, (int)(pending < sizeof(slab) ? pending : sizeof(slab)));
        if (n <= 0)
            return;
        uv_buf_t buf = uv_buf_init(slab, (unsigned)n);
        /* UV_EAGAIN when the kernel is full or libuv still has writes
         * queued: then these bytes go behind them, keeping the order. */
        int done = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
        if (done < 0 && done != UV_EAGAIN) {
            lq_conn_write_failed(c, done);
            return;
        }
        if (done < 0)
            done = 0;
        if (done < n)
            queue_write(c, slab + done, (size_t)(n - done));
    }
}

void lq_conn_send_queued(lq_conn *c)
{
    if (c->out.len == 0 || c->tls_dead)
        return;
    size_t written;
    /* A memory BIO never pushes back: a success wrote everything. */
    int ok = SSL_write_ex(c->ssl, c->out.data, c->out.len, &written);
    lq_frame_buf_clear(&c->out, OUT_KEEP_BYTES);
    if (ok != 1) {
        c->tls_dead = true;
        ERR_clear_error();
        lq_peer_close(&c->base, "tls write failed");
        return;
    }
    lq_conn_flush_tls(c);
    maybe_wake_drain_waiters(c);
}

/* The idle phase after replies were queued, or after c's load went down
 * while it was paused: send what is queued, then read again if c is back
 * under its limits. */
static void on_flush_due(uv_idle_t *h)
{
    lq_conn *c = h->data;
    uv_idle_stop(h);
    lq_conn_send_queued(c);
    if (c->paused)
        lq_conn_resume(c);
}

void lq_conn_flush_soon(lq_conn *c)
{
    if (!c->base.closing && !uv_is_active((uv_handle_t *)&c->flush))
        uv_idle_start(&c->flush, on_flush_due);
}

void lq_conn_send(lq_peer *p, const Labelq__Envelope *env)
{
    lq_conn *c = (lq_conn *)p;
    /* Replies are sized by the server; the frame limit guards requests. A
     * reply that cannot be encoded is a bug, not the client's fault. */
    int rc = lq_frame_buf_append(&c->out, env, UINT32_MAX);
    if (rc) {
        lq_log(LQ_LOG_ERROR, "cannot encode reply", "peer=%s error=%s", p->name, lq_strerror(rc));
        lq_peer_close(p, "encode failure");
        return;
    }
    /* Sent from the idle phase of the next loop iteration, so that every
     * reply produced for c until then (this iteration's I/O callbacks, the
     * next one's timers) shares one TLS write. An active idle handle keeps
     * the loop from blocking in poll first, wherever the reply came from. */
    lq_conn_flush_soon(c);
}
