/* labelq aggregate: consensus labels and annotator skill from a CSV of
 * ratings, by majority vote or Dawid-Skene EM, computed locally with
 * quality/ (no server). */
#include "client/cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/ratings_csv.h"
#include "client/cli/typed.h"
#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/dawid_skene.h"

#define ERR_MAX 512
#define SHOWN_UNITS 20    /* units in the text table; --json has them all */
#define SHOWN_PRIORS 10   /* labels on the priors line; the rest are counted */
#define NAME_WIDTH_MAX 32 /* longer names overflow their column rather than widen it */

static const char usage[] =
    "Usage: labelq aggregate FILE.csv --method majority|dawid-skene\n"
    "                        [--labels L1,L2,...] [--json]\n"
    "       labelq aggregate FILE.csv --type multi|ordinal|numeric|text|spans|boxes\n"
    "                        [--method M] [--json]\n"
    "                        [--labels L,... | --scale S,... | --range A..B]\n"
    "\n"
    "Infer each unit's label and each annotator's accuracy, offline, from a CSV\n"
    "of ratings (FILE - reads stdin). After a header line, each record's first\n"
    "three columns are unit, annotator and label; an empty label is a missing\n"
    "rating. Prints per annotator: ratings and accuracy (agreement with the\n"
    "consensus); then per unit: label and confidence (the first 20 units).\n"
    "\n"
    "  -m, --method M   required: majority (the most frequent label; confidence\n"
    "                   is its vote share; ties go to the label first in\n"
    "                   --labels, or in byte order) or dawid-skene (EM over\n"
    "                   per-annotator confusion matrices; confidence is the\n"
    "                   label's posterior probability)\n"
    "  -t, --type T     what a label cell holds (see labelq agreement --help);\n"
    "                   default single. Methods by type: multi and ordinal\n"
    "                   majority or dawid-skene (default: as labelqd, majority\n"
    "                   below 100 ratings), ordinal also median; numeric median;\n"
    "                   text medoid; spans token-vote; boxes iou-cluster\n"
    "  -l, --labels L   single, multi, spans, boxes: the labels in schema order\n"
    "                   (default: the file's, in byte order)\n"
    "  -s, --scale L    --type ordinal: the steps in order (S1,S2,... or LO..HI)\n"
    "  -r, --range R    --type numeric: the scale MIN..MAX (default: the file's\n"
    "                   least to greatest value)\n"
    "  -j, --json       one JSON object; for single with keys method, iterations, converged,\n"
    "                   class_priors {label: p}, annotators {name: {ratings,\n"
    "                   accuracy, confusion {true: {given: p}}}}, units {unit:\n"
    "                   {label, confidence, agreement, tie, posterior {label: p}}}\n"
    "  -h, --help       show this help\n";

typedef enum method { METHOD_NONE, METHOD_MAJORITY, METHOD_DAWID_SKENE } method;

typedef struct options {
    method method;
    const char *method_name; /* as given, for the other types */
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
    o->method_name = arg;
    /* Checked against the type once every option is in. */
    return 0;
}

/* --method for --type single. Returns 0 or CLI_USAGE after reporting. */
static int single_method(options *o)
{
    const char *arg = o->method_name;
    if (!arg)
        return 0;
    if (strcmp(arg, "majority") == 0)
        o->method = METHOD_MAJORITY;
    else if (strcmp(arg, "dawid-skene") == 0)
        o->method = METHOD_DAWID_SKENE;
    else
        return cli_bad_arg("--method must be majority or dawid-skene, not '%s'", arg);
    return 0;
}

/* What the output needs besides the library's consensus. */
typedef struct tally {
    size_t *ratings;   /* per annotator */
    double *agreement; /* per unit: lq_item_agreement, -1 with fewer than two ratings */
    double *confusion; /* [a][true][given] as in lq_consensus, rows summing to 1
                          (0 for a true label the annotator never met); borrowed
                          from the consensus for Dawid-Skene */
    bool own_confusion;
} tally;

/* Majority vote has no confusion matrices of its own; derive them from the
 * consensus the same way Dawid-Skene's read: row "true" of annotator a is
 * the share of a's ratings on units whose consensus is "true" that gave
 * each label, P(given | consensus). */
static double *majority_confusion(const lq_ratings *r, const lq_consensus *c)
{
    size_t nl = r->n_labels;
    double *m = calloc((size_t)r->n_annotators * nl * nl, sizeof(*m));
    if (!m)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t truth = c->label[r->v[i].unit];
        if (truth != UINT32_MAX)
            m[((size_t)r->v[i].annotator * nl + truth) * nl + r->v[i].label] += 1;
    }
    for (size_t row = 0; row < (size_t)r->n_annotators * nl; row++) {
        double sum = 0;
        for (size_t l = 0; l < nl; l++)
            sum += m[row * nl + l];
        for (size_t l = 0; l < nl && sum > 0; l++)
            m[row * nl + l] /= sum;
    }
    return m;
}

static int tally_build(const lq_ratings *r, const lq_consensus *c, method how, tally *t)
{
    t->ratings = calloc(r->n_annotators, sizeof(*t->ratings));
    t->agreement = calloc(r->n_units ? r->n_units : 1, sizeof(*t->agreement));
    if (!t->ratings || !t->agreement)
        return LQ_ENOMEM;
    int rc = lq_item_agreement(r, t->agreement);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n; i++)
        t->ratings[r->v[i].annotator]++;
    if (how == METHOD_MAJORITY || !c->confusion) {
        t->confusion = majority_confusion(r, c);
        t->own_confusion = true;
        return t->confusion ? 0 : LQ_ENOMEM;
    }
    t->confusion = c->confusion;
    return 0;
}

static void tally_free(tally *t)
{
    free(t->ratings);
    free(t->agreement);
    if (t->own_confusion)
        free(t->confusion);
}

/* JSON null for what the library marks as "none" (negative) or cannot be
 * written (not finite). */
static json_t *prob_json(double p)
{
    return p >= 0 && isfinite(p) ? json_real(p) : json_null();
}

/* {label: p[l]} over every label. */
static json_t *by_label_json(const ratings_csv *d, const double *p)
{
    json_t *o = json_object();
    for (uint32_t l = 0; o && l < d->r.n_labels; l++)
        if (json_object_set_new(o, d->label_names[l], prob_json(p[l])) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* {true: {given: p}}; a true label the annotator never met is null. */
static json_t *confusion_json(const ratings_csv *d, const double *m)
{
    size_t nl = d->r.n_labels;
    json_t *o = json_object();
    for (size_t t = 0; o && t < nl; t++) {
        double sum = 0;
        for (size_t l = 0; l < nl; l++)
            sum += m[t * nl + l];
        json_t *row = sum > 0 ? by_label_json(d, m + t * nl) : json_null();
        if (json_object_set_new(o, d->label_names[t], row) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *annotator_json(const ratings_csv *d, const lq_consensus *c, const tally *t,
                              uint32_t a)
{
    size_t nl = d->r.n_labels;
    json_t *o = json_object();
    bool ok = o != NULL;
    ok = ok && json_object_set_new(o, "ratings", json_integer((json_int_t)t->ratings[a])) == 0;
    ok = ok && json_object_set_new(o, "accuracy", prob_json(c->accuracy[a])) == 0;
    ok = ok && json_object_set_new(o, "confusion",
                                   t->ratings[a] ? confusion_json(d, t->confusion + a * nl * nl)
                                                 : json_null()) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *unit_json(const ratings_csv *d, const lq_consensus *c, const tally *t, uint32_t u)
{
    json_t *o = json_object();
    bool ok = o != NULL, rated = c->label[u] != UINT32_MAX;
    /* One rating agrees with itself, as labelqd's export says. */
    double agreement = t->agreement[u] < 0.0 ? 1.0 : t->agreement[u];
    ok = ok && json_object_set_new(
                   o, "label", rated ? json_string(d->label_names[c->label[u]]) : json_null()) == 0;
    ok = ok && json_object_set_new(o, "confidence",
                                   rated ? prob_json(c->confidence[u]) : json_null()) == 0;
    ok = ok && json_object_set_new(o, "agreement", rated ? json_real(agreement) : json_null()) == 0;
    ok = ok && json_object_set_new(o, "tie", json_boolean(rated && c->tie[u])) == 0;
    ok =
        ok && json_object_set_new(o, "posterior",
                                  rated ? by_label_json(d, c->posterior + (size_t)u * d->r.n_labels)
                                        : json_null()) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *method_name(method how)
{
    return how == METHOD_MAJORITY ? "majority" : "dawid-skene";
}

bool cli_put_member(int indent, const char *key, json_t *v, const char *after)
{
    json_t *k = json_string(key);
    bool ok = k && v && printf("%*s", indent, "") >= 0 &&
              json_dumpf(k, stdout, JSON_ENCODE_ANY) == 0 && fputs(": ", stdout) >= 0 &&
              json_dumpf(v, stdout, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) == 0 &&
              fputs(after, stdout) >= 0;
    json_decref(k);
    json_decref(v);
    return ok;
}

/* The JSON object, written member by member with one annotator or unit a
 * line: a document tree of every unit's posterior would cost a hundred
 * times the memory of the ratings themselves. */
static int print_json(const ratings_csv *d, const lq_consensus *c, const tally *t, method how)
{
    bool converged = c->converged || how == METHOD_MAJORITY; /* nothing to iterate */
    bool ok = fputs("{\n", stdout) >= 0;
    ok = ok && cli_put_member(2, "method", json_string(method_name(how)), ",\n");
    ok = ok && cli_put_member(2, "iterations", json_integer(c->iterations), ",\n");
    ok = ok && cli_put_member(2, "converged", json_boolean(converged), ",\n");
    ok = ok && cli_put_member(2, "class_priors", by_label_json(d, c->priors), ",\n");
    ok = ok && fputs("  \"annotators\": {\n", stdout) >= 0;
    for (uint32_t a = 0; ok && a < d->r.n_annotators; a++)
        ok = cli_put_member(4, d->annotator_names[a], annotator_json(d, c, t, a),
                            a + 1 < d->r.n_annotators ? ",\n" : "\n");
    ok = ok && fputs("  },\n  \"units\": {\n", stdout) >= 0;
    for (uint32_t u = 0; ok && u < d->r.n_units; u++)
        ok = cli_put_member(4, d->unit_names[u], unit_json(d, c, t, u),
                            u + 1 < d->r.n_units ? ",\n" : "\n");
    ok = ok && fputs("  }\n}\n", stdout) >= 0 && fflush(stdout) == 0;
    if (!ok)
        return cli_fail(ferror(stdout) ? "cannot write to stdout" : "out of memory");
    return CLI_OK;
}

/* The width of a name column: the longest name, within limits. */
static int column_width(char **names, uint32_t n, const char *heading)
{
    size_t w = strlen(heading);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len > w)
            w = len < NAME_WIDTH_MAX ? len : NAME_WIDTH_MAX;
    }
    return (int)w;
}

static void print_summary(const ratings_csv *d, const lq_consensus *c, method how)
{
    if (how == METHOD_MAJORITY)
        printf("%-13s majority vote\n", "method");
    else if (c->converged)
        printf("%-13s dawid-skene, converged after %u EM iterations\n", "method", c->iterations);
    else
        printf("%-13s dawid-skene, stopped after %u EM iterations without converging\n", "method",
               c->iterations);
    printf("%-13s %zu ratings (%zu missing) by %u annotators on %u units, %u labels\n", "data",
           d->r.n, d->missing, d->r.n_annotators, d->r.n_units, d->r.n_labels);
    printf("%-13s ", how == METHOD_MAJORITY ? "label shares" : "class priors");
    for (uint32_t l = 0; l < d->r.n_labels && l < SHOWN_PRIORS; l++)
        printf("%s%s %.3f", l ? ", " : "", d->label_names[l], c->priors[l]);
    if (d->r.n_labels > SHOWN_PRIORS)
        printf(", ... (%u more)", d->r.n_labels - SHOWN_PRIORS);
    putchar('\n');
}

static void print_tables(const ratings_csv *d, const lq_consensus *c, const tally *t, method how)
{
    uint32_t shown = d->r.n_units < SHOWN_UNITS ? d->r.n_units : SHOWN_UNITS;
    int aw = column_width(d->annotator_names, d->r.n_annotators, "annotator");
    int uw = column_width(d->unit_names, shown, "unit");
    int lw = column_width(d->label_names, d->r.n_labels, "label");

    print_summary(d, c, how);
    printf("\n%-*s  %8s  %8s\n", aw, "annotator", "ratings", "accuracy");
    for (uint32_t a = 0; a < d->r.n_annotators; a++) {
        printf("%-*s  %8zu  ", aw, d->annotator_names[a], t->ratings[a]);
        if (c->accuracy[a] >= 0)
            printf("%8.3f\n", c->accuracy[a]);
        else
            printf("%8s\n", "n/a");
    }
    printf("\n%-*s  %-*s  %10s\n", uw, "unit", lw, "label", "confidence");
    for (uint32_t u = 0; u < shown; u++) {
        if (c->label[u] == UINT32_MAX) {
            printf("%-*s  %-*s  %10s\n", uw, d->unit_names[u], lw, "-", "(no ratings)");
            continue;
        }
        printf("%-*s  %-*s  %10.3f%s\n", uw, d->unit_names[u], lw, d->label_names[c->label[u]],
               c->confidence[u], c->tie[u] ? "  (tie)" : "");
    }
    if (shown < d->r.n_units)
        printf("... %u more units (%u in all; --json lists every unit)\n", d->r.n_units - shown,
               d->r.n_units);
}

int cli_aggregate(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"method", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"type", required_argument, NULL, 't'},
                                         {"labels", required_argument, NULL, 'l'},
                                         {"scale", required_argument, NULL, 's'},
                                         {"range", required_argument, NULL, 'r'},
                                         /* Offline: no connection options. */
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    options o = {0};
    ratings_csv d = {0};
    lq_consensus c = {0};
    lq_ds_options ds;
    tally t = {0};
    cli_schema schema = {0};
    char err[ERR_MAX];
    bool have_consensus = false;
    int args, err_code;
    int rc = cli_parse(g, argc, argv, "hm:jt:l:s:r:", opts, usage, option, &o, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (o.typed.type == LABELQ__LABEL_TYPE__SINGLE && (rc = single_method(&o)) != 0)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "aggregate takes one FILE.csv");
    if (o.typed.type != LABELQ__LABEL_TYPE__SINGLE)
        return cli_aggregate_typed(argv[args], &o.typed, o.method_name);
    if (o.method == METHOD_NONE)
        return cli_usage_error(usage, "--method is required: majority or dawid-skene");
    if ((rc = cli_single_schema(&o.typed, &schema)) != 0)
        return rc;
    const char *path = argv[args];
    ratings_csv_options ro = {
        .labels = schema.labels, .n_labels = schema.n_labels, .labels_for = "--labels"};
    if (ratings_csv_load_with(path, &ro, &d, err, sizeof(err)) < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    if (o.method == METHOD_MAJORITY) {
        err_code = lq_majority_vote(&d.r, &c);
    } else {
        lq_ds_options_default(&ds);
        err_code = lq_dawid_skene(&d.r, &ds, &c);
    }
    have_consensus = err_code == 0;
    if (err_code == 0)
        err_code = tally_build(&d.r, &c, o.method, &t);
    if (err_code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(err_code));
        goto out;
    }
    if (o.typed.json) {
        rc = print_json(&d, &c, &t, o.method);
    } else {
        print_tables(&d, &c, &t, o.method);
        rc = CLI_OK;
    }
out:
    tally_free(&t);
    if (have_consensus)
        lq_consensus_free(&c);
    ratings_csv_free(&d);
    cli_schema_free(&schema);
    return rc;
}
