/* labelqd's network side: the TLS listener of the protocol, the metrics
 * listener, and what they share (the TLS context, the failed-Hello
 * throttle). Everything here runs on the loop thread. */
#ifndef LQ_NET_H
#define LQ_NET_H

#include <stdbool.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "daemon/core/server.h"
#include "daemon/net/accept_retry.h"
#include "daemon/net/auth_throttle.h"
#include "daemon/net/metrics_http.h"

typedef struct lq_net {
    lq_server *srv;
    SSL_CTX *ssl_ctx;              /* the server certificate and ALPN labelq/1 (tls.c) */
    uv_tcp_t listener;             /* --listen */
    bool listening;
    lq_accept_retry accept_retry;  /* a connection it had no memory for */
    lq_auth_throttle auth_throttle; /* failed Hellos by address (auth_throttle.c) */
    lq_metrics_http metrics_http;  /* --metrics-listen: /metrics and /healthz */
} lq_net;

/* Makes the TLS context from the configured (or generated) certificate and
 * attaches net to srv (srv->net). Returns 0 or an LQ_E* code (logged). */
int lq_net_init(lq_net *net, lq_server *srv);

/* Starts listening on cfg->listen and cfg->metrics_listen. Returns 0 or an
 * LQ_E* code (logged). */
int lq_net_start(lq_net *net);

/* Stops accepting and closes every peer (each flushes what was queued for
 * it first). The metrics listener stays until the last connection's
 * handles are closed, so /healthz can say the server is stopping. Cannot
 * fail. */
void lq_net_stop(lq_net *net);

/* Frees what lq_net_init made. Cannot fail. */
void lq_net_free(lq_net *net);

#endif
