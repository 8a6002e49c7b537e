/* labelq-bench's load mode: set-up, the run, the summary; see bench_load.h. */
#include "bench/sim/load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/sim/fleet.h"
#include "bench/sim/load_loop.h"
#include "bench/kit/clock.h"

#define LEASE_WAIT_MS 500
#define CHUNK_LINES 1000
#define CHUNK_BYTES (1u << 20)
#define EMPTY_DATA_BYTES 11 /* {"text":""} */
#define NS_PER_S 1e9

/* Everything the run holds, freed by teardown. */
typedef struct load_run {
    bench_config *cfg;
    lq_client *admin;
    Labelq__ProjectInfo *info;
    load_params params;
    bench_fleet fleet;
    load_conn *conns;
    size_t n_conns; /* initialized ones */
    load_loop *loops;
    unsigned n_loops;
    double window_start, window_end; /* the measured run, Unix seconds */
} load_run;

static int fail(const char *what, const char *why)
{
    fprintf(stderr, BENCH_PROG ": %s: %s\n", what, why);
    return 1;
}

static double unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NS_PER_S;
}

/* One JSONL item whose data is exactly `payload` bytes of JSON (at least
 * {"text":""}). Returns a malloc'd line or NULL. */
static char *preload_line(unsigned long tag, uint64_t i, unsigned payload)
{
    size_t text = payload > EMPTY_DATA_BYTES ? payload - EMPTY_DATA_BYTES : 0;
    char head[96];
    int hl = snprintf(head, sizeof head, "{\"id\":\"load-%lx-%llu\",\"data\":{\"text\":\"", tag,
                      (unsigned long long)i);
    char *line = malloc((size_t)hl + text + 4);
    if (!line)
        return NULL;
    memcpy(line, head, (size_t)hl);
    memset(line + hl, 'x', text);
    memcpy(line + (size_t)hl + text, "\"}}", 4);
    return line;
}

static void free_lines(char **text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(text[i]);
}

/* Imports cfg->preload new tasks through liblabelq's import chunks. */
static int preload(load_run *r)
{
    const bench_config *cfg = r->cfg;
    Labelq__ImportLine lines[CHUNK_LINES], *ptrs[CHUNK_LINES];
    char *text[CHUNK_LINES];
    unsigned long tag = (unsigned long)bench_now_ns() ^ (unsigned long)getpid();
    uint64_t done = 0;
    while (done < cfg->preload) {
        Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
        Labelq__ImportReply *reply = NULL;
        size_t n = 0, bytes = 0;
        while (n < CHUNK_LINES && done + n < cfg->preload && bytes < CHUNK_BYTES) {
            labelq__import_line__init(&lines[n]);
            if (!(text[n] = preload_line(tag, done + n, cfg->payload))) {
                free_lines(text, n);
                return fail("--preload", "out of memory");
            }
            lines[n].line_no = done + n + 1;
            lines[n].json = text[n];
            bytes += strlen(text[n]);
            ptrs[n] = &lines[n];
            n++;
        }
        chunk.project = (char *)cfg->project;
        chunk.lines = ptrs;
        chunk.n_lines = n;
        int rc = lq_import_chunk(r->admin, &chunk, &reply);
        free_lines(text, n);
        if (rc < 0)
            return fail("--preload", lq_client_error(r->admin));
        bool rejected = reply->n_rejected > 0;
        labelq__import_reply__free_unpacked(reply, NULL);
        if (rejected)
            return fail("--preload", "the server rejected generated lines");
        done += n;
    }
    return 0;
}

/* The admin client, the project's schema, the preload. */
static int setup_project(load_run *r)
{
    bench_config *cfg = r->cfg;
    char err[512];
    if (lq_client_options_resolve(&cfg->conn, cfg->token_file, &cfg->token_buf, err, sizeof err) <
        0)
        return fail("token", err);
    if (!cfg->conn.token)
        return fail("no token", "load mode creates its annotators: pass an admin --token "
                                "(or --token-file, LABELQ_TOKEN)");
    if (lq_client_connect(&cfg->conn, &r->admin, err, sizeof err) < 0)
        return fail(cfg->conn.server ? cfg->conn.server : LQ_DEFAULT_SERVER, err);
    if (lq_project_get(r->admin, cfg->project, &r->info) < 0)
        return fail(cfg->project, lq_client_error(r->admin));
    if (!r->info->config || r->info->config->n_labels == 0)
        return fail(cfg->project, "the project has no labels to choose from");
    if (cfg->preload && preload(r) != 0)
        return 1;
    r->params = (load_params){
        .project = cfg->project,
        .labels = r->info->config->labels,
        .n_labels = r->info->config->n_labels,
        .inflight = cfg->inflight,
        .lease_batch = cfg->lease_batch,
        .wait_ms = LEASE_WAIT_MS,
        .max_frame = (size_t)LQ_FRAME_DEFAULT_MAX * LQ_REPLY_FRAME_FACTOR,
        .paced = cfg->rate > 0,
        .chain = cfg->chain,
    };
    return 0;
}

/* The annotators, their connections, and the loops that will own them. */
static int setup_connections(load_run *r)
{
    bench_config *cfg = r->cfg;
    char err[512];
    if (bench_fleet_create(&r->fleet, r->admin, cfg->connections, err, sizeof err) < 0)
        return fail("--token", err);
    if (bench_fleet_connect(&r->fleet, &cfg->conn, err, sizeof err) < 0)
        return fail("connecting", err);
    r->conns = calloc(r->fleet.n, sizeof *r->conns);
    r->n_loops = cfg->threads < r->fleet.n ? cfg->threads : (unsigned)r->fleet.n;
    r->loops = calloc(r->n_loops, sizeof *r->loops);
    if (!r->conns || !r->loops)
        return fail("connecting", "out of memory");
    for (size_t i = 0; i < r->fleet.n; i++) {
        if (load_conn_init(&r->conns[i], &r->params, r->fleet.client[i], cfg->seed, (unsigned)i) <
            0)
            return fail("connecting", "out of memory");
        r->fleet.client[i] = NULL;
        r->n_conns++;
    }
    return 0;
}

/* Paced: gives loop k (the k-th of the run's loops) its share of --rate,
 * in proportion to its connections, as one cycle of lease_batch tasks every
 * so often; the loops' schedules are staggered so that their cycles
 * interleave instead of falling due together. */
static void pace(const load_run *r, load_loop *loop, unsigned k, int64_t start)
{
    double loop_rate = r->cfg->rate * (double)loop->n / (double)r->n_conns;
    loop->pacer.interval_ns = (double)r->cfg->lease_batch * NS_PER_S / loop_rate;
    loop->pacer.first_start_ns = start + (int64_t)(loop->pacer.interval_ns * k / r->n_loops);
    loop->pacer.deadline_ns = loop->deadline_ns;
}

/* Runs the loops; *seconds gets the measured window, *cpu the client's CPU
 * time in it. */
static int run_loops(load_run *r, const volatile sig_atomic_t *cancel, double *seconds, double *cpu)
{
    r->window_start = unix_now();
    unsigned started = 0;
    int status = 0;
    double cpu0 = bench_cpu_seconds();
    int64_t start = bench_now_ns();
    int64_t deadline = start + (int64_t)(r->cfg->duration_s * NS_PER_S);
    for (unsigned k = 0; k < r->n_loops; k++) {
        load_loop *loop = &r->loops[k];
        size_t from = r->n_conns * k / r->n_loops, to = r->n_conns * (k + 1) / r->n_loops;
        loop->conns = r->conns + from;
        loop->n = to - from;
        loop->deadline_ns = deadline;
        loop->cancel = cancel;
        if (r->cfg->rate > 0)
            pace(r, loop, k, start);
        bench_histogram_init(&loop->stats.latency);
        if (pthread_create(&loop->thread, NULL, load_loop_main, loop) != 0) {
            status = fail("starting", "cannot create a thread");
            break;
        }
        started++;
    }
    for (unsigned k = 0; k < started; k++)
        pthread_join(r->loops[k].thread, NULL);
    int64_t end = bench_now_ns();
    *seconds = (double)((end < deadline ? end : deadline) - start) / NS_PER_S;
    r->window_end = r->window_start + *seconds;
    *cpu = bench_cpu_seconds() - cpu0;
    return status;
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

/* Prints the summary: one JSON object, or aligned text. */
static int report(const load_run *r, const load_stats *st, size_t dead, double seconds, double cpu)
{
    const bench_config *cfg = r->cfg;
    const bench_histogram *h = &st->latency;
    double rate = seconds > 0 ? (double)st->completed / seconds : 0;
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:I, s:f, s:I, s:I, s:I, s:I, s:I, "
        "s:{s:f, s:f, s:f, s:f, s:f}, s:f, s:f, s:f, s:[I, I]}",
        "mode", "load", "project", cfg->project, "connections", (json_int_t)cfg->connections,
        "inflight", (json_int_t)cfg->inflight, "lease_batch", (json_int_t)cfg->lease_batch,
        "threads", (json_int_t)r->n_loops, "seconds", seconds, "completed",
        (json_int_t)st->completed, "tasks_per_second", rate, "leases", (json_int_t)st->leases,
        "empty_leases", (json_int_t)st->empty_leases, "errors", (json_int_t)st->errors, "expired",
        (json_int_t)st->expired, "dead_connections", (json_int_t)dead, "latency_us", "p50",
        us(bench_histogram_quantile(h, 0.5)), "p99", us(bench_histogram_quantile(h, 0.99)), "p999",
        us(bench_histogram_quantile(h, 0.999)), "max", us(h->max), "mean",
        bench_histogram_mean(h) / 1000.0, "client_cpu_seconds", cpu, "client_cpu_cores",
        seconds > 0 ? cpu / seconds : 0, "client_cpu_us_per_task",
        st->completed ? cpu * 1e6 / (double)st->completed : 0, "window_unix_ms",
        (json_int_t)(r->window_start * 1000), (json_int_t)(r->window_end * 1000));
    if (o && (json_object_set_new(o, "chain", json_boolean(cfg->chain)) < 0 ||
              json_object_set_new(o, "chained_leases",
                                  json_integer((json_int_t)st->chained_leases)) < 0)) {
        json_decref(o);
        o = NULL;
    }
    if (o && cfg->rate > 0 && json_object_set_new(o, "target_rate", json_real(cfg->rate)) < 0) {
        json_decref(o);
        o = NULL;
    }
    if (!o)
        return fail("writing the summary", "out of memory");
    int rc = 0;
    if (cfg->json) {
        rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
        putchar('\n');
    } else {
        printf("completed       %llu tasks in %.2f s: %.0f tasks/s",
               (unsigned long long)st->completed, seconds, rate);
        if (cfg->rate > 0)
            printf(" (target %.0f/s, latency from each cycle's scheduled start)", cfg->rate);
        if (cfg->chain)
            printf(" (chained: submit + next lease in one request)");
        putchar('\n');
        printf("latency         p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n",
               us(bench_histogram_quantile(h, 0.5)), us(bench_histogram_quantile(h, 0.99)),
               us(bench_histogram_quantile(h, 0.999)), us(h->max));
        printf("client CPU      %.2f s (%.2f cores, %.1f us per task)\n", cpu,
               seconds > 0 ? cpu / seconds : 0,
               st->completed ? cpu * 1e6 / (double)st->completed : 0);
        printf("errors          %llu (%llu expired), %zu connections failed\n",
               (unsigned long long)st->errors, (unsigned long long)st->expired, dead);
    }
    json_decref(o);
    if (rc < 0 || fflush(stdout) != 0)
        return fail("writing the summary", strerror(errno));
    return 0;
}

static void teardown(load_run *r)
{
    for (size_t i = 0; i < r->n_conns; i++)
        load_conn_free(&r->conns[i]);
    free(r->conns);
    free(r->loops);
    bench_fleet_free(&r->fleet);
    if (r->info)
        labelq__project_info__free_unpacked(r->info, NULL);
    lq_client_close(r->admin);
}

int bench_load_main(bench_config *cfg, const volatile sig_atomic_t *cancel)
{
    load_run r = {.cfg = cfg};
    double seconds = 0, cpu = 0;
    int status = setup_project(&r);
    if (status == 0 && cfg->connections == 0) {
        /* --preload alone: the import is all there is to do. */
        if (!cfg->json)
            printf("imported %llu tasks into %s\n", (unsigned long long)cfg->preload, cfg->project);
        teardown(&r);
        return 0;
    }
    if (status == 0)
        status = setup_connections(&r);
    if (status == 0)
        status = run_loops(&r, cancel, &seconds, &cpu);
    if (status == 0) {
        load_stats all = {0};
        size_t dead = 0;
        bench_histogram_init(&all.latency);
        for (unsigned k = 0; k < r.n_loops; k++) {
            const load_stats *s = &r.loops[k].stats;
            all.completed += s->completed;
            all.leases += s->leases;
            all.empty_leases += s->empty_leases;
            all.chained_leases += s->chained_leases;
            all.errors += s->errors;
            all.expired += s->expired;
            bench_histogram_merge(&all.latency, &s->latency);
            dead += r.loops[k].dead;
        }
        status = report(&r, &all, dead, seconds, cpu);
        if (status == 0 && dead == r.n_conns)
            status = fail("stopped", "every connection failed (see above)");
    }
    teardown(&r);
    return status;
}
