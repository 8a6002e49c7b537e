/* labelq project create / list. */
#include "client/cli/cli.h"
#include "client/cli/schema.h"

#include <stdlib.h>
#include <string.h>

/* Server-side limits (daemon/project.h); checked here too so a typo fails
 * before a round trip, with the flag's name in the message. */
#define MAX_OVERLAP 100
#define MAX_LEASE_TTL 86400

static const char usage[] =
    "Usage: labelq project create NAME TYPE [--overlap K] [--lease-ttl S]\n"
    "                             [--max-overlap M --agreement-target T]\n"
    "                             [--gold-ratio R] [--min-gold-accuracy A --min-gold-seen N]\n"
    "                             [--instructions TEXT]\n"
    "       labelq project list [--json]\n"
    "\n"
    "create: make a project; TYPE is exactly one of\n"
    "  -l, --labels A,B,...       single choice: one of the labels per item\n"
    "      --multi-labels A,B,... multi-label: any set of the labels (maybe none)\n"
    "      --scale LO..HI         ordinal: a whole-number scale, steps LO to HI\n"
    "      --scale NAME,NAME,...  ordinal: named steps, lowest first\n"
    "      --number MIN..MAX      numeric: a number from MIN to MAX\n"
    "      --text [--max-text B]  free text of up to B bytes (default: server's, 4096)\n"
    "      --spans A,B,... [--field F]  labeled spans of the item's text data[F]\n"
    "                             (default field: text)\n"
    "      --boxes A,B,... [--field F]  labeled boxes on the image at URL data[F]\n"
    "                             (default field: image); labeled by programs\n"
    "Labels are comma-separated, spaces around them trimmed, non-empty, unique.\n"
    "  -k, --overlap K            distinct annotators per item, 1-100 (default: server's, 3)\n"
    "  -t, --lease-ttl S          seconds an annotator holds a task, 1-86400\n"
    "                             (default: server's, 600)\n"
    "  -m, --max-overlap M        dynamic overlap (single and ordinal only): ask for\n"
    "                             more labels, up to M in all, while an item's\n"
    "                             agreement is below the target\n"
    "  -a, --agreement-target T   share of agreeing annotator pairs (0-1) an item\n"
    "                             needs before it is done (with --max-overlap)\n"
    "  -g, --gold-ratio R         share (0-1) of each annotator's items that are gold\n"
    "                             (items imported with a \"gold\" answer; single and\n"
    "                             ordinal only); 0: gold items are labeled like any\n"
    "                             other (default)\n"
    "  -A, --min-gold-accuracy A  block an annotator from the project while their\n"
    "  -n, --min-gold-seen N      accuracy on gold is below A after N gold answers\n"
    "  -i, --instructions TEXT    guidance shown to annotators\n"
    "list: one line per project (name, type, labels or range, overlap, tasks, done).\n"
    "  --json                     a JSON array of objects like `labelq status --json`\n"
    "\n" CLI_GLOBAL_HELP;

/* Option codes of the long-only options. */
enum {
    OPT_MULTI = 256,
    OPT_SCALE,
    OPT_NUMBER,
    OPT_TEXT,
    OPT_MAX_TEXT,
    OPT_SPANS,
    OPT_BOXES,
    OPT_FIELD
};

typedef struct create_args {
    cli_schema_args schema;
    unsigned long overlap;
    unsigned long lease_ttl;
    unsigned long max_overlap;
    double agreement_target;
    double gold_ratio;
    double min_gold_accuracy;
    unsigned long min_gold_seen;
    const char *instructions;
} create_args;

/* The type flags; 1 when opt was one of them. */
static int schema_option(cli_schema_args *s, int opt, const char *arg)
{
    switch (opt) {
    case 'l':
        s->labels = arg;
        break;
    case OPT_MULTI:
        s->multi = arg;
        break;
    case OPT_SCALE:
        s->scale = arg;
        break;
    case OPT_NUMBER:
        s->number = arg;
        break;
    case OPT_TEXT:
        s->text = true;
        break;
    case OPT_MAX_TEXT:
        s->max_text = arg;
        break;
    case OPT_SPANS:
        s->spans = arg;
        break;
    case OPT_BOXES:
        s->boxes = arg;
        break;
    case OPT_FIELD:
        s->field = arg;
        break;
    default:
        return 0;
    }
    return 1;
}

static int create_option(void *ctx, int opt, const char *arg)
{
    create_args *a = ctx;
    if (schema_option(&a->schema, opt, arg))
        return 0;
    switch (opt) {
    case 'k':
        return cli_parse_uint("--overlap", arg, 1, MAX_OVERLAP, &a->overlap);
    case 't':
        return cli_parse_uint("--lease-ttl", arg, 1, MAX_LEASE_TTL, &a->lease_ttl);
    case 'm':
        return cli_parse_uint("--max-overlap", arg, 1, MAX_OVERLAP, &a->max_overlap);
    case 'a':
        return cli_parse_share("--agreement-target", arg, &a->agreement_target);
    case 'g':
        return cli_parse_share("--gold-ratio", arg, &a->gold_ratio);
    case 'A':
        return cli_parse_share("--min-gold-accuracy", arg, &a->min_gold_accuracy);
    case 'n':
        return cli_parse_uint("--min-gold-seen", arg, 1, 1000000, &a->min_gold_seen);
    case 'i':
        a->instructions = arg;
        return 0;
    default:
        return CLI_USAGE;
    }
}

/* The quality options that go together, and the ones only single-choice
 * and ordinal projects take (the server refuses them too; this names the
 * flag). Returns 0 or CLI_USAGE having reported. */
static int check_quality_options(const create_args *a, Labelq__LabelType type)
{
    if ((a->min_gold_seen > 0) != (a->min_gold_accuracy > 0.0))
        return cli_usage_error(usage, "--min-gold-accuracy and --min-gold-seen go together");
    if ((a->max_overlap > 0) != (a->agreement_target > 0.0))
        return cli_usage_error(usage, "--max-overlap and --agreement-target go together");
    if (cli_schema_indexed(type))
        return 0;
    if (a->max_overlap > 0)
        return cli_bad_arg("--max-overlap and --agreement-target (dynamic overlap) work with "
                           "single-choice and ordinal projects, not %s",
                           cli_schema_type_name(type));
    if (a->gold_ratio > 0.0 || a->min_gold_seen > 0)
        return cli_bad_arg("--gold-ratio and --min-gold-accuracy (gold items) work with "
                           "single-choice and ordinal projects, not %s",
                           cli_schema_type_name(type));
    return 0;
}

/* The one line `project create` prints. */
static void print_created(const Labelq__ProjectConfig *got)
{
    char *brief = cli_schema_brief(got);
    const char *what =
        got->type == LABELQ__LABEL_TYPE__SINGLE ? "labels" : cli_schema_type_name(got->type);
    printf("created project %s: %s %s, overlap %u, lease TTL %u s", got->name, what,
           brief ? brief : "?", got->overlap, got->lease_ttl_s);
    free(brief);
    if (got->max_overlap > got->overlap)
        printf(", up to %u labels until agreement %.2f", got->max_overlap, got->agreement_target);
    if (got->gold_ratio > 0.0)
        printf(", gold %.0f%% of each stream", 100.0 * got->gold_ratio);
    if (got->min_gold_seen > 0)
        printf(", blocking below %.0f%% gold accuracy after %u gold",
               100.0 * got->min_gold_accuracy, got->min_gold_seen);
    putchar('\n');
}

static int cmd_create(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"labels", required_argument, NULL, 'l'},
                                         {"multi-labels", required_argument, NULL, OPT_MULTI},
                                         {"scale", required_argument, NULL, OPT_SCALE},
                                         {"number", required_argument, NULL, OPT_NUMBER},
                                         {"text", no_argument, NULL, OPT_TEXT},
                                         {"max-text", required_argument, NULL, OPT_MAX_TEXT},
                                         {"spans", required_argument, NULL, OPT_SPANS},
                                         {"boxes", required_argument, NULL, OPT_BOXES},
                                         {"field", required_argument, NULL, OPT_FIELD},
                                         {"overlap", required_argument, NULL, 'k'},
                                         {"lease-ttl", required_argument, NULL, 't'},
                                         {"max-overlap", required_argument, NULL, 'm'},
                                         {"agreement-target", required_argument, NULL, 'a'},
                                         {"gold-ratio", required_argument, NULL, 'g'},
                                         {"min-gold-accuracy", required_argument, NULL, 'A'},
                                         {"min-gold-seen", required_argument, NULL, 'n'},
                                         {"instructions", required_argument, NULL, 'i'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    create_args a = {0};
    cli_schema schema = {0};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    Labelq__ProjectInfo *info = NULL;
    int args;
    int rc = cli_parse(g, argc, argv, "l:k:t:m:a:g:A:n:i:h", opts, usage, create_option, &a, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "project create takes one NAME");
    if (argv[args][0] == '\0')
        return cli_bad_arg("the project name is empty");
    if ((rc = cli_schema_parse(&a.schema, &schema)) != 0)
        return rc;
    if ((rc = check_quality_options(&a, schema.type)) != 0)
        goto out;

    cfg.name = argv[args];
    cli_schema_apply(&schema, &cfg);
    cfg.overlap = (uint32_t)a.overlap; /* 0: the server's default */
    cfg.lease_ttl_s = (uint32_t)a.lease_ttl;
    cfg.max_overlap = (uint32_t)a.max_overlap; /* 0: no dynamic overlap */
    cfg.agreement_target = a.agreement_target;
    cfg.gold_ratio = a.gold_ratio;
    cfg.min_gold_accuracy = a.min_gold_accuracy;
    cfg.min_gold_seen = (uint32_t)a.min_gold_seen;
    cfg.instructions = (char *)(a.instructions ? a.instructions : "");
    rc = CLI_FAIL;
    if (!cli_connect(g))
        goto out;
    if (lq_project_create(g->client, &cfg, &info) < 0) {
        cli_fail("create project %s: %s", cfg.name, lq_client_error(g->client));
        goto out;
    }
    print_created(info->config ? info->config : &cfg);
    rc = CLI_OK;
out:
    cli_schema_free(&schema);
    if (info)
        labelq__project_info__free_unpacked(info, NULL);
    return rc;
}

json_t *cli_project_json(const Labelq__ProjectInfo *p)
{
    static const Labelq__ProjectConfig none = LABELQ__PROJECT_CONFIG__INIT;
    const Labelq__ProjectConfig *cfg = p->config ? p->config : &none;
    json_t *schema = json_array();
    for (size_t i = 0; schema && i < cfg->n_labels; i++)
        json_array_append_new(schema, json_string(cfg->labels[i]));
    uint32_t max_overlap = cfg->max_overlap > cfg->overlap ? cfg->max_overlap : cfg->overlap;
    json_t *obj = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I, s:o*, s:o*, "
        "s:o*}",
        "project", cfg->name, "tasks", (json_int_t)p->tasks, "pending", (json_int_t)p->pending,
        "leased", (json_int_t)p->leased, "done", (json_int_t)p->done, "labels",
        (json_int_t)p->labels, "gold", (json_int_t)p->gold, "overlap", (json_int_t)cfg->overlap,
        "max_overlap", (json_int_t)max_overlap, "agreement_target", cfg->agreement_target,
        "gold_ratio", cfg->gold_ratio, "lease_ttl", (json_int_t)cfg->lease_ttl_s, "labels_schema",
        schema, "alpha", p->has_alpha ? json_real(p->alpha) : json_null(), "percent_agreement",
        p->has_percent_agreement ? json_real(p->percent_agreement) : json_null());
    if (obj && cli_schema_json(cfg, obj) < 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static int print_table(const Labelq__ListProjectsReply *r)
{
    static const Labelq__ProjectConfig none = LABELQ__PROJECT_CONFIG__INIT;
    int wname = (int)strlen("NAME"), wlabels = (int)strlen("LABELS");
    char **brief = calloc(r->n_projects + 1, sizeof(*brief));
    if (!brief)
        return cli_fail("out of memory");
    for (size_t i = 0; i < r->n_projects; i++) {
        const Labelq__ProjectConfig *cfg = r->projects[i]->config ? r->projects[i]->config : &none;
        brief[i] = cli_schema_brief(cfg);
        int n = (int)strlen(cfg->name), l = brief[i] ? (int)strlen(brief[i]) : 1;
        wname = n > wname ? n : wname;
        wlabels = l > wlabels ? l : wlabels;
    }
    printf("%-*s  %-7s  %-*s  %7s  %10s  %10s\n", wname, "NAME", "TYPE", wlabels, "LABELS",
           "OVERLAP", "TASKS", "DONE");
    for (size_t i = 0; i < r->n_projects; i++) {
        const Labelq__ProjectInfo *p = r->projects[i];
        const Labelq__ProjectConfig *cfg = p->config ? p->config : &none;
        printf("%-*s  %-7s  %-*s  %7u  %10llu  %10llu\n", wname, cfg->name,
               cli_schema_type_name(cfg->type), wlabels, brief[i] ? brief[i] : "?", cfg->overlap,
               (unsigned long long)p->tasks, (unsigned long long)p->done);
        free(brief[i]);
    }
    free(brief);
    return CLI_OK;
}

static int cmd_list(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, CLI_GLOBAL_OPTIONS, {0}};
    Labelq__ListProjectsReply *r = NULL;
    bool json = false;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, cli_flag_option, &json, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (args < argc)
        return cli_usage_error(usage, "unexpected argument '%s'", argv[args]);
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_project_list(g->client, &r) < 0)
        return cli_fail_call(g, "list projects");
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < r->n_projects; i++)
            if (json_array_append_new(arr, cli_project_json(r->projects[i])) < 0) {
                json_decref(arr);
                arr = NULL;
            }
        rc = cli_print_json(arr);
    } else if (r->n_projects == 0) {
        printf("no projects yet (create one: labelq project create NAME --labels A,B)\n");
        rc = CLI_OK;
    } else {
        rc = print_table(r);
    }
    labelq__list_projects_reply__free_unpacked(r, NULL);
    return rc;
}

int cli_project(cli *g, int argc, char **argv)
{
    static const cli_subcommand subs[] = {{"create", cmd_create}, {"list", cmd_list}};
    return cli_dispatch(g, argc, argv, subs, sizeof(subs) / sizeof(subs[0]), usage);
}
