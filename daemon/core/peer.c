/* Peers: the rules every transport shares (a closing peer gets nothing,
 * the server's list of open peers, reference counts) and the reply
 * envelopes every handler sends, built the same way whatever carries
 * them. */
#include "daemon/core/peer.h"

#include <stdarg.h>
#include <stdio.h>

#include "daemon/core/server.h"
#include "proto/envelope.h"
#include "proto/error.h"
#include "proto/utf8.h"

void lq_peer_init(lq_peer *p, const lq_peer_ops *ops, lq_server *srv)
{
    p->ops = ops;
    p->srv = srv;
    p->refs = 1;
    p->prev = NULL;
    p->next = srv->peers;
    if (srv->peers)
        srv->peers->prev = p;
    srv->peers = p;
}

void lq_peer_ref(lq_peer *p)
{
    p->refs++;
}

void lq_peer_unref(lq_peer *p)
{
    if (--p->refs == 0)
        p->ops->release(p);
}

void lq_peer_send(lq_peer *p, const Labelq__Envelope *env)
{
    if (!p->closing)
        p->ops->send(p, env);
}

void lq_peer_reply(lq_peer *p, uint64_t id, Labelq__Envelope__BodyCase kind, void *body)
{
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    lq_envelope_wrap(&env, id, kind, body);
    lq_peer_send(p, &env);
}

void lq_peer_error(lq_peer *p, uint64_t id, int code, const char *fmt, ...)
{
    char raw[1024], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* The strings of a request are text by the time a handler quotes them
     * (net/frame_check.c), but a message may quote a string stored before
     * that check, or be cut at the buffer's end inside a character: what is
     * not UTF-8 goes out as \xNN, so that every client can decode it. */
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    lq_utf8_escape(msg, sizeof(msg), raw, len);
    Labelq__Error err = LABELQ__ERROR__INIT;
    err.code = (Labelq__ErrorCode)lq_error_to_wire(code);
    err.message = msg;
    lq_peer_reply(p, id, LABELQ__ENVELOPE__BODY_ERROR, &err);
}

void lq_peer_ok(lq_peer *p, uint64_t id)
{
    Labelq__Empty empty = LABELQ__EMPTY__INIT;
    lq_peer_reply(p, id, LABELQ__ENVELOPE__BODY_OK, &empty);
}

bool lq_peer_congested(const lq_peer *p)
{
    return p->ops->unsent(p) >= p->srv->cfg->write_queue_high;
}

void lq_peer_wait_drain(lq_peer *p, lq_drain_waiter *w)
{
    if (p->closing)
        w->abort(w);
    else
        p->ops->wait_drain(p, w);
}

void lq_peer_refuse_later(lq_peer *p, uint64_t id, int code, const char *msg, unsigned delay_ms)
{
    if (!p->closing)
        p->ops->refuse_later(p, id, code, msg, delay_ms);
}

void lq_peer_write_begin(lq_peer *p)
{
    p->refs++;
    p->writes++;
}

void lq_peer_write_end(lq_peer *p)
{
    p->writes--;
    if (!p->closing)
        p->ops->write_done(p);
    lq_peer_unref(p);
}

bool lq_peer_may_park(const lq_peer *p)
{
    return p->parked < p->srv->cfg->max_parked_per_connection;
}

void lq_peer_close(lq_peer *p, const char *reason)
{
    if (p->closing)
        return;
    p->closing = true;
    lq_server *srv = p->srv;
    if (p->who)
        p->who->sessions--;
    if (p->prev)
        p->prev->next = p->next;
    else
        srv->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
    p->ops->close(p, reason);
}
