/* labelq status: one project's configuration and counts. */
#include "client/cli/cli.h"
#include "client/cli/schema.h"

static const char usage[] =
    "Usage: labelq status PROJECT [--json]\n"
    "       labelq status PROJECT --watch [--interval S] [--once]\n"
    "\n"
    "Show PROJECT's label type and schema, overlap and task counts: tasks imported, pending\n"
    "(still need a lease), leased (leases out now), done (have all their labels),\n"
    "labels submitted, and active annotators (distinct annotators holding a lease).\n"
    "\n"
    "  --json           one JSON object with keys project, tasks, pending, leased,\n"
    "                   done, labels, overlap, labels_schema (array of the allowed\n"
    "                   labels), type, and per type steps (ordinal), number_min and\n"
    "                   number_max (numeric), max_text_bytes (text), field (spans,\n"
    "                   boxes)\n"
    "  -w, --watch      the counts refreshing, as `labelq top PROJECT`\n"
    "  -i, --interval S with --watch: seconds between refreshes, 0.1-3600 (default 1)\n"
    "      --once       with --watch: one snapshot, then exit\n"
    "\n" CLI_GLOBAL_HELP;

typedef struct status_args {
    bool json, watch, once, interval_given;
    double interval_s;
} status_args;

static int status_option(void *ctx, int opt, const char *arg)
{
    status_args *a = ctx;
    switch (opt) {
    case 'j':
        a->json = true;
        return 0;
    case 'w':
        a->watch = true;
        return 0;
    case 'o':
        a->once = true;
        return 0;
    case 'i':
        a->interval_given = true;
        return cli_parse_interval(arg, &a->interval_s);
    default:
        return CLI_USAGE;
    }
}

/* The type and what it takes: labels, steps, range, field, text length. */
static void print_schema(const Labelq__ProjectConfig *cfg)
{
    printf("type       %s\n", cli_schema_type_name(cfg->type));
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__NUMERIC:
        printf("range      %g..%g\n", cfg->number_min, cfg->number_max);
        return;
    case LABELQ__LABEL_TYPE__TEXT:
        printf("max text   %u bytes\n", cfg->max_text_bytes);
        return;
    default:
        break;
    }
    printf("%s", cfg->type == LABELQ__LABEL_TYPE__ORDINAL ? "steps      " : "labels     ");
    for (size_t i = 0; i < cfg->n_labels; i++)
        printf("%s%s", i ? ", " : "", cfg->labels[i]);
    putchar('\n');
    if (cfg->type == LABELQ__LABEL_TYPE__SPANS || cfg->type == LABELQ__LABEL_TYPE__BOXES)
        printf("field      %s (the item's %s)\n", cfg->field,
               cfg->type == LABELQ__LABEL_TYPE__SPANS ? "text" : "image URL");
}

static void print_block(const Labelq__ProjectInfo *p)
{
    static const Labelq__ProjectConfig none = LABELQ__PROJECT_CONFIG__INIT;
    const Labelq__ProjectConfig *cfg = p->config ? p->config : &none;
    printf("project    %s\n", cfg->name);
    print_schema(cfg);
    printf("overlap    %u", cfg->overlap);
    if (cfg->max_overlap > cfg->overlap)
        printf(" (up to %u until agreement %.2f)", cfg->max_overlap, cfg->agreement_target);
    putchar('\n');
    if (cfg->gold_ratio > 0.0)
        printf("gold       %llu items, %.0f%% of each annotator's stream\n",
               (unsigned long long)p->gold, 100.0 * cfg->gold_ratio);
    printf("lease TTL  %u s\n", cfg->lease_ttl_s);
    printf("tasks      %llu\n", (unsigned long long)p->tasks);
    printf("pending    %llu\n", (unsigned long long)p->pending);
    printf("leased     %llu\n", (unsigned long long)p->leased);
    if (p->tasks > 0)
        printf("done       %llu (%.1f%%)\n", (unsigned long long)p->done,
               100.0 * (double)p->done / (double)p->tasks);
    else
        printf("done       0\n");
    printf("submitted  %llu labels\n", (unsigned long long)p->labels);
    printf("active     %u annotator%s holding leases\n", p->active_annotators,
           p->active_annotators == 1 ? "" : "s");
    if (p->has_alpha || p->has_percent_agreement) {
        printf("agreement ");
        if (p->has_alpha)
            printf(" alpha %.3f", p->alpha);
        if (p->has_percent_agreement)
            printf("%s %.1f%% of pairs agree", p->has_alpha ? "," : "",
                   100.0 * p->percent_agreement);
        printf(" (last estimate)\n");
    }
    if (cfg->instructions[0])
        printf("instructions\n  %s\n", cfg->instructions);
}

int cli_status(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"watch", no_argument, NULL, 'w'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"interval", required_argument, NULL, 'i'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    Labelq__ProjectInfo *info = NULL;
    status_args a = {.interval_s = CLI_TOP_INTERVAL};
    int args;
    int rc = cli_parse(g, argc, argv, "wi:h", opts, usage, status_option, &a, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "status takes one PROJECT");
    if (a.watch && a.json)
        return cli_usage_error(usage, "--watch and --json do not go together");
    if (!a.watch && (a.once || a.interval_given))
        return cli_usage_error(usage, "--interval and --once go with --watch");
    if (a.watch)
        return cli_top_run(g, argv + args, 1, a.interval_s, a.once);
    bool json = a.json;
    const char *project = argv[args];
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_project_get(g->client, project, &info) < 0)
        return cli_fail("status of %s: %s", project, lq_client_error(g->client));
    if (json) {
        rc = cli_print_json(cli_project_json(info));
    } else {
        print_block(info);
        rc = CLI_OK;
    }
    labelq__project_info__free_unpacked(info, NULL);
    return rc;
}
