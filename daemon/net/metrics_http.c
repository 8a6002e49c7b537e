#include "daemon/net/metrics_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "daemon/net/net.h"
#include "proto/error.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

typedef struct http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer; /* the whole exchange must end by then */
    uv_write_t write;
    uv_shutdown_t shutdown;
    lq_server *srv;
    int handles_open;
    bool closing;
    char *reply; /* the response being written, freed with the connection */
    size_t len;  /* request bytes read into req */
    struct http_conn *prev, *next;
    char req[]; /* cfg->metrics_max_request bytes */
} http_conn;

static void on_closed(uv_handle_t *h)
{
    http_conn *c = h->data;
    if (--c->handles_open > 0)
        return;
    free(c->reply);
    free(c);
}

/* Unlinks c and closes its handles; memory goes in on_closed. Idempotent. */
static void conn_close(http_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    lq_metrics_http *m = &c->srv->net->metrics_http;
    if (c->prev)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    m->n_conns--;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    uv_close((uv_handle_t *)&c->timer, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    conn_close(req->data);
}

static void on_write(uv_write_t *req, int status)
{
    http_conn *c = req->data;
    if (status < 0 || c->closing ||
        uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        conn_close(c);
}

/* Sends the whole response (body borrowed) and closes after it. */
static void respond(http_conn *c, int status, const char *reason, const char *type,
                    const char *extra, const char *body, size_t body_len)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, reason, type, body_len, extra);
    c->reply = malloc((size_t)n + body_len);
    if (!c->reply) {
        conn_close(c);
        return;
    }
    memcpy(c->reply, head, (size_t)n);
    memcpy(c->reply + n, body, body_len);
    uv_buf_t buf = uv_buf_init(c->reply, (unsigned)((size_t)n + body_len));
    c->write.data = c->shutdown.data = c;
    if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, on_write) < 0)
        conn_close(c);
}

static void respond_text(http_conn *c, int status, const char *reason, const char *extra,
                         const char *body)
{
    respond(c, status, reason, TEXT_TYPE, extra, body, strlen(body));
}

static void serve_metrics(http_conn *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc = out ? lq_metrics_render(c->srv, out) : -1;
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc < 0) {
        free(text);
        lq_log(LQ_LOG_ERROR, "cannot render metrics", NULL);
        respond_text(c, 500, "Internal Server Error", "", "cannot render metrics\n");
        return;
    }
    respond(c, 200, "OK", METRICS_TYPE, "", text, len);
    free(text);
}

/* Answers from the request line alone; headers are read but ignored. */
static void answer(http_conn *c)
{
    size_t line = 0;
    while (line < c->len && c->req[line] != '\r' && c->req[line] != '\n')
        line++;
    c->req[line] = '\0'; /* line < len: the header block ends after it */
    char *method = c->req, *target = strchr(method, ' '), *version;
    if (target)
        *target++ = '\0';
    version = target ? strchr(target, ' ') : NULL;
    if (version)
        *version++ = '\0';
    if (!version || !*method || !*target || strncmp(version, "HTTP/1.", 7) != 0) {
        respond_text(c, 400, "Bad Request", "", "bad request line\n");
        return;
    }
    if (strcmp(method, "GET") != 0) {
        respond_text(c, 405, "Method Not Allowed", "Allow: GET\r\n", "only GET is served\n");
        return;
    }
    target[strcspn(target, "?")] = '\0';
    if (strcmp(target, "/metrics") == 0)
        serve_metrics(c);
    else if (strcmp(target, "/healthz") != 0)
        respond_text(c, 404, "Not Found", "", "try /metrics or /healthz\n");
    else if (c->srv->stopping)
        respond_text(c, 503, "Service Unavailable", "", "shutting down\n");
    else
        respond_text(c, 200, "OK", "", "ok\n");
}

/* Whether req[0..len) holds a blank line, the end of the header block;
 * only bytes from `from` on are new. */
static bool headers_end(const char *req, size_t from, size_t len)
{
    for (size_t i = from > 3 ? from - 3 : 0; i + 1 < len; i++) {
        if (req[i] == '\n' && req[i + 1] == '\n')
            return true;
        if (i + 3 < len && memcmp(req + i, "\r\n\r\n", 4) == 0)
            return true;
    }
    return false;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    http_conn *c = h->data;
    (void)suggested;
    *buf = uv_buf_init(c->req + c->len, (unsigned)(c->srv->cfg->metrics_max_request - c->len));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    http_conn *c = s->data;
    (void)buf;
    if (c->closing || nread == 0)
        return;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    size_t from = c->len;
    c->len += (size_t)nread;
    bool complete = headers_end(c->req, from, c->len);
    if (!complete && c->len < c->srv->cfg->metrics_max_request)
        return;
    uv_read_stop(s);
    if (complete)
        answer(c);
    else
        respond_text(c, 431, "Request Header Fields Too Large", "", "request header too large\n");
}

static void on_timeout(uv_timer_t *t)
{
    conn_close(t->data);
}

/* Takes the listener's pending connection. */
static void accept_pending(void *arg)
{
    lq_server *srv = arg;
    lq_metrics_http *m = &srv->net->metrics_http;
    uv_stream_t *listener = (uv_stream_t *)&m->listener;
    http_conn *c = calloc(1, sizeof(*c) + srv->cfg->metrics_max_request);
    if (!c) {
        lq_accept_retry_later(&m->accept_retry);
        return;
    }
    c->srv = srv;
    c->tcp.data = c->timer.data = c;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    c->handles_open = 2;
    c->next = m->conns;
    if (m->conns)
        m->conns->prev = c;
    m->conns = c;
    m->n_conns++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0 ||
        m->n_conns > srv->cfg->metrics_max_connections) {
        conn_close(c);
        return;
    }
    uv_timer_start(&c->timer, on_timeout, srv->cfg->metrics_timeout_ms, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
    if (status < 0) {
        lq_log(LQ_LOG_WARN, "metrics accept failed", "error=\"%s\"", uv_strerror(status));
        return;
    }
    accept_pending(listener->data);
}

int lq_metrics_http_start(lq_server *srv)
{
    const char *spec = srv->cfg->metrics_listen;
    lq_metrics_http *m = &srv->net->metrics_http;
    if (!spec || !*spec) {
        lq_log(LQ_LOG_INFO, "metrics endpoint off", NULL);
        return 0;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (lq_server_parse_addr(spec, &ss) < 0) {
        lq_log(LQ_LOG_ERROR, "bad --metrics-listen address", "metrics_listen=%s", spec);
        return LQ_EBADREQ;
    }
    uv_tcp_init(srv->loop, &m->listener);
    m->listener.data = srv;
    m->listening = true;
    lq_accept_retry_init(&m->accept_retry, srv->loop, accept_pending, srv, "metrics");
    int rc = uv_tcp_bind(&m->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&m->listener, (int)srv->cfg->metrics_max_connections,
                       on_connection);
    if (rc < 0 && !srv->cfg->metrics_listen_set) {
        /* Only the default address: another labelqd on this host may hold it,
         * and serving labels matters more than serving metrics. */
        lq_log(LQ_LOG_WARN, "metrics endpoint off: cannot listen on the default address",
               "metrics_listen=%s error=\"%s\"", spec, uv_strerror(rc));
        lq_metrics_http_stop(srv);
        return 0;
    }
    if (rc < 0) {
        lq_log(LQ_LOG_ERROR, "cannot listen for metrics", "metrics_listen=%s error=\"%s\"", spec,
               uv_strerror(rc));
        return LQ_EIO;
    }
    lq_log(LQ_LOG_INFO, "metrics listening", "addr=%s paths=/metrics,/healthz", spec);
    return 0;
}

void lq_metrics_http_stop(lq_server *srv)
{
    lq_metrics_http *m = &srv->net->metrics_http;
    if (m->listening) {
        m->listening = false;
        uv_close((uv_handle_t *)&m->listener, NULL);
    }
    lq_accept_retry_close(&m->accept_retry);
    while (m->conns)
        conn_close(m->conns);
}
