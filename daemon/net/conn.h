/* One client connection: TLS through OpenSSL memory BIOs on a libuv TCP
 * handle, the frame reader, and who the peer authenticated as.
 *
 * Lifetime: a connection is reference counted. Anything that will reply
 * later (a commit in the writer, a parked lease, an export in the thread
 * pool) holds a reference; lq_conn_send on a closed connection is a no-op,
 * so late replies are simply dropped. Memory goes when the last reference
 * and the libuv close callback are both done. */
#ifndef LQ_CONN_H
#define LQ_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "daemon/model/annotator.h"
#include "daemon/core/server.h"
#include "proto/frame.h"

struct lq_export;
struct lq_backup;

/* A reply stream (an export, a backup) that stopped producing because its
 * connection's write queue went over write_queue_high. Parked with
 * lq_conn_wait_drain, it gets exactly one call: resume once the queue is
 * below half of that bound, or abort when the connection closes first. It
 * is off the connection's list before either call. */
typedef struct lq_drain_waiter lq_drain_waiter;
struct lq_drain_waiter {
    void (*resume)(lq_drain_waiter *w);
    void (*abort)(lq_drain_waiter *w);
    lq_drain_waiter *next;
};

struct lq_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;          /* handshake + Hello deadline */
    uv_idle_t flush;           /* active while `out` holds replies to send */
    lq_server *srv;
    SSL *ssl;
    BIO *rbio, *wbio;          /* network -> OpenSSL, OpenSSL -> network */
    lq_frame_reader reader;
    lq_annotator *who;         /* NULL until Hello succeeded */
    int refs;
    int handles_open;          /* libuv handles not yet closed */
    bool closing;
    bool handshaken;
    bool refusing;             /* past max_connections: the first request is refused */
    bool held;                 /* a delayed refusal is pending: nothing more is read */
    uint64_t held_id;          /* ...for this request */
    int held_code;
    char held_msg[128];
    bool tls_buffers_kept;     /* busy: OpenSSL keeps its record buffers */
    uint64_t burst_start;      /* uv_now() of the first request of this second */
    unsigned burst_requests;   /* requests since burst_start */
    lq_frame_buf out;          /* replies of this loop iteration, not yet encrypted */
    size_t write_pending;      /* bytes handed to uv_write not yet written */
    struct lq_export *export;  /* the export running on this connection, if any */
    struct lq_backup *backup;  /* the backup running on this connection, if any */
    lq_drain_waiter *drain_waiters; /* streams waiting for the socket to drain */
    char peer[64];
    struct sockaddr_storage addr; /* the peer's address (family 0 if unknown) */
    lq_conn *prev, *next;
};

/* Accepts a new connection on the listener. Errors are logged. */
void lq_conn_accept(lq_server *srv);

void lq_conn_ref(lq_conn *c);
void lq_conn_unref(lq_conn *c);

/* Queues env. The replies queued on c are encrypted and written together
 * (one TLS write, one socket write when the socket takes it all), in the
 * order queued, at the start of the next loop iteration, before the loop
 * waits for I/O again. A no-op on a closing connection. */
void lq_conn_send(lq_conn *c, const Labelq__Envelope *env);

/* Sends a reply of kind with body (borrowed) for request id. A no-op on a
 * closing connection. */
void lq_conn_reply(lq_conn *c, uint64_t id, Labelq__Envelope__BodyCase kind, void *body);

/* Sends an Error reply for request id (code is an LQ_E* code). */
void lq_conn_send_error(lq_conn *c, uint64_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Replies with the empty success body. */
void lq_conn_send_ok(lq_conn *c, uint64_t id);

/* True when c has more unsent output (queued replies and bytes waiting for
 * the socket) than write_queue_high: a stream
 * should stop producing and lq_conn_wait_drain. Cannot fail. */
bool lq_conn_congested(const lq_conn *c);

/* Parks w (not parked already) until c's write queue drains or c closes;
 * see lq_drain_waiter. On a closing connection w->abort is called at once. */
void lq_conn_wait_drain(lq_conn *c, lq_drain_waiter *w);

/* Stops reading from c, and after delay_ms sends Error{code, msg} for
 * request id and closes c. Requests already received are dropped. Uses c's
 * handshake timer, so nothing is allocated; c stays counted until then. */
void lq_conn_refuse_later(lq_conn *c, uint64_t id, int code, const char *msg, unsigned delay_ms);

/* Starts closing: sends TLS close_notify, flushes what is queued, closes.
 * reason is logged. Safe to call more than once. */
void lq_conn_close(lq_conn *c, const char *reason);

#endif
