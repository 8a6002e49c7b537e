/* labelq agreement --type multi|ordinal|numeric|text|spans|boxes: each
 * type's agreement metrics from quality/, on a typed CSV (typed_ratings.h).
 * A metric undefined on the data is null in JSON and n/a with the reason
 * in text, as for single-choice labels. */
#include "client/cli/cli.h"
#include "client/cli/typed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"

#define ERR_MAX 512
#define WHY_MAX 160
#define MAX_METRICS 8

typedef struct metric {
    const char *key;   /* the JSON key */
    const char *title; /* the text block's name */
    bool defined;
    double value;
    char why[WHY_MAX];
} metric;

typedef struct report {
    metric m[MAX_METRICS];
    size_t n;
    json_t *per_label; /* multi: {label: alpha or null}; owned */
} report;

/* Files one library result under key: LQ_EBADREQ (or a non-finite value)
 * is "undefined here, because why"; other errors are returned. */
static int add(report *r, const char *key, const char *title, int rc, double value, const char *why)
{
    metric *m = &r->m[r->n++];
    *m = (metric){.key = key, .title = title};
    if (rc == LQ_EBADREQ || (rc == 0 && !isfinite(value))) {
        snprintf(m->why, sizeof(m->why), "%s", why);
        return 0;
    }
    if (rc < 0)
        return rc;
    m->defined = true;
    m->value = value;
    return 0;
}

/* Annotators with at least one rating. */
static uint32_t raters(const lq_ratings *r)
{
    bool *seen = calloc(r->n_annotators ? r->n_annotators : 1, sizeof(*seen));
    uint32_t n = 0;
    if (!seen)
        return 0;
    for (size_t i = 0; i < r->n; i++)
        if (!seen[r->v[i].annotator]) {
            seen[r->v[i].annotator] = true;
            n++;
        }
    free(seen);
    return n;
}

static const char undefined_alpha[] =
    "no unit has two ratings, or all paired ratings agree, so no disagreement is expected";

static int multi(const typed_ratings *t, report *r)
{
    lq_alpha_result a = {0};
    int rc = lq_set_alpha(&t->sets, LQ_SET_MASI, NULL, &a);
    if ((rc = add(r, "alpha_masi", "alpha (MASI)", rc, a.alpha, undefined_alpha)) < 0)
        return rc;
    rc = lq_set_alpha(&t->sets, LQ_SET_JACCARD, NULL, &a);
    if ((rc = add(r, "alpha_jaccard", "alpha (Jaccard)", rc, a.alpha, undefined_alpha)) < 0)
        return rc;
    uint32_t nl = t->names.n;
    double *alpha = calloc(nl ? nl : 1, sizeof(*alpha));
    int *status = calloc(nl ? nl : 1, sizeof(*status));
    rc = alpha && status ? 0 : LQ_ENOMEM;
    if (rc == 0 && nl)
        rc = lq_set_label_alpha(&t->sets, alpha, status);
    r->per_label = rc == 0 ? json_object() : NULL;
    for (uint32_t l = 0; r->per_label && l < nl; l++)
        json_object_set_new(r->per_label, t->names.names[l],
                            status[l] == 0 && isfinite(alpha[l]) ? json_real(alpha[l])
                                                                 : json_null());
    free(alpha);
    free(status);
    return rc == 0 && !r->per_label ? LQ_ENOMEM : rc;
}

static int ordinal(const typed_ratings *t, report *r)
{
    const lq_ratings *d = &t->ordinal;
    double v = 0;
    char why[WHY_MAX];
    int rc = lq_percent_agreement(d, &v);
    if ((rc = add(r, "percent_agreement", "percent agreement", rc, v,
                  "no two annotators rated the same unit")) < 0)
        return rc;
    rc = lq_krippendorff_alpha(d, LQ_METRIC_ORDINAL, &v);
    if ((rc = add(r, "alpha_ordinal", "alpha (ordinal)", rc, v, undefined_alpha)) < 0)
        return rc;
    rc = lq_krippendorff_alpha(d, LQ_METRIC_NOMINAL, &v);
    if ((rc = add(r, "alpha_nominal", "alpha (nominal)", rc, v, undefined_alpha)) < 0)
        return rc;
    uint32_t n = raters(d);
    if (n != 2)
        snprintf(why, sizeof(why), "needs exactly two annotators; %u have ratings", n);
    else
        snprintf(why, sizeof(why), "the two annotators share no unit, or chance agreement is 1");
    rc = lq_cohen_kappa(d, LQ_WEIGHTS_LINEAR, &v);
    if ((rc = add(r, "kappa_linear", "kappa (linear)", rc, v, why)) < 0)
        return rc;
    rc = lq_cohen_kappa(d, LQ_WEIGHTS_QUADRATIC, &v);
    return add(r, "kappa_quadratic", "kappa (quadratic)", rc, v, why);
}

static int numeric(const typed_ratings *t, report *r)
{
    lq_alpha_result a = {0};
    int rc = lq_numeric_alpha(&t->numbers, LQ_METRIC_INTERVAL, NULL, &a);
    if ((rc = add(r, "alpha_interval", "alpha (interval)", rc, a.alpha, undefined_alpha)) < 0)
        return rc;
    bool negative = false;
    for (size_t i = 0; i < t->numbers.n; i++)
        negative = negative || t->numbers.v[i].value < 0;
    rc = negative ? LQ_EBADREQ : lq_numeric_alpha(&t->numbers, LQ_METRIC_RATIO, NULL, &a);
    return add(r, "alpha_ratio", "alpha (ratio)", rc, a.alpha,
               negative ? "a value is negative; the ratio metric needs values >= 0"
                        : undefined_alpha);
}

static int text(const typed_ratings *t, report *r)
{
    lq_alpha_result a = {0};
    int rc = lq_text_alpha(&t->texts, NULL, &a);
    return add(r, "alpha_edit", "alpha (edit distance)", rc, a.alpha, undefined_alpha);
}

static int spans(const typed_ratings *t, report *r)
{
    double f1 = 0, alpha = 0;
    double *unit_f1 = malloc((t->spans.n_units ? t->spans.n_units : 1) * sizeof(*unit_f1));
    if (!unit_f1)
        return LQ_ENOMEM;
    int rc = lq_span_f1(&t->spans, unit_f1, &f1);
    free(unit_f1);
    if ((rc = add(r, "span_f1", "span F1", rc, f1, "no unit has two annotations")) < 0)
        return rc;
    rc = lq_span_token_alpha(&t->spans, &alpha);
    return add(r, "token_alpha", "token alpha (BIO)", rc, alpha,
               "no unit has two annotations, or every token has the same tag");
}

static int boxes(const typed_ratings *t, report *r)
{
    double f1 = 0;
    double *unit_f1 = malloc((t->boxes.n_units ? t->boxes.n_units : 1) * sizeof(*unit_f1));
    if (!unit_f1)
        return LQ_ENOMEM;
    int rc = lq_box_f1(&t->boxes, NULL, unit_f1, &f1);
    free(unit_f1);
    return add(r, "box_f1", "box F1 (IoU >= 0.5)", rc, f1, "no unit has two annotations");
}

static int compute(const typed_ratings *t, report *r)
{
    switch (t->kind) {
    case TYPED_MULTI:
        return multi(t, r);
    case TYPED_ORDINAL:
        return ordinal(t, r);
    case TYPED_NUMERIC:
        return numeric(t, r);
    case TYPED_TEXT:
        return text(t, r);
    case TYPED_SPANS:
        return spans(t, r);
    case TYPED_BOXES:
        return boxes(t, r);
    default:
        return LQ_EBADREQ;
    }
}

/* The schema's label names: kinds whose cells name labels. */
static bool has_names(typed_kind k)
{
    return k == TYPED_MULTI || k == TYPED_ORDINAL || k == TYPED_SPANS || k == TYPED_BOXES;
}

static uint32_t label_count(const typed_ratings *t)
{
    if (t->kind == TYPED_ORDINAL)
        return t->ordinal.n_labels;
    return t->names.n;
}

static int print_json(const typed_ratings *t, report *r)
{
    const lq_ratings *d = &t->csv.r;
    json_t *o = json_object();
    bool ok = o != NULL;
    ok = ok && json_object_set_new(o, "type", json_string(typed_kind_name(t->kind))) == 0;
    ok = ok && json_object_set_new(o, "units", json_integer(d->n_units)) == 0;
    ok = ok && json_object_set_new(o, "annotators", json_integer(d->n_annotators)) == 0;
    ok = ok && json_object_set_new(o, "ratings", json_integer((json_int_t)d->n)) == 0;
    ok = ok && json_object_set_new(o, "missing", json_integer((json_int_t)t->csv.missing)) == 0;
    if (has_names(t->kind))
        ok = ok && json_object_set_new(o, "labels", json_integer(label_count(t))) == 0;
    for (size_t i = 0; ok && i < r->n; i++)
        ok = json_object_set_new(o, r->m[i].key,
                                 r->m[i].defined ? json_real(r->m[i].value) : json_null()) == 0;
    if (ok && r->per_label) {
        ok = json_object_set_new(o, "per_label_alpha", r->per_label) == 0;
        r->per_label = NULL;
    }
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return cli_print_json(o);
}

static void print_block(const char *source, const typed_ratings *t, const report *r)
{
    const lq_ratings *d = &t->csv.r;
    printf("%-22s %s\n", "file", source);
    printf("%-22s %s\n", "type", typed_kind_name(t->kind));
    printf("%-22s %u\n", "units", d->n_units);
    printf("%-22s %u\n", "annotators", d->n_annotators);
    printf("%-22s %zu (%zu missing)\n", "ratings", d->n, t->csv.missing);
    if (has_names(t->kind))
        printf("%-22s %u\n", "labels", label_count(t));
    for (size_t i = 0; i < r->n; i++) {
        if (r->m[i].defined)
            printf("%-22s %.4f\n", r->m[i].title, r->m[i].value);
        else
            printf("%-22s n/a (%s)\n", r->m[i].title, r->m[i].why);
    }
    const char *key;
    json_t *v;
    if (r->per_label)
        json_object_foreach(r->per_label, key, v)
        {
            char title[64];
            snprintf(title, sizeof(title), "alpha of '%s'", key);
            if (json_is_real(v))
                printf("%-22s %.4f\n", title, json_real_value(v));
            else
                printf("%-22s n/a (nobody or everybody chose it)\n", title);
        }
}

int cli_agreement_typed(const char *path, typed_kind kind, const char *scale, bool json)
{
    typed_ratings t;
    report r = {0};
    char err[ERR_MAX];
    int rc;
    if (typed_ratings_load(path, kind, scale, &t, err, sizeof(err)) < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    int code = compute(&t, &r);
    if (code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(code));
        goto out;
    }
    if (json) {
        rc = print_json(&t, &r);
    } else {
        print_block(strcmp(path, "-") == 0 ? "stdin" : path, &t, &r);
        rc = CLI_OK;
    }
out:
    json_decref(r.per_label);
    typed_ratings_free(&t);
    return rc;
}
