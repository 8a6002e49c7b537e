/* parked: many annotators online at once, each waiting in a long poll, as
 * a large workforce is between tasks. bench/parked.sh runs it.
 *
 *   parked PROJECT N WAKES LABELQD_PID
 *
 * Connects like every labelq program (LABELQ_SERVER, LABELQ_CA and the
 * admin's LABELQ_TOKEN or LABELQ_TOKEN_FILE). Adds N annotators, connects
 * each (TLS, Hello) and has each send Lease{PROJECT, 1 task, wait 60 s} into
 * an empty project; then labelqd's memory is read (VmRSS of LABELQD_PID).
 * Then WAKES times: imports one item and waits until one parked annotator
 * has it, timing from the import's send to that annotator's reply, and
 * checks that no other annotator got anything. Prints one JSON object:
 * {"parked", "rss_before_kb", "rss_parked_kb", "kb_per_connection",
 * "wake_ms": {"p50", "max", "all": [...]}, "woken_per_import": [...]}.
 *
 * Exit status 0, 1 on failure (a message on stderr), 2 on bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client_internal.h"

#define WAIT_MS 60000
#define QUIET_MS 200 /* after a wake, how long no other annotator may get anything */

static lq_client_options opts;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "parked: %s: %s\n", what, why);
    return 1;
}

static long rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int send_lease(lq_client *c, const char *project)
{
    Labelq__Lease lease = LABELQ__LEASE__INIT;
    lease.project = (char *)project;
    lease.max_tasks = 1;
    lease.wait_ms = WAIT_MS;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
    env.lease = &lease;
    return lq_client_send(c, &env, NULL);
}

static int import_one(lq_client *admin, const char *project, unsigned k)
{
    char line[128];
    snprintf(line, sizeof line, "{\"id\":\"wake-%u\",\"data\":\"item %u\"}", k, k);
    Labelq__ImportLine il = LABELQ__IMPORT_LINE__INIT, *lines[1] = {&il};
    il.line_no = 1;
    il.json = line;
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = (char *)project;
    chunk.lines = lines;
    chunk.n_lines = 1;
    Labelq__ImportReply *reply = NULL;
    int rc = lq_import_chunk(admin, &chunk, &reply);
    if (reply)
        labelq__import_reply__free_unpacked(reply, NULL);
    return rc;
}

/* Reads the reply a parked client's socket became readable for. Returns
 * 1 when it carried a task, 0 for an empty reply or not yet a whole frame,
 * -1 when the connection failed; a client that replied or failed is taken
 * out of ep. */
static int take_reply(int ep, lq_client *c)
{
    Labelq__Envelope *reply = NULL;
    int rc = lq_client_recv(c, &reply, 0);
    if (rc == LQ_ETIMEDOUT)
        return 0;
    epoll_ctl(ep, EPOLL_CTL_DEL, lq__client_fd(c), NULL);
    if (rc < 0)
        return -1;
    int task = reply->body_case == LABELQ__ENVELOPE__BODY_LEASE_REPLY &&
               reply->lease_reply->n_tasks > 0;
    labelq__envelope__free_unpacked(reply, NULL);
    return task;
}

/* How many parked clients got a task within timeout_ms (-1: a failure). */
static int collect(int ep, lq_client **clients, int timeout_ms)
{
    struct epoll_event ev[64];
    int got = 0;
    double until = now_ms() + timeout_ms;
    for (int left; (left = (int)(until - now_ms())) >= 0;) {
        int n = epoll_wait(ep, ev, 64, left);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n; i++) {
            int rc = take_reply(ep, clients[ev[i].data.u32]);
            if (rc < 0)
                return -1;
            got += rc;
        }
    }
    return got;
}

/* Waits for the first task to reach a parked client. Returns 0, or -1 on
 * a failure or when none came within the long poll. */
static int first_task(int ep, lq_client **clients)
{
    struct epoll_event ev[64];
    double until = now_ms() + WAIT_MS;
    for (int left; (left = (int)(until - now_ms())) >= 0;) {
        int n = epoll_wait(ep, ev, 64, left);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n; i++) {
            int rc = take_reply(ep, clients[ev[i].data.u32]);
            if (rc != 0)
                return rc > 0 ? 0 : -1;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return fprintf(stderr, "usage: parked PROJECT N WAKES LABELQD_PID\n"), 2;
    const char *project = argv[1];
    long n = strtol(argv[2], NULL, 10), wakes = strtol(argv[3], NULL, 10);
    long pid = strtol(argv[4], NULL, 10);
    if (n < 1 || wakes < 1 || wakes > n || pid < 1)
        return fprintf(stderr, "parked: N >= WAKES >= 1, and a pid\n"), 2;
    char *owned = NULL, err[512];
    if (lq_client_options_resolve(&opts, NULL, &owned, err, sizeof err) < 0 || !opts.token)
        return fail("settings", opts.token ? err : "no admin token");
    lq_client *admin;
    if (lq_client_connect(&opts, &admin, err, sizeof err) < 0)
        return fail("connect", err);
    char *labels[] = {"a", "b"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)project;
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    Labelq__ProjectInfo *info = NULL;
    if (lq_project_create(admin, &cfg, &info) < 0)
        return fail("project create", lq_client_error(admin));
    labelq__project_info__free_unpacked(info, NULL);
    long rss_before = rss_kb(pid);
    lq_client **clients = calloc((size_t)n, sizeof(*clients));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!clients || ep < 0)
        return fail("setup", "out of memory or epoll");
    double t0 = now_ms();
    for (long i = 0; i < n; i++) {
        char name[32], *token = NULL;
        snprintf(name, sizeof name, "parked-%ld", i);
        if (lq_annotator_add(admin, name, LABELQ__ROLE__ANNOTATOR, &token) < 0)
            return fail("annotator add", lq_client_error(admin));
        lq_client_options o = opts;
        o.token = token;
        if (lq_client_connect(&o, &clients[i], err, sizeof err) < 0)
            return fail("annotator connect", err);
        free(token);
        if (send_lease(clients[i], project) < 0)
            return fail("lease", lq_client_error(clients[i]));
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lq__client_fd(clients[i]), &ev) < 0)
            return fail("epoll", strerror(errno));
    }
    double connect_s = (now_ms() - t0) / 1e3;
    usleep(500 * 1000); /* the last leases arrive and park */
    long rss_parked = rss_kb(pid);
    double *wake = calloc((size_t)wakes, sizeof(*wake));
    int *others = calloc((size_t)wakes, sizeof(*others));
    for (long k = 0; k < wakes; k++) {
        double start = now_ms();
        if (import_one(admin, project, (unsigned)k) < 0)
            return fail("import", lq_client_error(admin));
        if (first_task(ep, clients) < 0)
            return fail("wake", "no parked annotator got the task");
        wake[k] = now_ms() - start;
        others[k] = collect(ep, clients, QUIET_MS);
        if (others[k] < 0)
            return fail("wake", "epoll");
    }
    double *sorted = malloc((size_t)wakes * sizeof(*sorted));
    memcpy(sorted, wake, (size_t)wakes * sizeof(*sorted));
    qsort(sorted, (size_t)wakes, sizeof(*sorted), cmp_double);
    printf("{\"parked\": %ld, \"connect_s\": %.1f, \"rss_before_kb\": %ld, \"rss_parked_kb\": %ld, "
           "\"kb_per_connection\": %.1f, \"wake_ms\": {\"p50\": %.3f, \"max\": %.3f, \"all\": [",
           n, connect_s, rss_before, rss_parked, (double)(rss_parked - rss_before) / (double)n,
           sorted[wakes / 2], sorted[wakes - 1]);
    for (long k = 0; k < wakes; k++)
        printf("%s%.3f", k ? ", " : "", wake[k]);
    printf("]}, \"others_woken\": [");
    for (long k = 0; k < wakes; k++)
        printf("%s%d", k ? ", " : "", others[k]);
    printf("]}\n");
    int bad = 0;
    for (long k = 0; k < wakes; k++)
        bad |= others[k] != 0;
    for (long i = 0; i < n; i++)
        lq_client_close(clients[i]);
    lq_client_close(admin);
    free(owned);
    if (bad)
        return fail("wake", "an import woke more than one parked annotator");
    return 0;
}
