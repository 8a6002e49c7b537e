/* labelq batch: the batches of a project (each import fills one): list,
 * show and watch them; pause, resume, cancel and reprioritize one. */
#include "client/cli/cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_NAME_MAX 64   /* the server's limit on a batch name */
#define LIST_NAME_WIDTH 12  /* longer names get a line of their own */
#define WATCH_LINE_MAX 79   /* the redrawn bar line stays inside 80 columns */
#define WATCH_NAME_WIDTH 16 /* the bar line cuts longer names, ending in '~' */
#define WATCH_BAR_WIDTH 20
#define EXIT_SIGNAL_BASE 128 /* exit status after a quit signal: 128 + its number */
#define SECONDS_PER_MINUTE 60ULL
#define SECONDS_PER_HOUR 3600ULL
#define SECONDS_PER_DAY 86400ULL

static const char usage[] =
    "Usage: labelq batch list PROJECT [--json]\n"
    "       labelq batch show PROJECT BATCH [--json]\n"
    "       labelq batch watch PROJECT BATCH [--interval S]\n"
    "       labelq batch pause|resume|cancel PROJECT BATCH\n"
    "       labelq batch priority PROJECT BATCH P\n"
    "\n"
    "Every import fills a batch of its project. Active batches are served by\n"
    "priority (higher first), then in the order they were made; inside a batch,\n"
    "items by their own priority, then import order.\n"
    "\n"
    "list      one row per batch, in serving order: state, priority, tasks,\n"
    "          pending, leased, done (and its share of the tasks), labels, age\n"
    "          (time since it was made) and ETA (time to completion at the\n"
    "          recent label rate; - when there is no recent label)\n"
    "show      one batch, with its creation time, label rate and labels needed\n"
    "  --json  list: {project, batches: [BATCH...]}; show: one BATCH with project\n"
    "          first. BATCH: {name, state, priority, tasks, pending, leased, done,\n"
    "          labels, percent_complete, created (ISO 8601 UTC), created_ms,\n"
    "          labels_per_s, labels_needed, eta_s (null: no estimate), alpha,\n"
    "          percent_agreement (null until the project's first background\n"
    "          estimate)}\n"
    "watch     a progress bar, redrawn every S seconds until every task of the\n"
    "          batch is done (exit 0) or Ctrl-C (exit 130); exits 1 if the batch\n"
    "          is canceled. When stdout is not a terminal, one line per refresh.\n"
    "  -i, --interval S  seconds between refreshes, 0.1-3600 (default 1)\n"
    "pause     no new leases from the batch; leases out may still be submitted\n"
    "resume    serve a paused batch again\n"
    "cancel    for good: no new leases, no more labels, left out of exports\n"
    "          (unless export --include-canceled); cannot be undone\n"
    "priority  set the batch's priority P, a whole number (negative too); the\n"
    "          next lease follows it\n"
    "\n" CLI_GLOBAL_HELP;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

bool cli_batch_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '@' || c == '-';
}

int cli_check_batch_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > BATCH_NAME_MAX)
        return cli_bad_arg("a batch name has 1 to %d characters, not %zu ('%s')", BATCH_NAME_MAX, n,
                           name);
    for (size_t i = 0; i < n; i++)
        if (!cli_batch_name_char(name[i]))
            return cli_bad_arg("batch name '%s' has '%c'; use only A-Z a-z 0-9 _ . @ -", name,
                               name[i]);
    return 0;
}

static const char *state_name(Labelq__BatchState s)
{
    switch (s) {
    case LABELQ__BATCH_STATE__BATCH_ACTIVE:
        return "active";
    case LABELQ__BATCH_STATE__BATCH_PAUSED:
        return "paused";
    case LABELQ__BATCH_STATE__BATCH_CANCELED:
        return "canceled";
    default:
        return "unknown";
    }
}

static bool is_done(const Labelq__BatchInfo *b)
{
    return b->done >= b->tasks;
}

static double percent_done(const Labelq__BatchInfo *b)
{
    return b->tasks ? 100.0 * (double)b->done / (double)b->tasks : 0.0;
}

/* Seconds as "45s", "3m12s", "1h05m" or "2d04h". Cannot fail. */
static void fmt_duration(char *buf, size_t len, unsigned long long s)
{
    if (s < SECONDS_PER_MINUTE)
        snprintf(buf, len, "%llus", s);
    else if (s < SECONDS_PER_HOUR)
        snprintf(buf, len, "%llum%02llus", s / SECONDS_PER_MINUTE, s % SECONDS_PER_MINUTE);
    else if (s < SECONDS_PER_DAY)
        snprintf(buf, len, "%lluh%02llum", s / SECONDS_PER_HOUR,
                 s % SECONDS_PER_HOUR / SECONDS_PER_MINUTE);
    else
        snprintf(buf, len, "%llud%02lluh", s / SECONDS_PER_DAY,
                 s % SECONDS_PER_DAY / SECONDS_PER_HOUR);
}

/* The estimated time to completion, or "-" without an estimate or when
 * there is nothing left to estimate. */
static void fmt_eta(char *buf, size_t len, const Labelq__BatchInfo *b)
{
    if (b->has_eta && !(b->tasks > 0 && is_done(b)))
        fmt_duration(buf, len, b->eta_s);
    else
        snprintf(buf, len, "-");
}

/* Time since unix ms `ms`, in its largest unit: "45s", "12m", "3h", "5d".
 * A server clock ahead of ours reads "0s". Cannot fail. */
static void fmt_age(char *buf, size_t len, uint64_t ms)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned long long now_ms = (unsigned long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    unsigned long long s = now_ms > ms ? (now_ms - ms) / 1000 : 0;
    if (s < SECONDS_PER_MINUTE)
        snprintf(buf, len, "%llus", s);
    else if (s < SECONDS_PER_HOUR)
        snprintf(buf, len, "%llum", s / SECONDS_PER_MINUTE);
    else if (s < SECONDS_PER_DAY)
        snprintf(buf, len, "%lluh", s / SECONDS_PER_HOUR);
    else
        snprintf(buf, len, "%llud", s / SECONDS_PER_DAY);
}

/* Unix ms as ISO 8601 UTC to the second, "2025-01-31T14:02:17Z". */
static void fmt_iso(char *buf, size_t len, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

/* Adds v under key; on failure (or v NULL, out of memory) drops o and
 * returns NULL, so that a chain of puts ends NULL if any failed. */
static json_t *put(json_t *o, const char *key, json_t *v)
{
    if (o && v && json_object_set_new(o, key, v) == 0)
        return o;
    json_decref(v);
    json_decref(o);
    return NULL;
}

/* The JSON object of one batch, with "project" first when project is not
 * NULL. Returns a new reference, or NULL without memory. */
static json_t *batch_json(const Labelq__BatchInfo *b, const char *project)
{
    char created[32];
    fmt_iso(created, sizeof created, b->created_ms);
    json_t *o = json_object();
    if (project)
        o = put(o, "project", json_string(project));
    o = put(o, "name", json_string(b->name));
    o = put(o, "state", json_string(state_name(b->state)));
    o = put(o, "priority", json_integer(b->priority));
    o = put(o, "tasks", json_integer((json_int_t)b->tasks));
    o = put(o, "pending", json_integer((json_int_t)b->pending));
    o = put(o, "leased", json_integer((json_int_t)b->leased));
    o = put(o, "done", json_integer((json_int_t)b->done));
    o = put(o, "labels", json_integer((json_int_t)b->labels));
    o = put(o, "percent_complete", json_real(percent_done(b)));
    o = put(o, "created", json_string(created));
    o = put(o, "created_ms", json_integer((json_int_t)b->created_ms));
    o = put(o, "labels_per_s", json_real(b->labels_per_s));
    o = put(o, "labels_needed", json_integer((json_int_t)b->labels_needed));
    o = put(o, "eta_s", b->has_eta ? json_integer((json_int_t)b->eta_s) : json_null());
    o = put(o, "alpha", b->has_alpha ? json_real(b->alpha) : json_null());
    return put(o, "percent_agreement",
               b->has_percent_agreement ? json_real(b->percent_agreement) : json_null());
}

/* ---- list ---- */

static void print_list_header(void)
{
    printf("%-*s %-8s %4s %6s %7s %6s %6s %4s %6s %4s %6s\n", LIST_NAME_WIDTH, "BATCH", "STATE",
           "PRI", "TASKS", "PENDING", "LEASED", "DONE", "%", "LABELS", "AGE", "ETA");
}

/* One row; a name too long for its column goes on a line of its own, the
 * row's columns on the next, so that names are never cut. */
static void print_list_row(const Labelq__BatchInfo *b)
{
    char tasks[16], pending[16], leased[16], done[16], labels[16], pct[8], age[48], eta[48];
    cli_format_count(tasks, sizeof tasks, 6, b->tasks);
    cli_format_count(pending, sizeof pending, 7, b->pending);
    cli_format_count(leased, sizeof leased, 6, b->leased);
    cli_format_count(done, sizeof done, 6, b->done);
    cli_format_count(labels, sizeof labels, 6, b->labels);
    /* Rounded down: 100% only when every task is done. */
    if (b->tasks > 0)
        snprintf(pct, sizeof pct, "%3llu%%", (unsigned long long)(b->done * 100 / b->tasks));
    else
        snprintf(pct, sizeof pct, "   -");
    fmt_age(age, sizeof age, b->created_ms);
    fmt_eta(eta, sizeof eta, b);
    const char *name = b->name;
    if (strlen(name) > LIST_NAME_WIDTH) {
        puts(name);
        name = "";
    }
    printf("%-*s %-8s %4d %s %s %s %s %s %s %4s %6s\n", LIST_NAME_WIDTH, name, state_name(b->state),
           b->priority, tasks, pending, leased, done, pct, labels, age, eta);
}

static int list_json(const char *project, const Labelq__ListBatchesReply *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->n_batches; i++) {
        if (json_array_append_new(arr, batch_json(r->batches[i], NULL)) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    json_t *o = put(json_object(), "project", json_string(project));
    return cli_print_json(put(o, "batches", arr));
}

static int cmd_list(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, CLI_GLOBAL_OPTIONS, {0}};
    Labelq__ListBatchesReply *r = NULL;
    bool json = false;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, &json, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "batch list takes one PROJECT");
    const char *project = argv[args];
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_batch_list(g->client, project, &r) < 0)
        return cli_fail("batches of %s: %s", project, lq_client_error(g->client));
    if (json) {
        rc = list_json(project, r);
    } else if (r->n_batches == 0) {
        printf("no batches in project %s yet (each import makes one: labelq import %s FILE "
               "--batch NAME)\n",
               project, project);
        rc = CLI_OK;
    } else {
        print_list_header();
        for (size_t i = 0; i < r->n_batches; i++)
            print_list_row(r->batches[i]);
        rc = fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to stdout");
    }
    labelq__list_batches_reply__free_unpacked(r, NULL);
    return rc;
}

/* ---- show ---- */

static void print_block(const char *project, const Labelq__BatchInfo *b)
{
    char created[32], age[48], eta[48];
    fmt_iso(created, sizeof created, b->created_ms);
    fmt_age(age, sizeof age, b->created_ms);
    printf("batch      %s\n", b->name);
    printf("project    %s\n", project);
    printf("state      %s\n", state_name(b->state));
    printf("priority   %d\n", b->priority);
    printf("created    %s (%s ago)\n", created, age);
    printf("tasks      %llu\n", (unsigned long long)b->tasks);
    printf("pending    %llu\n", (unsigned long long)b->pending);
    printf("leased     %llu\n", (unsigned long long)b->leased);
    printf("done       %llu (%.1f%%)\n", (unsigned long long)b->done, percent_done(b));
    printf("labels     %llu\n", (unsigned long long)b->labels);
    printf("rate       %.2f labels/s (recent)\n", b->labels_per_s);
    printf("needed     %llu labels\n", (unsigned long long)b->labels_needed);
    if (b->has_alpha || b->has_percent_agreement) {
        printf("agreement ");
        if (b->has_alpha)
            printf(" alpha %.3f", b->alpha);
        if (b->has_percent_agreement)
            printf("%s %.1f%% of pairs agree", b->has_alpha ? "," : "",
                   100.0 * b->percent_agreement);
        printf(" (last estimate)\n");
    } else {
        printf("agreement  - (no estimate yet)\n");
    }
    fmt_eta(eta, sizeof eta, b);
    if (b->tasks > 0 && is_done(b))
        printf("eta        - (done)\n");
    else if (b->has_eta)
        printf("eta        %s\n", eta);
    else if (b->state == LABELQ__BATCH_STATE__BATCH_CANCELED)
        printf("eta        - (canceled)\n");
    else if (b->state == LABELQ__BATCH_STATE__BATCH_PAUSED)
        printf("eta        - (paused)\n");
    else
        printf("eta        - (no labels recently)\n");
}

/* Parses PROJECT BATCH, the arguments of show, watch and the changes.
 * Returns CLI_GO_ON or an exit status. */
static int project_and_batch(int argc, char **argv, int args, const char *what,
                             const char **project, const char **batch)
{
    if (argc - args != 2)
        return cli_usage_error(usage, "batch %s takes PROJECT and BATCH", what);
    *project = argv[args];
    *batch = argv[args + 1];
    return CLI_GO_ON;
}

static int cmd_show(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, CLI_GLOBAL_OPTIONS, {0}};
    Labelq__BatchInfo *b = NULL;
    const char *project = NULL, *batch = NULL;
    bool json = false;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, &json, &args);
    if (rc == CLI_GO_ON)
        rc = project_and_batch(argc, argv, args, "show", &project, &batch);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_batch_get(g->client, project, batch, &b) < 0)
        return cli_fail("batch %s of %s: %s", batch, project, lq_client_error(g->client));
    if (json) {
        rc = cli_print_json(batch_json(b, project));
    } else {
        print_block(project, b);
        rc = fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to stdout");
    }
    labelq__batch_info__free_unpacked(b, NULL);
    return rc;
}

/* ---- watch ---- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The redrawn line on a terminal: name, bar, share, counts, ETA, and the
 * state unless active; cut to WATCH_LINE_MAX columns. */
static void draw_bar(const Labelq__BatchInfo *b)
{
    char name[WATCH_NAME_WIDTH + 1], bar[WATCH_BAR_WIDTH + 1], eta[48], line[320];
    snprintf(name, sizeof name, "%s", b->name);
    if (strlen(b->name) > WATCH_NAME_WIDTH)
        name[WATCH_NAME_WIDTH - 1] = '~';
    cli_progress_bar(bar, WATCH_BAR_WIDTH, b->tasks ? (double)b->done / (double)b->tasks : 0.0);
    fmt_eta(eta, sizeof eta, b);
    snprintf(line, sizeof line, "%s [%s] %3d%% %llu/%llu done, %llu leased, ETA %s%s%s", name, bar,
             (int)percent_done(b), (unsigned long long)b->done, (unsigned long long)b->tasks,
             (unsigned long long)b->leased, eta,
             b->state == LABELQ__BATCH_STATE__BATCH_ACTIVE ? "" : ", ",
             b->state == LABELQ__BATCH_STATE__BATCH_ACTIVE ? "" : state_name(b->state));
    line[WATCH_LINE_MAX] = '\0'; /* past it only on huge counts; cut */
    printf("\r\033[K%s", line);
}

/* The appended line when stdout is not a terminal: time and every count. */
static void print_line(const Labelq__BatchInfo *b)
{
    char now[32], eta[48];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fmt_iso(now, sizeof now, (uint64_t)ts.tv_sec * 1000);
    fmt_eta(eta, sizeof eta, b);
    printf("%s %s: %s, %llu/%llu done (%d%%), %llu leased, %llu pending, %llu labels, "
           "%.2f labels/s, ETA %s\n",
           now, b->name, state_name(b->state), (unsigned long long)b->done,
           (unsigned long long)b->tasks, (int)percent_done(b), (unsigned long long)b->leased,
           (unsigned long long)b->pending, (unsigned long long)b->labels, b->labels_per_s, eta);
}

/* Sleeps until deadline (monotonic seconds) or a quit signal. Returns true
 * to quit. */
static bool wait_until(double deadline)
{
    while (!stop_signal) {
        double left = deadline - mono_s();
        if (left <= 0)
            return false;
        /* No SA_RESTART: the signal cuts poll short (EINTR). */
        poll(NULL, 0, (int)(left * 1000.0) + 1);
    }
    return true;
}

typedef struct watch_args {
    double interval_s;
} watch_args;

static int watch_option(void *ctx, int opt, const char *arg)
{
    watch_args *a = ctx;
    if (opt != 'i')
        return CLI_USAGE;
    return cli_parse_interval(arg, &a->interval_s);
}

/* Fetches and shows the batch until it is done, canceled or a signal.
 * Returns the exit status. */
static int watch_loop(cli *g, const char *project, const char *batch, double interval_s, bool tty)
{
    double next = mono_s();
    for (;;) {
        Labelq__BatchInfo *b = NULL;
        if (lq_batch_get(g->client, project, batch, &b) < 0) {
            if (stop_signal)
                return EXIT_SIGNAL_BASE + stop_signal;
            if (tty)
                putchar('\n');
            return cli_fail("batch %s of %s: %s", batch, project, lq_client_error(g->client));
        }
        if (tty)
            draw_bar(b);
        else
            print_line(b);
        int rc = -1;
        if (is_done(b)) {
            printf("%sbatch %s of project %s is done: %llu tasks, %llu labels\n", tty ? "\n" : "",
                   batch, project, (unsigned long long)b->tasks, (unsigned long long)b->labels);
            rc = CLI_OK;
        } else if (b->state == LABELQ__BATCH_STATE__BATCH_CANCELED) {
            if (tty)
                putchar('\n');
            fflush(stdout);
            rc = cli_fail("batch %s of project %s was canceled with %llu of %llu tasks done", batch,
                          project, (unsigned long long)b->done, (unsigned long long)b->tasks);
        }
        labelq__batch_info__free_unpacked(b, NULL);
        if (fflush(stdout) != 0) {
            /* The reader is gone (| head): nothing left to show. */
            return errno == EPIPE ? CLI_OK : cli_fail("cannot write to stdout");
        }
        if (rc >= 0)
            return rc;
        next += interval_s;
        if (next < mono_s())
            next = mono_s(); /* a slow server: do not try to catch up */
        if (wait_until(next)) {
            if (tty)
                putchar('\n'); /* leave the last bar; the prompt starts on a clean line */
            fflush(stdout);
            return EXIT_SIGNAL_BASE + stop_signal;
        }
    }
}

static int cmd_watch(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"interval", required_argument, NULL, 'i'}, CLI_GLOBAL_OPTIONS, {0}};
    watch_args a = {.interval_s = CLI_TOP_INTERVAL};
    const char *project = NULL, *batch = NULL;
    struct sigaction sa = {0}, old_int, old_term;
    int args;
    int rc = cli_parse(g, argc, argv, "i:h", opts, usage, watch_option, &a, &args);
    if (rc == CLI_GO_ON)
        rc = project_and_batch(argc, argv, args, "watch", &project, &batch);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = watch_loop(g, project, batch, a.interval_s, isatty(STDOUT_FILENO));
    stop_signal = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}

/* ---- pause, resume, cancel, priority ---- */

typedef struct change {
    Labelq__UpdateBatch__Action action;
    const char *verb;       /* for errors: "pause batch X of P: ..." */
    const char *done;       /* "paused" */
    Labelq__BatchState now; /* the state it leads to */
} change;

static const change changes[] = {
    {LABELQ__UPDATE_BATCH__ACTION__PAUSE, "pause", "paused", LABELQ__BATCH_STATE__BATCH_PAUSED},
    {LABELQ__UPDATE_BATCH__ACTION__RESUME, "resume", "resumed", LABELQ__BATCH_STATE__BATCH_ACTIVE},
    {LABELQ__UPDATE_BATCH__ACTION__CANCEL, "cancel", "canceled",
     LABELQ__BATCH_STATE__BATCH_CANCELED},
};

/* Pause, resume or cancel (argv[0] names which). The state before is read
 * first only to say "already" when nothing changed; the server decides. */
static int cmd_change(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    const char *verb = strrchr(argv[0], ' ') ? strrchr(argv[0], ' ') + 1 : argv[0];
    const change *ch = NULL;
    Labelq__BatchInfo *before = NULL, *after = NULL;
    const char *project = NULL, *batch = NULL;
    int args;
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        if (strcmp(verb, changes[i].verb) == 0)
            ch = &changes[i];
    if (!ch)
        return cli_usage_error(usage, "unknown subcommand '%s'", verb);
    int rc = cli_parse(g, argc, argv, "h", opts, usage, NULL, NULL, &args);
    if (rc == CLI_GO_ON)
        rc = project_and_batch(argc, argv, args, ch->verb, &project, &batch);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    rc = CLI_FAIL;
    if (lq_batch_get(g->client, project, batch, &before) < 0 ||
        lq_batch_update(g->client, project, batch, ch->action, 0, &after) < 0) {
        cli_fail("%s batch %s of %s: %s", ch->verb, batch, project, lq_client_error(g->client));
        goto out;
    }
    if (before->state == ch->now)
        printf("batch %s of project %s is already %s; nothing changed\n", batch, project,
               state_name(ch->now));
    else
        printf("batch %s of project %s %s\n", batch, project, ch->done);
    rc = CLI_OK;
out:
    if (before)
        labelq__batch_info__free_unpacked(before, NULL);
    if (after)
        labelq__batch_info__free_unpacked(after, NULL);
    return rc;
}

/* Whether s is a negative whole number, which getopt would take for an
 * option. */
static bool is_negative_number(const char *s)
{
    if (s[0] != '-' || s[1] == '\0')
        return false;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Whether arg is a connection option whose value is the next argument. */
static bool takes_value(const char *arg)
{
    static const char *const with_value[] = {"--server",     "--ca",   "--token",
                                             "--token-file", "--cert", "--key"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(arg, with_value[i]) == 0)
            return true;
    return false;
}

static int cmd_priority(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    Labelq__BatchInfo *before = NULL, *after = NULL;
    const char *negative = NULL;
    int32_t priority;
    int args;
    /* "priority P B -5": the last argument is P, not an option (unless it
     * is the value of a connection option given apart, "--token -5"). */
    if (argc > 2 && is_negative_number(argv[argc - 1]) && !takes_value(argv[argc - 2]))
        negative = argv[--argc];
    int rc = cli_parse(g, argc, argv, "h", opts, usage, NULL, NULL, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != (negative ? 2 : 3))
        return cli_usage_error(usage, "batch priority takes PROJECT, BATCH and P");
    const char *project = argv[args], *batch = argv[args + 1];
    rc = cli_parse_priority("the priority", negative ? negative : argv[args + 2], &priority);
    if (rc != 0)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    rc = CLI_FAIL;
    if (lq_batch_get(g->client, project, batch, &before) < 0 ||
        lq_batch_update(g->client, project, batch, LABELQ__UPDATE_BATCH__ACTION__PRIORITY, priority,
                        &after) < 0) {
        cli_fail("set the priority of batch %s of %s: %s", batch, project,
                 lq_client_error(g->client));
        goto out;
    }
    printf("batch %s of project %s has priority %d (was %d)\n", batch, project, after->priority,
           before->priority);
    rc = CLI_OK;
out:
    if (before)
        labelq__batch_info__free_unpacked(before, NULL);
    if (after)
        labelq__batch_info__free_unpacked(after, NULL);
    return rc;
}

int cli_batch(cli *g, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"list", cmd_list},         {"show", cmd_show},     {"watch", cmd_watch},
        {"pause", cmd_change},      {"resume", cmd_change}, {"cancel", cmd_change},
        {"priority", cmd_priority},
    };
    return cli_dispatch(g, argc, argv, subs, sizeof(subs) / sizeof(subs[0]), usage);
}
