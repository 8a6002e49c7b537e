/* labelq report: a project's label quality as the server estimates it now
 * (agreement, consensus method, each annotator's standing, how confident
 * the consensus of done items is). Not to be confused with cli_report.c,
 * which is how the CLI reports its own errors. */
#include "client/cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* The histogram's longest bar, in characters. */
#define BAR_WIDTH 40

static const char usage[] =
    "Usage: labelq report PROJECT [--batch NAME] [--json]\n"
    "\n"
    "Show PROJECT's (or one batch's) label quality, computed by the server from\n"
    "every label stored now: Krippendorff's alpha (the label type's: nominal for\n"
    "single, ordinal for ordinal, MASI for multi, interval for numeric, edit\n"
    "distance for text, token tags for spans; none for boxes), Fleiss' kappa\n"
    "and percent agreement (n/a where undefined), the consensus method\n"
    "(Dawid-Skene once the project has enough labels, else majority vote) with\n"
    "its class priors, one row per annotator (labels, gold answers right/seen,\n"
    "Dawid-Skene accuracy estimate, share of labels equal to the consensus,\n"
    "blocked by gold), and a histogram of the done items' consensus confidence\n"
    "in ten bins. docs/cli.md \"How each figure is computed\" defines each;\n"
    "labelq agreement and aggregate compute them the same way offline.\n"
    "\n"
    "  -b, --batch NAME  only the tasks and labels of batch NAME\n"
    "  --json            one JSON object with keys project, batch (only with\n"
    "                    --batch), tasks, done, labels, krippendorff_alpha,\n"
    "                    fleiss_kappa, percent_agreement (null when undefined),\n"
    "                    method, iterations, class_priors {label: p}, annotators\n"
    "                    {name: {labels, gold_seen, gold_correct, gold_accuracy,\n"
    "                    ds_accuracy, consensus_agreement, blocked}},\n"
    "                    confidence_histogram (10 counts, bin i is [i/10, (i+1)/10)),\n"
    "                    type_agreement [{metric, label (per-label figures only),\n"
    "                    value}]: the label type's own figures, where it has any\n"
    "\n" CLI_GLOBAL_HELP;

static int by_name(const void *a, const void *b)
{
    const Labelq__AnnotatorReport *x = *(Labelq__AnnotatorReport *const *)a;
    const Labelq__AnnotatorReport *y = *(Labelq__AnnotatorReport *const *)b;
    return strcmp(x->name, y->name);
}

/* The report's label for class k: the project's schema names the priors,
 * which the reply lists in schema order without names. */
static const char *class_name(const Labelq__ProjectInfo *info, size_t k, char *buf, size_t len)
{
    if (info && info->config && k < info->config->n_labels)
        return info->config->labels[k];
    snprintf(buf, len, "class %zu", k);
    return buf;
}

/* Without Dawid-Skene the server's per-annotator "accuracy" is the
 * majority vote's agreement, which consensus_agreement already says; it
 * is not an estimate of anyone's accuracy, so it is not shown as one. */
static bool has_ds(const Labelq__ReportReply *r, const Labelq__AnnotatorReport *a)
{
    return a->has_ds_accuracy && strcmp(r->method, "dawid-skene") == 0;
}

static json_t *maybe_real(bool has, double v)
{
    return has ? json_real(v) : json_null();
}

static json_t *annotator_json(const Labelq__ReportReply *r, const Labelq__AnnotatorReport *a)
{
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:o, s:b}", "labels", (json_int_t)a->labels, "gold_seen",
        (json_int_t)a->gold_seen, "gold_correct", (json_int_t)a->gold_correct, "gold_accuracy",
        maybe_real(a->gold_seen > 0, (double)a->gold_correct / a->gold_seen), "ds_accuracy",
        maybe_real(has_ds(r, a), a->ds_accuracy), "consensus_agreement",
        maybe_real(a->has_consensus_agreement, a->consensus_agreement), "blocked", a->blocked);
}

/* Adds v under key, dropping o on failure. Returns o, or NULL. */
static json_t *put(json_t *o, const char *key, json_t *v)
{
    if (o && json_object_set_new(o, key, v) == 0)
        return o;
    json_decref(o);
    return NULL;
}

/* o with "batch" after "project" (the keys in the order a reader expects).
 * Returns a new reference, or NULL without memory; drops o. */
static json_t *with_batch(json_t *o, const char *batch)
{
    json_t *b = json_pack("{s:O, s:s}", "project", json_object_get(o, "project"), "batch", batch);
    if (b && json_object_update(b, o) < 0) {
        json_decref(b);
        b = NULL;
    }
    json_decref(o);
    return b;
}

static json_t *report_json(const Labelq__ReportReply *r, Labelq__AnnotatorReport **sorted,
                           const Labelq__ProjectInfo *info)
{
    json_t *priors = json_object(), *people = json_object(), *bins = json_array();
    char buf[32];
    for (size_t k = 0; priors && k < r->n_class_priors; k++)
        priors = put(priors, class_name(info, k, buf, sizeof buf), json_real(r->class_priors[k]));
    for (size_t i = 0; people && i < r->n_annotators; i++)
        people = put(people, sorted[i]->name, annotator_json(r, sorted[i]));
    for (size_t i = 0; bins && i < r->n_confidence_bins; i++) {
        if (json_array_append_new(bins, json_integer((json_int_t)r->confidence_bins[i])) < 0) {
            json_decref(bins);
            bins = NULL;
        }
    }
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:s, s:I, s:o*, s:o*, s:o*}", "project",
                  r->project, "tasks", (json_int_t)r->tasks, "done", (json_int_t)r->done, "labels",
                  (json_int_t)r->labels, "krippendorff_alpha", maybe_real(r->has_alpha, r->alpha),
                  "fleiss_kappa", maybe_real(r->has_fleiss, r->fleiss), "percent_agreement",
                  maybe_real(r->has_percent_agreement, r->percent_agreement), "method", r->method,
                  "iterations", (json_int_t)r->iterations, "class_priors", priors, "annotators",
                  people, "confidence_histogram", bins);
    /* s:o* leaves a NULL member out; a report without one is not the
     * documented shape, so treat it as the out-of-memory it was. */
    if (o && (!priors || !people || !bins)) {
        json_decref(o);
        o = NULL;
    }
    /* The label type's own figures (masi_alpha, span_f1, ...). */
    json_t *figs = json_array();
    for (size_t i = 0; figs && i < r->n_type_agreement; i++) {
        const Labelq__AgreementFigure *f = r->type_agreement[i];
        json_t *one = f->label[0] ? json_pack("{s:s, s:s, s:f}", "metric", f->metric, "label",
                                              f->label, "value", f->value)
                                  : json_pack("{s:s, s:f}", "metric", f->metric, "value", f->value);
        if (!one || json_array_append_new(figs, one) < 0) {
            json_decref(figs);
            figs = NULL;
        }
    }
    /* Only where the type has figures: single choice keeps its shape. */
    if (!figs) {
        json_decref(o);
        o = NULL;
    } else if (json_array_size(figs) == 0) {
        json_decref(figs);
    } else {
        o = put(o, "type_agreement", figs);
    }
    return r->batch[0] ? with_batch(o, r->batch) : o;
}

static void print_metric(const char *name, bool has, double v)
{
    if (has)
        printf("  %-22s %.3f\n", name, v);
    else
        printf("  %-22s n/a\n", name);
}

static void print_summary(const Labelq__ReportReply *r, const Labelq__ProjectInfo *info)
{
    char buf[32];
    if (r->batch[0])
        printf("project %s, batch %s: ", r->project, r->batch);
    else
        printf("project %s: ", r->project);
    printf("%llu tasks, %llu done, %llu labels\n", (unsigned long long)r->tasks,
           (unsigned long long)r->done, (unsigned long long)r->labels);
    printf("\nagreement\n");
    print_metric("Krippendorff's alpha", r->has_alpha, r->alpha);
    print_metric("Fleiss' kappa", r->has_fleiss, r->fleiss);
    print_metric("percent agreement", r->has_percent_agreement, r->percent_agreement);
    for (size_t i = 0; i < r->n_type_agreement; i++) {
        const Labelq__AgreementFigure *f = r->type_agreement[i];
        char name[96];
        snprintf(name, sizeof name, "%s%s%s", f->metric, f->label[0] ? " " : "", f->label);
        print_metric(name, true, f->value);
    }
    printf("\nconsensus  %s", r->method);
    if (strcmp(r->method, "dawid-skene") == 0)
        printf(", %u iterations", r->iterations);
    printf("\nclass priors");
    for (size_t k = 0; k < r->n_class_priors; k++)
        printf("%s%s %.3f", k ? ", " : " ", class_name(info, k, buf, sizeof buf),
               r->class_priors[k]);
    printf("%s\n", r->n_class_priors ? "" : " n/a");
}

static void print_annotators(const Labelq__ReportReply *r, Labelq__AnnotatorReport **sorted)
{
    int w = (int)strlen("NAME");
    for (size_t i = 0; i < r->n_annotators; i++) {
        int n = (int)strlen(sorted[i]->name);
        w = n > w ? n : w;
    }
    printf("\n%-*s  %8s  %-18s  %11s  %19s  %s\n", w, "NAME", "LABELS", "GOLD", "DS-ACCURACY",
           "CONSENSUS-AGREEMENT", "BLOCKED");
    for (size_t i = 0; i < r->n_annotators; i++) {
        const Labelq__AnnotatorReport *a = sorted[i];
        char gold[48] = "-", ds[16] = "n/a", agree[16] = "n/a";
        if (a->gold_seen > 0)
            snprintf(gold, sizeof gold, "%u/%u (%.1f%%)", a->gold_correct, a->gold_seen,
                     100.0 * a->gold_correct / a->gold_seen);
        if (has_ds(r, a))
            snprintf(ds, sizeof ds, "%.3f", a->ds_accuracy);
        if (a->has_consensus_agreement)
            snprintf(agree, sizeof agree, "%.3f", a->consensus_agreement);
        printf("%-*s  %8llu  %-18s  %11s  %19s  %s\n", w, a->name, (unsigned long long)a->labels,
               gold, ds, agree, a->blocked ? "yes" : "no");
    }
    if (r->n_annotators == 0)
        printf("(no labels yet)\n");
}

static void print_histogram(const Labelq__ReportReply *r)
{
    uint64_t most = 0;
    for (size_t i = 0; i < r->n_confidence_bins; i++)
        most = r->confidence_bins[i] > most ? r->confidence_bins[i] : most;
    printf("\nconfidence of the done items' consensus\n");
    for (size_t i = 0; i < r->n_confidence_bins; i++) {
        uint64_t n = r->confidence_bins[i];
        /* Round up so that a bin with any items shows at least one mark. */
        int len = most ? (int)((n * BAR_WIDTH + most - 1) / most) : 0;
        printf("  %.1f-%.1f  %8llu  ", (double)i / 10.0, (double)(i + 1) / 10.0,
               (unsigned long long)n);
        for (int k = 0; k < len; k++)
            putchar('#');
        putchar('\n');
    }
}

typedef struct report_args {
    bool json;
    const char *batch;
} report_args;

static int report_option(void *ctx, int opt, const char *arg)
{
    report_args *a = ctx;
    switch (opt) {
    case 'j':
        a->json = true;
        return 0;
    case 'b':
        a->batch = arg;
        return cli_check_batch_name(arg);
    default:
        return CLI_USAGE;
    }
}

int cli_quality_report(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"batch", required_argument, NULL, 'b'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    Labelq__ReportReply *r = NULL;
    Labelq__ProjectInfo *info = NULL;
    Labelq__AnnotatorReport **sorted = NULL;
    report_args a = {0};
    int args;
    int rc = cli_parse(g, argc, argv, "b:h", opts, usage, report_option, &a, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "report takes one PROJECT");
    const char *project = argv[args];
    if (!cli_connect(g))
        return CLI_FAIL;
    if (lq_report_batch(g->client, project, a.batch, &r) < 0) {
        if (a.batch)
            return cli_fail("report on batch %s of %s: %s", a.batch, project,
                            lq_client_error(g->client));
        return cli_fail("report on %s: %s", project, lq_client_error(g->client));
    }
    rc = CLI_FAIL;
    /* A server that ignored the batch would pass the project's numbers off
     * as the batch's. */
    if (strcmp(r->batch, a.batch ? a.batch : "") != 0) {
        cli_fail("report on %s: asked for batch '%s', the server reported on '%s'", project,
                 a.batch ? a.batch : "", r->batch);
        goto out;
    }
    /* For the class names: the reply gives the priors in schema order. */
    if (lq_project_get(g->client, project, &info) < 0) {
        cli_fail("report on %s: %s", project, lq_client_error(g->client));
        goto out;
    }
    sorted = malloc((r->n_annotators ? r->n_annotators : 1) * sizeof(*sorted));
    if (!sorted) {
        cli_fail("out of memory");
        goto out;
    }
    if (r->n_annotators)
        memcpy(sorted, r->annotators, r->n_annotators * sizeof(*sorted));
    qsort(sorted, r->n_annotators, sizeof(*sorted), by_name);
    if (a.json) {
        rc = cli_print_json(report_json(r, sorted, info));
    } else {
        print_summary(r, info);
        print_annotators(r, sorted);
        print_histogram(r);
        rc = fflush(stdout) == 0 ? CLI_OK : cli_fail("cannot write to stdout");
    }
out:
    free(sorted);
    if (info)
        labelq__project_info__free_unpacked(info, NULL);
    labelq__report_reply__free_unpacked(r, NULL);
    return rc;
}
