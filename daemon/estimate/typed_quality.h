/* Consensus and agreement for the label types that are not label indexes
 * (multi, numeric, text, spans, boxes): reads each stored label as its
 * type, runs the type's quality/ functions over every item at once, and
 * gives back per item the consensus in the stored canonical form with its
 * confidence and agreement, plus the type's agreement figures for the
 * report. Pure computation on a thread-pool worker; no I/O.
 *
 * Per type (docs/protocol.md "Consensus by label type" has the same):
 *   multi    per label: majority (below LQ_DS_MIN_LABELS labels) or
 *            Dawid-Skene; a label is in the set at a posterior (vote share)
 *            >= 0.5. confidence: the mean over the schema's labels of the
 *            posterior of the decision taken for each (in or out).
 *            agreement: 1 - the mean MASI distance over the item's pairs.
 *   numeric  median; spread = median absolute deviation (MAD);
 *            confidence = 1 - min(1, MAD / ((number_max - number_min) / 4));
 *            agreement: 1 - the mean over pairs of |a - b| / (max - min).
 *   text     medoid of the answers compared after lq_text_normalize (the
 *            consensus is the medoid's answer as written); confidence:
 *            1 - its mean normalized edit distance to the others;
 *            agreement: 1 - the mean distance over the item's pairs.
 *   spans    per-token vote on BIO tags, spans rebuilt (lq_span_vote);
 *            confidence: the mean over the item's tokens of the winning
 *            tag's vote share (1 for a text without tokens); agreement:
 *            the mean pairwise span F1.
 *   boxes    IoU >= 0.5 clusters averaged (lq_box_vote); confidence: the
 *            mean of the consensus boxes' confidence, or, with no box in
 *            the consensus, the share of annotations with no box;
 *            agreement: the mean pairwise IoU-matched F1.
 * An item with one label agrees with itself: agreement 1. */
#ifndef LQ_TYPED_QUALITY_H
#define LQ_TYPED_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"
#include "quality/ratings.h"

/* One stored label: unit and annotator small integers, value canonical. */
typedef struct lq_typed_label {
    uint32_t unit;
    uint32_t annotator;
    const char *value; /* borrowed */
} lq_typed_label;

typedef struct lq_typed_input {
    const Labelq__ProjectConfig *config; /* a non-indexed type */
    const lq_typed_label *v;             /* n labels, any order; borrowed */
    size_t n;
    uint32_t n_units, n_annotators;
    const char *const *unit_text; /* SPANS: each unit's data[field] (NULL: none); else NULL */
    bool dawid_skene;             /* MULTI: per-label Dawid-Skene rather than majority */
} lq_typed_input;

/* One agreement figure of the report. */
typedef struct lq_typed_figure {
    const char *metric; /* static: "masi_alpha", "label_alpha", ... */
    const char *label;  /* per-label figures: the schema's label (borrowed); else "" */
    double value;
} lq_typed_figure;

typedef struct lq_typed_result {
    uint32_t n_units, n_annotators;
    char **value;       /* per unit: the consensus, canonical (malloc'd); NULL if unrated */
    double *confidence; /* per unit, in [0, 1] */
    double *agreement;  /* per unit, in [0, 1]; 1 with a single label */
    double *spread;     /* per unit: NUMERIC's MAD, else 0 */
    const char *method; /* static: "majority", "dawid-skene", "median", "medoid",
                         * "token-vote", "iou-cluster" */
    lq_typed_figure *figures;
    size_t n_figures;
    bool has_alpha; /* the type's alpha (multi MASI, numeric interval, text edit
                     * distance, spans token tags; none for boxes) */
    double alpha;
    bool has_percent; /* share of annotator pairs giving the identical answer */
    double percent;
    uint64_t *annotator_labels; /* per annotator */
    uint64_t *annotator_agree;  /* labels identical to their item's consensus */
    lq_ratings exact;           /* the labels coded per unit so that identical answers share a
                                 * code: for exact-match agreement (percent, not alpha) */
} lq_typed_result;

/* Computes out from in. A label that does not parse as its type is left
 * out (stored labels were checked on the way in). Returns 0, LQ_EBADREQ
 * (not a typed project) or LQ_ENOMEM; free out with lq_typed_result_free
 * either way. */
int lq_typed_run(const lq_typed_input *in, lq_typed_result *out);

void lq_typed_result_free(lq_typed_result *r);

/* Whether a figure is the type's alpha, the one ProjectInfo shows. */
const char *lq_typed_alpha_metric(Labelq__LabelType t);

#endif
