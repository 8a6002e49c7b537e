/* Reading any label type's ratings alike; see typed_ratings.h. */
#include "quality/typed_ratings.h"

#include <string.h>

size_t lq_typed_count(const lq_typed_ratings *r)
{
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return r->sets.n;
    case LQ_KIND_NUMERIC:
        return r->numbers.n;
    case LQ_KIND_TEXT:
        return r->texts.n;
    case LQ_KIND_SPANS:
        return r->spans.n;
    case LQ_KIND_BOXES:
        return r->boxes.n;
    default:
        return r->labels.n;
    }
}

uint32_t lq_typed_units(const lq_typed_ratings *r)
{
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return r->sets.n_units;
    case LQ_KIND_NUMERIC:
        return r->numbers.n_units;
    case LQ_KIND_TEXT:
        return r->texts.n_units;
    case LQ_KIND_SPANS:
        return r->spans.n_units;
    case LQ_KIND_BOXES:
        return r->boxes.n_units;
    default:
        return r->labels.n_units;
    }
}

uint32_t lq_typed_annotators(const lq_typed_ratings *r)
{
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return r->sets.n_annotators;
    case LQ_KIND_NUMERIC:
        return r->numbers.n_annotators;
    case LQ_KIND_TEXT:
        return r->texts.n_annotators;
    case LQ_KIND_SPANS:
        return r->spans.n_annotators;
    case LQ_KIND_BOXES:
        return r->boxes.n_annotators;
    default:
        return r->labels.n_annotators;
    }
}

uint32_t lq_typed_unit_of(const lq_typed_ratings *r, size_t i)
{
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return r->sets.v[i].unit;
    case LQ_KIND_NUMERIC:
        return r->numbers.v[i].unit;
    case LQ_KIND_TEXT:
        return r->texts.v[i].unit;
    case LQ_KIND_SPANS:
        return r->spans.v[i].unit;
    case LQ_KIND_BOXES:
        return r->boxes.v[i].unit;
    default:
        return r->labels.v[i].unit;
    }
}

uint32_t lq_typed_annotator_of(const lq_typed_ratings *r, size_t i)
{
    switch (r->kind) {
    case LQ_KIND_MULTI:
        return r->sets.v[i].annotator;
    case LQ_KIND_NUMERIC:
        return r->numbers.v[i].annotator;
    case LQ_KIND_TEXT:
        return r->texts.v[i].annotator;
    case LQ_KIND_SPANS:
        return r->spans.v[i].annotator;
    case LQ_KIND_BOXES:
        return r->boxes.v[i].annotator;
    default:
        return r->labels.v[i].annotator;
    }
}

int lq_typed_same(const lq_typed_ratings *r, size_t i, size_t j, bool *same)
{
    double f1;
    int rc = 0;

    switch (r->kind) {
    case LQ_KIND_MULTI:
        *same = r->sets.v[i].labels == r->sets.v[j].labels;
        break;
    case LQ_KIND_NUMERIC:
        *same = r->numbers.v[i].value == r->numbers.v[j].value;
        break;
    case LQ_KIND_TEXT: {
        const lq_text_rating *a = &r->texts.v[i], *b = &r->texts.v[j];
        *same = a->len == b->len && (a->len == 0 || memcmp(a->text, b->text, a->len) == 0);
        break;
    }
    case LQ_KIND_SPANS: {
        const lq_span_annotation *a = &r->spans.v[i], *b = &r->spans.v[j];
        /* F1 is 1 exactly when every span has its match. */
        rc = lq_span_pair_f1(a->spans, a->n_spans, b->spans, b->n_spans, &f1);
        *same = rc == 0 && f1 == 1.0;
        break;
    }
    case LQ_KIND_BOXES: {
        const lq_box_annotation *a = &r->boxes.v[i], *b = &r->boxes.v[j];
        rc = lq_boxes_same(a->boxes, a->n_boxes, b->boxes, b->n_boxes, same);
        break;
    }
    default:
        *same = r->labels.v[i].label == r->labels.v[j].label;
        break;
    }
    return rc;
}
