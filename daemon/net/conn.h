/* One client connection of the protocol: TLS through OpenSSL memory BIOs
 * on a libuv TCP handle, and the frame reader. It is a peer (core/peer.h)
 * to everything above net/; only net/ sees this struct.
 *
 *   conn.c        accepting, closing, delayed refusals, the peer's ops
 *   conn_read.c   socket -> TLS -> frames -> dispatch
 *   conn_write.c  replies -> TLS -> socket, and waiting for it to drain
 *
 * Memory goes when the last peer reference and the libuv close callbacks
 * are both done. Loop thread only. */
#ifndef LQ_CONN_H
#define LQ_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "daemon/core/peer.h"
#include "daemon/net/net.h"
#include "proto/frame.h"

typedef struct lq_conn {
    lq_peer base;              /* first: an lq_peer * is an lq_conn * in net/ */
    lq_net *net;
    uv_tcp_t tcp;
    uv_timer_t timer;          /* handshake + Hello deadline; then stalls; then linger */
    uv_idle_t flush;           /* active while `out` holds replies to send */
    SSL *ssl;
    BIO *rbio, *wbio;          /* network -> OpenSSL, OpenSSL -> network */
    lq_frame_reader reader;
    int handles_open;          /* libuv handles not yet closed */
    bool handshaken;
    bool tls_dead;             /* a fatal TLS error: OpenSSL may not be called to write or
                                * shut down on this connection again */
    bool paused;               /* back-pressure: not reading (conn_read.c) */
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
    lq_drain_waiter *drain_waiters; /* streams waiting for the socket to drain */
} lq_conn;

/* Accepts a new connection on net's listener. Errors are logged. */
void lq_conn_accept(lq_net *net);

/* Closes c's libuv handles (idempotent); memory goes with the last. */
void lq_conn_close_handles(lq_conn *c);

#endif
