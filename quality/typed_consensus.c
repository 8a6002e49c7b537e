/* Each type's consensus through its quality/ functions; the rules are in
 * typed_consensus.h. This file only picks the functions and turns their
 * per-unit results into one shape: confidence and agreement in [0, 1],
 * and whether each rating is the consensus's answer. */
#include "quality/typed_consensus.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/ordinal_median.h"

static const char *const method_names[] = {
    [LQ_METHOD_MAJORITY] = "majority",     [LQ_METHOD_DAWID_SKENE] = "dawid-skene",
    [LQ_METHOD_MEDIAN] = "median",         [LQ_METHOD_MEDOID] = "medoid",
    [LQ_METHOD_TOKEN_VOTE] = "token-vote", [LQ_METHOD_IOU_CLUSTER] = "iou-cluster",
};

const char *lq_method_name(lq_method m)
{
    return (size_t)m < sizeof(method_names) / sizeof(method_names[0]) ? method_names[m] : "?";
}

int lq_method_parse(const char *name, lq_method *out)
{
    for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
        if (strcmp(name, method_names[i]) == 0) {
            *out = (lq_method)i;
            return 0;
        }
    return LQ_EBADREQ;
}

bool lq_method_fits(lq_kind kind, lq_method m)
{
    switch (kind) {
    case LQ_KIND_SINGLE:
    case LQ_KIND_MULTI:
        return m == LQ_METHOD_MAJORITY || m == LQ_METHOD_DAWID_SKENE;
    case LQ_KIND_ORDINAL:
        return m == LQ_METHOD_MAJORITY || m == LQ_METHOD_DAWID_SKENE || m == LQ_METHOD_MEDIAN;
    case LQ_KIND_NUMERIC:
        return m == LQ_METHOD_MEDIAN;
    case LQ_KIND_TEXT:
        return m == LQ_METHOD_MEDOID;
    case LQ_KIND_SPANS:
        return m == LQ_METHOD_TOKEN_VOTE;
    case LQ_KIND_BOXES:
        return m == LQ_METHOD_IOU_CLUSTER;
    }
    return false;
}

lq_method lq_method_default(lq_kind kind, size_t n)
{
    switch (kind) {
    case LQ_KIND_NUMERIC:
        return LQ_METHOD_MEDIAN;
    case LQ_KIND_TEXT:
        return LQ_METHOD_MEDOID;
    case LQ_KIND_SPANS:
        return LQ_METHOD_TOKEN_VOTE;
    case LQ_KIND_BOXES:
        return LQ_METHOD_IOU_CLUSTER;
    default:
        return n >= LQ_DS_MIN_LABELS ? LQ_METHOD_DAWID_SKENE : LQ_METHOD_MAJORITY;
    }
}

void lq_typed_consensus_free(lq_typed_consensus *c)
{
    free(c->rated);
    free(c->confidence);
    free(c->agreement);
    free(c->agrees);
    free(c->label);
    if (c->has_votes)
        lq_consensus_free(&c->votes);
    free(c->median);
    free(c->split);
    if (c->has_sets)
        lq_set_consensus_free(&c->sets);
    free(c->number);
    free(c->spread);
    free(c->text);
    free(c->mean_distance);
    if (c->has_spans)
        lq_span_consensus_free(&c->spans);
    if (c->has_boxes)
        lq_box_consensus_free(&c->boxes);
    memset(c, 0, sizeof(*c));
}

static void *units_of(const lq_typed_consensus *c, size_t size)
{
    return calloc(c->n_units ? c->n_units : 1, size);
}

/* ---- single, ordinal ------------------------------------------------------ */

/* Ordinal: the lower median step, and with method median the consensus. */
static int ordinal_median(const lq_typed_ratings *r, lq_typed_consensus *c)
{
    int rc;

    c->median = units_of(c, sizeof(*c->median));
    c->split = units_of(c, sizeof(*c->split));
    if (!c->median || !c->split)
        return LQ_ENOMEM;
    if ((rc = lq_ordinal_median(&r->labels, c->median, c->split)) != 0 ||
        c->method != LQ_METHOD_MEDIAN)
        return rc;
    for (size_t i = 0; i < r->labels.n; i++)
        c->confidence[r->labels.v[i].unit] +=
            r->labels.v[i].label == c->median[r->labels.v[i].unit];
    for (uint32_t u = 0; u < c->n_units; u++) {
        c->label[u] = c->median[u];
        c->rated[u] = c->median[u] != UINT32_MAX;
    }
    return 0;
}

static int index_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    uint32_t *count = units_of(c, sizeof(*count));
    int rc = count ? 0 : LQ_ENOMEM;

    if (rc == 0 && r->kind == LQ_KIND_ORDINAL)
        rc = ordinal_median(r, c);
    if (rc == 0 && c->method == LQ_METHOD_MAJORITY)
        rc = lq_majority_vote(&r->labels, &c->votes);
    if (rc == 0 && c->method == LQ_METHOD_DAWID_SKENE) {
        lq_ds_options o;
        lq_ds_options_default(&o);
        rc = lq_dawid_skene(&r->labels, &o, &c->votes);
    }
    c->has_votes = rc == 0 && c->method != LQ_METHOD_MEDIAN;
    for (size_t i = 0; rc == 0 && i < r->labels.n; i++)
        count[r->labels.v[i].unit]++;
    for (uint32_t u = 0; rc == 0 && u < c->n_units; u++) {
        if (c->has_votes) {
            c->label[u] = c->votes.label[u];
            c->rated[u] = c->votes.label[u] != UINT32_MAX;
            c->confidence[u] = c->rated[u] ? c->votes.confidence[u] : 0.0;
        } else if (count[u]) {
            c->confidence[u] /= (double)count[u]; /* ordinal_median counted the votes */
        }
    }
    if (rc == 0)
        rc = lq_item_agreement(&r->labels, unit_agree);
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        c->agrees[i] = r->labels.v[i].label == c->label[r->labels.v[i].unit];
    free(count);
    return rc;
}

/* ---- multi ------------------------------------------------------------------ */

static int multi_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    int rc = c->method == LQ_METHOD_DAWID_SKENE ? lq_set_dawid_skene(&r->sets, NULL, &c->sets)
                                                : lq_set_majority(&r->sets, &c->sets);

    if (rc != 0)
        return rc;
    c->has_sets = true;
    for (uint32_t u = 0; u < c->n_units; u++) {
        c->rated[u] = c->sets.rated[u];
        c->confidence[u] = lq_set_confidence(&c->sets, u);
    }
    for (size_t i = 0; i < c->n; i++)
        c->agrees[i] = r->sets.v[i].labels == c->sets.labels[r->sets.v[i].unit];
    return lq_set_unit_agreement(&r->sets, unit_agree);
}

/* ---- numeric ---------------------------------------------------------------- */

static int numeric_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    uint32_t *count = units_of(c, sizeof(*count));
    int rc;

    c->number = units_of(c, sizeof(*c->number));
    c->spread = units_of(c, sizeof(*c->spread));
    if (!count || !c->number || !c->spread) {
        free(count);
        return LQ_ENOMEM;
    }
    rc = lq_numeric_consensus(&r->numbers, c->number, c->spread, count);
    for (uint32_t u = 0; rc == 0 && u < c->n_units; u++) {
        c->rated[u] = count[u] > 0;
        c->confidence[u] = c->rated[u] ? lq_numeric_confidence(c->spread[u], r->range) : 0.0;
    }
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        c->agrees[i] = r->numbers.v[i].value == c->number[r->numbers.v[i].unit];
    free(count);
    return rc ? rc : lq_numeric_unit_agreement(&r->numbers, r->range, unit_agree);
}

/* ---- text: every comparison on the normalized answers ----------------------- */

static int text_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    lq_typed_ratings norm = *r;
    void *storage = NULL;
    int rc;

    c->text = units_of(c, sizeof(*c->text));
    c->mean_distance = units_of(c, sizeof(*c->mean_distance));
    if (!c->text || !c->mean_distance)
        return LQ_ENOMEM;
    if ((rc = lq_text_ratings_normalized(&r->texts, &norm.texts, &storage)) != 0)
        return rc;
    rc = lq_text_medoid(&norm.texts, c->text, c->mean_distance);
    for (uint32_t u = 0; rc == 0 && u < c->n_units; u++) {
        c->rated[u] = c->text[u] != SIZE_MAX;
        c->confidence[u] = c->rated[u] ? 1.0 - c->mean_distance[u] : 0.0;
    }
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        rc = lq_typed_same(&norm, i, c->text[norm.texts.v[i].unit], &c->agrees[i]);
    if (rc == 0 && (rc = lq_text_unit_distance(&norm.texts, unit_agree)) == 0)
        for (uint32_t u = 0; u < c->n_units; u++)
            unit_agree[u] = unit_agree[u] < 0.0 ? -1.0 : 1.0 - unit_agree[u];
    free(storage);
    return rc;
}

/* ---- spans, boxes ------------------------------------------------------------ */

static int spans_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    const lq_span_consensus *s = &c->spans;
    double overall;
    int rc = lq_span_vote(&r->spans, &c->spans);

    if (rc != 0)
        return rc;
    c->has_spans = true;
    for (size_t i = 0; i < c->n; i++)
        c->rated[r->spans.v[i].unit] = true;
    for (uint32_t u = 0; u < c->n_units; u++)
        c->confidence[u] = s->unit_confidence[u];
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        const lq_span_annotation *a = &r->spans.v[i];
        double f1 = 0.0;

        rc = lq_span_pair_f1(a->spans, a->n_spans, s->spans + s->start[a->unit],
                             s->start[a->unit + 1] - s->start[a->unit], &f1);
        c->agrees[i] = f1 == 1.0;
    }
    rc = rc ? rc : lq_span_f1(&r->spans, unit_agree, &overall);
    return rc == LQ_EBADREQ ? 0 : rc; /* no unit with two annotations: every entry -1 */
}

static int boxes_consensus(const lq_typed_ratings *r, lq_typed_consensus *c, double *unit_agree)
{
    const lq_box_consensus *b = &c->boxes;
    double overall;
    int rc = lq_box_vote(&r->boxes, NULL, &c->boxes);

    if (rc != 0)
        return rc;
    c->has_boxes = true;
    for (size_t i = 0; i < c->n; i++)
        c->rated[r->boxes.v[i].unit] = true;
    for (uint32_t u = 0; u < c->n_units; u++)
        c->confidence[u] = b->unit_confidence[u];
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        const lq_box_annotation *a = &r->boxes.v[i];

        rc = lq_boxes_same(a->boxes, a->n_boxes, b->boxes + b->start[a->unit],
                           b->start[a->unit + 1] - b->start[a->unit], &c->agrees[i]);
    }
    rc = rc ? rc : lq_box_f1(&r->boxes, NULL, unit_agree, &overall);
    return rc == LQ_EBADREQ ? 0 : rc; /* no unit with two annotations: every entry -1 */
}

/* ---- common ------------------------------------------------------------------ */

static int allocate(const lq_typed_ratings *r, lq_typed_consensus *c)
{
    c->rated = units_of(c, sizeof(*c->rated));
    c->confidence = units_of(c, sizeof(*c->confidence));
    c->agreement = units_of(c, sizeof(*c->agreement));
    c->agrees = calloc(c->n ? c->n : 1, sizeof(*c->agrees));
    c->label = r->kind == LQ_KIND_SINGLE || r->kind == LQ_KIND_ORDINAL
                   ? malloc((c->n_units ? c->n_units : 1) * sizeof(*c->label))
                   : NULL;
    if (!c->rated || !c->confidence || !c->agreement || !c->agrees)
        return LQ_ENOMEM;
    if (c->label)
        for (uint32_t u = 0; u < c->n_units; u++)
            c->label[u] = UINT32_MAX;
    return r->kind == LQ_KIND_SINGLE || r->kind == LQ_KIND_ORDINAL ? (c->label ? 0 : LQ_ENOMEM) : 0;
}

int lq_typed_consensus_compute(const lq_typed_ratings *r, lq_method m, lq_typed_consensus *out)
{
    double *unit_agree = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    out->kind = r->kind;
    out->method = m;
    out->n_units = lq_typed_units(r);
    out->n = lq_typed_count(r);
    if (!lq_method_fits(r->kind, m))
        return LQ_EBADREQ;
    if (r->kind == LQ_KIND_NUMERIC && !(r->range > 0.0))
        return LQ_EBADREQ;
    if ((rc = allocate(r, out)) != 0)
        return rc;
    if (!(unit_agree = malloc((out->n_units ? out->n_units : 1) * sizeof(*unit_agree))))
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < out->n_units; u++)
        unit_agree[u] = -1.0;
    switch (r->kind) {
    case LQ_KIND_MULTI:
        rc = multi_consensus(r, out, unit_agree);
        break;
    case LQ_KIND_NUMERIC:
        rc = numeric_consensus(r, out, unit_agree);
        break;
    case LQ_KIND_TEXT:
        rc = text_consensus(r, out, unit_agree);
        break;
    case LQ_KIND_SPANS:
        rc = spans_consensus(r, out, unit_agree);
        break;
    case LQ_KIND_BOXES:
        rc = boxes_consensus(r, out, unit_agree);
        break;
    default:
        rc = index_consensus(r, out, unit_agree);
        break;
    }
    /* One rating agrees with itself; an unrated unit has nothing. */
    for (uint32_t u = 0; rc == 0 && u < out->n_units; u++)
        out->agreement[u] = !out->rated[u] ? 0.0 : unit_agree[u] < 0.0 ? 1.0 : unit_agree[u];
    free(unit_agree);
    return rc;
}
