/* A stand-in for daemon/conn.c for in-process fuzzing: the fuzz targets link
 * every daemon file but conn.c and this one instead, so lq_dispatch runs
 * against a real server (store, writer, loop) while connections have no
 * socket and no TLS.
 *
 * Replies are not sent anywhere; each one is encoded and decoded again,
 * because a reply the server cannot encode is a daemon bug (the real
 * lq_conn_send would log it and drop the connection). The harness counts
 * With LQ_FUZZ_TRACE set each reply is printed to stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/net/conn.h"
#include "proto/error.h"

static void trace(const Labelq__Envelope *env)
{
    static int on = -1;
    if (on < 0)
        on = getenv("LQ_FUZZ_TRACE") != NULL;
    if (!on)
        return;
    fprintf(stderr, "fuzz_conn: reply id=%lu kind=%d%s%s\n", (unsigned long)env->id,
            (int)env->body_case, env->body_case == LABELQ__ENVELOPE__BODY_ERROR ? " " : "",
            env->body_case == LABELQ__ENVELOPE__BODY_ERROR ? env->error->message : "");
}

void lq_conn_accept(lq_server *srv)
{
    /* The fuzz server never listens, so nothing accepts. */
    (void)srv;
    abort();
}

void lq_conn_ref(lq_conn *c)
{
    c->refs++;
}

void lq_conn_unref(lq_conn *c)
{
    if (--c->refs > 0)
        return;
    lq_frame_reader_free(&c->reader);
    free(c);
}

void lq_conn_close(lq_conn *c, const char *reason)
{
    (void)reason;
    if (c->closing)
        return;
    c->closing = true;
    lq_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->n_conns--;
    lq_drain_waiter *w = c->drain_waiters;
    c->drain_waiters = NULL;
    while (w) {
        lq_drain_waiter *next = w->next;
        w->next = NULL;
        w->abort(w);
        w = next;
    }
}

bool lq_conn_congested(const lq_conn *c)
{
    (void)c;
    return false; /* replies go nowhere: the write queue is always empty */
}

void lq_conn_wait_drain(lq_conn *c, lq_drain_waiter *w)
{
    if (c->closing) {
        w->abort(w);
        return;
    }
    w->next = c->drain_waiters;
    c->drain_waiters = w;
}

void lq_conn_send(lq_conn *c, const Labelq__Envelope *env)
{
    if (c->closing)
        return;
    if (env->body_case == LABELQ__ENVELOPE__BODY__NOT_SET) {
        fprintf(stderr, "fuzz_conn: reply %lu has no body\n", (unsigned long)env->id);
        abort();
    }
    uint8_t *frame;
    size_t len;
    if (lq_frame_encode(env, UINT32_MAX, &frame, &len) != 0) {
        fprintf(stderr, "fuzz_conn: reply %lu cannot be encoded\n", (unsigned long)env->id);
        abort();
    }
    Labelq__Envelope *back = lq_frame_decode(frame + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER);
    if (!back || back->body_case != env->body_case) {
        fprintf(stderr, "fuzz_conn: reply %lu does not decode again\n", (unsigned long)env->id);
        abort();
    }
    labelq__envelope__free_unpacked(back, NULL);
    free(frame);
    trace(env);
}


/* No timers here: the refusal goes out at once (fuzz connections have no
 * address, so the auth throttle never asks for a delay anyway). */
void lq_conn_refuse_later(lq_conn *c, uint64_t id, int code, const char *msg, unsigned delay_ms)
{
    (void)delay_ms;
    if (c->closing)
        return;
    lq_conn_send_error(c, id, code, "%s", msg);
    lq_conn_close(c, "delayed refusal sent");
}
