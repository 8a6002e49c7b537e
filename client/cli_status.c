/* labelq status: one project's configuration and counts. */
#include "client/cli.h"

static const char usage[] =
    "Usage: labelq status PROJECT [--json]\n"
    "\n"
    "Show PROJECT's labels, overlap and task counts: tasks imported, pending\n"
    "(still need a lease), leased (leases out now), done (have all their labels)\n"
    "and labels submitted.\n"
    "\n"
    "  --json   one JSON object with keys project, tasks, pending, leased, done,\n"
    "           labels, overlap, labels_schema (array of the allowed labels)\n"
    "\n" CLI_GLOBAL_HELP;

static void print_block(const Labelq__ProjectInfo *p)
{
    static const Labelq__ProjectConfig none = LABELQ__PROJECT_CONFIG__INIT;
    const Labelq__ProjectConfig *cfg = p->config ? p->config : &none;
    printf("project    %s\n", cfg->name);
    printf("labels     ");
    for (size_t i = 0; i < cfg->n_labels; i++)
        printf("%s%s", i ? ", " : "", cfg->labels[i]);
    printf("\noverlap    %u", cfg->overlap);
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
    if (cfg->instructions[0])
        printf("instructions\n  %s\n", cfg->instructions);
}

int cli_status(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, CLI_GLOBAL_OPTIONS, {0}};
    Labelq__ProjectInfo *info = NULL;
    bool json = false;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, &json, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "status takes one PROJECT");
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
