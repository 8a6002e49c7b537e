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

/* MASI distance (Passonneau 2006), as NLTK's masi_distance computes it:
 * 1 - |a & b| / |a | b| * M, with M = 1 if a == b, 0.67 if one is a subset
 * of the other, 0.33 if they only intersect, 0 if disjoint (NLTK's rounded
 * constants, not 2/3 and 1/3, so that numbers match NLTK-based tooling).
 * Two empty sets: 0 (NLTK divides by zero; equal sets agree). An empty set
 * against a non-empty one: 1. Cannot fail. */
double lq_masi_distance(uint64_t a, uint64_t b);

/* Checks ranges: n_labels in 1..64, units and annotators in range, no bit
 * at or above n_labels. Returns 0 or LQ_EBADREQ. */
int lq_set_ratings_check(const lq_set_ratings *r);

/* Krippendorff's alpha of the sets with the chosen distance, through
 * lq_distance_alpha (its options; NULL for defaults): the distinct sets are
 * the values. Returns 0, LQ_EBADREQ (bad ratings or distance; undefined
 * alpha, as lq_distance_alpha) or LQ_ENOMEM. */
int lq_set_alpha(const lq_set_ratings *r, lq_set_distance d, const lq_distance_alpha_options *o,
                 lq_alpha_result *out);

/* Per-label binary alpha: for each label l, nominal alpha (agreement.h) of
 * "l chosen" (0/1) over the same ratings. alpha and status have n_labels
 * entries; status[l] is 0 or LQ_EBADREQ where alpha is undefined for l
 * (nobody, or everybody, chose l in the pairable units), and then alpha[l]
 * is 0. Returns 0, LQ_EBADREQ (bad ratings) or LQ_ENOMEM. */
int lq_set_label_alpha(const lq_set_ratings *r, double *alpha, int *status);

/* A consensus set per unit from per-label Dawid-Skene (binary relevance). */
typedef struct lq_set_consensus {
    uint32_t n_units, n_annotators, n_labels;
    uint64_t *labels;     /* n_units: labels whose p_present >= 0.5; 0 for an unrated unit */
    bool *rated;          /* n_units: the unit has at least one rating */
    double *p_present;    /* n_units * n_labels: [u][l] posterior that l belongs in u's set
                           * (the label's prior for an unrated unit) */
    double *confidence;   /* n_units * n_labels: posterior of the decision taken, p_present
                           * when l is in the set, 1 - p_present when not; 0 if unrated */
    double *accuracy;     /* n_labels * n_annotators: [l][a] Dawid-Skene accuracy on label l,
                           * -1 for an annotator without ratings */
    unsigned *iterations; /* n_labels: EM sweeps run for each label */
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

void lq_set_consensus_free(lq_set_consensus *c);

#endif
