/* labelq, the admin CLI: global options and dispatch to the commands. */
#include "client/cli/cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown"
#endif

static const char usage[] =
    "Usage: labelq [CONNECTION OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Administer a labelqd server.\n"
    "\n"
    "Commands:\n"
    "  project create NAME --labels A,B,... [--overlap K] [--lease-ttl S]\n"
    "                      [--instructions TEXT]   create a project\n"
    "  project list [--json]                      list projects\n"
    "  annotator add NAME [--admin]               add an annotator; prints its token\n"
    "  annotator list [--json]                    list annotators\n"
    "  annotator block NAME / unblock NAME        stop / allow an annotator's work\n"
    "  annotator revoke NAME                      end NAME's token and its sessions now\n"
    "  annotator token NAME                       issue NAME a new token (old one revoked)\n"
    "  import PROJECT FILE.jsonl [--batch NAME [--append]] [--priority P]\n"
    "                                             load items into a batch (- is stdin)\n"
    "  batch list PROJECT [--json]                a project's batches and progress\n"
    "  batch show|watch PROJECT BATCH             one batch; watch: a progress bar\n"
    "  batch pause|resume|cancel PROJECT BATCH    hold back / serve again / drop\n"
    "  batch priority PROJECT BATCH P             set the order batches are served in\n"
    "  status PROJECT [--json]                    a project's counts\n"
    "  top [--interval S] [--once] [PROJECT...]   every project's counts, refreshing\n"
    "  report PROJECT [--batch B] [--json]        label quality: agreement, consensus,\n"
    "                                             annotators, confidence\n"
    "  export PROJECT [-o FILE] [--format jsonl] [--min-confidence X] [--include-gold]\n"
    "                 [--batch NAME] [--include-canceled]\n"
    "                                             write the labeled dataset\n"
    "  backup FILE                                copy the whole store to FILE while\n"
    "                                             labelqd serves (restore: see --help)\n"
    "  version                                    print labelq's version\n"
    "\n"
    "Offline, on a CSV of ratings (unit,annotator,label; no server needed):\n"
    "  agreement FILE.csv [--metric M] [--json]   agreement: percent, Krippendorff's\n"
    "                                             alpha, Fleiss' and Cohen's kappa\n"
    "  aggregate FILE.csv --method majority|dawid-skene [--json]\n"
    "                                             consensus labels, annotator accuracy\n"
    "\n" CLI_GLOBAL_HELP "\n"
    "Run 'labelq COMMAND --help' for a command's options.\n"
    "Exit status: 0 success, 1 failure (one line on stderr says why), 2 bad usage.\n";

static int cmd_version(cli *g, int argc, char **argv)
{
    int args;
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    static const char vusage[] = "Usage: labelq version\n\nPrint labelq's version.\n";
    int rc = cli_parse(g, argc, argv, "+h", opts, vusage, NULL, NULL, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (args < argc)
        return cli_usage_error(vusage, "unexpected argument '%s'", argv[args]);
    printf("labelq %s\n", LABELQ_VERSION);
    return CLI_OK;
}

static int cmd_help(cli *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    fputs(usage, stdout);
    return CLI_OK;
}

static const struct command {
    const char *name;
    int (*run)(cli *g, int argc, char **argv);
} commands[] = {
    {"project", cli_project},     {"annotator", cli_annotator},
    {"import", cli_import},       {"export", cli_export},
    {"status", cli_status},       {"version", cmd_version},
    {"help", cmd_help},           {"agreement", cli_agreement},
    {"aggregate", cli_aggregate}, {"report", cli_quality_report},
    {"top", cli_top},
    {"backup", cli_backup},
    {"batch", cli_batch},
};

static int top_option(void *ctx, int opt, const char *arg)
{
    (void)arg;
    if (opt != 'V')
        return CLI_USAGE;
    *(bool *)ctx = true;
    return 0;
}

/* Applies the options before the command; returns CLI_GO_ON with *cmd the
 * command's index in argv, or an exit status. */
static int global_options(cli *g, int argc, char **argv, int *cmd)
{
    static const struct option opts[] = {
        CLI_GLOBAL_OPTIONS, {"version", no_argument, NULL, 'V'}, {0}};
    bool version = false;
    /* '+': stop at the command, whose options are its own. */
    int rc = cli_parse(g, argc, argv, "+hV", opts, usage, top_option, &version, cmd);
    if (rc == CLI_GO_ON && version) {
        printf("labelq %s\n", LABELQ_VERSION);
        return CLI_OK;
    }
    return rc;
}

int main(int argc, char **argv)
{
    cli g = {0};
    int cmd, rc;

    /* A server that hangs up mid-write must produce an error message, not
     * a silent death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    argv[0] = (char *)"labelq";
    rc = global_options(&g, argc, argv, &cmd);
    if (rc != CLI_GO_ON)
        return rc;
    if (cmd >= argc)
        return cli_usage_error(usage, "no command given");
    rc = -1;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[cmd], commands[i].name) != 0)
            continue;
        /* getopt names the program in its complaints; name the command. */
        char name[64];
        snprintf(name, sizeof(name), "labelq %s", commands[i].name);
        argv[cmd] = name;
        rc = commands[i].run(&g, argc - cmd, argv + cmd);
        break;
    }
    if (rc == -1)
        rc = cli_usage_error(usage, "unknown command '%s'", argv[cmd]);
    lq_client_close(g.client);
    free(g.token_buf);
    return rc;
}
