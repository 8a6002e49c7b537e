/* scale_probe: the small measurements of bench/scale.sh that labelq-bench
 * does not make. Connects like every labelq program (LABELQ_SERVER,
 * LABELQ_CA, LABELQ_TOKEN / LABELQ_TOKEN_FILE: the admin token) and prints
 * one JSON object.
 *
 *   scale_probe first-lease PROJECT TIMEOUT_S
 *       Retries connect + Lease(1) every 10 ms until a task is served (then
 *       releases it) or TIMEOUT_S pass: how long a restarted labelqd takes
 *       to serve its first lease. Prints {"ms", "unix_ms", "tries"}: ms since
 *       this program started, and the wall clock when the task arrived.
 *
 *   scale_probe skip-head PROJECT N THREADS TOKENS_OUT
 *       Adds N annotators (head-1 .. head-N); each leases one task and
 *       skips it, so it is never offered to them again. That is the same
 *       task for all, the head of the queue, which then stays queued with N
 *       annotators it must not go to (a label would do the same to the
 *       scheduler, but a project's overlap is at most 100, so no queued task
 *       can carry 10,000 labels). Writes "name token" lines to TOKENS_OUT.
 *       Prints {"annotators", "seconds", "head_task", "other_tasks"}.
 *
 *   scale_probe skip-many PROJECT H TOKEN
 *       The annotator holding TOKEN leases and skips H tasks one by one:
 *       afterwards the H tasks at the head of the queue are all ones it
 *       declined. Prints {"skipped", "seconds", "last_p50_us"} (the median
 *       lease time over the last 100 leases).
 *
 *   scale_probe lease-cycle PROJECT SECONDS THREADS [TOKEN]
 *       THREADS annotators (new ones, or one holding TOKEN) each repeat
 *       Lease(1) + Release for SECONDS. A release gives the task back at
 *       once, so the queue keeps its depth however long this runs: the
 *       lease path at a fixed depth. Prints {"cycles", "per_s", "lease_p50_us",
 *       "lease_p99_us", "empty", "errors", "first_task"}.
 *
 * Exit status 0, 1 on failure (a message on stderr), 2 on bad usage. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "labelq.h"

static lq_client_options base_opts;
static char *owned_token;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "scale_probe: %s: %s\n", what, why);
    return 1;
}

/* Connects with token (NULL: the admin token). Returns NULL and prints why
 * unless quiet. */
static lq_client *connect_as(const char *token, bool quiet)
{
    lq_client_options o = base_opts;
    char err[512];
    lq_client *c = NULL;
    if (token)
        o.token = token;
    if (lq_client_connect(&o, &c, err, sizeof err) < 0) {
        if (!quiet)
            fail("connect", err);
        return NULL;
    }
    return c;
}

/* ---- first-lease ---- */

static int first_lease(const char *project, double timeout_s)
{
    double start = now_s();
    unsigned tries = 0;
    while (now_s() - start < timeout_s) {
        tries++;
        lq_client *c = connect_as(NULL, true);
        Labelq__LeaseReply *r = NULL;
        if (c && lq_lease(c, project, 1, 0, &r) == 0 && r->n_tasks > 0) {
            double ms = (now_s() - start) * 1000.0;
            uint64_t at = unix_ms();
            lq_release(c, r->tasks[0]->task_id);
            labelq__lease_reply__free_unpacked(r, NULL);
            lq_client_close(c);
            printf("{\"ms\": %.1f, \"unix_ms\": %" PRIu64 ", \"tries\": %u}\n", ms, at, tries);
            return 0;
        }
        if (r)
            labelq__lease_reply__free_unpacked(r, NULL);
        lq_client_close(c);
        usleep(10000);
    }
    return fail("first-lease", "no task served before the timeout");
}

/* ---- skip-head, skip-many ---- */

typedef struct head_job {
    const char *project;
    unsigned from, to;       /* annotators head-(from+1) .. head-to */
    char **tokens;           /* by index, filled in */
    uint64_t *tasks;         /* the task each one labeled */
    int rc;
} head_job;

static void *skip_head_thread(void *arg)
{
    head_job *j = arg;
    lq_client *admin = connect_as(NULL, false);
    if (!admin) {
        j->rc = 1;
        return NULL;
    }
    for (unsigned i = j->from; i < j->to && j->rc == 0; i++) {
        char name[32];
        snprintf(name, sizeof name, "head-%u", i + 1);
        if (lq_annotator_add(admin, name, LABELQ__ROLE__ANNOTATOR, &j->tokens[i]) < 0) {
            j->rc = fail("annotator add", lq_client_error(admin));
            break;
        }
        lq_client *c = connect_as(j->tokens[i], false);
        Labelq__LeaseReply *r = NULL;
        if (!c || lq_lease(c, j->project, 1, 0, &r) < 0 || r->n_tasks == 0) {
            j->rc = fail("lease", c ? lq_client_error(c) : "no connection");
        } else {
            j->tasks[i] = r->tasks[0]->task_id;
            if (lq_skip(c, j->tasks[i]) < 0)
                j->rc = fail("skip", lq_client_error(c));
        }
        if (r)
            labelq__lease_reply__free_unpacked(r, NULL);
        lq_client_close(c);
    }
    lq_client_close(admin);
    return NULL;
}

static int skip_head(const char *project, unsigned n, unsigned threads, const char *out_path)
{
    char **tokens = calloc(n, sizeof(*tokens));
    uint64_t *tasks = calloc(n, sizeof(*tasks));
    head_job *jobs = calloc(threads, sizeof(*jobs));
    pthread_t *tids = calloc(threads, sizeof(*tids));
    int rc = 1;
    if (!tokens || !tasks || !jobs || !tids) {
        fail("skip-head", "out of memory");
        goto out;
    }
    double start = now_s();
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (head_job){project, (unsigned)((uint64_t)n * t / threads),
                             (unsigned)((uint64_t)n * (t + 1) / threads), tokens, tasks, 0};
        pthread_create(&tids[t], NULL, skip_head_thread, &jobs[t]);
    }
    rc = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        rc |= jobs[t].rc;
    }
    if (rc)
        goto out;
    double secs = now_s() - start;
    /* The head is the task most of them got; the rest should be none. */
    uint64_t head = tasks[0];
    unsigned same = 0;
    for (unsigned i = 0; i < n; i++)
        same += tasks[i] == head;
    FILE *f = fopen(out_path, "w");
    if (!f) {
        rc = fail(out_path, "cannot write");
        goto out;
    }
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "head-%u %s\n", i + 1, tokens[i]);
    fclose(f);
    printf("{\"annotators\": %u, \"seconds\": %.2f, \"head_task\": %" PRIu64
           ", \"other_tasks\": %u}\n",
           n, secs, head, n - same);
out:
    for (unsigned i = 0; tokens && i < n; i++)
        free(tokens[i]);
    free(tokens);
    free(tasks);
    free(jobs);
    free(tids);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int skip_many(const char *project, unsigned h, const char *token)
{
    lq_client *c = connect_as(token, false);
    uint32_t last[100];
    unsigned n_last = 0;
    if (!c)
        return 1;
    double start = now_s();
    for (unsigned i = 0; i < h; i++) {
        Labelq__LeaseReply *r = NULL;
        double t0 = now_s();
        if (lq_lease(c, project, 1, 0, &r) < 0 || r->n_tasks == 0 ||
            lq_skip(c, r->tasks[0]->task_id) < 0) {
            int rc = fail("skip-many", r && r->n_tasks == 0 ? "queue ran dry" : lq_client_error(c));
            if (r)
                labelq__lease_reply__free_unpacked(r, NULL);
            lq_client_close(c);
            return rc;
        }
        last[i % 100] = (uint32_t)((now_s() - t0) * 1e6);
        n_last = n_last < 100 ? n_last + 1 : 100;
        labelq__lease_reply__free_unpacked(r, NULL);
    }
    double secs = now_s() - start;
    lq_client_close(c);
    qsort(last, n_last, sizeof(*last), cmp_u32);
    printf("{\"skipped\": %u, \"seconds\": %.2f, \"last_p50_us\": %u}\n", h, secs,
           n_last ? last[n_last / 2] : 0);
    return 0;
}

/* ---- lease-cycle ---- */

typedef struct cycle_job {
    const char *project;
    const char *token;       /* NULL: add a new annotator */
    unsigned index;
    double seconds;
    uint32_t *lat_us;        /* one per served lease */
    size_t n, cap;
    uint64_t empty, errors, first_task;
    int rc;
} cycle_job;

static bool keep_latency(cycle_job *j, double us)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 4096;
        uint32_t *v = realloc(j->lat_us, cap * sizeof(*v));
        if (!v)
            return false;
        j->lat_us = v;
        j->cap = cap;
    }
    j->lat_us[j->n++] = (uint32_t)us;
    return true;
}

static void *cycle_thread(void *arg)
{
    cycle_job *j = arg;
    char *token = NULL;
    if (!j->token) {
        lq_client *admin = connect_as(NULL, false);
        char name[64];
        snprintf(name, sizeof name, "cycle-%ld-%u-%" PRIu64, (long)getpid(), j->index, unix_ms());
        if (!admin || lq_annotator_add(admin, name, LABELQ__ROLE__ANNOTATOR, &token) < 0) {
            j->rc = fail("annotator add", admin ? lq_client_error(admin) : "no connection");
            lq_client_close(admin);
            return NULL;
        }
        lq_client_close(admin);
    }
    lq_client *c = connect_as(j->token ? j->token : token, false);
    if (!c) {
        j->rc = 1;
        free(token);
        return NULL;
    }
    double end = now_s() + j->seconds;
    while (now_s() < end) {
        Labelq__LeaseReply *r = NULL;
        double t0 = now_s();
        if (lq_lease(c, j->project, 1, 0, &r) < 0) {
            j->errors++;
            continue;
        }
        double us = (now_s() - t0) * 1e6;
        if (r->n_tasks == 0) {
            j->empty++;
        } else {
            if (!j->first_task)
                j->first_task = r->tasks[0]->task_id;
            if (!keep_latency(j, us) || lq_release(c, r->tasks[0]->task_id) < 0)
                j->errors++;
        }
        labelq__lease_reply__free_unpacked(r, NULL);
    }
    lq_client_close(c);
    free(token);
    return NULL;
}

static int lease_cycle(const char *project, double seconds, unsigned threads, const char *token)
{
    cycle_job *jobs = calloc(threads, sizeof(*jobs));
    pthread_t *tids = calloc(threads, sizeof(*tids));
    if (!jobs || !tids)
        return fail("lease-cycle", "out of memory");
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (cycle_job){.project = project, .token = token, .index = t, .seconds = seconds};
        pthread_create(&tids[t], NULL, cycle_thread, &jobs[t]);
    }
    int rc = 0;
    size_t total = 0;
    uint64_t empty = 0, errors = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        rc |= jobs[t].rc;
        total += jobs[t].n;
        empty += jobs[t].empty;
        errors += jobs[t].errors;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof(*all));
    if (!rc && all) {
        size_t k = 0;
        for (unsigned t = 0; t < threads; t++) {
            memcpy(all + k, jobs[t].lat_us, jobs[t].n * sizeof(*all));
            k += jobs[t].n;
        }
        qsort(all, total, sizeof(*all), cmp_u32);
        uint32_t p50 = total ? all[total / 2] : 0, p99 = total ? all[total * 99 / 100] : 0;
        printf("{\"cycles\": %zu, \"per_s\": %.0f, \"lease_p50_us\": %u, \"lease_p99_us\": %u, "
               "\"empty\": %" PRIu64 ", \"errors\": %" PRIu64 ", \"first_task\": %" PRIu64 "}\n",
               total, (double)total / seconds, p50, p99, empty, errors, jobs[0].first_task);
    } else if (!all) {
        rc = fail("lease-cycle", "out of memory");
    }
    for (unsigned t = 0; t < threads; t++)
        free(jobs[t].lat_us);
    free(all);
    free(jobs);
    free(tids);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: scale_probe first-lease PROJECT TIMEOUT_S\n"
                    "       scale_probe skip-head PROJECT N THREADS TOKENS_OUT\n"
                    "       scale_probe skip-many PROJECT H TOKEN\n"
                    "       scale_probe lease-cycle PROJECT SECONDS THREADS [TOKEN]\n");
    return 2;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 3)
        return usage();
    if (lq_client_options_resolve(&base_opts, NULL, &owned_token, err, sizeof err) < 0)
        return fail("token", err);
    if (!base_opts.token)
        return fail("token", "set LABELQ_TOKEN or LABELQ_TOKEN_FILE (the admin token)");
    base_opts.client_name = "scale_probe";
    int rc;
    if (strcmp(argv[1], "first-lease") == 0 && argc == 4)
        rc = first_lease(argv[2], atof(argv[3]));
    else if (strcmp(argv[1], "skip-head") == 0 && argc == 6)
        rc = skip_head(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), argv[5]);
    else if (strcmp(argv[1], "skip-many") == 0 && argc == 5)
        rc = skip_many(argv[2], (unsigned)atoi(argv[3]), argv[4]);
    else if (strcmp(argv[1], "lease-cycle") == 0 && (argc == 5 || argc == 6))
        rc = lease_cycle(argv[2], atof(argv[3]), (unsigned)atoi(argv[4]),
                         argc == 6 ? argv[5] : NULL);
    else
        rc = usage();
    free(owned_token);
    return rc;
}
