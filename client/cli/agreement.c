/* labelq agreement: inter-annotator agreement of a CSV of ratings, computed
 * locally with quality/ (no server). */
#include "client/cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/ratings_csv.h"
#include "client/cli/schema.h"
#include "client/cli/typed.h"
#include "proto/error.h"
#include "quality/agreement.h"
#include "schema/label_value.h"

#define ERR_MAX 512
#define WHY_MAX 160
#define SHOWN_LABELS 10 /* labels listed in the text block; the rest are counted */

static const char usage[] =
    "Usage: labelq agreement FILE.csv [--metric nominal|ordinal|interval|ratio]\n"
    "                        [--labels L1,L2,...] [--json]\n"
    "       labelq agreement FILE.csv --type multi|ordinal|numeric|text|spans|boxes\n"
    "                        [--labels L,... | --scale S,... | --range A..B] [--json]\n"
    "\n"
    "Measure how well annotators agree, offline, on a CSV of ratings (FILE - reads\n"
    "stdin). After a header line, each record's first three columns are unit,\n"
    "annotator and label; an empty label is a missing rating. Prints units,\n"
    "annotators, ratings, percent agreement, Krippendorff's alpha, Fleiss' kappa\n"
    "(when every unit has the same number of ratings) and Cohen's kappa (when\n"
    "there are exactly two annotators); an undefined metric shows as n/a, with\n"
    "the reason.\n"
    "\n"
    "  -m, --metric M   Krippendorff's alpha's difference metric: nominal (the\n"
    "                   default), ordinal, interval or ratio; all but nominal need\n"
    "                   numeric labels (ordinal uses their order)\n"
    "  -t, --type T     what a label cell holds: single (the default: one label),\n"
    "                   multi (labels joined by ';', or a JSON array), ordinal (a\n"
    "                   step: a number, or a name from --scale), numeric (a\n"
    "                   number), text, spans (a JSON array of {start,end,label};\n"
    "                   the unit's text in column 4), boxes (a JSON array of\n"
    "                   {x,y,w,h,label}). Other types than single report their\n"
    "                   own metrics (see docs/cli.md) and take no --metric\n"
    "  -l, --labels L   single, multi, spans, boxes: the labels in schema order\n"
    "                   (a label outside them is an error); default: the file's,\n"
    "                   in byte order\n"
    "  -s, --scale L    --type ordinal: the steps in order (S1,S2,... or LO..HI)\n"
    "  -r, --range R    --type numeric: the scale MIN..MAX (default: the file's\n"
    "                   least to greatest value)\n"
    "  -j, --json       one JSON object; for single with keys metric, units,\n"
    "                   annotators, ratings, missing, labels, percent_agreement,\n"
    "                   krippendorff_alpha, fleiss_kappa, cohen_kappa (null when\n"
    "                   undefined)\n"
    "  -h, --help       show this help\n";

static const struct metric_name {
    const char *name;
    lq_metric metric;
} metric_names[] = {
    {"nominal", LQ_METRIC_NOMINAL},
    {"ordinal", LQ_METRIC_ORDINAL},
    {"interval", LQ_METRIC_INTERVAL},
    {"ratio", LQ_METRIC_RATIO},
};

typedef struct options {
    const struct metric_name *metric;
    bool metric_given;
    cli_typed_options typed; /* --json, --type, --scale */
} options;

static int option(void *ctx, int opt, const char *arg)
{
    options *o = ctx;
    int rc = cli_typed_option(&o->typed, opt, arg);
    if (rc != CLI_GO_ON)
        return rc;
    if (opt != 'm')
        return CLI_USAGE;
    o->metric_given = true;
    for (size_t i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++)
        if (strcmp(arg, metric_names[i].name) == 0) {
            o->metric = &metric_names[i];
            return 0;
        }
    return cli_bad_arg("--metric must be nominal, ordinal, interval or ratio, not '%s'", arg);
}

/* How the ratings spread over units and annotators: what decides which
 * metrics are defined, so that "n/a" can say why. */
typedef struct shape {
    uint32_t raters;         /* annotators with at least one rating */
    uint32_t pairable_units; /* units with two ratings or more */
    size_t min_per_unit;     /* ratings on a unit, over units that have any */
    size_t max_per_unit;
} shape;

static int measure_shape(const lq_ratings *r, shape *s)
{
    size_t *per_unit = calloc(r->n_units, sizeof(*per_unit));
    bool *rated = calloc(r->n_annotators, sizeof(*rated));
    int rc = 0;
    if (!per_unit || !rated) {
        rc = LQ_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r->n; i++) {
        per_unit[r->v[i].unit]++;
        rated[r->v[i].annotator] = true;
    }
    *s = (shape){.min_per_unit = SIZE_MAX};
    for (uint32_t a = 0; a < r->n_annotators; a++)
        s->raters += rated[a];
    for (uint32_t u = 0; u < r->n_units; u++) {
        if (per_unit[u] == 0)
            continue;
        s->pairable_units += per_unit[u] >= 2;
        if (per_unit[u] < s->min_per_unit)
            s->min_per_unit = per_unit[u];
        if (per_unit[u] > s->max_per_unit)
            s->max_per_unit = per_unit[u];
    }
out:
    free(per_unit);
    free(rated);
    return rc;
}

/* One metric: its value, or why it is undefined on this data. */
typedef struct outcome {
    bool defined;
    double value;
    char why[WHY_MAX];
} outcome;

/* Files a library result: LQ_EBADREQ means "undefined here" (why says
 * why), any other error is a failure returned to the caller. */
static int settle(int rc, double value, const char *why, outcome *o)
{
    if (rc == LQ_EBADREQ || (rc == 0 && !isfinite(value))) {
        o->defined = false;
        snprintf(o->why, sizeof(o->why), "%s", why);
        return 0;
    }
    if (rc < 0)
        return rc;
    o->defined = true;
    o->value = value;
    return 0;
}

typedef struct results {
    outcome percent, alpha, fleiss, cohen;
} results;

static int compute(const lq_ratings *r, lq_metric metric, const shape *s, results *out)
{
    char why[WHY_MAX];
    double v = 0;
    int rc;

    rc = lq_percent_agreement(r, &v);
    if ((rc = settle(rc, v, "no two annotators rated the same unit", &out->percent)) < 0)
        return rc;

    rc = lq_krippendorff_alpha(r, metric, &v);
    if (s->pairable_units == 0)
        snprintf(why, sizeof(why), "no unit has two ratings");
    else
        snprintf(why, sizeof(why), "all paired ratings agree, so no disagreement is expected");
    if ((rc = settle(rc, v, why, &out->alpha)) < 0)
        return rc;

    rc = lq_fleiss_kappa(r, &v);
    if (s->min_per_unit != s->max_per_unit)
        snprintf(why, sizeof(why),
                 "needs the same number of ratings on every unit; they have %zu to %zu",
                 s->min_per_unit, s->max_per_unit);
    else if (s->max_per_unit < 2)
        snprintf(why, sizeof(why), "needs at least two ratings per unit");
    else
        snprintf(why, sizeof(why), "every rating is the same label");
    if ((rc = settle(rc, v, why, &out->fleiss)) < 0)
        return rc;

    rc = lq_cohen_kappa(r, LQ_WEIGHTS_NONE, &v);
    if (s->raters != 2)
        snprintf(why, sizeof(why), "needs exactly two annotators; %u have ratings", s->raters);
    else
        snprintf(why, sizeof(why), "the two annotators share no unit, or chance agreement is 1");
    return settle(rc, v, why, &out->cohen);
}

/* The ratio metric's zero is absolute: a negative value has no ratio to
 * another, so the file cannot be measured so (not "no disagreement").
 * Returns 0 or CLI_FAIL after naming the first negative label's line. */
static int check_ratio(const char *path, const ratings_csv *d)
{
    for (size_t i = 0; i < d->r.n; i++) {
        uint32_t l = d->r.v[i].label;
        if (d->values[l] < 0.0)
            return cli_fail("%s: line %llu: label '%s' is negative; the ratio metric needs "
                            "values >= 0 (try --metric interval)",
                            strcmp(path, "-") == 0 ? "stdin" : path, d->line[i], d->label_names[l]);
    }
    return 0;
}

static json_t *outcome_json(const outcome *o)
{
    return o->defined ? json_real(o->value) : json_null();
}

static int print_json(const ratings_csv *d, const char *metric, const results *res)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    ok = ok && json_object_set_new(o, "metric", json_string(metric)) == 0;
    ok = ok && json_object_set_new(o, "units", json_integer(d->r.n_units)) == 0;
    ok = ok && json_object_set_new(o, "annotators", json_integer(d->r.n_annotators)) == 0;
    ok = ok && json_object_set_new(o, "ratings", json_integer((json_int_t)d->r.n)) == 0;
    ok = ok && json_object_set_new(o, "missing", json_integer((json_int_t)d->missing)) == 0;
    ok = ok && json_object_set_new(o, "labels", json_integer(d->r.n_labels)) == 0;
    ok = ok && json_object_set_new(o, "percent_agreement", outcome_json(&res->percent)) == 0;
    ok = ok && json_object_set_new(o, "krippendorff_alpha", outcome_json(&res->alpha)) == 0;
    ok = ok && json_object_set_new(o, "fleiss_kappa", outcome_json(&res->fleiss)) == 0;
    ok = ok && json_object_set_new(o, "cohen_kappa", outcome_json(&res->cohen)) == 0;
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return cli_print_json(o);
}

static void print_outcome(const char *name, const outcome *o, const char *note)
{
    if (o->defined)
        printf("%-20s %.4f%s\n", name, o->value, note);
    else
        printf("%-20s n/a (%s)\n", name, o->why);
}

static void print_block(const char *source, const ratings_csv *d, const char *metric,
                        const results *res)
{
    char note[64];
    printf("%-20s %s\n", "file", source);
    printf("%-20s %u\n", "units", d->r.n_units);
    printf("%-20s %u\n", "annotators", d->r.n_annotators);
    printf("%-20s %zu (%zu missing)\n", "ratings", d->r.n, d->missing);
    printf("%-20s %u: ", "labels", d->r.n_labels);
    for (uint32_t l = 0; l < d->r.n_labels && l < SHOWN_LABELS; l++)
        printf("%s%s", l ? ", " : "", d->label_names[l]);
    if (d->r.n_labels > SHOWN_LABELS)
        printf(", ... (%u more)", d->r.n_labels - SHOWN_LABELS);
    putchar('\n');
    print_outcome("percent agreement", &res->percent, "");
    snprintf(note, sizeof(note), " (%s)", metric);
    print_outcome("Krippendorff alpha", &res->alpha, note);
    print_outcome("Fleiss kappa", &res->fleiss, "");
    print_outcome("Cohen kappa", &res->cohen, " (unweighted)");
}

int cli_agreement(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"metric", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"type", required_argument, NULL, 't'},
                                         {"labels", required_argument, NULL, 'l'},
                                         {"scale", required_argument, NULL, 's'},
                                         {"range", required_argument, NULL, 'r'},
                                         /* Offline: no connection options. */
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    options o = {.metric = &metric_names[0]};
    ratings_csv d = {0};
    results res = {0};
    shape s;
    cli_schema schema = {0};
    char err[ERR_MAX], numeric_for[64];
    int args, err_code;
    int rc = cli_parse(g, argc, argv, "hm:jt:l:s:r:", opts, usage, option, &o, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "agreement takes one FILE.csv");
    const char *path = argv[args];
    if (o.typed.type != LABELQ__LABEL_TYPE__SINGLE) {
        if (o.metric_given)
            return cli_bad_arg("--metric is for --type single; --type %s reports its own "
                               "metrics",
                               lq_label_type_name(o.typed.type));
        return cli_agreement_typed(path, &o.typed);
    }
    snprintf(numeric_for, sizeof(numeric_for), "--metric %s", o.metric->name);
    bool numeric = o.metric->metric != LQ_METRIC_NOMINAL;
    if (numeric && o.typed.labels)
        return cli_bad_arg("--labels is for nominal labels; --metric %s orders them by value",
                           o.metric->name);
    if ((rc = cli_single_schema(&o.typed, &schema)) != 0)
        return rc;
    ratings_csv_options ro = {.numeric_for = numeric ? numeric_for : NULL,
                              .labels = schema.labels,
                              .n_labels = schema.n_labels,
                              .labels_for = "--labels"};
    if (ratings_csv_load_with(path, &ro, &d, err, sizeof(err)) < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    if (o.metric->metric == LQ_METRIC_RATIO && (rc = check_ratio(path, &d)) != 0)
        goto out;
    /* Undefined metrics are settled as n/a; what is left is out of memory. */
    err_code = measure_shape(&d.r, &s);
    if (err_code == 0)
        err_code = compute(&d.r, o.metric->metric, &s, &res);
    if (err_code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(err_code));
        goto out;
    }
    if (o.typed.json) {
        rc = print_json(&d, o.metric->name, &res);
    } else {
        print_block(strcmp(path, "-") == 0 ? "stdin" : path, &d, o.metric->name, &res);
        rc = CLI_OK;
    }
out:
    ratings_csv_free(&d);
    cli_schema_free(&schema);
    return rc;
}
