/* A peer with no socket and no TLS for in-process fuzzing: the fuzz
 * targets run lq_dispatch against a real server (store, writer, loop)
 * through this instead of net/conn.c.
 *
 * Replies are not sent anywhere; each one is encoded and decoded again,
 * because a reply the server cannot encode is a daemon bug (the real
 * connection would log it and drop the connection). With LQ_FUZZ_TRACE
 * set each reply is printed to stderr. */
#include "fuzz_conn.h"

#include <stdio.h>
#include <stdlib.h>

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

static void fuzz_send(lq_peer *p, const Labelq__Envelope *env)
{
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
    (void)p;
}

static size_t fuzz_unsent(const lq_peer *p)
{
    (void)p;
    return 0; /* replies go nowhere: the write queue is always empty */
}

static void fuzz_wait_drain(lq_peer *p, lq_drain_waiter *w)
{
    fuzz_conn *c = (fuzz_conn *)p;
    w->next = c->drain_waiters;
    c->drain_waiters = w;
}

static void fuzz_hello_done(lq_peer *p)
{
    (void)p; /* no login deadline here */
}

/* No timers here: the refusal goes out at once (fuzz peers have no
 * address, so the auth throttle never asks for a delay anyway). */
static void fuzz_refuse_later(lq_peer *p, uint64_t id, int code, const char *msg, unsigned delay_ms)
{
    (void)delay_ms;
    lq_peer_error(p, id, code, "%s", msg);
    lq_peer_close(p, "delayed refusal sent");
}

static void fuzz_close(lq_peer *p, const char *reason)
{
    fuzz_conn *c = (fuzz_conn *)p;
    (void)reason;
    p->srv->n_conns--;
    lq_drain_waiter *w = c->drain_waiters;
    c->drain_waiters = NULL;
    while (w) {
        lq_drain_waiter *next = w->next;
        w->next = NULL;
        w->abort(w);
        w = next;
    }
}

static void fuzz_release(lq_peer *p)
{
    fuzz_conn *c = (fuzz_conn *)p;
    lq_frame_reader_free(&c->reader);
    free(c);
}

static void fuzz_write_done(lq_peer *p)
{
    (void)p; /* never stops reading: requests come from the fuzzer's loop */
}

static const lq_peer_ops fuzz_ops = {
    .send = fuzz_send,
    .unsent = fuzz_unsent,
    .wait_drain = fuzz_wait_drain,
    .hello_done = fuzz_hello_done,
    .refuse_later = fuzz_refuse_later,
    .close = fuzz_close,
    .release = fuzz_release,
    .write_done = fuzz_write_done,
};

fuzz_conn *fuzz_conn_new(lq_server *srv, lq_annotator *who)
{
    fuzz_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        fprintf(stderr, "fuzz_conn: out of memory\n");
        abort();
    }
    lq_peer_init(&c->base, &fuzz_ops, srv);
    c->base.who = who;
    if (who)
        who->sessions++; /* as a Hello would; the close counts it off */
    snprintf(c->base.name, sizeof(c->base.name), "fuzz");
    lq_frame_reader_init(&c->reader, srv->cfg->max_frame);
    srv->n_conns++;
    return c;
}
