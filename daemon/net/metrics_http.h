/* The metrics listener: plain HTTP/1.1 on its own port (--metrics-listen),
 * GET /metrics (Prometheus text) and GET /healthz, one request per
 * connection. It runs on the server's loop and reads no more than a small
 * header block per connection, with a deadline and a connection cap. */
#ifndef LQ_METRICS_HTTP_H
#define LQ_METRICS_HTTP_H

#include <stdbool.h>

#include <uv.h>

#include "daemon/net/accept_retry.h"

struct lq_server;
struct http_conn;

typedef struct lq_metrics_http {
    uv_tcp_t listener;
    lq_accept_retry accept_retry; /* a connection it had no memory for */
    bool listening;          /* listener open (not closing) */
    struct http_conn *conns; /* every open metrics connection */
    unsigned n_conns;
} lq_metrics_http;

/* Starts listening on srv->cfg->metrics_listen; nothing when that is empty.
 * Returns 0 or an LQ_E* code (logged). */
int lq_metrics_http_start(struct lq_server *srv);

/* Closes the listener and every metrics connection. Idempotent; nothing
 * when it never started. */
void lq_metrics_http_stop(struct lq_server *srv);

#endif
