/* Each type's agreement figures; the list is in typed_agreement.h. This
 * file picks the quality/ function for each figure and says why one is
 * undefined. */
#include "quality/typed_agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/unit_groups.h"

#define MAX_FIXED_FIGURES 6 /* the most figures of a type besides per-label ones */

static const char no_pairs[] = "no unit has two ratings";
static const char no_shared[] = "no two annotators rated the same unit";
static const char no_variation[] = "all paired ratings agree, so no disagreement is expected";
static const char negative[] = "a value is negative; the ratio metric needs values >= 0";
static const char fleiss_shape[] =
    "needs the same number of ratings (two or more) on every rated unit, and some variation";
static const char kappa_shape[] =
    "needs exactly two annotators who share a unit, and chance agreement below 1";
static const char label_constant[] = "nobody, or everybody, chose it";

const char *lq_figure_report_name(lq_figure_id id)
{
    switch (id) {
    case LQ_FIG_ORDINAL_ALPHA:
        return "ordinal_alpha";
    case LQ_FIG_MASI_ALPHA:
        return "masi_alpha";
    case LQ_FIG_JACCARD_ALPHA:
        return "jaccard_alpha";
    case LQ_FIG_LABEL_ALPHA:
        return "label_alpha";
    case LQ_FIG_INTERVAL_ALPHA:
        return "interval_alpha";
    case LQ_FIG_RATIO_ALPHA:
        return "ratio_alpha";
    case LQ_FIG_TEXT_ALPHA:
        return "text_alpha";
    case LQ_FIG_SPAN_F1:
        return "span_f1";
    case LQ_FIG_TOKEN_ALPHA:
        return "token_alpha";
    case LQ_FIG_BOX_F1:
        return "box_f1";
    default:
        return NULL;
    }
}

void lq_typed_figures_free(lq_typed_figures *a)
{
    free(a->v);
    memset(a, 0, sizeof(*a));
    a->headline = -1;
}

/* What the figures of one call share. */
typedef struct figures {
    lq_typed_figures *out;
    bool pairable; /* some unit has two ratings */
} figures;

/* Files a library result as figure id: LQ_EBADREQ or a value that is not
 * finite is "undefined, because why"; other errors are returned. */
static int add(figures *f, lq_figure_id id, uint32_t label, int rc, double value, const char *why)
{
    lq_figure *x = &f->out->v[f->out->n];

    if (rc != 0 && rc != LQ_EBADREQ)
        return rc;
    *x = (lq_figure){id, label, rc == 0 && isfinite(value), 0.0, NULL};
    if (x->defined)
        x->value = value;
    else
        x->why = f->pairable ? why : no_pairs;
    f->out->n++;
    return 0;
}

/* An alpha: the type's headline when it is the first. */
static int add_alpha(figures *f, lq_figure_id id, int rc, double value)
{
    if (f->out->headline < 0)
        f->out->headline = (int)f->out->n;
    return add(f, id, UINT32_MAX, rc, value, no_variation);
}

static int percent(figures *f, const lq_typed_ratings *r)
{
    lq_rating *codes = malloc((lq_typed_count(r) ? lq_typed_count(r) : 1) * sizeof(*codes));
    lq_ratings cr = {codes, lq_typed_count(r), lq_typed_units(r), lq_typed_annotators(r), 0, NULL};
    double v = 0.0;
    int rc = codes ? lq_typed_same_codes(r, codes, &cr.n_labels) : LQ_ENOMEM;

    if (rc == 0) {
        int status = lq_percent_agreement(&cr, &v);
        rc = add(f, LQ_FIG_PERCENT, UINT32_MAX, status, v, no_shared);
    }
    free(codes);
    return rc;
}

static int index_figures(figures *f, const lq_typed_ratings *r)
{
    const lq_ratings *d = &r->labels;
    double v = 0.0;
    int rc = 0, status;

    if (r->kind == LQ_KIND_ORDINAL) {
        status = lq_krippendorff_alpha(d, LQ_METRIC_ORDINAL, &v);
        rc = add_alpha(f, LQ_FIG_ORDINAL_ALPHA, status, v);
    }
    if (rc == 0) {
        status = lq_krippendorff_alpha(d, LQ_METRIC_NOMINAL, &v);
        rc = add_alpha(f, LQ_FIG_NOMINAL_ALPHA, status, v);
    }
    if (rc == 0) {
        status = lq_fleiss_kappa(d, &v);
        rc = add(f, LQ_FIG_FLEISS, UINT32_MAX, status, v, fleiss_shape);
    }
    if (rc == 0 && r->kind == LQ_KIND_ORDINAL) {
        status = lq_cohen_kappa(d, LQ_WEIGHTS_LINEAR, &v);
        rc = add(f, LQ_FIG_KAPPA_LINEAR, UINT32_MAX, status, v, kappa_shape);
    }
    if (rc == 0 && r->kind == LQ_KIND_ORDINAL) {
        status = lq_cohen_kappa(d, LQ_WEIGHTS_QUADRATIC, &v);
        rc = add(f, LQ_FIG_KAPPA_QUADRATIC, UINT32_MAX, status, v, kappa_shape);
    }
    return rc;
}

static int multi_figures(figures *f, const lq_typed_ratings *r)
{
    uint32_t nl = r->sets.n_labels;
    double *alpha = calloc(nl ? nl : 1, sizeof(*alpha));
    int *status = calloc(nl ? nl : 1, sizeof(*status));
    lq_alpha_result a = {0};
    int rc = alpha && status ? 0 : LQ_ENOMEM, got;

    if (rc == 0) {
        got = lq_set_alpha(&r->sets, LQ_SET_MASI, &a);
        rc = add_alpha(f, LQ_FIG_MASI_ALPHA, got, a.alpha);
    }
    if (rc == 0) {
        got = lq_set_alpha(&r->sets, LQ_SET_JACCARD, &a);
        rc = add(f, LQ_FIG_JACCARD_ALPHA, UINT32_MAX, got, a.alpha, no_variation);
    }
    if (rc == 0)
        rc = lq_set_label_alpha(&r->sets, alpha, status);
    for (uint32_t l = 0; rc == 0 && l < nl; l++)
        rc = add(f, LQ_FIG_LABEL_ALPHA, l, status[l], alpha[l], label_constant);
    free(alpha);
    free(status);
    return rc;
}

static int numeric_figures(figures *f, const lq_typed_ratings *r)
{
    lq_alpha_result a = {0};
    bool below_zero = false;
    int got = lq_numeric_alpha(&r->numbers, LQ_METRIC_INTERVAL, &a);
    int rc = add_alpha(f, LQ_FIG_INTERVAL_ALPHA, got, a.alpha);

    for (size_t i = 0; i < r->numbers.n; i++)
        below_zero = below_zero || r->numbers.v[i].value < 0.0;
    if (rc == 0 && below_zero) {
        rc = add(f, LQ_FIG_RATIO_ALPHA, UINT32_MAX, LQ_EBADREQ, 0.0, negative);
    } else if (rc == 0) {
        got = lq_numeric_alpha(&r->numbers, LQ_METRIC_RATIO, &a);
        rc = add(f, LQ_FIG_RATIO_ALPHA, UINT32_MAX, got, a.alpha, no_variation);
    }
    return rc;
}

static int text_figures(figures *f, const lq_typed_ratings *r)
{
    lq_text_ratings norm;
    lq_alpha_result a = {0};
    void *storage = NULL;
    int rc = lq_text_ratings_normalized(&r->texts, &norm, &storage);

    if (rc == 0) {
        int got = lq_text_alpha(&norm, NULL, &a);
        rc = add_alpha(f, LQ_FIG_TEXT_ALPHA, got, a.alpha);
    }
    free(storage);
    return rc;
}

static int list_figures(figures *f, const lq_typed_ratings *r)
{
    size_t nu = lq_typed_units(r) ? lq_typed_units(r) : 1;
    double *unit_f1 = malloc(nu * sizeof(*unit_f1)), overall = 0.0, alpha = 0.0;
    int rc = unit_f1 ? 0 : LQ_ENOMEM, got;

    if (rc == 0 && r->kind == LQ_KIND_SPANS) {
        got = lq_span_f1(&r->spans, unit_f1, &overall);
        rc = add(f, LQ_FIG_SPAN_F1, UINT32_MAX, got, overall, no_pairs);
        if (rc == 0) {
            got = lq_span_token_alpha(&r->spans, &alpha);
            rc = add_alpha(f, LQ_FIG_TOKEN_ALPHA, got, alpha);
        }
    } else if (rc == 0) {
        got = lq_box_f1(&r->boxes, NULL, unit_f1, &overall);
        rc = add(f, LQ_FIG_BOX_F1, UINT32_MAX, got, overall, no_pairs);
    }
    free(unit_f1);
    return rc;
}

/* Whether some unit has two ratings: what tells "no pairs" from "no
 * variation" when a figure is undefined. */
static int has_pairs(const lq_typed_ratings *r, bool *out)
{
    uint32_t nu = lq_typed_units(r);
    uint32_t *count = calloc(nu ? nu : 1, sizeof(*count));

    if (!count)
        return LQ_ENOMEM;
    *out = false;
    for (size_t i = 0; i < lq_typed_count(r) && !*out; i++) {
        uint32_t u = lq_typed_unit_of(r, i);
        if (u < nu)
            *out = ++count[u] >= 2;
    }
    free(count);
    return 0;
}

int lq_typed_figures_compute(const lq_typed_ratings *r, lq_typed_figures *out)
{
    size_t cap = MAX_FIXED_FIGURES + (r->kind == LQ_KIND_MULTI ? r->sets.n_labels : 0);
    figures f = {out, false};
    int rc;

    memset(out, 0, sizeof(*out));
    out->headline = -1;
    if (!(out->v = calloc(cap, sizeof(*out->v))))
        return LQ_ENOMEM;
    if ((rc = has_pairs(r, &f.pairable)) != 0 || (rc = percent(&f, r)) != 0)
        return rc;
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return multi_figures(&f, r);
    case LQ_KIND_NUMERIC:
        return numeric_figures(&f, r);
    case LQ_KIND_TEXT:
        return text_figures(&f, r);
    case LQ_KIND_SPANS:
    case LQ_KIND_BOXES:
        return list_figures(&f, r);
    default:
        return index_figures(&f, r);
    }
}

/* ---- identical answers ------------------------------------------------------ */

static int same_codes(const lq_typed_ratings *r, const lq_unit_groups *g, lq_rating *codes,
                      uint32_t *n_codes)
{
    uint32_t most = 0;

    for (uint32_t u = 0; u < lq_typed_units(r); u++)
        for (size_t k = g->start[u]; k < g->start[u + 1]; k++) {
            size_t i = g->order[k], j = g->start[u];
            bool same = false;
            int rc;

            for (; j < k; j++) {
                if ((rc = lq_typed_same(r, g->order[j], i, &same)) != 0)
                    return rc;
                if (same)
                    break;
            }
            codes[i] = (lq_rating){u, lq_typed_annotator_of(r, i), (uint32_t)(j - g->start[u])};
            most = codes[i].label + 1 > most ? codes[i].label + 1 : most;
        }
    *n_codes = most ? most : 1;
    return 0;
}

int lq_typed_same_codes(const lq_typed_ratings *r, lq_rating *codes, uint32_t *n_codes)
{
    size_t n = lq_typed_count(r);
    uint32_t *units = malloc((n ? n : 1) * sizeof(*units));
    lq_typed_ratings norm = *r;
    lq_unit_groups g = {0};
    void *storage = NULL;
    int rc = units ? 0 : LQ_ENOMEM;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        units[i] = lq_typed_unit_of(r, i);
        if (units[i] >= lq_typed_units(r))
            rc = LQ_EBADREQ;
    }
    if (rc == 0 && r->kind == LQ_KIND_TEXT)
        rc = lq_text_ratings_normalized(&r->texts, &norm.texts, &storage);
    /* Grouped by unit alone: the annotator field is the unit again. */
    if (rc == 0)
        rc = lq_unit_groups_build(units, n, sizeof(*units), 0, 0, lq_typed_units(r),
                                  lq_typed_units(r), false, &g);
    if (rc == 0)
        rc = same_codes(&norm, &g, codes, n_codes);
    lq_unit_groups_free(&g);
    free(storage);
    free(units);
    return rc;
}
