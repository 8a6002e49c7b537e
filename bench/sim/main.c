/* labelq-bench: a fleet of simulated annotators, for demos and load.
 *
 * The main thread sets up (project, annotator identities, one connection
 * per annotator), starts one thread per annotator (bench_worker.c), then
 * watches: the clock (--duration), the project's status (--until-done),
 * signals, and the workers themselves; it prints progress, stops the
 * workers, and prints the summary. liblabelq clients are blocking and not
 * thread-safe, so every thread has its own; the main thread's is used only
 * for status. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/sim/bench.h"
#include "bench/sim/acklog.h"
#include "bench/sim/fleet.h"
#include "bench/sim/load.h"
#include "bench/sim/report.h"
#include "bench/sim/worker.h"
#include "bench/kit/clock.h"

#define DEFAULT_ANNOTATORS 8
#define MAX_ANNOTATORS 10000
#define DEFAULT_BATCH 8
#define MAX_BATCH 1000
#define DEFAULT_ACCURACY_LO 0.7
#define DEFAULT_ACCURACY_HI 0.95
#define MAX_CONNECTIONS 10000
#define DEFAULT_INFLIGHT 1
#define MAX_INFLIGHT 1024
#define DEFAULT_PAYLOAD 256
#define MAX_PAYLOAD (1u << 20)
#define MAX_THREADS 256
#define MAX_RATE 1e7
#define DEFAULT_LOAD_SECONDS 10
#define TICK_MS 200      /* how often --until-done asks for the project's status */
#define PROGRESS_MS 1000 /* how often the progress line is rewritten */

typedef struct bench {
    bench_config cfg;
    bench_run run;
    lq_client *status; /* the main thread's client: project status only */
    const char *status_token;
    Labelq__ProjectInfo *info;
    bench_truth *truth;
    bench_fleet fleet;
    bench_worker *workers;
    size_t started;
    bench_annotator_result *detail; /* one per started worker, after the join */
    bench_result result;
} bench;

static volatile sig_atomic_t interrupted;

static const char usage_text[] =
    "usage: " BENCH_PROG " [options] PROJECT\n"
    "\n"
    "Run simulated annotators against PROJECT: each leases tasks, answers them\n"
    "and submits, in its own thread over its own connection. Answers fit the\n"
    "project's label type (single, multi, ordinal, numeric, text, spans, boxes);\n"
    "a wrong answer is a mistake of that type (another label, one label too\n"
    "many or few, a neighbouring step, noise, a few typos, a span or box\n"
    "dropped, moved or relabelled).\n"
    "\n"
    "connection (same as labelq):\n"
    "  --server HOST:PORT      labelqd address (env LABELQ_SERVER; default " LQ_DEFAULT_SERVER ")\n"
    "  --ca FILE               CA certificate to verify the server (env LABELQ_CA)\n"
    "  --token TOKEN           admin token: creates the annotators for this run\n"
    "                          (env LABELQ_TOKEN)\n"
    "  --token-file FILE       read the token from FILE (env LABELQ_TOKEN_FILE)\n"
    "  --cert FILE             client certificate (PEM) for every connection, for a\n"
    "                          labelqd run with --client-ca (env LABELQ_CERT)\n"
    "  --key FILE              its private key, PEM (env LABELQ_KEY; default: the\n"
    "                          --cert file)\n"
    "annotators:\n"
    "  --annotators N          how many (default 8; with --annotator-tokens, all of them)\n"
    "  --annotator-tokens FILE use existing annotators, one token per line\n"
    "  --truth FILE            JSONL {\"id\",\"label\"}: the true label per item, typed\n"
    "                          as the project's labels are (a string for single,\n"
    "                          ordinal and text, an array for multi, spans and\n"
    "                          boxes, a number for numeric)\n"
    "  --accuracy LO-HI        each annotator's chance to answer the truth, drawn\n"
    "                          uniformly from LO-HI (default 0.7-0.95)\n"
    "  --lease-batch B         tasks per lease (default 8)\n"
    "  --think-ms MS           time spent per item (default 0)\n"
    "  --seed S                seed for reproducible answers (default: the clock)\n"
    "stopping:\n"
    "  --until-done            stop when every task of PROJECT is done (admin token)\n"
    "  --duration S            stop after S seconds (default: when interrupted)\n"
    "load mode (--connections; prints tasks/s, latency and the client's CPU):\n"
    "  --connections C         C annotators (created with the admin --token), each on\n"
    "                          its own connection, driven by non-blocking event loops;\n"
    "                          every leased task is submitted with a random label\n"
    "  --inflight D            requests in flight per connection (default 1)\n"
    "  --threads T             event loops, one thread each (default: the CPUs)\n"
    "  --preload N             first import N tasks into PROJECT (without\n"
    "                          --connections: import them and exit)\n"
    "  --payload BYTES         data size of each preloaded task (default 256)\n"
    "                          (--duration defaults to 10 s; --lease-batch applies)\n"
    "  --rate R                open loop: start R tasks' lease->submit cycles per\n"
    "                          second in all, on schedule (at most --inflight per\n"
    "                          connection); latency counts from the scheduled start\n"
    "  --chain                 one round trip per task: each submit also asks for the\n"
    "                          next tasks (Submit.next); a connection's first lease,\n"
    "                          and one after an empty chained lease, is a plain Lease\n"
    "output:\n"
    "  --json                  print the summary as one JSON object; its\n"
    "                          annotators_detail lists each annotator's name,\n"
    "                          true_accuracy (drawn), labels, observed_accuracy\n"
    "  --log-acks FILE         append one JSON line per acknowledged submit:\n"
    "                          {\"task_id\", \"id\", \"annotator\", \"label\"}\n"
    "  -h, --help              show this help\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs(BENCH_PROG ": ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n(try " BENCH_PROG " --help)\n", stderr);
    return 2;
}

static void on_signal(int sig)
{
    if (interrupted)
        _exit(128 + sig); /* asked twice: do not wait for the workers */
    interrupted = sig;
}

/* Parses a whole number in [min, max]; false when arg is not one. */
static bool parse_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(arg, &end, 10);
    if (arg[0] == '-' || arg[0] == '\0' || *end || errno || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_unsigned(const char *arg, unsigned min, unsigned max, unsigned *out)
{
    uint64_t v;
    if (!parse_u64(arg, min, max, &v))
        return false;
    *out = (unsigned)v;
    return true;
}

/* "LO-HI" with 0 <= LO <= HI <= 1. */
static bool parse_accuracy(const char *arg, double *lo, double *hi)
{
    char *end;
    errno = 0;
    *lo = strtod(arg, &end);
    if (end == arg || *end != '-')
        return false;
    const char *rest = end + 1;
    *hi = strtod(rest, &end);
    return end != rest && !*end && !errno && *lo >= 0 && *lo <= *hi && *hi <= 1;
}

static bool parse_seconds(const char *arg, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(arg, &end);
    return end != arg && !*end && !errno && isfinite(*out) && *out > 0;
}

enum {
    OPT_SERVER = 256,
    OPT_CA,
    OPT_TOKEN,
    OPT_TOKEN_FILE,
    OPT_CERT,
    OPT_KEY,
    OPT_ANNOTATORS,
    OPT_TOKENS,
    OPT_TRUTH,
    OPT_ACCURACY,
    OPT_BATCH,
    OPT_THINK,
    OPT_UNTIL_DONE,
    OPT_DURATION,
    OPT_SEED,
    OPT_JSON,
    OPT_LOG_ACKS,
    OPT_CONNECTIONS,
    OPT_INFLIGHT,
    OPT_THREADS,
    OPT_PRELOAD,
    OPT_PAYLOAD,
    OPT_RATE,
    OPT_CHAIN,
};

/* Applies one load-mode option; returns -1 to go on, else the exit status. */
static int apply_load_option(bench_config *cfg, int opt, const char *arg)
{
    switch (opt) {
    case OPT_CONNECTIONS:
        if (!parse_unsigned(arg, 1, MAX_CONNECTIONS, &cfg->connections))
            return usage_error("--connections must be a whole number from 1 to 10000, not '%s'",
                               arg);
        break;
    case OPT_INFLIGHT:
        if (!parse_unsigned(arg, 1, MAX_INFLIGHT, &cfg->inflight))
            return usage_error("--inflight must be a whole number from 1 to 1024, not '%s'", arg);
        break;
    case OPT_THREADS:
        if (!parse_unsigned(arg, 1, MAX_THREADS, &cfg->threads))
            return usage_error("--threads must be a whole number from 1 to 256, not '%s'", arg);
        break;
    case OPT_PRELOAD:
        if (!parse_u64(arg, 0, UINT32_MAX, &cfg->preload))
            return usage_error("--preload must be a whole number of tasks, not '%s'", arg);
        break;
    case OPT_PAYLOAD:
        if (!parse_unsigned(arg, 0, MAX_PAYLOAD, &cfg->payload))
            return usage_error("--payload must be bytes from 0 to 1048576, not '%s'", arg);
        break;
    case OPT_RATE:
        if (!parse_seconds(arg, &cfg->rate) || cfg->rate > MAX_RATE)
            return usage_error("--rate must be tasks per second above 0, up to 1e7, not '%s'", arg);
        break;
    case OPT_CHAIN:
        cfg->chain = true;
        break;
    default:
        return usage_error("%s", "bad option");
    }
    return -1;
}

/* Applies one option; returns -1 to go on, else the exit status. */
static int apply_option(bench_config *cfg, int opt, const char *arg)
{
    switch (opt) {
    case OPT_SERVER:
        cfg->conn.server = arg;
        break;
    case OPT_CA:
        cfg->conn.ca_file = arg;
        break;
    case OPT_TOKEN:
        cfg->conn.token = arg;
        break;
    case OPT_TOKEN_FILE:
        cfg->token_file = arg;
        break;
    case OPT_CERT:
        cfg->conn.cert_file = arg;
        break;
    case OPT_KEY:
        cfg->conn.key_file = arg;
        break;
    case OPT_TOKENS:
        cfg->annotator_tokens = arg;
        break;
    case OPT_TRUTH:
        cfg->truth_file = arg;
        break;
    case OPT_UNTIL_DONE:
        cfg->until_done = true;
        break;
    case OPT_JSON:
        cfg->json = true;
        break;
    case OPT_LOG_ACKS:
        cfg->log_acks = arg;
        break;
    case OPT_ANNOTATORS:
        cfg->annotators_given = true;
        if (!parse_unsigned(arg, 1, MAX_ANNOTATORS, &cfg->annotators))
            return usage_error("--annotators must be a whole number from 1 to 10000, not '%s'",
                               arg);
        break;
    case OPT_ACCURACY:
        if (!parse_accuracy(arg, &cfg->accuracy_lo, &cfg->accuracy_hi))
            return usage_error("--accuracy must be LO-HI with 0 <= LO <= HI <= 1, not '%s'", arg);
        break;
    case OPT_BATCH:
        if (!parse_unsigned(arg, 1, MAX_BATCH, &cfg->lease_batch))
            return usage_error("--lease-batch must be a whole number from 1 to 1000, not '%s'",
                               arg);
        break;
    case OPT_THINK:
        if (!parse_unsigned(arg, 0, 3600000, &cfg->think_ms))
            return usage_error("--think-ms must be milliseconds from 0 to 3600000, not '%s'", arg);
        break;
    case OPT_DURATION:
        if (!parse_seconds(arg, &cfg->duration_s))
            return usage_error("--duration must be a positive number of seconds, not '%s'", arg);
        break;
    case OPT_SEED:
        cfg->seed_given = true;
        if (!parse_u64(arg, 0, UINT64_MAX, &cfg->seed))
            return usage_error("--seed must be a whole number, not '%s'", arg);
        break;
    default:
        return apply_load_option(cfg, opt, arg);
    }
    return -1;
}

/* Returns -1 to go on, else the exit status (0 after --help, 2). */
static int parse_args(int argc, char **argv, bench_config *cfg)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, OPT_SERVER},
        {"ca", required_argument, NULL, OPT_CA},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"cert", required_argument, NULL, OPT_CERT},
        {"key", required_argument, NULL, OPT_KEY},
        {"annotators", required_argument, NULL, OPT_ANNOTATORS},
        {"annotator-tokens", required_argument, NULL, OPT_TOKENS},
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"accuracy", required_argument, NULL, OPT_ACCURACY},
        {"lease-batch", required_argument, NULL, OPT_BATCH},
        {"think-ms", required_argument, NULL, OPT_THINK},
        {"until-done", no_argument, NULL, OPT_UNTIL_DONE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"seed", required_argument, NULL, OPT_SEED},
        {"json", no_argument, NULL, OPT_JSON},
        {"log-acks", required_argument, NULL, OPT_LOG_ACKS},
        {"connections", required_argument, NULL, OPT_CONNECTIONS},
        {"inflight", required_argument, NULL, OPT_INFLIGHT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"preload", required_argument, NULL, OPT_PRELOAD},
        {"payload", required_argument, NULL, OPT_PAYLOAD},
        {"rate", required_argument, NULL, OPT_RATE},
        {"chain", no_argument, NULL, OPT_CHAIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        if ((rc = apply_option(cfg, opt, optarg)) >= 0)
            return rc;
    }
    if (cfg->conn.token && cfg->token_file)
        return usage_error("%s", "give --token or --token-file, not both");
    if (cfg->rate > 0 && !cfg->connections)
        return usage_error("%s", "--rate paces the load mode: give --connections too");
    if (cfg->chain && !cfg->connections)
        return usage_error("%s", "--chain changes the load mode's cycle: give --connections too");
    if (argc - optind != 1)
        return usage_error("%s", argc - optind ? "give exactly one PROJECT" : "missing PROJECT");
    cfg->project = argv[optind];
    return -1;
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, BENCH_PROG ": %s: %s\n", what, why);
    return 1;
}

/* The truth file and the ack log. Returns 0 or the exit status. */
static int open_files(bench *b)
{
    char err[512];
    if (b->cfg.truth_file && bench_truth_load(b->cfg.truth_file, &b->truth, err, sizeof err) < 0)
        return fail("truth", err);
    b->run.ack_fd = -1;
    if (b->cfg.log_acks && (b->run.ack_fd = bench_acklog_open(b->cfg.log_acks)) < 0)
        return fail(b->cfg.log_acks, strerror(errno));
    return 0;
}

/* Connects the status client with status_token. Returns 0 or a negative
 * LQ_E* code with err saying why. */
static int connect_status(bench *b, char *err, size_t errlen)
{
    lq_client_options o = b->cfg.conn;
    o.token = b->status_token;
    return lq_client_connect(&o, &b->status, err, errlen);
}

/* Connects the status client (the --token, else the first annotator's)
 * and reads the project. Returns 0 or the exit status. */
static int open_status(bench *b)
{
    char err[512];
    b->status_token = b->cfg.conn.token ? b->cfg.conn.token : b->fleet.n ? b->fleet.token[0] : NULL;
    if (!b->status_token)
        return fail("no token", "pass an admin --token (or --token-file, LABELQ_TOKEN), "
                                "or --annotator-tokens FILE");
    if (connect_status(b, err, sizeof err) < 0)
        return fail(b->cfg.conn.server, err);
    if (lq_project_get(b->status, b->cfg.project, &b->info) < 0)
        return fail(b->cfg.project, lq_client_error(b->status));
    /* An annotator's GetProject has no counts: --until-done could never
     * see the project done. */
    if (b->cfg.until_done && lq_client_role(b->status) != LABELQ__ROLE__ADMIN)
        return fail("--until-done", "needs an admin --token: an annotator's token does not "
                                    "see the project's counts");
    const Labelq__ProjectConfig *cfg = b->info->config;
    /* Numeric and free-text projects have no label list; the rest choose from one. */
    bool listless =
        cfg && (cfg->type == LABELQ__LABEL_TYPE__NUMERIC || cfg->type == LABELQ__LABEL_TYPE__TEXT);
    if (!cfg || (cfg->n_labels == 0 && !listless))
        return fail(b->cfg.project, "the project has no labels to choose from");
    b->run.labels = cfg->labels;
    b->run.n_labels = cfg->n_labels;
    b->run.config = cfg;
    return 0;
}

/* --until-done can only end if enough distinct annotators exist to give
 * every task its overlap. Returns 0 or the exit status. */
static int check_overlap(const bench *b, unsigned annotators)
{
    unsigned overlap = b->info->config->overlap ? b->info->config->overlap : 1;
    char why[256];
    if (!b->cfg.until_done || annotators >= overlap)
        return 0;
    snprintf(why, sizeof why,
             "--until-done needs at least %u annotators (the project's overlap), "
             "not %u: it could never finish",
             overlap, annotators);
    return fail(b->cfg.project, why);
}

/* Everything before the threads start. Returns 0 or the exit status. */
static int setup(bench *b)
{
    bench_config *cfg = &b->cfg;
    char err[512];
    int rc;
    if (lq_client_options_resolve(&cfg->conn, cfg->token_file, &cfg->token_buf, err,
                                  sizeof err) < 0)
        return fail("token", err);
    if ((rc = open_files(b)) != 0)
        return rc;
    if (cfg->annotator_tokens &&
        bench_fleet_read(&b->fleet, cfg->annotator_tokens,
                         cfg->annotators_given ? cfg->annotators : 0, err, sizeof err) < 0)
        return fail("--annotator-tokens", err);
    if ((rc = open_status(b)) != 0)
        return rc;
    if ((rc = check_overlap(b, cfg->annotator_tokens ? (unsigned)b->fleet.n : cfg->annotators)))
        return rc;
    if (!cfg->annotator_tokens &&
        bench_fleet_create(&b->fleet, b->status, cfg->annotators, err, sizeof err) < 0)
        return fail("--token", err);
    if (bench_fleet_connect(&b->fleet, &cfg->conn, err, sizeof err) < 0)
        return fail("connecting", err);
    return 0;
}

static int start_workers(bench *b)
{
    b->run.cfg = &b->cfg;
    b->run.truth = b->truth;
    if (!(b->workers = calloc(b->fleet.n, sizeof *b->workers)))
        return fail("starting", "out of memory");
    for (size_t i = 0; i < b->fleet.n; i++) {
        bench_worker *w = &b->workers[i];
        bench_worker_init(w, &b->run, (unsigned)i, b->fleet.token[i], b->fleet.client[i]);
        b->fleet.client[i] = NULL;
        atomic_fetch_add(&b->run.stats.alive, 1);
        if (pthread_create(&w->thread, NULL, bench_worker_main, w) != 0) {
            atomic_fetch_sub(&b->run.stats.alive, 1);
            lq_client_close(w->c);
            return fail("starting", "cannot create a thread");
        }
        b->started++;
    }
    return 0;
}

/* Reads the project's counts into the result; reconnects once when the
 * connection was lost (labelqd restarted under us). */
static void read_status(bench *b)
{
    Labelq__ProjectInfo *info = NULL;
    char err[512];
    if (b->status && lq_client_role(b->status) != LABELQ__ROLE__ADMIN)
        return; /* an annotator's GetProject has no counts to report */
    int rc = b->status ? lq_project_get(b->status, b->cfg.project, &info) : LQ_ECLOSED;
    if (rc < 0 && rc != LQ_ENOTFOUND && rc != LQ_EPERM) {
        lq_client_close(b->status);
        b->status = NULL;
        if (connect_status(b, err, sizeof err) == 0)
            rc = lq_project_get(b->status, b->cfg.project, &info);
    }
    if (rc < 0) {
        atomic_fetch_add(&b->run.stats.errors, 1);
        return;
    }
    b->result.status_known = true;
    b->result.tasks = info->tasks;
    b->result.tasks_done = info->done;
    labelq__project_info__free_unpacked(info, NULL);
}

static void collect(bench *b, int64_t started_ms)
{
    bench_stats *st = &b->run.stats;
    b->result.project = b->cfg.project;
    b->result.annotators = (unsigned)b->fleet.n;
    b->result.labels = atomic_load(&st->labels);
    b->result.errors = atomic_load(&st->errors);
    b->result.expired = atomic_load(&st->expired);
    b->result.judged = atomic_load(&st->judged);
    b->result.correct = atomic_load(&st->correct);
    b->result.truth = b->truth != NULL;
    b->result.seed = b->cfg.seed;
    b->result.seconds = (double)(bench_now_ms() - started_ms) / 1000.0;
}

/* Copies each worker's accuracy and counters into the result. Only after
 * the workers were joined: their counters are not atomic. */
static void collect_detail(bench *b)
{
    if (!(b->detail = calloc(b->started ? b->started : 1, sizeof *b->detail)))
        return; /* the summary goes without its table rather than not at all */
    for (size_t i = 0; i < b->started; i++) {
        const bench_worker *w = &b->workers[i];
        b->detail[i] = (bench_annotator_result){w->name, w->accuracy, w->labels, w->judged,
                                                w->correct};
    }
    b->result.detail = b->detail;
    b->result.n_detail = b->started;
}

/* Sleeps one tick, or less when --duration ends sooner. */
static void nap_until_tick(const bench *b, int64_t started_ms)
{
    int64_t ms = TICK_MS;
    if (b->cfg.duration_s > 0) {
        int64_t left = started_ms + (int64_t)(b->cfg.duration_s * 1000) - bench_now_ms();
        if (left < ms)
            ms = left > 0 ? left : 0;
    }
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Watches the run until a stop condition; returns true when it ended
 * because every worker gave up. */
static bool watch(bench *b, int64_t started_ms)
{
    bool tty = isatty(STDERR_FILENO);
    int64_t next_progress = started_ms + PROGRESS_MS;
    for (;;) {
        nap_until_tick(b, started_ms);
        int64_t now = bench_now_ms();
        bool progress = tty && now >= next_progress;
        if (interrupted)
            return false;
        if (b->cfg.duration_s > 0 && now - started_ms >= (int64_t)(b->cfg.duration_s * 1000))
            return false;
        if (atomic_load(&b->run.stats.alive) == 0)
            return true;
        if (b->cfg.until_done || progress)
            read_status(b);
        if (b->cfg.until_done && b->result.status_known && b->result.tasks_done == b->result.tasks)
            return false;
        if (progress) {
            collect(b, started_ms);
            bench_report_progress(&b->result);
            next_progress += PROGRESS_MS;
        }
    }
}

/* Runs the fleet to its end. Returns the exit status. */
static int run(bench *b)
{
    int64_t started_ms = bench_now_ms();
    bool all_gone;
    int status = 0;
    if (start_workers(b) != 0)
        status = 1;
    all_gone = status == 0 && watch(b, started_ms);
    collect(b, started_ms); /* the time the run was asked to stop */
    double seconds = b->result.seconds;
    atomic_store(&b->run.stats.stop, true);
    for (size_t i = 0; i < b->started; i++)
        pthread_join(b->workers[i].thread, NULL);
    if (isatty(STDERR_FILENO))
        bench_report_progress_clear();
    read_status(b);
    collect(b, started_ms);
    collect_detail(b);
    b->result.seconds = seconds;
    if (all_gone)
        status = fail("stopped", "every annotator gave up (see above)");
    if (bench_report_summary(&b->result, b->cfg.json) < 0)
        status = fail("writing the summary", strerror(errno));
    return status;
}

static void seed_from_clock(bench_config *cfg)
{
    struct timespec ts;
    if (cfg->seed_given)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    cfg->seed = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    cfg->seed ^= (uint64_t)getpid() << 32;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed socket must be an error return, not the end of the process. */
    signal(SIGPIPE, SIG_IGN);
}

static void teardown(bench *b)
{
    free(b->detail);
    free(b->workers);
    bench_fleet_free(&b->fleet);
    if (b->info)
        labelq__project_info__free_unpacked(b->info, NULL);
    lq_client_close(b->status);
    bench_truth_free(b->truth);
    if (b->run.ack_fd >= 0)
        close(b->run.ack_fd);
    free(b->cfg.token_buf);
}

int main(int argc, char **argv)
{
    bench b = {0};
    int status;
    b.cfg.conn.client_name = BENCH_CLIENT_NAME;
    b.cfg.annotators = DEFAULT_ANNOTATORS;
    b.cfg.lease_batch = DEFAULT_BATCH;
    b.cfg.accuracy_lo = DEFAULT_ACCURACY_LO;
    b.cfg.accuracy_hi = DEFAULT_ACCURACY_HI;
    b.cfg.inflight = DEFAULT_INFLIGHT;
    b.cfg.payload = DEFAULT_PAYLOAD;
    b.run.ack_fd = -1;
    if ((status = parse_args(argc, argv, &b.cfg)) >= 0)
        return status;
    seed_from_clock(&b.cfg);
    install_signals();
    if (b.cfg.connections || b.cfg.preload) {
        if (b.cfg.duration_s <= 0)
            b.cfg.duration_s = DEFAULT_LOAD_SECONDS;
        if (!b.cfg.threads) {
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            b.cfg.threads = cpus > 0 && cpus <= MAX_THREADS ? (unsigned)cpus : 1;
        }
        status = bench_load_main(&b.cfg, &interrupted);
        free(b.cfg.token_buf);
        return status;
    }
    status = setup(&b);
    if (status == 0)
        status = run(&b);
    teardown(&b);
    return status;
}
