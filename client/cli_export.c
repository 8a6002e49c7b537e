/* labelq export: stream a project's dataset to a file or stdout. */
#include "client/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: labelq export PROJECT [-o FILE] [--format jsonl] [--min-confidence X]\n"
    "                     [--include-gold] [--batch NAME] [--include-canceled]\n"
    "\n"
    "Write PROJECT's done items with their batch, labels and consensus, one JSON\n"
    "object per line. Items of canceled batches are left out unless\n"
    "--include-canceled. With -o the data goes to FILE.tmp first and is renamed\n"
    "to FILE only when the export is complete, so FILE is never left\n"
    "half-written. Prints \"exported N items to FILE\" on stderr.\n"
    "\n"
    "  -o, --output FILE   write to FILE instead of stdout\n"
    "  -f, --format FMT    output format (default jsonl, the only one today)\n"
    "  -c, --min-confidence X\n"
    "                      leave out items whose consensus confidence is below X\n"
    "                      (0 to 1; default 0: every done item)\n"
    "  -g, --include-gold  also write the gold pool's items (projects with a gold\n"
    "                      ratio), labeled with their gold answer, method \"gold\"\n"
    "  -b, --batch NAME    only the items of batch NAME\n"
    "  -C, --include-canceled\n"
    "                      also the items of canceled batches\n"
    "\n" CLI_GLOBAL_HELP;

typedef struct export_args {
    const char *output;
    lq_export_options what;
} export_args;

static int export_option(void *ctx, int opt, const char *arg)
{
    export_args *a = ctx;
    switch (opt) {
    case 'o':
        a->output = arg;
        return 0;
    case 'f':
        a->what.format = arg;
        return 0;
    case 'c':
        return cli_parse_share("--min-confidence", arg, &a->what.min_confidence);
    case 'g':
        a->what.include_gold = true;
        return 0;
    case 'b':
        a->what.batch = arg;
        return cli_check_batch_name(arg);
    case 'C':
        a->what.include_canceled = true;
        return 0;
    default:
        return CLI_USAGE;
    }
}

/* The export sink: writes each piece as it arrives, so memory stays flat. */
static int write_piece(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* Flushes and syncs out so that the rename publishes complete data. */
static int finish_file(FILE *out, const char *path)
{
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        return cli_fail("cannot write %s: %s", path, strerror(errno));
    return CLI_OK;
}

int cli_export(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"min-confidence", required_argument, NULL, 'c'},
                                         {"include-gold", no_argument, NULL, 'g'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"include-canceled", no_argument, NULL, 'C'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    export_args a = {0};
    char *tmp = NULL;
    FILE *out = stdout;
    uint64_t items = 0;
    int args;
    int rc = cli_parse(g, argc, argv, "o:f:c:gb:Ch", opts, usage, export_option, &a, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "export takes one PROJECT");
    const char *project = argv[args];
    if (a.output && strcmp(a.output, "-") == 0)
        a.output = NULL;
    if (!cli_connect(g))
        return CLI_FAIL;
    rc = CLI_FAIL;
    if (a.output) {
        size_t n = strlen(a.output) + sizeof(".tmp");
        tmp = malloc(n);
        if (!tmp) {
            cli_fail("out of memory");
            goto out;
        }
        snprintf(tmp, n, "%s.tmp", a.output);
        if (!(out = fopen(tmp, "w"))) {
            cli_fail("cannot create %s: %s", tmp, strerror(errno));
            goto out;
        }
    }
    if (lq_export_with(g->client, project, &a.what, write_piece, out, &items) < 0) {
        const char *why = lq_client_error(g->client);
        if (ferror(out))
            cli_fail("export %s: cannot write %s: %s", project, tmp ? tmp : "stdout",
                     strerror(errno));
        else
            cli_fail("export %s: %s", project, why);
        goto out;
    }
    if (!tmp) {
        if (fflush(stdout) != 0) {
            cli_fail("export %s: cannot write stdout: %s", project, strerror(errno));
            goto out;
        }
    } else if (finish_file(out, tmp) != CLI_OK) {
        goto out;
    } else if (rename(tmp, a.output) != 0) {
        cli_fail("cannot rename %s to %s: %s", tmp, a.output, strerror(errno));
        goto out;
    }
    if (a.what.batch)
        fprintf(stderr, "exported %llu items of batch %s to %s\n", (unsigned long long)items,
                a.what.batch, a.output ? a.output : "stdout");
    else
        fprintf(stderr, "exported %llu items to %s\n", (unsigned long long)items,
                a.output ? a.output : "stdout");
    rc = CLI_OK;
out:
    if (out && out != stdout)
        fclose(out);
    /* A failed export leaves no partial file behind. */
    if (tmp && rc != CLI_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}
