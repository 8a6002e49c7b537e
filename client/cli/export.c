/* labelq export: stream a project's dataset to a file or stdout. */
#include "client/cli/cli.h"
#include "client/cli/output_file.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most parts a --split may have (the server's limit too). */
#define SPLIT_MAX_PARTS 16
#define SPLIT_SHARE_TOLERANCE 1e-9

static const char usage[] =
    "Usage: labelq export PROJECT [-o FILE] [--format jsonl|csv|conll|coco]\n"
    "                     [--min-confidence X] [--include-gold] [--batch NAME]\n"
    "                     [--include-canceled] [--split NAME=SHARE,... [--seed S]]\n"
    "\n"
    "Write PROJECT's done items with their batch, labels and consensus. Items of\n"
    "canceled batches are left out unless --include-canceled. With -o the data\n"
    "goes to FILE.tmp first and is renamed to FILE only when the export is\n"
    "complete, so FILE is never left half-written; a symbolic link is followed\n"
    "(its target is replaced, the link stays), a device or FIFO (/dev/null,\n"
    "/dev/stdout, a named pipe) is written in place, a directory is refused.\n"
    "Prints \"exported N items to FILE\" on stderr.\n"
    "\n"
    "  -o, --output FILE   write to FILE instead of stdout\n"
    "  -f, --format FMT    jsonl (default, every label type), csv (single, multi,\n"
    "                      ordinal, numeric), conll (spans: CoNLL-2003 BIO),\n"
    "                      coco (boxes: one COCO JSON document)\n"
    "  -c, --min-confidence X\n"
    "                      leave out items whose consensus confidence is below X\n"
    "                      (0 to 1; default 0: every done item)\n"
    "  -g, --include-gold  also write the gold pool's items (projects with a gold\n"
    "                      ratio), labeled with their gold answer, method \"gold\"\n"
    "  -b, --batch NAME    only the items of batch NAME\n"
    "  -C, --include-canceled\n"
    "                      also the items of canceled batches\n"
    "  -s, --split NAME=SHARE,...\n"
    "                      a deterministic split by item id (e.g.\n"
    "                      train=0.8,validation=0.1,test=0.1; shares sum to 1):\n"
    "                      one file per part, FILE's name with \"-NAME\" before its\n"
    "                      extension (data.jsonl: data-train.jsonl, ...); needs -o\n"
    "  -S, --seed S        the split's seed (default 0): the same seed gives the\n"
    "                      same split\n"
    "\n" CLI_GLOBAL_HELP;

typedef struct export_args {
    const char *output;
    lq_export_options what;
    char *split_spec; /* --split as given, cut up in place */
    const char *split_names[SPLIT_MAX_PARTS];
    double split_shares[SPLIT_MAX_PARTS];
    size_t n_split;
} export_args;

/* Parses "NAME=SHARE,..." into a's split. */
static int parse_split(export_args *a, const char *arg)
{
    free(a->split_spec);
    if (!(a->split_spec = strdup(arg)))
        return cli_fail("out of memory");
    a->n_split = 0;
    double sum = 0.0;
    for (char *save = NULL, *part = strtok_r(a->split_spec, ",", &save); part;
         part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '='), *end;
        if (!eq || eq == part)
            return cli_fail("--split: '%s' is not NAME=SHARE", part);
        *eq = '\0';
        if (strspn(part, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
            strlen(part))
            return cli_fail("--split: part name '%s' may only have A-Z a-z 0-9 _ -", part);
        for (size_t i = 0; i < a->n_split; i++)
            if (strcmp(a->split_names[i], part) == 0)
                return cli_fail("--split: part '%s' appears twice", part);
        double share = strtod(eq + 1, &end);
        if (!eq[1] || *end || !(share > 0.0 && share <= 1.0))
            return cli_fail("--split: the share of '%s' must be a number in (0, 1]", part);
        if (a->n_split == SPLIT_MAX_PARTS)
            return cli_fail("--split: at most %d parts", SPLIT_MAX_PARTS);
        a->split_names[a->n_split] = part;
        a->split_shares[a->n_split++] = share;
        sum += share;
    }
    if (a->n_split == 0)
        return cli_fail("--split: no parts");
    if (fabs(sum - 1.0) > SPLIT_SHARE_TOLERANCE)
        return cli_fail("--split: the shares sum to %g, not 1", sum);
    return CLI_GO_ON;
}

static int export_option(void *ctx, int opt, const char *arg)
{
    export_args *a = ctx;
    char *end;
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
    case 's':
        return parse_split(a, arg) == CLI_GO_ON ? 0 : CLI_FAIL;
    case 'S':
        errno = 0;
        a->what.split_seed = strtoull(arg, &end, 10);
        if (!arg[0] || *end || errno || arg[0] == '-')
            return cli_fail("--seed must be a whole number from 0 to 2^64-1, not '%s'", arg);
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

/* One export request into output (NULL: stdout) by the output rule
 * (output_file.h). Returns CLI_OK with *items, or CLI_FAIL having said why;
 * a failed export leaves the output's target as it was. */
static int export_one(cli *g, const char *project, const lq_export_options *what,
                      const char *output, uint64_t *items)
{
    cli_output out;
    if (cli_output_open(&out, output, 0666) != CLI_OK)
        return CLI_FAIL;
    if (lq_export_with(g->client, project, what, write_piece, out.f, items) < 0) {
        if (ferror(out.f))
            cli_fail("export %s: cannot write %s: %s", project, out.name, strerror(errno));
        else
            cli_fail("export %s: %s", project, lq_client_error(g->client));
        cli_output_discard(&out);
        return CLI_FAIL;
    }
    return cli_output_commit(&out);
}

/* output with "-part" before the extension of its base name: data.jsonl
 * and train give data-train.jsonl; a name without '.' gets it at the end.
 * malloc'd, or NULL. */
static char *part_path(const char *output, const char *part)
{
    const char *base = strrchr(output, '/');
    const char *dot = strrchr(base ? base + 1 : output, '.');
    if (dot && dot == (base ? base + 1 : output))
        dot = NULL; /* ".hidden" is a name, not an extension */
    size_t stem = dot ? (size_t)(dot - output) : strlen(output);
    size_t n = strlen(output) + strlen(part) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s-%s%s", (int)stem, output, part, dot ? dot : "");
    return p;
}

/* --split: one export per part, each into its own file. */
static int export_split(cli *g, const char *project, export_args *a)
{
    uint64_t total = 0;
    a->what.split_names = a->split_names;
    a->what.split_shares = a->split_shares;
    a->what.n_split = a->n_split;
    for (size_t i = 0; i < a->n_split; i++) {
        char *path = part_path(a->output, a->split_names[i]);
        uint64_t items = 0;
        if (!path)
            return cli_fail("out of memory");
        a->what.split_part = a->split_names[i];
        int rc = export_one(g, project, &a->what, path, &items);
        if (rc == CLI_OK)
            fprintf(stderr, "exported %llu items to %s (%s)\n", (unsigned long long)items, path,
                    a->split_names[i]);
        free(path);
        if (rc != CLI_OK)
            return rc;
        total += items;
    }
    fprintf(stderr, "exported %llu items in %zu parts\n", (unsigned long long)total, a->n_split);
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
                                         {"split", required_argument, NULL, 's'},
                                         {"seed", required_argument, NULL, 'S'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    export_args a = {0};
    uint64_t items = 0;
    int args;
    int rc = cli_parse(g, argc, argv, "o:f:c:gb:Cs:S:h", opts, usage, export_option, &a, &args);
    if (rc != CLI_GO_ON)
        goto out;
    rc = CLI_FAIL;
    if (argc - args != 1) {
        rc = cli_usage_error(usage, "export takes one PROJECT");
        goto out;
    }
    const char *project = argv[args];
    if (a.output && strcmp(a.output, "-") == 0)
        a.output = NULL;
    if (a.n_split && !a.output) {
        rc = cli_usage_error(usage, "--split writes one file per part: it needs -o FILE");
        goto out;
    }
    if (!cli_connect(g))
        goto out;
    if (a.n_split) {
        rc = export_split(g, project, &a);
        goto out;
    }
    if ((rc = export_one(g, project, &a.what, a.output, &items)) != CLI_OK)
        goto out;
    if (a.what.batch)
        fprintf(stderr, "exported %llu items of batch %s to %s\n", (unsigned long long)items,
                a.what.batch, a.output ? a.output : "stdout");
    else
        fprintf(stderr, "exported %llu items to %s\n", (unsigned long long)items,
                a.output ? a.output : "stdout");
out:
    free(a.split_spec);
    return rc;
}
