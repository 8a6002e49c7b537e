/* Multi-label ratings: each rating is a set of labels from a schema of at
 * most 64, held as a bitmask (bit l set: label l is in the set). Agreement
 * on whole sets (Krippendorff's alpha with the MASI or Jaccard distance),
 * on each label alone (binary alpha), and a consensus set per unit
 * (Dawid-Skene per label). Pure computation, no I/O, deterministic.
 *
 * An empty set is a rating too: the annotator saw the unit and chose no
 * label, which is not the same as not rating it (an absent rating). */
#ifndef LQ_LABEL_SETS_H
#define LQ_LABEL_SETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quality/dawid_skene.h"
#include "quality/distance_alpha.h"

#define LQ_SET_MAX_LABELS 64

typedef struct lq_set_rating {
    uint32_t unit;
    uint32_t annotator;
    uint64_t labels; /* bit l: label l chosen; no bit at or above n_labels */
} lq_set_rating;

typedef struct lq_set_ratings {
    const lq_set_rating *v; /* n ratings, any order; borrowed */
    size_t n;
    uint32_t n_units; /* every unit < n_units, likewise annotators */
    uint32_t n_annotators;
    uint32_t n_labels; /* 1 .. LQ_SET_MAX_LABELS */
} lq_set_ratings;

typedef enum lq_set_distance {
    LQ_SET_MASI,    /* lq_masi_distance */
    LQ_SET_JACCARD, /* lq_jaccard_distance */
} lq_set_distance;

/* Jaccard distance 1 - |a & b| / |a | b|; 0 for two empty sets. Cannot
 * fail. NLTK's jaccard_distance divides by zero on two empty sets; two
 * raters who both chose nothing agree, so 0. */
double lq_jaccard_distance(uint64_t a, uint64_t b);

/* MASI distance (Passonneau 2006): 1 - |a & b| / |a | b| * M, with M = 1
 * if a == b, 2/3 if one is a subset of the other, 1/3 if they only
 * intersect, 0 if disjoint. (NLTK's masi_distance rounds these to 0.67
 * and 0.33, so its distances differ from the definition's by up to 0.0033
 * and its alphas by more; ours are the definition's.) Two empty sets: 0
 * (NLTK divides by zero; equal sets agree). An empty set against a
 * non-empty one: 1. Cannot fail. */
double lq_masi_distance(uint64_t a, uint64_t b);

/* Checks ranges: n_labels in 1..64, units and annotators in range, no bit
 * at or above n_labels. Returns 0 or LQ_EBADREQ. */
int lq_set_ratings_check(const lq_set_ratings *r);

/* Krippendorff's alpha of the sets with the chosen distance, through
 * lq_distance_alpha over the distinct sets, always exact (k (k - 1) / 2
 * distances for k distinct sets). Returns 0, LQ_EBADREQ (bad ratings or
 * distance; undefined alpha, as lq_distance_alpha) or LQ_ENOMEM. */
int lq_set_alpha(const lq_set_ratings *r, lq_set_distance d, lq_alpha_result *out);

/* Per-label binary alpha: for each label l, nominal alpha (agreement.h) of
 * "l chosen" (0/1) over the same ratings. alpha and status have n_labels
 * entries; status[l] is 0 or LQ_EBADREQ where alpha is undefined for l
 * (nobody, or everybody, chose l in the pairable units), and then alpha[l]
 * is 0. Returns 0, LQ_EBADREQ (bad ratings) or LQ_ENOMEM. */
int lq_set_label_alpha(const lq_set_ratings *r, double *alpha, int *status);

/* Per unit, 1 minus the mean MASI distance over the pairs of its ratings:
 * unit_agreement[u] (n_units entries), -1 for a unit with fewer than two.
 * Returns 0, LQ_EBADREQ (bad ratings) or LQ_ENOMEM. */
int lq_set_unit_agreement(const lq_set_ratings *r, double *unit_agreement);

/* A consensus set per unit, label by label (binary relevance): per-label
 * majority or Dawid-Skene. */
typedef struct lq_set_consensus {
    uint32_t n_units, n_annotators, n_labels;
    uint64_t *labels;     /* n_units: labels whose p_present >= 0.5; 0 for an unrated unit */
    bool *rated;          /* n_units: the unit has at least one rating */
    double *p_present;    /* n_units * n_labels: [u][l] posterior (majority: the share of
                           * u's ratings that chose l) that l belongs in u's set; for an
                           * unrated unit the label's prior (majority: 0) */
    double *confidence;   /* n_units * n_labels: posterior of the decision taken, p_present
                           * when l is in the set, 1 - p_present when not; 0 if unrated */
    double *accuracy;     /* n_labels * n_annotators: [l][a] Dawid-Skene accuracy on label l
                           * (majority: the share of a's ratings whose choice of l matches
                           * the consensus), -1 for an annotator without ratings */
    unsigned *iterations; /* n_labels: EM sweeps run for each label (majority: 0) */
    bool *converged;      /* n_labels */
} lq_set_consensus;

/* Runs lq_dawid_skene (options o, NULL for its defaults) once per label on
 * the 0/1 ratings "label chosen", and takes into each unit's set the labels
 * whose posterior of "chosen" is at least 0.5 (a coin flip keeps the label:
 * dropping what half the evidence supports loses more than it saves).
 * Labels are independent here, which is what binary relevance means.
 * Returns 0, LQ_EBADREQ (bad ratings or options) or LQ_ENOMEM. Free with
 * lq_set_consensus_free; on error nothing needs freeing (out is zeroed). */
int lq_set_dawid_skene(const lq_set_ratings *r, const lq_ds_options *o, lq_set_consensus *out);

/* Per-label majority: a label is in a unit's set when at least half the
 * unit's ratings chose it (a tie keeps it, as lq_set_dawid_skene's 0.5
 * does); p_present is the share that chose it. Fills out as
 * lq_set_dawid_skene does, with iterations 0 and converged true. Returns
 * 0, LQ_EBADREQ (bad ratings) or LQ_ENOMEM; on error nothing needs
 * freeing. */
int lq_set_majority(const lq_set_ratings *r, lq_set_consensus *out);

/* The confidence of unit u's whole set: the mean over the schema's labels
 * of the posterior (vote share) of the decision taken for each, in or out.
 * 0 for an unrated unit. Cannot fail. */
double lq_set_confidence(const lq_set_consensus *c, uint32_t u);

void lq_set_consensus_free(lq_set_consensus *c);

#endif
