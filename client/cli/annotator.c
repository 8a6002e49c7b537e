/* labelq annotator add / list / block / unblock / revoke / token. */
#include "client/cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "Usage: labelq annotator add NAME [--admin]\n"
    "       labelq annotator list [--json]\n"
    "       labelq annotator block NAME\n"
    "       labelq annotator unblock NAME\n"
    "       labelq annotator revoke NAME\n"
    "       labelq annotator token NAME\n"
    "\n"
    "add: create an annotator and print its token as the only line on stdout\n"
    "     (TOKEN=$(labelq annotator add bob)). The server keeps only a hash:\n"
    "     the token cannot be shown again.\n"
    "  --admin        make an admin (projects, imports, exports, annotators)\n"
    "list: one line per annotator (name, role, state, labels, created).\n"
    "  --json         a JSON array of {name, role, blocked, labels, created_ms}\n"
    "block: stop NAME from leasing and submitting; unblock: allow it again.\n"
    "revoke: NAME's token stops working at once, also after a restart: NAME's open\n"
    "     connections are closed and the tasks NAME holds go back to the queue.\n"
    "     NAME and its labels stay; it has no working token until 'token NAME'.\n"
    "token: issue NAME a new token and print it as the only line on stdout\n"
    "     (shown only once); the old token is revoked as by 'revoke'.\n"
    "The admin account's token is the data dir's admin.token (to change it, stop\n"
    "labelqd, delete the file, start labelqd); neither command takes 'admin' or\n"
    "your own account.\n"
    "\n" CLI_GLOBAL_HELP;

/* Parses a subcommand taking exactly one NAME and at most one flag. */
static int parse_name(cli *g, int argc, char **argv, const struct option *opts, bool *flag,
                      const char **name)
{
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, flag, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1 || argv[args][0] == '\0')
        return cli_usage_error(usage, "%s takes one NAME", argv[0]);
    *name = argv[args];
    return CLI_GO_ON;
}

static int cmd_add(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"admin", no_argument, NULL, 'a'}, CLI_GLOBAL_OPTIONS, {0}};
    bool admin = false;
    const char *name;
    char *token = NULL;
    int rc = parse_name(g, argc, argv, opts, &admin, &name);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    Labelq__Role role = admin ? LABELQ__ROLE__ADMIN : LABELQ__ROLE__ANNOTATOR;
    if (lq_annotator_add(g->client, name, role, &token) < 0)
        return cli_fail("add annotator %s: %s", name, lq_client_error(g->client));
    /* The token alone on stdout, so that $(...) captures exactly it. */
    printf("%s\n", token);
    fprintf(stderr, "added %s %s; the token above is shown only once\n",
            admin ? "admin" : "annotator", name);
    explicit_bzero(token, strlen(token));
    free(token);
    return fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to stdout");
}

static const char *role_name(Labelq__Role role)
{
    return role == LABELQ__ROLE__ADMIN ? "admin" : "annotator";
}

static void format_day(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms == 0 || !localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
        snprintf(buf, len, "-");
}

static int print_list(const Labelq__ListAnnotatorsReply *r, bool json)
{
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < r->n_annotators; i++) {
            const Labelq__AnnotatorInfo *a = r->annotators[i];
            json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I}", "name", a->name, "role",
                                  role_name(a->role), "blocked", a->blocked, "labels",
                                  (json_int_t)a->labels, "created_ms", (json_int_t)a->created_ms);
            if (json_array_append_new(arr, o) < 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        return cli_print_json(arr);
    }
    int w = (int)strlen("NAME");
    for (size_t i = 0; i < r->n_annotators; i++) {
        int n = (int)strlen(r->annotators[i]->name);
        w = n > w ? n : w;
    }
    printf("%-*s  %-9s  %-7s  %10s  %s\n", w, "NAME", "ROLE", "STATE", "LABELS", "CREATED");
    for (size_t i = 0; i < r->n_annotators; i++) {
        const Labelq__AnnotatorInfo *a = r->annotators[i];
        char day[32];
        format_day(a->created_ms, day, sizeof(day));
        printf("%-*s  %-9s  %-7s  %10llu  %s\n", w, a->name, role_name(a->role),
               a->blocked ? "blocked" : "active", (unsigned long long)a->labels, day);
    }
    return CLI_OK;
}

static int cmd_list(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, CLI_GLOBAL_OPTIONS, {0}};
    Labelq__ListAnnotatorsReply *r = NULL;
    bool json = false;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, &json, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (args < argc)
        return cli_usage_error(usage, "unexpected argument '%s'", argv[args]);
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_annotator_list(g->client, &r) < 0)
        return cli_fail_call(g, "list annotators");
    rc = print_list(r, json);
    labelq__list_annotators_reply__free_unpacked(r, NULL);
    return rc;
}

static int set_blocked(cli *g, int argc, char **argv, bool unblock)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    bool unused = false;
    const char *name;
    int rc = parse_name(g, argc, argv, opts, &unused, &name);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_annotator_block(g->client, name, unblock) < 0)
        return cli_fail("%s annotator %s: %s", unblock ? "unblock" : "block", name,
                        lq_client_error(g->client));
    printf("%s %s\n", unblock ? "unblocked" : "blocked", name);
    return CLI_OK;
}

static int cmd_block(cli *g, int argc, char **argv)
{
    return set_blocked(g, argc, argv, false);
}

static int cmd_unblock(cli *g, int argc, char **argv)
{
    return set_blocked(g, argc, argv, true);
}

/* "2 connections closed, 1 lease released": what a revoke ended. */
static void format_ended(const Labelq__RevokeTokenReply *r, char *buf, size_t len)
{
    snprintf(buf, len, "%u connection%s closed, %u lease%s released", r->connections_closed,
             r->connections_closed == 1 ? "" : "s", r->leases_released,
             r->leases_released == 1 ? "" : "s");
}

/* revoke (new_token false) and token (true). */
static int revoke(cli *g, int argc, char **argv, bool new_token)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    bool unused = false;
    const char *name;
    Labelq__RevokeTokenReply *r = NULL;
    char ended[96];
    int rc = parse_name(g, argc, argv, opts, &unused, &name);
    if (rc != CLI_GO_ON)
        return rc;
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_annotator_revoke(g->client, name, new_token, &r) < 0)
        return cli_fail("%s %s: %s", new_token ? "new token for" : "revoke token of", name,
                        lq_client_error(g->client));
    format_ended(r, ended, sizeof(ended));
    if (new_token) {
        /* The token alone on stdout, so that $(...) captures exactly it. */
        printf("%s\n", r->token);
        fprintf(stderr,
                "new token for %s (the old one is revoked: %s); the token above is "
                "shown only once\n",
                name, ended);
        explicit_bzero(r->token, strlen(r->token));
    } else {
        printf("revoked the token of %s: %s\n", name, ended);
        fprintf(stderr, "%s has no working token now; issue one with: labelq annotator token %s\n",
                name, name);
    }
    labelq__revoke_token_reply__free_unpacked(r, NULL);
    return fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to stdout");
}

static int cmd_revoke(cli *g, int argc, char **argv)
{
    return revoke(g, argc, argv, false);
}

static int cmd_token(cli *g, int argc, char **argv)
{
    return revoke(g, argc, argv, true);
}

int cli_annotator(cli *g, int argc, char **argv)
{
    static const cli_subcommand subs[] = {{"add", cmd_add},       {"list", cmd_list},
                                          {"block", cmd_block},   {"unblock", cmd_unblock},
                                          {"revoke", cmd_revoke}, {"token", cmd_token}};
    return cli_dispatch(g, argc, argv, subs, sizeof(subs) / sizeof(subs[0]), usage);
}
