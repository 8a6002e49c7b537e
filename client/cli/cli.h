/* The labelq admin CLI: what its command files share. Each cli_<concept>.c
 * implements one command (or command group) as `int cli_<concept>(cli *g,
 * int argc, char **argv)` returning the process exit status; argv[0] is the
 * command's own name. */
#ifndef LQ_CLI_H
#define LQ_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "client/lib/labelq.h"

enum {
    CLI_OK = 0,    /* success */
    CLI_FAIL = 1,  /* the command failed; one line on stderr says why */
    CLI_USAGE = 2, /* bad command line; usage on stderr */
    CLI_GO_ON = -1 /* cli_parse: options fine, run the command */
};

/* Connection settings from the global options; environment and defaults are
 * applied when connecting, so a flag always wins over the environment. */
typedef struct cli {
    const char *server;
    const char *ca;
    const char *token;
    const char *token_file;
    const char *cert; /* client certificate (--cert), for a server with --client-ca */
    const char *key;  /* its private key (--key) */
    char *token_buf;  /* token read from a file */
    lq_client *client;
} cli;

/* Option codes of the global options, outside any character's range. */
enum {
    CLI_OPT_SERVER = 1000,
    CLI_OPT_CA,
    CLI_OPT_TOKEN,
    CLI_OPT_TOKEN_FILE,
    CLI_OPT_CERT,
    CLI_OPT_KEY
};

/* The global options, accepted after the command as well as before it:
 * put this at the end of a command's long-option table, before {0}. */
#define CLI_GLOBAL_OPTIONS                                                                         \
    {"server", required_argument, NULL, CLI_OPT_SERVER},                                           \
        {"ca", required_argument, NULL, CLI_OPT_CA},                                               \
        {"token", required_argument, NULL, CLI_OPT_TOKEN},                                         \
        {"token-file", required_argument, NULL, CLI_OPT_TOKEN_FILE},                               \
        {"cert", required_argument, NULL, CLI_OPT_CERT},                                           \
        {"key", required_argument, NULL, CLI_OPT_KEY},                                             \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* The global options' help text, for every usage message. */
#define CLI_GLOBAL_HELP                                                                            \
    "Connection (also accepted before the command):\n"                                             \
    "  --server HOST:PORT  labelqd address (env LABELQ_SERVER; default " LQ_DEFAULT_SERVER ")\n"   \
    "  --ca FILE           CA certificate to verify the server, e.g. the data dir's\n"             \
    "                      tls/ca.pem (env LABELQ_CA; default: system trust store)\n"              \
    "  --token TOKEN       bearer token (env LABELQ_TOKEN)\n"                                      \
    "  --token-file FILE   read the token from FILE (env LABELQ_TOKEN_FILE)\n"                     \
    "  --cert FILE         client certificate (PEM), for a labelqd run with --client-ca\n"         \
    "                      (env LABELQ_CERT)\n"                                                    \
    "  --key FILE          the certificate's private key, PEM, unencrypted (env\n"                 \
    "                      LABELQ_KEY; default: read from the --cert file)\n"                      \
    "  -h, --help          show this help\n"

/* Handles one command option; returns 0, or an exit status to stop with
 * (CLI_USAGE after reporting a bad value). */
typedef int (*cli_option_fn)(void *ctx, int opt, const char *arg);

/* Parses a command's options with getopt_long, handling the global options
 * and --help (usage on stdout) itself. Returns CLI_GO_ON with *args set to
 * the first positional argument's index, or the exit status to stop with. */
int cli_parse(cli *g, int argc, char **argv, const char *shortopts, const struct option *longopts,
              const char *usage, cli_option_fn fn, void *ctx, int *args);

/* One subcommand of a command group such as `labelq project`. */
typedef struct cli_subcommand {
    const char *name;
    int (*run)(cli *g, int argc, char **argv);
} cli_subcommand;

/* Runs the subcommand named by argv[1] (argv[0] is the group's name) with
 * argv + 1; handles --help and unknown names against usage. Returns the
 * exit status. */
int cli_dispatch(cli *g, int argc, char **argv, const cli_subcommand *subs, size_t nsubs,
                 const char *usage);

/* Reports a bad command line ("labelq: <message>" and usage on stderr) and
 * returns CLI_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a bad option value or argument in one line (the usage would bury
 * it) and returns CLI_USAGE. */
int cli_bad_arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "labelq: <message>" on stderr and returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "labelq: <what>: <the client's last error>" and returns CLI_FAIL. */
int cli_fail_call(cli *g, const char *what);

/* Connects and authenticates with the global settings, once; later calls
 * return the same client. On failure reports it and returns NULL. */
lq_client *cli_connect(cli *g);

/* An option callback for commands whose options are all on/off flags that
 * set one bool: ctx points at it. Cannot fail. */
int cli_flag_option(void *ctx, int opt, const char *arg);

/* Parses a decimal unsigned integer in [min, max] for option name. Returns
 * 0, or CLI_USAGE after reporting a bad value. */
int cli_parse_uint(const char *name, const char *arg, unsigned long min, unsigned long max,
                   unsigned long *out);

/* Parses a signed 32-bit whole number (a priority) for option name.
 * Returns 0, or CLI_USAGE after reporting a bad value. */
int cli_parse_priority(const char *name, const char *arg, int32_t *out);

/* Parses a share from 0 to 1 (a probability, a ratio) for option name.
 * Returns 0, or CLI_USAGE after reporting a bad value. */
int cli_parse_share(const char *name, const char *arg, double *out);

/* Whether c may appear in a batch name ([A-Za-z0-9_.@-]). Cannot fail. */
bool cli_batch_name_char(char c);

/* Checks a batch name as the server would (1-64 of [A-Za-z0-9_.@-]), so
 * that a typo fails before connecting. Returns 0, or CLI_USAGE after
 * reporting. */
int cli_check_batch_name(const char *name);

/* Prints v as JSON on stdout followed by a newline and drops the caller's
 * reference. Returns CLI_OK, or CLI_FAIL if v is NULL (out of memory). */
int cli_print_json(json_t *v);

/* A progress bar on stderr, drawn only when stderr is a terminal so that
 * logs and pipes stay clean. */
typedef struct cli_progress {
    bool on;
    long long total; /* bytes in the input; 0 when unknown (a pipe) */
    long long last_ms;
    const char *what;
} cli_progress;

/* Starts a bar for reading in (its size, if a regular file, is the 100%). */
void cli_progress_start(cli_progress *p, const char *what, FILE *in);

/* Redraws, at most a few times a second: done_bytes of total, items so far. */
void cli_progress_update(cli_progress *p, long long done_bytes, unsigned long long items);

/* Erases the bar so that the summary starts on a clean line. */
void cli_progress_end(cli_progress *p);

/* Draws a bar of width cells into buf (width + 1 bytes): '#' for the share
 * done (0 to 1, clamped), ' ' for the rest, NUL-terminated. Cannot fail. */
void cli_progress_bar(char *buf, int width, double share);

/* Writes v right-aligned in width columns into buf, as k, M, G... when the
 * digits would not fit, so that a table row keeps its width (labelq top,
 * batch list). Cannot fail. */
void cli_format_count(char *buf, size_t len, int width, unsigned long long v);

int cli_project(cli *g, int argc, char **argv);
int cli_annotator(cli *g, int argc, char **argv);
int cli_import(cli *g, int argc, char **argv);
int cli_export(cli *g, int argc, char **argv);
int cli_backup(cli *g, int argc, char **argv);
int cli_status(cli *g, int argc, char **argv);
int cli_top(cli *g, int argc, char **argv);
int cli_quality_report(cli *g, int argc, char **argv);
int cli_batch(cli *g, int argc, char **argv);
/* Offline commands on a CSV of ratings; they never connect. */
int cli_agreement(cli *g, int argc, char **argv);
int cli_aggregate(cli *g, int argc, char **argv);

/* The JSON object of one project, shared by `status --json` and
 * `project list --json`. Returns a new reference, or NULL without memory. */
json_t *cli_project_json(const Labelq__ProjectInfo *p);

/* labelq top's refresh interval when none is given, in seconds. */
#define CLI_TOP_INTERVAL 1.0

/* labelq top's view, shared with `status PROJECT --watch`: shows projects[0..
 * n_projects-1] (every project when n_projects is 0) every interval_s seconds
 * until q or a signal, or once. Returns the exit status. */
int cli_top_run(cli *g, char **projects, size_t n_projects, double interval_s, bool once);

/* Parses --interval's seconds (0.1-3600, fractions allowed). Returns 0, or
 * CLI_USAGE after reporting a bad value. */
int cli_parse_interval(const char *arg, double *out);

#endif
