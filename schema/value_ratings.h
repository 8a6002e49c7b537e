/* A project's label values as quality/'s typed ratings, and a consensus
 * back as a label value: the bridge labelqd's background estimate, its
 * export and the offline `labelq agreement|aggregate` all cross, so that
 * values are read (typed_value.h) and figures computed
 * (quality/typed_consensus.h, typed_agreement.h) one way. */
#ifndef LQ_VALUE_RATINGS_H
#define LQ_VALUE_RATINGS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"
#include "quality/typed_consensus.h"
#include "quality/typed_ratings.h"

/* One label: its unit and annotator as small integers, its value. */
typedef struct lq_label_value {
    uint32_t unit;
    uint32_t annotator;
    const char *value; /* borrowed */
} lq_label_value;

typedef struct lq_value_ratings {
    lq_typed_ratings r; /* what quality/ reads; valid until lq_value_ratings_free */
    size_t *source;     /* per rating of r: its index in the values given */
    size_t skipped;     /* values that did not read as the type (left out) */
    void *storage[4];   /* owned: the ratings, and the steps, texts or lists behind them */
} lq_value_ratings;

/* The kind of quality/ that type t is. Cannot fail. */
lq_kind lq_label_kind(Labelq__LabelType t);

/* Reads the n values v (any order; unit < n_units, annotator <
 * n_annotators) as cfg's type into out->r: label indexes, sets, numbers,
 * texts (borrowed from v: they must outlive out), span or box lists.
 * unit_text (SPANS only, else NULL) is each unit's data[field], NULL where
 * it has none. A value that does not read (typed_value.h) is left out and
 * counted in out->skipped; the offline CLI checks every value first, and
 * labelqd stored only values that read. NUMERIC's range is cfg's. Returns
 * 0 or LQ_ENOMEM; free out with lq_value_ratings_free either way. */
int lq_value_ratings_build(const Labelq__ProjectConfig *cfg, const lq_label_value *v, size_t n,
                           uint32_t n_units, uint32_t n_annotators, const char *const *unit_text,
                           lq_value_ratings *out);

void lq_value_ratings_free(lq_value_ratings *vr);

/* Unit u's consensus in c (computed from r, cfg's type) as a canonical
 * value of cfg, malloc'd into *out; NULL when u has none (no ratings).
 * Returns 0 or LQ_ENOMEM. */
int lq_value_consensus(const Labelq__ProjectConfig *cfg, const lq_typed_ratings *r,
                       const lq_typed_consensus *c, uint32_t u, char **out);

#endif
