#include "daemon/core/metrics.h"

#include <inttypes.h>

#include "daemon/core/server.h"

/* Bucket upper bounds in seconds, as printed, and in ns for the comparison.
 * Fine below 2.5 ms: a submit's answer takes one group commit (an fdatasync
 * and a synchronous meta-page write, 0.2 to 0.5 ms on a local SSD), and a
 * lease no disk at all, so coarser buckets would put almost every request
 * in the first one. */
static const char *const bucket_text[LQ_HIST_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.00075", "0.001", "0.0015", "0.002", "0.0025", "0.005",
    "0.01",   "0.025",   "0.05",   "0.1",     "0.25",  "0.5",    "1",     "2.5",    "5",
};
static const uint64_t bucket_ns[LQ_HIST_BUCKETS] = {
    100000,   250000,   500000,    750000,    1000000,   1500000,    2000000,    2500000,    5000000,
    10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000,
};

void lq_metrics_count(lq_server *srv, lq_metric_counter which)
{
    srv->metrics.counters[which]++;
}

uint64_t lq_metrics_clock(void)
{
    return uv_hrtime();
}

void lq_metrics_observe(lq_server *srv, lq_metric_hist which, uint64_t start)
{
    lq_histogram *h = &srv->metrics.hist[which];
    uint64_t now = uv_hrtime(), ns = now > start ? now - start : 0;
    unsigned i = 0;
    while (i < LQ_HIST_BUCKETS && ns > bucket_ns[i])
        i++;
    h->counts[i]++;
    h->sum_ns += ns;
    h->count++;
}

void lq_metrics_conn_open(lq_server *srv)
{
    srv->metrics.live_conns++;
}

void lq_metrics_conn_gone(lq_server *srv)
{
    if (srv->metrics.live_conns > 0)
        srv->metrics.live_conns--;
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes s as a label value: backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void scalar(FILE *out, const char *name, const char *type, const char *help, uint64_t value)
{
    family(out, name, type, help);
    fprintf(out, "%s %" PRIu64 "\n", name, value);
}

/* One sample per durable project: NAME{project="P"[,state="S"]} VALUE. */
static void project_sample(FILE *out, const char *name, const lq_project *p, const char *state,
                           uint64_t value)
{
    fprintf(out, "%s{project=\"", name);
    label_value(out, p->config->name);
    if (state)
        fprintf(out, "\",state=\"%s", state);
    fprintf(out, "\"} %" PRIu64 "\n", value);
}

static void render_projects(lq_server *srv, FILE *out)
{
    family(out, "labelq_tasks", "gauge",
           "Tasks by state (gold in a project's gold pool is not counted).");
    for (uint32_t i = 0; i < srv->n_projects; i++) {
        const lq_project *p = srv->projects[i];
        if (!p || p->pending)
            continue;
        project_sample(out, "labelq_tasks", p, "pending", p->tasks - p->done - p->leased);
        project_sample(out, "labelq_tasks", p, "leased", p->leased);
        project_sample(out, "labelq_tasks", p, "done", p->done);
    }
    family(out, "labelq_labels_total", "counter", "Labels stored (gold pool answers excluded).");
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && !srv->projects[i]->pending)
            project_sample(out, "labelq_labels_total", srv->projects[i], NULL,
                           srv->projects[i]->labels);
    family(out, "labelq_gold_items", "gauge", "Gold items in the project's gold pool.");
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && !srv->projects[i]->pending)
            project_sample(out, "labelq_gold_items", srv->projects[i], NULL,
                           srv->projects[i]->n_gold);
}

static void render_histogram(FILE *out, const char *name, const char *help, const lq_histogram *h)
{
    family(out, name, "histogram", help);
    uint64_t cumulative = 0;
    for (unsigned i = 0; i < LQ_HIST_BUCKETS; i++) {
        cumulative += h->counts[i];
        fprintf(out, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, bucket_text[i], cumulative);
    }
    fprintf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
    fprintf(out, "%s_sum %.9f\n", name, (double)h->sum_ns / 1e9);
    fprintf(out, "%s_count %" PRIu64 "\n", name, h->count);
}

static void render_storage(lq_server *srv, FILE *out)
{
    lq_writer_stats ws;
    lq_writer_get_stats(srv->writer, &ws);
    scalar(out, "labelq_commits_total", "counter",
           "LMDB write transactions committed (each one fdatasync plus a synchronous "
           "write of the meta page).",
           ws.commits);
    scalar(out, "labelq_write_ops_total", "counter", "Write operations completed.", ws.ops);
    scalar(out, "labelq_write_failures_total", "counter",
           "Write operations that completed with an error.", ws.failed);
    scalar(out, "labelq_map_grows_total", "counter", "Times the LMDB map was grown.", ws.map_grows);
    scalar(out, "labelq_commit_batch_ops_max", "gauge",
           "Largest number of operations in one commit since start.", ws.max_batch);
    size_t map = 0, used = 0;
    lq_store_usage(srv->store, &map, &used);
    scalar(out, "labelq_lmdb_map_bytes", "gauge", "Size of the LMDB map.", map);
    scalar(out, "labelq_lmdb_used_bytes", "gauge", "Bytes of the LMDB map in use.", used);
}

int lq_metrics_render(lq_server *srv, FILE *out)
{
    const lq_metrics *m = &srv->metrics;
    render_projects(srv, out);
    scalar(out, "labelq_connections", "gauge", "Open client connections.", srv->n_conns);
    scalar(out, "labelq_connections_paused", "gauge",
           "Connections labelqd stopped reading because they have too much unsent output or "
           "too many requests being stored.",
           srv->n_paused);
    scalar(out, "labelq_tls_handshake_failures_total", "counter",
           "TLS handshakes that failed or offered no ALPN.", m->counters[LQ_M_TLS_FAIL]);
    scalar(out, "labelq_auth_failures_total", "counter",
           "Hello requests refused: unknown token or blocked annotator.",
           m->counters[LQ_M_AUTH_FAIL]);
    render_histogram(out, "labelq_lease_seconds",
                     "Time from a Lease request's arrival to its reply, long-polls included.",
                     &m->hist[LQ_H_LEASE]);
    render_histogram(out, "labelq_commit_seconds",
                     "Time from a Submit's arrival to its answer after the commit.",
                     &m->hist[LQ_H_COMMIT]);
    if (srv->writer && srv->store)
        render_storage(srv, out);
    return fflush(out) != 0 || ferror(out) ? -1 : 0;
}
