/* labelq top: a refreshing table of every project's (or the named ones')
 * counts, label rate and active annotators. Also `labelq status PROJECT
 * --watch`. */
#include "client/cli/cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TOP_MIN_INTERVAL 0.1
#define TOP_MAX_INTERVAL 3600.0
#define TOP_WIDTH 80      /* every line fits this many columns */
#define TOP_NAME_WIDTH 14 /* longer project names are cut, ending in '~' */

static const char usage[] =
    "Usage: labelq top [--interval S] [--once] [PROJECT...]\n"
    "\n"
    "Show every project (or the PROJECTs named) and refresh every S seconds:\n"
    "tasks, pending, leased, done (and its share of the tasks), labels, labels\n"
    "per second since the previous refresh, and active annotators (distinct\n"
    "annotators holding a lease now). On a terminal the screen is redrawn;\n"
    "otherwise each refresh is appended, so the output can be logged.\n"
    "Quit with q and Enter, or Ctrl-C.\n"
    "\n"
    "  -i, --interval S   seconds between refreshes, 0.1-3600 (default 1)\n"
    "      --once         print one snapshot and exit\n"
    "\n" CLI_GLOBAL_HELP;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* One row, kept from the previous refresh for the label rate. */
typedef struct top_row {
    char *name;
    unsigned long long labels;
} top_row;

typedef struct top_state {
    cli *g;
    char **names; /* the PROJECTs to show; none: every project */
    size_t n_names;
    const char *server;
    top_row *prev; /* the previous refresh's rows */
    size_t n_prev;
    double prev_s; /* its monotonic time */
    bool have_prev;
} top_state;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The address the client connects to, resolved as lq_client_options_resolve
 * does, for the header. Cannot fail. */
static const char *server_name(const cli *g)
{
    const char *env = getenv("LABELQ_SERVER");
    if (g->server)
        return g->server;
    return env && env[0] ? env : LQ_DEFAULT_SERVER;
}

void cli_format_count(char *buf, size_t len, int width, unsigned long long v)
{
    static const char units[] = "kMGTP";
    if (snprintf(buf, len, "%*llu", width, v) <= width)
        return;
    double x = (double)v;
    for (const char *u = units; *u; u++) {
        x /= 1000.0;
        if (snprintf(buf, len, "%*.*f%c", width - 1, x < 10 ? 1 : 0, x, *u) <= width)
            return;
    }
}

/* Copies name cut to TOP_NAME_WIDTH, with '~' where it was cut. */
static void fmt_name(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s", name);
    if (strlen(name) > TOP_NAME_WIDTH && len > TOP_NAME_WIDTH) {
        buf[TOP_NAME_WIDTH - 1] = '~';
        buf[TOP_NAME_WIDTH] = '\0';
    }
}

/* The label count name had at the previous refresh, or false. Rows keep
 * their order between refreshes (projects are listed by id), so the same
 * index nearly always matches at once. */
static bool prev_labels(const top_state *t, size_t i, const char *name, unsigned long long *out)
{
    if (i < t->n_prev && strcmp(t->prev[i].name, name) == 0) {
        *out = t->prev[i].labels;
        return true;
    }
    for (size_t j = 0; j < t->n_prev; j++)
        if (strcmp(t->prev[j].name, name) == 0) {
            *out = t->prev[j].labels;
            return true;
        }
    return false;
}

static void print_header(const top_state *t, size_t n)
{
    char when[32], head[TOP_WIDTH + 1];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
    /* The server's address is the part that can be long: the buffer cuts it. */
    snprintf(head, sizeof(head), "labelq top  %s  %zu project%s  server %s", when, n,
             n == 1 ? "" : "s", t->server);
    puts(head);
    printf("%-*s %8s %8s %6s %8s %4s %9s %8s %6s\n", TOP_NAME_WIDTH, "PROJECT", "TASKS", "PENDING",
           "LEASED", "DONE", "%", "LABELS", "LABELS/S", "ACTIVE");
}

static void print_row(const top_state *t, size_t i, const Labelq__ProjectInfo *p, double now)
{
    const char *name = p->config ? p->config->name : "?";
    char nm[TOP_NAME_WIDTH + 2], tasks[16], pending[16], leased[16], done[16], labels[16];
    char pct[8], rate[16];
    unsigned long long before;
    fmt_name(nm, sizeof(nm), name);
    cli_format_count(tasks, sizeof(tasks), 8, p->tasks);
    cli_format_count(pending, sizeof(pending), 8, p->pending);
    cli_format_count(leased, sizeof(leased), 6, p->leased);
    cli_format_count(done, sizeof(done), 8, p->done);
    cli_format_count(labels, sizeof(labels), 9, p->labels);
    /* Rounded down: 100% only when every task is done. */
    if (p->tasks > 0)
        snprintf(pct, sizeof(pct), "%3llu%%", (unsigned long long)(p->done * 100 / p->tasks));
    else
        snprintf(pct, sizeof(pct), "   -");
    if (t->have_prev && now > t->prev_s && prev_labels(t, i, name, &before) &&
        p->labels >= before) {
        double r = (double)(p->labels - before) / (now - t->prev_s);
        snprintf(rate, sizeof(rate), r < 99999.95 ? "%8.1f" : "%8.0f", r);
    } else {
        snprintf(rate, sizeof(rate), "%8s", "-"); /* first refresh, or a new project */
    }
    printf("%-*s %s %s %s %s %s %s %s %6u\n", TOP_NAME_WIDTH, nm, tasks, pending, leased, done, pct,
           labels, rate, p->active_annotators);
}

/* Keeps this refresh's label counts for the next one's rates. Returns 0 or
 * CLI_FAIL (reported) without memory. */
static int remember(top_state *t, Labelq__ProjectInfo **infos, size_t n, double now)
{
    top_row *rows = calloc(n + 1, sizeof(*rows));
    if (!rows)
        return cli_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        rows[i].name = strdup(infos[i]->config ? infos[i]->config->name : "?");
        rows[i].labels = infos[i]->labels;
        if (!rows[i].name) {
            for (size_t j = 0; j < i; j++)
                free(rows[j].name);
            free(rows);
            return cli_fail("out of memory");
        }
    }
    for (size_t i = 0; i < t->n_prev; i++)
        free(t->prev[i].name);
    free(t->prev);
    t->prev = rows;
    t->n_prev = n;
    t->prev_s = now;
    t->have_prev = true;
    return 0;
}

/* Fetches the projects to show: one ListProjects for all of them, else one
 * GetProject per name (which annotators may call too). *list or infos hold
 * the replies; the caller frees both. Returns 0 or CLI_FAIL (reported,
 * unless a quit signal cut the call short). */
static int fetch(top_state *t, Labelq__ListProjectsReply **list, Labelq__ProjectInfo **infos,
                 size_t *n)
{
    *n = 0;
    if (t->n_names == 0) {
        if (lq_project_list(t->g->client, list) < 0)
            return stop_signal ? CLI_FAIL : cli_fail_call(t->g, "list projects");
        return 0;
    }
    for (size_t i = 0; i < t->n_names; i++) {
        if (lq_project_get(t->g->client, t->names[i], &infos[i]) < 0)
            return stop_signal
                       ? CLI_FAIL
                       : cli_fail("status of %s: %s", t->names[i], lq_client_error(t->g->client));
        (*n)++;
    }
    return 0;
}

/* Fetches and prints one snapshot. Returns 0 or CLI_FAIL (reported). */
static int refresh(top_state *t, bool clear)
{
    Labelq__ListProjectsReply *list = NULL;
    Labelq__ProjectInfo **infos = calloc(t->n_names + 1, sizeof(*infos));
    size_t n = 0;
    int rc = CLI_FAIL;
    if (!infos)
        return cli_fail("out of memory");
    if (fetch(t, &list, infos, &n) != 0)
        goto out;
    Labelq__ProjectInfo **rows = list ? list->projects : infos;
    size_t n_rows = list ? list->n_projects : n;
    double now = mono_s();
    if (clear)
        fputs("\033[H\033[2J", stdout);
    else if (t->have_prev)
        putchar('\n'); /* appended snapshots: a blank line between them */
    print_header(t, n_rows);
    for (size_t i = 0; i < n_rows; i++)
        print_row(t, i, rows[i], now);
    if (n_rows == 0)
        puts("(no projects yet)");
    if (fflush(stdout) != 0) {
        if (errno == EPIPE) {
            stop_signal = SIGPIPE; /* the reader is gone (| head): just stop */
            rc = 0;
        } else {
            cli_fail("writing the snapshot: %s", strerror(errno));
        }
        goto out;
    }
    rc = remember(t, rows, n_rows, now);
out:
    for (size_t i = 0; i < n; i++)
        labelq__project_info__free_unpacked(infos[i], NULL);
    free(infos);
    if (list)
        labelq__list_projects_reply__free_unpacked(list, NULL);
    return rc;
}

/* Waits until deadline (monotonic seconds) or a quit: a signal, or a line
 * starting with q on stdin. Returns true to quit. */
static bool wait_until(double deadline, bool *watch_stdin)
{
    for (;;) {
        if (stop_signal)
            return true;
        double left = deadline - mono_s();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&pfd, *watch_stdin ? 1 : 0, (int)(left * 1000.0) + 1);
        if (r <= 0)
            continue; /* timeout, or EINTR: check the signal and the time */
        char line[256];
        ssize_t got = read(STDIN_FILENO, line, sizeof(line));
        if (got <= 0) {
            *watch_stdin = false; /* end of input (/dev/null, a closed pipe): keep going */
            continue;
        }
        if (line[0] == 'q' || line[0] == 'Q')
            return true;
    }
}

int cli_top_run(cli *g, char **projects, size_t n_projects, double interval_s, bool once)
{
    top_state t = {.g = g, .names = projects, .n_names = n_projects, .server = server_name(g)};
    struct sigaction sa = {0}, old_int, old_term;
    bool clear = !once && isatty(STDOUT_FILENO);
    /* A background job reading its terminal would be stopped (SIGTTIN). */
    bool watch_stdin = !once && (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp());
    int rc;

    if (!cli_connect(g))
        return CLI_FAIL;
    /* No SA_RESTART: a signal must cut the wait short. The terminal's modes
     * are left alone (q needs Enter), so there is nothing to restore. */
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    double next = mono_s();
    for (;;) {
        rc = refresh(&t, clear);
        if (rc != 0 || once)
            break;
        next += interval_s;
        if (next < mono_s())
            next = mono_s(); /* a slow server: do not try to catch up */
        if (wait_until(next, &watch_stdin))
            break;
    }
    if (stop_signal)
        rc = CLI_OK; /* Ctrl-C is how one leaves top, not a failure */
    stop_signal = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    for (size_t i = 0; i < t.n_prev; i++)
        free(t.prev[i].name);
    free(t.prev);
    return rc;
}

int cli_parse_interval(const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end != '\0' || errno || !(v >= TOP_MIN_INTERVAL && v <= TOP_MAX_INTERVAL))
        return cli_bad_arg("--interval must be a number of seconds from %g to %g, not '%s'",
                           TOP_MIN_INTERVAL, TOP_MAX_INTERVAL, arg);
    *out = v;
    return 0;
}

typedef struct top_args {
    double interval_s;
    bool once;
} top_args;

static int top_option(void *ctx, int opt, const char *arg)
{
    top_args *a = ctx;
    switch (opt) {
    case 'i':
        return cli_parse_interval(arg, &a->interval_s);
    case 'o':
        a->once = true;
        return 0;
    default:
        return CLI_USAGE;
    }
}

int cli_top(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"interval", required_argument, NULL, 'i'},
                                         {"once", no_argument, NULL, 'o'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    top_args a = {.interval_s = CLI_TOP_INTERVAL};
    int args;
    int rc = cli_parse(g, argc, argv, "i:h", opts, usage, top_option, &a, &args);
    if (rc != CLI_GO_ON)
        return rc;
    for (int i = args; i < argc; i++)
        if (argv[i][0] == '\0')
            return cli_bad_arg("a project name is empty");
    return cli_top_run(g, argv + args, (size_t)(argc - args), a.interval_s, a.once);
}
