/* labelq-annotate: the terminal client a person labels with.
 *
 * One task at a time: lease it (long-polling while the queue is empty),
 * show it, wait for a decision, submit or release it. The only state kept
 * across tasks is the count for the header; everything else is the
 * server's. On a terminal the screen is redrawn per task (annotate_screen);
 * on a pipe each item is printed plainly and one line is read per decision,
 * which is how scripts and tests drive it. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/annotate/answer.h"
#include "client/annotate/input.h"
#include "client/annotate/screen.h"
#include "client/annotate/term.h"
#include "labelq.h"

#define PROG "labelq-annotate"
#define LEASE_WAIT_MS 5000
#define CLIENT_NAME "labelq-annotate/0.1"
/* Exit status for a project whose type is labeled by programs (boxes). */
#define EXIT_UNSUPPORTED 3

/* Positive results of a step; errors are negative LQ_E* codes. */
enum { STEP_NEXT = 0, STEP_QUIT = 1 };

typedef struct session {
    lq_client *c;
    char *token_buf; /* the token read from a token file; owned */
    const char *project;
    Labelq__ProjectInfo *info;
    annotate_input *in;
    answer *ans;      /* the answer to the task on screen */
    answer_view view; /* what of it is shown; refreshed before each draw */
    bool tty;
    unsigned labeled;
    char status[256];
    const char *failed; /* the call that failed, for the exit message */
    bool local;         /* the failure was ours, not the client's */
} session;

static const char usage_text[] =
    "usage: " PROG " [options] PROJECT\n"
    "\n"
    "Label PROJECT's tasks one at a time. On a terminal, by the project's type:\n"
    "  single, ordinal  1-9 choose (more than 9 choices: the number, Enter)\n"
    "  multi            1-9 toggle a label, Enter submits the set (maybe empty)\n"
    "  numeric          type the number, Enter\n"
    "  text             type the answer, Enter; Backspace, Esc clears\n"
    "  spans            type FIRST-LAST LABEL (token numbers), Enter; u undoes\n"
    "                   the last span; Enter on an empty line submits\n"
    "s skips (the task goes to others), q quits; in text, Ctrl-S skips and\n"
    "Ctrl-D quits. With stdin not a terminal, each item is printed and one\n"
    "line is read per step: what would be typed before Enter (single, ordinal:\n"
    "a choice's number or name; multi: the set's numbers, e.g. \"1 3\"; text:\n"
    "the answer, or a line of Ctrl-S / Ctrl-D), s or q; end of input quits.\n"
    "Boxes projects are labeled by programs through liblabelq: for one, this\n"
    "program says so and exits with status 3.\n"
    "\n"
    "options:\n"
    "  --server HOST:PORT  labelqd address (env LABELQ_SERVER; default " LQ_DEFAULT_SERVER ")\n"
    "  --ca FILE           CA certificate to verify the server (env LABELQ_CA)\n"
    "  --token TOKEN       annotator token (env LABELQ_TOKEN)\n"
    "  --token-file FILE   read the token from FILE (env LABELQ_TOKEN_FILE)\n"
    "  --cert FILE         client certificate (PEM), for a labelqd run with --client-ca\n"
    "                      (env LABELQ_CERT)\n"
    "  --key FILE          its private key, PEM, unencrypted (env LABELQ_KEY; default:\n"
    "                      read from the --cert file)\n"
    "  -h, --help          show this help\n";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage_error(const char *msg)
{
    fprintf(stderr, PROG ": %s\n(try " PROG " --help)\n", msg);
    return 2;
}

/* Returns -1 to go on, else the exit status (0 after --help, 2). */
static int parse_args(int argc, char **argv, lq_client_options *conn, const char **token_file,
                      const char **project)
{
    enum { OPT_SERVER = 256, OPT_CA, OPT_TOKEN, OPT_TOKEN_FILE, OPT_CERT, OPT_KEY };
    static const struct option longopts[] = {
        {"server", required_argument, NULL, OPT_SERVER},
        {"ca", required_argument, NULL, OPT_CA},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"cert", required_argument, NULL, OPT_CERT},
        {"key", required_argument, NULL, OPT_KEY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_SERVER:
            conn->server = optarg;
            break;
        case OPT_CA:
            conn->ca_file = optarg;
            break;
        case OPT_TOKEN:
            conn->token = optarg;
            break;
        case OPT_TOKEN_FILE:
            *token_file = optarg;
            break;
        case OPT_CERT:
            conn->cert_file = optarg;
            break;
        case OPT_KEY:
            conn->key_file = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return usage_error("bad option");
        }
    }
    if (conn->token && *token_file)
        return usage_error("give --token or --token-file, not both");
    if (argc - optind != 1)
        return usage_error(argc - optind ? "give exactly one PROJECT" : "missing PROJECT");
    *project = argv[optind];
    return -1;
}

static screen_view view_of(const session *s, const Labelq__LeasedTask *task)
{
    const Labelq__ProjectConfig *cfg = s->info->config;
    const char *who = lq_client_annotator(s->c);
    screen_view v = {
        .project = s->project,
        .annotator = who && *who ? who : "?",
        .labeled = s->labeled,
        .instructions = cfg->instructions ? cfg->instructions : "",
        .answer = &s->view,
        .task = task,
        .status = s->status,
    };
    return v;
}

/* On a pipe the status is a line of output, printed as soon as it is set. */
static void flush_status(session *s)
{
    if (s->tty || !s->status[0])
        return;
    printf("%s\n", s->status);
    fflush(stdout);
    s->status[0] = '\0';
}

/* Redraws the terminal frame (task NULL: the waiting screen); on a pipe,
 * prints the item and the prompt. */
static int show(session *s, const Labelq__LeasedTask *task)
{
    int rows, cols, rc;
    if ((rc = answer_view_get(s->ans, &s->view)) < 0) {
        s->failed = "drawing the screen";
        s->local = true;
        return rc;
    }
    screen_view v = view_of(s, task);
    if (!s->tty) {
        flush_status(s);
        if (task)
            screen_print_item(stdout, &v);
        return 0;
    }
    term_size(&rows, &cols);
    if ((rc = screen_draw(&v, rows, cols)) < 0) {
        s->failed = "drawing the screen";
        s->local = true;
    }
    return rc;
}

/* After a decision that keeps the item: redraw, or on a pipe say why and
 * prompt again. */
static int reprompt(session *s, const Labelq__LeasedTask *task)
{
    if (s->tty)
        return show(s, task);
    flush_status(s);
    screen_prompt(stdout);
    return 0;
}

/* Gives a lease back; an already expired or vanished lease is fine. A skip
 * also tells the server not to show this person the item again. */
static int give_back(session *s, uint64_t task_id, bool skip)
{
    int rc = skip ? lq_skip(s->c, task_id) : lq_release(s->c, task_id);
    if (rc == LQ_EEXPIRED || rc == LQ_ENOTFOUND)
        return 0;
    if (rc < 0)
        s->failed = "release";
    return rc;
}

/* Errors that leave the item on screen for another try (or a skip);
 * anything else is the connection or our access going away. */
static bool retryable(int rc)
{
    return rc == LQ_EBADREQ || rc == LQ_ECONFLICT || rc == LQ_EUNAVAIL || rc == LQ_EEXHAUSTED ||
           rc == LQ_EINTERNAL;
}

/* Submits the answer's value for task. Returns STEP_NEXT with *stay false
 * when the item is finished with (labeled, or its lease is gone), STEP_NEXT
 * with *stay true when the person may try again, or a fatal error. */
static int submit(session *s, const Labelq__LeasedTask *task, int64_t shown, bool *stay)
{
    const char *value = answer_value(s->ans);
    int64_t spent = now_ms() - shown;
    uint32_t duration = spent > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)spent;
    bool duplicate = false;
    int rc = lq_submit(s->c, task->task_id, value, duration, &duplicate);
    *stay = false;
    if (rc == 0) {
        s->labeled++;
        snprintf(s->status, sizeof s->status, "labeled item %s: %s%s", task->external_id, value,
                 duplicate ? " (already recorded)" : "");
        return STEP_NEXT;
    }
    if (rc == LQ_EEXPIRED || rc == LQ_ENOTFOUND) {
        snprintf(s->status, sizeof s->status,
                 "the lease on item %s expired before the label arrived; moving on",
                 task->external_id);
        return STEP_NEXT;
    }
    if (retryable(rc)) {
        snprintf(s->status, sizeof s->status, "could not submit: %s; try again or skip",
                 lq_client_error(s->c));
        *stay = true;
        return STEP_NEXT;
    }
    s->failed = "submit";
    return rc;
}

/* Reads the next key or line into *r. Returns 0 or a fatal error. */
static int next_step(session *s, answer_result *r)
{
    input_event ev;
    int rc;
    r->kind = ANSWER_NONE;
    r->message[0] = '\0';
    if ((rc = input_next(s->in, -1, &ev)) < 0) {
        s->failed = "reading input";
        s->local = true;
        return rc;
    }
    if (term_stop_signal() || ev.kind == INPUT_END) {
        r->kind = ANSWER_QUIT;
        return 0;
    }
    if (ev.kind == INPUT_KEY)
        rc = answer_key(s->ans, ev.key, r);
    else if (ev.kind == INPUT_LINE)
        rc = answer_line(s->ans, ev.line, r);
    if (rc < 0) {
        s->failed = "building the answer";
        s->local = true;
    }
    return rc;
}

/* An item the answer cannot be built for (a spans item without its text):
 * said, and declined so that it is not offered again. */
static int decline(session *s, const Labelq__LeasedTask *task, const char *why)
{
    int rc;
    snprintf(s->status, sizeof s->status, "skipped item %s: %s", task->external_id, why);
    flush_status(s);
    return (rc = give_back(s, task->task_id, true)) < 0 ? rc : STEP_NEXT;
}

/* Shows task until the person decides. Returns STEP_NEXT, STEP_QUIT or a
 * fatal error. The lease is never left held on STEP_QUIT. */
static int work_on(session *s, const Labelq__LeasedTask *task)
{
    int64_t shown = now_ms();
    char why[200];
    int rc = answer_start(s->ans, task->data_json, why, sizeof why);
    if (rc == LQ_EBADREQ)
        return decline(s, task, why);
    if (rc < 0 || (rc = show(s, task)) < 0) {
        s->failed = s->failed ? s->failed : "starting the answer";
        s->local = true;
        return rc;
    }
    for (;;) {
        answer_result r;
        bool stay = false;
        if ((rc = next_step(s, &r)) < 0)
            return rc;
        switch (r.kind) {
        case ANSWER_NONE:
            if (term_take_resize() && (rc = show(s, task)) < 0)
                return rc;
            continue;
        case ANSWER_CHANGED:
        case ANSWER_INVALID:
            snprintf(s->status, sizeof s->status, "%s", r.message);
            break;
        case ANSWER_SUBMIT:
            if ((rc = submit(s, task, shown, &stay)) < 0)
                return rc;
            if (!stay) {
                flush_status(s);
                return STEP_NEXT;
            }
            break;
        case ANSWER_SKIP:
            snprintf(s->status, sizeof s->status, "skipped item %s", task->external_id);
            flush_status(s);
            return (rc = give_back(s, task->task_id, true)) < 0 ? rc : STEP_NEXT;
        case ANSWER_QUIT:
            return (rc = give_back(s, task->task_id, false)) < 0 ? rc : STEP_QUIT;
        }
        if ((rc = reprompt(s, task)) < 0)
            return rc;
    }
}

/* Shows that we are waiting; on a pipe only once per stretch of waiting. */
static int show_waiting(session *s, bool first)
{
    if (s->tty)
        return show(s, NULL);
    if (first) {
        flush_status(s);
        printf("waiting for tasks\xe2\x80\xa6\n");
        fflush(stdout);
    }
    return 0;
}

/* Leases one task into *out. The first try does not wait, so that when
 * the queue is empty the waiting screen replaces the finished item at once;
 * then it long-polls until a task comes. Returns 0, STEP_QUIT (nothing
 * held) or a fatal error. */
static int lease_one(session *s, Labelq__LeaseReply **out)
{
    for (unsigned attempt = 0;; attempt++) {
        Labelq__LeaseReply *r = NULL;
        int rc;
        if (attempt > 0 && (rc = show_waiting(s, attempt == 1)) < 0)
            return rc;
        rc = lq_lease(s->c, s->project, 1, attempt ? LEASE_WAIT_MS : 0, &r);
        if (rc < 0) {
            s->failed = "lease";
            return term_stop_signal() ? STEP_QUIT : rc;
        }
        if (r->n_tasks > 0) {
            /* We asked for one; give back any extra a server sends. */
            for (size_t i = 1; i < r->n_tasks; i++) {
                if ((rc = give_back(s, r->tasks[i]->task_id, false)) < 0) {
                    labelq__lease_reply__free_unpacked(r, NULL);
                    return rc;
                }
            }
            *out = r;
            return 0;
        }
        labelq__lease_reply__free_unpacked(r, NULL);
        if (term_stop_signal() || input_wants_quit(s->in, answer_q_line_quits(s->ans)))
            return STEP_QUIT;
    }
}

static int run(session *s)
{
    for (;;) {
        Labelq__LeaseReply *r = NULL;
        int rc = lease_one(s, &r);
        if (rc != 0)
            return rc;
        rc = work_on(s, r->tasks[0]);
        answer_clear(s->ans);
        labelq__lease_reply__free_unpacked(r, NULL);
        if (rc != STEP_NEXT)
            return rc;
    }
}

/* Connects and loads the project. Returns 0 or the exit status. */
static int open_session(session *s, lq_client_options *conn, const char *token_file)
{
    char err[512];
    int rc;
    conn->client_name = CLIENT_NAME;
    if (lq_client_options_resolve(conn, token_file, &s->token_buf, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    if (!conn->token || !*conn->token) {
        fprintf(stderr, PROG ": no token: pass --token or --token-file, or set LABELQ_TOKEN or "
                             "LABELQ_TOKEN_FILE\n");
        return 1;
    }
    if (lq_client_connect(conn, &s->c, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": connecting to %s: %s\n", conn->server, err);
        return 1;
    }
    if ((rc = lq_project_get(s->c, s->project, &s->info)) < 0) {
        fprintf(stderr, PROG ": project %s: %s\n", s->project, lq_client_error(s->c));
        return 1;
    }
    if (!s->info->config) {
        fprintf(stderr, PROG ": project %s: the server sent no configuration\n", s->project);
        return 1;
    }
    if (!answer_supported(s->info->config)) {
        fprintf(stderr,
                PROG ": project %s labels boxes on images; its items are labeled by programs "
                     "through liblabelq (lq_lease, lq_submit), not in the terminal\n",
                s->project);
        return EXIT_UNSUPPORTED;
    }
    s->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (answer_new(s->info->config, s->tty, &s->ans) < 0 || input_open(s->tty, &s->in) < 0 ||
        term_signals_install() < 0) {
        fprintf(stderr, PROG ": out of memory or signals unavailable\n");
        return 1;
    }
    if (s->tty && term_enter() < 0) {
        perror(PROG ": terminal");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    lq_client_options conn = {0};
    const char *token_file = NULL;
    session s = {0};
    int status = parse_args(argc, argv, &conn, &token_file, &s.project);
    if (status >= 0)
        return status;
    status = open_session(&s, &conn, token_file);
    if (status == 0) {
        if (!s.tty) {
            screen_view v = view_of(&s, NULL);
            screen_print_intro(stdout, &v);
        }
        int rc = run(&s);
        term_restore();
        if (rc < 0) {
            fprintf(stderr, PROG ": %s: %s\n", s.failed ? s.failed : "error",
                    s.local || !s.failed ? lq_strerror(rc) : lq_client_error(s.c));
            status = 1;
        } else {
            printf("labeled %u items\n", s.labeled);
            status = term_stop_signal() ? 128 + term_stop_signal() : 0;
        }
    }
    term_restore();
    input_close(s.in);
    answer_free(s.ans);
    if (s.info)
        labelq__project_info__free_unpacked(s.info, NULL);
    lq_client_close(s.c);
    free(s.token_buf);
    return status;
}
