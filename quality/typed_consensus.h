/* Each item's consensus, confidence and agreement, for every label type:
 * the one computation behind labelqd's stored results and export and
 * `labelq aggregate`. Pure computation, no I/O, deterministic.
 *
 * Per type (docs/cli.md "How each figure is computed" states the same):
 *
 *   single, ordinal  majority vote (confidence: the winner's vote share;
 *            a tie goes to the label first in the schema) or Dawid-Skene
 *            (confidence: the posterior); agreement: the share of the
 *            unit's rating pairs that agree. Ordinal also gets the lower
 *            median step, and may take it as the consensus (method median,
 *            confidence: the share of ratings on that step).
 *   multi    per label, majority (in when at least half chose it) or
 *            Dawid-Skene (in at a posterior >= 0.5); confidence: the mean
 *            over the schema's labels of the posterior (vote share) of the
 *            decision taken for each, in or out (lq_set_confidence);
 *            agreement: 1 - the mean MASI distance over pairs.
 *   numeric  the median; confidence: 1 - min(1, MAD / (range / 4))
 *            (lq_numeric_confidence); agreement: 1 - the mean over pairs of
 *            |a - b| / range.
 *   text     answers compared after lq_text_normalize (ASCII case and
 *            spacing do not count) everywhere: the medoid (ties: the first
 *            rating), given as written; confidence: 1 - its mean distance
 *            to the others; agreement: 1 - the mean distance over pairs.
 *   spans    per-token BIO vote (lq_span_vote; ties: O, then B before I,
 *            then schema order); confidence: the mean over the tokens of
 *            the winning tag's share; agreement: the mean pairwise span F1.
 *   boxes    IoU >= 0.5 clusters (lq_box_vote); confidence: the mean of
 *            the boxes' confidences, or with no box the share of
 *            annotations without one; agreement: the mean pairwise box F1.
 *
 * A unit with one rating has agreement 1; an unrated unit has no consensus
 * and 0s. */
#ifndef LQ_TYPED_CONSENSUS_H
#define LQ_TYPED_CONSENSUS_H

#include <stdbool.h>
#include <stdint.h>

#include "quality/dawid_skene.h"
#include "quality/typed_ratings.h"

/* From this many ratings on, single, ordinal and multi take Dawid-Skene by
 * default; below, the majority vote: too few ratings make Dawid-Skene's
 * confusion matrices mostly smoothing. */
#define LQ_DS_MIN_LABELS 100

typedef enum lq_method {
    LQ_METHOD_MAJORITY,    /* single, ordinal, multi */
    LQ_METHOD_DAWID_SKENE, /* single, ordinal, multi */
    LQ_METHOD_MEDIAN,      /* ordinal (the lower median step), numeric */
    LQ_METHOD_MEDOID,      /* text */
    LQ_METHOD_TOKEN_VOTE,  /* spans */
    LQ_METHOD_IOU_CLUSTER, /* boxes */
} lq_method;

/* The method's name: "majority", "dawid-skene", "median", "medoid",
 * "token-vote", "iou-cluster". Cannot fail. */
const char *lq_method_name(lq_method m);

/* The method named name. Returns 0 or LQ_EBADREQ. */
int lq_method_parse(const char *name, lq_method *out);

/* Whether kind can take method m. Cannot fail. */
bool lq_method_fits(lq_kind kind, lq_method m);

/* The method labelqd uses for kind with n ratings in the project: majority
 * below LQ_DS_MIN_LABELS and Dawid-Skene from there for single, ordinal
 * and multi; the only one for the others. Cannot fail. */
lq_method lq_method_default(lq_kind kind, size_t n);

typedef struct lq_typed_consensus {
    lq_kind kind;
    lq_method method;
    uint32_t n_units;
    size_t n;           /* ratings */
    bool *rated;        /* n_units */
    double *confidence; /* n_units, in [0, 1] */
    double *agreement;  /* n_units, in [0, 1] */
    bool *agrees;       /* n: the rating is the consensus's answer (lq_typed_same's rule) */
    /* The consensus, by kind; only the kind's members are filled. */
    uint32_t *label;    /* single, ordinal: the label; UINT32_MAX when unrated */
    lq_consensus votes; /* single, ordinal by majority or Dawid-Skene: posteriors,
                         * priors, confusion, accuracy, ties */
    bool has_votes;
    uint32_t *median;      /* ordinal: the lower median step, UINT32_MAX when unrated */
    bool *split;           /* ordinal: the two middle ratings differ */
    lq_set_consensus sets; /* multi: sets.labels[u] is the set */
    bool has_sets;
    double *number;        /* numeric: the median */
    double *spread;        /* numeric: the median absolute deviation */
    size_t *text;          /* text: the medoid's index in r->texts.v, SIZE_MAX when unrated */
    double *mean_distance; /* text: the medoid's mean distance to the others */
    lq_span_consensus spans;
    bool has_spans;
    lq_box_consensus boxes;
    bool has_boxes;
} lq_typed_consensus;

/* Computes out from r by method m. Returns 0, LQ_EBADREQ (bad ratings, or
 * m does not fit r's kind) or LQ_ENOMEM; free out with
 * lq_typed_consensus_free either way. */
int lq_typed_consensus_compute(const lq_typed_ratings *r, lq_method m, lq_typed_consensus *out);

void lq_typed_consensus_free(lq_typed_consensus *c);

#endif
