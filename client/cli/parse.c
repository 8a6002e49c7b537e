/* Command-line parsing shared by every command. */
#include "client/cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Applies a global option; returns 1 if opt was one. */
static int global_option(cli *g, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_SERVER:
        g->server = arg;
        return 1;
    case CLI_OPT_CA:
        g->ca = arg;
        return 1;
    case CLI_OPT_TOKEN:
        g->token = arg;
        return 1;
    case CLI_OPT_TOKEN_FILE:
        g->token_file = arg;
        return 1;
    case CLI_OPT_CERT:
        g->cert = arg;
        return 1;
    case CLI_OPT_KEY:
        g->key = arg;
        return 1;
    default:
        return 0;
    }
}

int cli_parse(cli *g, int argc, char **argv, const char *shortopts, const struct option *longopts,
              const char *usage, cli_option_fn fn, void *ctx, int *args)
{
    int opt;
    /* 0, not 1: glibc's way to reset getopt's state between commands. */
    optind = 0;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout);
            return CLI_OK;
        }
        if (opt == '?' || opt == ':') {
            /* getopt has already named the bad option on stderr. */
            fputs(usage, stderr);
            return CLI_USAGE;
        }
        if (global_option(g, opt, optarg))
            continue;
        int rc = fn ? fn(ctx, opt, optarg) : CLI_USAGE;
        if (rc != 0)
            return rc;
    }
    *args = optind;
    return CLI_GO_ON;
}

int cli_flag_option(void *ctx, int opt, const char *arg)
{
    (void)opt;
    (void)arg;
    *(bool *)ctx = true;
    return 0;
}

int cli_parse_uint(const char *name, const char *arg, unsigned long min, unsigned long max,
                   unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    /* strtoul accepts "-1" as a huge number; a count is never negative. */
    if (arg[0] == '-' || arg[0] == '\0' || *end != '\0' || errno || v < min || v > max)
        return cli_bad_arg("%s must be a whole number from %lu to %lu, not '%s'", name, min, max,
                           arg);
    *out = v;
    return 0;
}

int cli_parse_priority(const char *name, const char *arg, int32_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (arg[0] == '\0' || *end != '\0' || errno || v < INT32_MIN || v > INT32_MAX)
        return cli_bad_arg("%s must be a whole number from %ld to %ld, not '%s'", name,
                           (long)INT32_MIN, (long)INT32_MAX, arg);
    *out = (int32_t)v;
    return 0;
}

int cli_parse_share(const char *name, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (arg[0] == '\0' || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return cli_bad_arg("%s must be a number from 0 to 1, not '%s'", name, arg);
    *out = v;
    return 0;
}

int cli_dispatch(cli *g, int argc, char **argv, const cli_subcommand *subs, size_t nsubs,
                 const char *usage)
{
    if (argc < 2)
        return cli_usage_error(usage, "missing subcommand");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < nsubs; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        char name[96];
        snprintf(name, sizeof(name), "%s %s", argv[0], subs[i].name);
        argv[1] = name;
        return subs[i].run(g, argc - 1, argv + 1);
    }
    return cli_usage_error(usage, "unknown subcommand '%s'", argv[1]);
}
