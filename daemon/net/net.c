/* The protocol's listener and what the network side shares; see net.h. */
#include "daemon/net/net.h"

#include <string.h>

#include "daemon/core/log.h"
#include "daemon/net/conn.h"
#include "daemon/net/tls.h"
#include "proto/error.h"

/* Connections the kernel may hold before the loop accepts them: the loop
 * accepts as fast as they come, and the kernel caps this at
 * net.core.somaxconn anyway. (Refusals past max-connections happen after
 * accept, where the client can be told why.) */
#define LISTEN_BACKLOG 511

int lq_net_init(lq_net *net, lq_server *srv)
{
    memset(net, 0, sizeof(*net));
    net->srv = srv;
    srv->net = net;
    return lq_tls_setup(srv->cfg, &net->ssl_ctx);
}

static void accept_pending(void *net)
{
    lq_conn_accept(net);
}

static void on_connection(uv_stream_t *listener, int status)
{
    lq_net *net = listener->data;
    if (status < 0) {
        lq_log(LQ_LOG_WARN, "accept failed", "error=\"%s\"", uv_strerror(status));
        return;
    }
    lq_conn_accept(net);
}

int lq_net_start(lq_net *net)
{
    lq_server *srv = net->srv;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (lq_server_parse_addr(srv->cfg->listen, &ss) < 0) {
        lq_log(LQ_LOG_ERROR, "bad --listen address (want HOST:PORT or [V6]:PORT)", "listen=%s",
               srv->cfg->listen);
        return LQ_EBADREQ;
    }
    uv_tcp_init(srv->loop, &net->listener);
    net->listener.data = net;
    net->listening = true;
    lq_accept_retry_init(&net->accept_retry, srv->loop, accept_pending, net, "tls");
    int rc = uv_tcp_bind(&net->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&net->listener, LISTEN_BACKLOG, on_connection);
    if (rc < 0) {
        lq_log(LQ_LOG_ERROR, "cannot listen", "listen=%s error=\"%s\"", srv->cfg->listen,
               uv_strerror(rc));
        return LQ_EIO;
    }
    if ((rc = lq_metrics_http_start(srv)) < 0)
        return rc;
    lq_log(LQ_LOG_INFO, "listening", "addr=%s tls=on alpn=labelq/1", srv->cfg->listen);
    return 0;
}

void lq_net_stop(lq_net *net)
{
    if (net->listening) {
        net->listening = false;
        uv_close((uv_handle_t *)&net->listener, NULL);
    }
    lq_accept_retry_close(&net->accept_retry);
    /* /healthz answers 503 until the last connection has flushed and closed
     * (conn.c stops the metrics listener then); with none open, now. */
    if (net->srv->metrics.live_conns == 0)
        lq_metrics_http_stop(net->srv);
}

void lq_net_free(lq_net *net)
{
    SSL_CTX_free(net->ssl_ctx);
    net->ssl_ctx = NULL;
}
