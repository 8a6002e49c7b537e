/* The ratings of one label type, in the layout that type's functions in
 * quality/ read: the input of lq_typed_consensus_compute and lq_typed_figures_compute,
 * which labelqd's background estimate and `labelq agreement|aggregate`
 * both call, so that a figure is computed one way whoever asks.
 * schema/typed_ratings.h builds one from label values. Pure data. */
#ifndef LQ_TYPED_RATINGS_H
#define LQ_TYPED_RATINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quality/boxes.h"
#include "quality/label_sets.h"
#include "quality/numeric_consensus.h"
#include "quality/ratings.h"
#include "quality/spans.h"
#include "quality/text_distance.h"

/* The label types, in ProjectConfig.type's order. */
typedef enum lq_kind {
    LQ_KIND_SINGLE,  /* one label of the schema */
    LQ_KIND_MULTI,   /* a set of labels */
    LQ_KIND_ORDINAL, /* a step of a scale */
    LQ_KIND_NUMERIC, /* a number in a range */
    LQ_KIND_TEXT,    /* free text */
    LQ_KIND_SPANS,   /* labelled byte ranges of the item's text */
    LQ_KIND_BOXES,   /* labelled boxes */
} lq_kind;

/* Only the member of kind is read; all borrowed. Rating i is the i-th of
 * that member's array, in any order; a unit, annotator or label is a
 * small integer (labels in schema order: ties go to the lowest). */
typedef struct lq_typed_ratings {
    lq_kind kind;
    lq_ratings labels;          /* single, ordinal: the label (step) index; ordinal's values
                                 * are the steps' positions 0, 1, ... */
    lq_set_ratings sets;        /* multi */
    lq_numeric_ratings numbers; /* numeric */
    double range;               /* numeric: the scale's width, number_max - number_min > 0 */
    lq_text_ratings texts;      /* text, as written */
    lq_span_data spans;         /* spans */
    lq_box_data boxes;          /* boxes */
} lq_typed_ratings;

/* The number of ratings, units and annotators of r's kind. Cannot fail. */
size_t lq_typed_count(const lq_typed_ratings *r);
uint32_t lq_typed_units(const lq_typed_ratings *r);
uint32_t lq_typed_annotators(const lq_typed_ratings *r);

/* The unit and the annotator of rating i (< lq_typed_count). Cannot fail. */
uint32_t lq_typed_unit_of(const lq_typed_ratings *r, size_t i);
uint32_t lq_typed_annotator_of(const lq_typed_ratings *r, size_t i);

/* Whether ratings i and j of r give the same answer: the same label, set
 * or number, the same text byte for byte (normalize r's texts first for
 * labelq's rule, lq_text_ratings_normalized), the same spans or boxes in
 * any order. Returns 0 with *same set, or LQ_ENOMEM. */
int lq_typed_same(const lq_typed_ratings *r, size_t i, size_t j, bool *same);

#endif
