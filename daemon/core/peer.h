/* A peer: the other end of a request, who it authenticated as, and where
 * its replies go.
 *
 * Every handler (sched/, ops/, export/, estimate/) sees requests through
 * this and nothing else of the transport. A transport (net/conn.c: the
 * protocol over TLS) embeds an lq_peer as its first member and supplies
 * lq_peer_ops, so whatever carries a request, it meets the same dispatch,
 * authorization and limits.
 *
 * Lifetime: reference counted. Anything that will reply later (a commit in
 * the writer, a parked lease, an export on the thread pool) holds a
 * reference; replies to a closing peer are dropped, so late replies are
 * simply lost. The transport's memory goes in ops->release once the last
 * reference is gone. Loop thread only. */
#ifndef LQ_PEER_H
#define LQ_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/model/annotator.h"
#include "proto/labelq.pb-c.h"

typedef struct lq_peer lq_peer;
struct lq_server;
struct lq_export;
struct lq_backup;

/* A reply stream (an export, a backup) that stopped producing because its
 * peer's unsent output went over write_queue_high. Parked with
 * lq_peer_wait_drain, it gets exactly one call: resume once the output is
 * below half of that bound, or abort when the peer closes first. It is off
 * the peer's list before either call. */
typedef struct lq_drain_waiter lq_drain_waiter;
struct lq_drain_waiter {
    void (*resume)(lq_drain_waiter *w);
    void (*abort)(lq_drain_waiter *w);
    lq_drain_waiter *next;
};

/* What a transport does; lq_peer_* call these and keep the common rules
 * (closing peers get nothing, the server's peer list) to themselves. */
typedef struct lq_peer_ops {
    /* Queues env for sending; p is not closing. */
    void (*send)(lq_peer *p, const Labelq__Envelope *env);
    /* Bytes produced for p and not yet taken by the network. */
    size_t (*unsent)(const lq_peer *p);
    /* Parks w until p's output drains (p is not closing). */
    void (*wait_drain)(lq_peer *p, lq_drain_waiter *w);
    /* p authenticated: the transport may stop its login deadline. */
    void (*hello_done)(lq_peer *p);
    /* Stops reading from p; after delay_ms sends Error{code, msg} for
     * request id and closes p. */
    void (*refuse_later)(lq_peer *p, uint64_t id, int code, const char *msg, unsigned delay_ms);
    /* Shuts the transport down: queued replies go first, then it closes.
     * p is already marked closing and off the server's list. */
    void (*close)(lq_peer *p, const char *reason);
    /* Frees the transport; the last reference is gone. */
    void (*release)(lq_peer *p);
    /* One of p's writes was stored: a transport that stopped reading at
     * max-writes-per-connection may read again. */
    void (*write_done)(lq_peer *p);
} lq_peer_ops;

struct lq_peer {
    const lq_peer_ops *ops;
    struct lq_server *srv;
    lq_annotator *who;            /* NULL until Hello succeeded */
    int refs;
    unsigned writes;              /* its requests with the writer (lq_peer_write_begin) */
    unsigned parked;              /* its lease requests waiting for work (sched/longpoll.c) */
    bool closing;
    char name[64];                /* "host:port", for logs */
    struct sockaddr_storage addr; /* the peer's address (family 0 if unknown) */
    struct lq_export *export;     /* the export running for this peer, if any */
    struct lq_backup *backup;     /* the backup running for this peer, if any */
    lq_peer *prev, *next;         /* the server's list of open peers */
};

/* Sets p up with one reference and links it into srv's list of open peers
 * (the rest of p is the caller's: zero it first). Cannot fail. */
void lq_peer_init(lq_peer *p, const lq_peer_ops *ops, struct lq_server *srv);

void lq_peer_ref(lq_peer *p);
/* Drops a reference; the last one releases the transport. */
void lq_peer_unref(lq_peer *p);

/* Queues env for p (a no-op on a closing peer). Replies queued on one peer
 * go out in the order queued. */
void lq_peer_send(lq_peer *p, const Labelq__Envelope *env);

/* Sends a reply of kind with body (borrowed) for request id. */
void lq_peer_reply(lq_peer *p, uint64_t id, Labelq__Envelope__BodyCase kind, void *body);

/* Sends an Error reply for request id (code is an LQ_E* code). The
 * message is made valid UTF-8 (lq_utf8_escape): a quoted string needs no
 * escaping of its own. */
void lq_peer_error(lq_peer *p, uint64_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Replies with the empty success body. */
void lq_peer_ok(lq_peer *p, uint64_t id);

/* True when p has more unsent output than write_queue_high: a stream
 * should stop producing and lq_peer_wait_drain. Cannot fail. */
bool lq_peer_congested(const lq_peer *p);

/* Parks w (not parked already) until p's output drains or p closes; see
 * lq_drain_waiter. On a closing peer w->abort is called at once. */
void lq_peer_wait_drain(lq_peer *p, lq_drain_waiter *w);

/* Sends Error{code, msg} for request id after delay_ms and closes p;
 * nothing more is read from p meanwhile. */
void lq_peer_refuse_later(lq_peer *p, uint64_t id, int code, const char *msg,
                          unsigned delay_ms);

/* A write op for one of p's requests: takes a reference on p (as
 * lq_peer_ref) and counts the op until lq_peer_write_end, which drops both
 * when the op is done. A transport stops reading p while
 * max-writes-per-connection of them are out, so a client that pipelines
 * requests without waiting for their answers cannot make the writer's
 * queue grow without bound. Cannot fail. */
void lq_peer_write_begin(lq_peer *p);
void lq_peer_write_end(lq_peer *p);

/* Whether p may have one more parked lease request
 * (max-parked-per-connection). Cannot fail. */
bool lq_peer_may_park(const lq_peer *p);

/* Starts closing p: it leaves the server's list, replies queued before go
 * out, then the transport closes. reason is logged. Safe to call more than
 * once. */
void lq_peer_close(lq_peer *p, const char *reason);

#endif
