/* hostile: what a hostile client costs everyone else. bench/hostile.sh runs
 * it against a fresh labelqd.
 *
 *   hostile flood PROJECT TOKEN SECONDS LABELQD_PID
 *       An annotator (TOKEN) sends GetProject for PROJECT (whose
 *       instructions are 64 KiB) again and again and never reads a reply,
 *       while a bystander (the admin) asks for its project in a loop.
 *   hostile quiet SECONDS LABELQD_PID
 *       The bystander alone, for comparison.
 *   hostile unauth FRAME_MB CONNECTIONS SECONDS LABELQD_PID
 *       CONNECTIONS connections each send, before any Hello, one frame of
 *       FRAME_MB MiB made of ~1.4M tiny fields per 4 MiB, as fast as the
 *       server takes them (reconnecting when it closes them), while the
 *       bystander asks for the project list in a loop.
 *
 * Connects like every labelq program (LABELQ_SERVER, LABELQ_CA, the
 * admin's LABELQ_TOKEN or LABELQ_TOKEN_FILE). Prints one JSON object: the
 * bystander's request latencies (p50, p99, max, count) during the attack
 * and labelqd's RSS before it and at its peak. Exit 0, 1 on failure, 2 on
 * bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "labelq.h"

#define MAX_SAMPLES 1000000

static lq_client_options opts;
static atomic_bool stop;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "hostile: %s: %s\n", what, why);
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

/* ---- the flooder: requests sent, replies never read ---- */

typedef struct flooder {
    lq_client *c;
    const char *project;
    long sent;
} flooder;

static void *flood(void *arg)
{
    flooder *f = arg;
    Labelq__GetProject gp = LABELQ__GET_PROJECT__INIT;
    gp.project = (char *)f->project;
    while (!atomic_load(&stop)) {
        Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
        env.body_case = LABELQ__ENVELOPE__BODY_GET_PROJECT;
        env.get_project = &gp;
        if (lq_client_send(f->c, &env, NULL) < 0)
            break; /* the socket timed out full: labelqd is not reading it */
        f->sent++;
    }
    return NULL;
}

/* ---- unauthenticated many-field frames over raw TLS ---- */

typedef struct raw_attacker {
    SSL_CTX *ctx;
    struct sockaddr_in addr;
    const uint8_t *frame;
    size_t len;
    long frames;
} raw_attacker;

static void *attack(void *arg)
{
    raw_attacker *a = arg;
    while (!atomic_load(&stop)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL *ssl = NULL;
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a->addr, sizeof a->addr) == 0 &&
            (ssl = SSL_new(a->ctx)) && SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
            size_t done = 0;
            while (!atomic_load(&stop) && done < a->len) {
                int n = SSL_write(ssl, a->frame + done, (int)(a->len - done));
                if (n <= 0)
                    break;
                done += (size_t)n;
            }
            if (done == a->len)
                a->frames++;
        }
        ERR_clear_error();
        if (ssl)
            SSL_free(ssl);
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

/* A length-prefixed frame of size bytes: an Envelope whose field 1 (id)
 * repeats as one-byte varints ("08 01"): every pair is a field to decode. */
static uint8_t *many_field_frame(size_t size)
{
    uint8_t *f = malloc(size + 4);
    if (!f)
        return NULL;
    f[0] = (uint8_t)(size >> 24);
    f[1] = (uint8_t)(size >> 16);
    f[2] = (uint8_t)(size >> 8);
    f[3] = (uint8_t)size;
    for (size_t i = 0; i + 1 < size; i += 2) {
        f[4 + i] = 0x08;
        f[4 + i + 1] = 0x01;
    }
    if (size % 2)
        f[4 + size - 1] = 0x00;
    return f;
}

static SSL_CTX *tls_context(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    static const unsigned char alpn[] = {8, 'l', 'a', 'b', 'e', 'l', 'q', '/', '1'};
    if (!ctx || SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn) != 0 ||
        (opts.ca_file && SSL_CTX_load_verify_locations(ctx, opts.ca_file, NULL) != 1))
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* ---- the bystander ---- */

/* Runs requests on c for seconds, one at a time; fills lat (ms). */
static long bystander(lq_client *c, const char *project, double seconds, double *lat, long max,
                      long pid, long *rss_peak)
{
    long n = 0;
    double until = now_ms() + seconds * 1e3, next_rss = 0;
    while (now_ms() < until && n < max) {
        double t0 = now_ms();
        if (project) {
            Labelq__ProjectInfo *info = NULL;
            if (lq_project_get(c, project, &info) < 0)
                return -1;
            labelq__project_info__free_unpacked(info, NULL);
        } else {
            Labelq__ListProjectsReply *list = NULL;
            if (lq_project_list(c, &list) < 0)
                return -1;
            labelq__list_projects_reply__free_unpacked(list, NULL);
        }
        lat[n++] = now_ms() - t0;
        if (now_ms() >= next_rss) {
            long kb = rss_kb(pid);
            *rss_peak = kb > *rss_peak ? kb : *rss_peak;
            next_rss = now_ms() + 50;
        }
    }
    return n;
}

static void print_result(const char *mode, double *lat, long n, long rss0, long rss_peak,
                         const char *extra)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    printf("{\"mode\": \"%s\", \"requests\": %ld, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"max_ms\": %.3f, \"rss_before_kb\": %ld, \"rss_peak_kb\": %ld%s}\n",
           mode, n, lat[n / 2], lat[n * 99 / 100], lat[n - 1], rss0, rss_peak, extra);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* labelqd closes the attackers' connections mid-frame */
    bool quiet = argc == 4 && strcmp(argv[1], "quiet") == 0;
    if (!quiet && (argc != 6 || (strcmp(argv[1], "flood") && strcmp(argv[1], "unauth"))))
        return fprintf(stderr, "usage: hostile quiet SECONDS PID\n"
                               "       hostile flood PROJECT TOKEN SECONDS PID\n"
                               "       hostile unauth FRAME_MB CONNECTIONS SECONDS PID\n"),
               2;
    double seconds = strtod(argv[quiet ? 2 : 4], NULL);
    long pid = strtol(argv[quiet ? 3 : 5], NULL, 10);
    char *owned = NULL, err[512];
    if (lq_client_options_resolve(&opts, NULL, &owned, err, sizeof err) < 0 || !opts.token)
        return fail("settings", opts.token ? err : "no admin token");
    lq_client *admin;
    if (lq_client_connect(&opts, &admin, err, sizeof err) < 0)
        return fail("connect", err);
    double *lat = malloc(MAX_SAMPLES * sizeof(*lat));
    if (!lat)
        return fail("setup", "out of memory");
    long rss0 = rss_kb(pid), rss_peak = rss0, n;
    char extra[128];
    if (quiet) {
        n = bystander(admin, NULL, seconds, lat, MAX_SAMPLES, pid, &rss_peak);
        extra[0] = '\0';
    } else if (strcmp(argv[1], "flood") == 0) {
        lq_client_options o = opts;
        o.token = argv[3];
        o.timeout_ms = 1000; /* a send blocked on the full socket gives up in time to stop */
        flooder f = {.project = argv[2]};
        if (lq_client_connect(&o, &f.c, err, sizeof err) < 0)
            return fail("flooder connect", err);
        pthread_t t;
        pthread_create(&t, NULL, flood, &f);
        n = bystander(admin, argv[2], seconds, lat, MAX_SAMPLES, pid, &rss_peak);
        atomic_store(&stop, true);
        pthread_join(t, NULL);
        lq_client_close(f.c);
        snprintf(extra, sizeof extra, ", \"flood_requests_sent\": %ld", f.sent);
    } else {
        size_t size = (size_t)(strtod(argv[2], NULL) * 1024 * 1024);
        int conns = atoi(argv[3]);
        uint8_t *frame = many_field_frame(size);
        SSL_CTX *ctx = tls_context();
        const char *server = opts.server ? opts.server : LQ_DEFAULT_SERVER;
        const char *colon = strrchr(server, ':');
        if (!frame || !ctx || !colon || conns < 1 || conns > 64)
            return fail("setup", "frame, TLS context, server address or connections");
        raw_attacker a[64];
        pthread_t t[64];
        for (int i = 0; i < conns; i++) {
            memset(&a[i], 0, sizeof a[i]);
            a[i].ctx = ctx;
            a[i].frame = frame;
            a[i].len = size + 4;
            a[i].addr.sin_family = AF_INET;
            a[i].addr.sin_port = htons((uint16_t)atoi(colon + 1));
            inet_pton(AF_INET, "127.0.0.1", &a[i].addr.sin_addr);
            pthread_create(&t[i], NULL, attack, &a[i]);
        }
        n = bystander(admin, NULL, seconds, lat, MAX_SAMPLES, pid, &rss_peak);
        atomic_store(&stop, true);
        long frames = 0;
        for (int i = 0; i < conns; i++) {
            pthread_join(t[i], NULL);
            frames += a[i].frames;
        }
        snprintf(extra, sizeof extra, ", \"hostile_frames_sent\": %ld", frames);
    }
    if (n <= 0)
        return fail("bystander", lq_client_error(admin));
    print_result(argv[1], lat, n, rss0, rss_peak, extra);
    lq_client_close(admin);
    free(owned);
    return 0;
}
