#include "daemon/core/server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ops/backup.h"
#include "daemon/net/conn.h"
#include "daemon/core/log.h"
#include "daemon/estimate/report.h"
#include "daemon/sched/sched.h"
#include "proto/error.h"

uint64_t lq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t lq_server_unix_ms(lq_server *srv, uint64_t loop_ms)
{
    uint64_t now = uv_now(srv->loop);
    return lq_now_ms() + (loop_ms > now ? loop_ms - now : 0);
}

static lq_project *project_named(lq_server *srv, const char *name)
{
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && strcmp(srv->projects[i]->config->name, name) == 0)
            return srv->projects[i];
    return NULL;
}

lq_project *lq_server_project(lq_server *srv, const char *name)
{
    lq_project *p = project_named(srv, name);
    return p && !p->pending ? p : NULL;
}

bool lq_server_name_taken(lq_server *srv, const char *name)
{
    return project_named(srv, name) != NULL;
}

lq_project *lq_server_project_by_id(lq_server *srv, uint32_t id)
{
    return id < srv->n_projects ? srv->projects[id] : NULL;
}

lq_annotator *lq_server_annotator_by_name(lq_server *srv, const char *name)
{
    for (uint32_t i = 0; i < srv->n_annotators; i++)
        if (srv->annotators[i] && strcmp(srv->annotators[i]->name, name) == 0)
            return srv->annotators[i];
    return NULL;
}

lq_annotator *lq_server_annotator(lq_server *srv, uint32_t id)
{
    return id < srv->n_annotators ? srv->annotators[id] : NULL;
}

/* Grows a by-id pointer array so that index id exists. */
static int grow(void ***arr, uint32_t *n, uint32_t id)
{
    if (id < *n)
        return 0;
    uint32_t cap = *n ? *n : 16;
    while (cap <= id)
        cap *= 2;
    void **v = realloc(*arr, cap * sizeof(*v));
    if (!v)
        return LQ_ENOMEM;
    memset(v + *n, 0, (cap - *n) * sizeof(*v));
    *arr = v;
    *n = cap;
    return 0;
}

int lq_server_add_project(lq_server *srv, lq_project *p)
{
    if (grow((void ***)&srv->projects, &srv->n_projects, p->id) < 0)
        return LQ_ENOMEM;
    srv->projects[p->id] = p;
    return 0;
}

int lq_server_add_annotator(lq_server *srv, lq_annotator *a)
{
    if (grow((void ***)&srv->annotators, &srv->n_annotators, a->id) < 0)
        return LQ_ENOMEM;
    srv->annotators[a->id] = a;
    return 0;
}

static void on_connection(uv_stream_t *listener, int status)
{
    lq_server *srv = listener->data;
    if (status < 0) {
        lq_log(LQ_LOG_WARN, "accept failed", "error=\"%s\"", uv_strerror(status));
        return;
    }
    lq_conn_accept(srv);
}

static void on_signal(uv_signal_t *h, int signum)
{
    lq_server *srv = h->data;
    lq_log(LQ_LOG_INFO, "shutting down", "signal=%s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    lq_server_stop(srv);
}

int lq_server_parse_addr(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
        return LQ_EBADREQ;
    size_t n = (size_t)(colon - spec);
    memcpy(host, spec, n);
    host[n] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return LQ_EBADREQ;
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) ? LQ_EBADREQ : 0;
    }
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) ? LQ_EBADREQ : 0;
}

int lq_server_start(lq_server *srv)
{
    struct sockaddr_storage ss;
    srv->started_ms = lq_now_ms();
    memset(&ss, 0, sizeof(ss));
    if (lq_server_parse_addr(srv->cfg->listen, &ss) < 0) {
        lq_log(LQ_LOG_ERROR, "bad --listen address (want HOST:PORT or [V6]:PORT)",
               "listen=%s", srv->cfg->listen);
        return LQ_EBADREQ;
    }
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 511, on_connection);
    if (rc < 0) {
        lq_log(LQ_LOG_ERROR, "cannot listen", "listen=%s error=\"%s\"", srv->cfg->listen,
               uv_strerror(rc));
        return LQ_EIO;
    }
    if ((rc = lq_metrics_http_start(srv)) < 0)
        return rc;
    uv_signal_init(srv->loop, &srv->sig_term);
    uv_signal_init(srv->loop, &srv->sig_int);
    srv->sig_term.data = srv->sig_int.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    lq_log(LQ_LOG_INFO, "listening", "addr=%s tls=on alpn=labelq/1", srv->cfg->listen);
    /* Bring stored consensus up to date with the labels that came after the
     * last estimate before a restart; it runs on the pool, serving goes on. */
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && srv->projects[i]->done > 0)
            lq_results_refresh(srv, srv->projects[i]);
    return 0;
}

void lq_server_stop(lq_server *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    uv_close((uv_handle_t *)&srv->listener, NULL);
    uv_close((uv_handle_t *)&srv->sig_term, NULL);
    uv_close((uv_handle_t *)&srv->sig_int, NULL);
    lq_sched_cancel_waiters(srv);
    /* A running backup holds the store against map growth, which the writer
     * may need to finish its queue, and waits for this loop to read its pipe:
     * stop the backups first. */
    for (lq_conn *c = srv->conns; c; c = c->next)
        lq_backup_cancel(c);
    /* Finish every queued commit and send its acknowledgement before the
     * connections go: nothing acknowledged is lost, nothing queued is dropped. */
    lq_writer_stop(srv->writer);
    lq_writer_drain(srv->writer);
    while (srv->conns)
        lq_conn_close(srv->conns, "shutdown");
    uv_close((uv_handle_t *)&srv->writer_async, NULL);
    uv_close((uv_handle_t *)&srv->lease_timer, NULL);
    /* /healthz answers 503 until the last connection has flushed and closed
     * (lq_metrics_conn_gone); then the metrics listener closes too. */
    if (srv->metrics.live_conns == 0)
        lq_metrics_http_stop(srv);
}
