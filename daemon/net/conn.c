/* A connection's life: accepted (or refused past max_connections), its
 * handshake and Hello deadline, delayed refusals, and closing: TLS
 * close_notify, a bounded linger for what is queued, then the handles.
 * This file is the peer's ops table; reading and writing are in
 * conn_read.c and conn_write.c. */
#include "daemon/net/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/net/conn_read.h"
#include "daemon/net/conn_write.h"
#include "daemon/net/metrics_http.h"
#include "proto/error.h"

/* How long a closing connection may take to flush before it is cut off. */
#define CLOSE_LINGER_MS 5000

static void on_close(uv_handle_t *h)
{
    lq_conn *c = h->data;
    if (--c->handles_open > 0)
        return;
    lq_server *srv = c->base.srv;
    lq_metrics_conn_gone(srv);
    /* /healthz answers 503 until the last connection of a stopping server
     * has flushed and closed; then the metrics listener closes too. */
    if (srv->stopping && srv->metrics.live_conns == 0)
        lq_metrics_http_stop(srv);
    lq_peer_unref(&c->base);
}

static void conn_release(lq_peer *p)
{
    lq_conn *c = (lq_conn *)p;
    SSL_free(c->ssl); /* frees both BIOs */
    lq_frame_reader_free(&c->reader);
    lq_frame_buf_free(&c->out);
    free(c);
}

void lq_conn_close_handles(lq_conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_close);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_close);
    if (!uv_is_closing((uv_handle_t *)&c->flush))
        uv_close((uv_handle_t *)&c->flush, on_close);
}

static void on_linger_timeout(uv_timer_t *t)
{
    lq_conn_close_handles(t->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    lq_conn *c = req->data;
    free(req);
    lq_conn_close_handles(c);
}

/* The peer's close: lq_peer_close has marked c closing and unlinked it. */
static void conn_close(lq_peer *p, const char *reason)
{
    lq_conn *c = (lq_conn *)p;
    lq_log(LQ_LOG_DEBUG, "connection closed", "peer=%s reason=\"%s\"", p->name, reason);
    lq_server *srv = p->srv;
    if (c->refusing)
        srv->n_refusing--;
    else
        srv->n_conns--;
    if (c->paused) {
        c->paused = false;
        srv->n_paused--;
    }
    lq_conn_wake_drain_waiters(c, true);
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_idle_stop(&c->flush);
    if (c->handshaken && !c->tls_dead) {
        /* Replies queued before the close (an Error saying why) go first. */
        lq_conn_send_queued(c);
        SSL_shutdown(c->ssl);
        lq_conn_flush_tls(c);
    }
    lq_frame_buf_free(&c->out);
    uv_timer_start(&c->timer, on_linger_timeout, CLOSE_LINGER_MS, 0);
    uv_shutdown_t *req = malloc(sizeof(*req));
    if (!req) {
        lq_conn_close_handles(c);
        return;
    }
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        lq_conn_close_handles(c);
    }
}

static void on_refusal_due(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_peer_error(&c->base, c->held_id, c->held_code, "%s", c->held_msg);
    lq_peer_close(&c->base, "delayed refusal sent");
}

/* Uses c's handshake timer, so nothing is allocated; c stays counted until
 * the refusal goes. Requests already received are dropped. */
static void conn_refuse_later(lq_peer *p, uint64_t id, int code, const char *msg, unsigned delay_ms)
{
    lq_conn *c = (lq_conn *)p;
    if (c->held)
        return;
    c->held = true;
    c->held_id = id;
    c->held_code = code;
    snprintf(c->held_msg, sizeof(c->held_msg), "%s", msg);
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_start(&c->timer, on_refusal_due, delay_ms, 0);
}

/* One of c's writes was stored: if that was what kept c paused, its
 * flush reads it again, from the idle phase (not from inside the writer's
 * callback that called this). */
static void conn_write_done(lq_peer *p)
{
    lq_conn *c = (lq_conn *)p;
    if (c->paused)
        lq_conn_flush_soon(c);
}

static void conn_hello_done(lq_peer *p)
{
    uv_timer_stop(&((lq_conn *)p)->timer);
}

static const lq_peer_ops conn_ops = {
    .send = lq_conn_send,
    .unsent = lq_conn_unsent,
    .wait_drain = lq_conn_wait_drain,
    .hello_done = conn_hello_done,
    .refuse_later = conn_refuse_later,
    .close = conn_close,
    .release = conn_release,
    .write_done = conn_write_done,
};

static void on_handshake_timeout(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_log(LQ_LOG_INFO, "handshake timed out", "peer=%s", c->base.name);
    lq_peer_close(&c->base, "handshake/hello timeout");
}

static void peer_name(lq_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    char host[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(c->base.name, sizeof(c->base.name), "%s:%d", host, port);
    c->base.addr = ss;
}

void lq_conn_accept(lq_net *net)
{
    lq_server *srv = net->srv;
    lq_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        lq_accept_retry_later(&net->accept_retry);
        return;
    }
    /* Linked first so the close's unlink is valid on every path. */
    lq_peer_init(&c->base, &conn_ops, srv);
    c->net = net;
    c->tcp.data = c->timer.data = c->flush.data = c;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    uv_idle_init(srv->loop, &c->flush);
    c->handles_open = 3;
    lq_metrics_conn_open(srv);
    lq_frame_reader_init(&c->reader, srv->cfg->max_frame);
    srv->n_conns++;
    if (uv_accept((uv_stream_t *)&net->listener, (uv_stream_t *)&c->tcp) < 0) {
        lq_peer_close(&c->base, "accept failed");
        return;
    }
    peer_name(c);
    if (srv->stopping) {
        lq_peer_close(&c->base, "shutting down");
        return;
    }
    if (srv->n_conns > srv->cfg->max_connections) {
        /* Past the limit: the handshake still runs so that the client can
         * be told why (conn_read.c refuses its first request). Those cost
         * TLS state until they are told or time out, so only max_refusals
         * of them at a time; past that the socket is simply closed. */
        srv->n_conns--;
        srv->n_refusing++;
        c->refusing = true;
        bool tell = srv->n_refusing <= srv->cfg->max_refusals;
        lq_log(LQ_LOG_WARN, "connection refused: limit reached", "peer=%s limit=%u answered=%s",
               c->base.name, srv->cfg->max_connections, tell ? "yes" : "no, too many refusals");
        if (!tell) {
            lq_peer_close(&c->base, "connection limit");
            return;
        }
    }
    c->ssl = SSL_new(net->ssl_ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        c->rbio = c->wbio = NULL;
        lq_peer_close(&c->base, "out of memory");
        return;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_timer_start(&c->timer, on_handshake_timeout, srv->cfg->handshake_timeout_ms, 0);
    uv_read_start((uv_stream_t *)&c->tcp, lq_conn_alloc, lq_conn_read);
}
