/* Label aggregation: majority vote and Dawid-Skene EM (1979). Pure
 * computation on lq_ratings; deterministic for the same input. */
#ifndef LQ_DAWID_SKENE_H
#define LQ_DAWID_SKENE_H

#include <stdbool.h>

#include "quality/ratings.h"

typedef struct lq_consensus {
    uint32_t n_units, n_annotators, n_labels;
    uint32_t *label;       /* n_units: the consensus label (UINT32_MAX: unit had no ratings) */
    double *confidence;    /* n_units: posterior (or vote share) of that label */
    bool *tie;             /* n_units: the label was picked among equals (lowest index wins) */
    double *posterior;     /* n_units * n_labels */
    double *priors;        /* n_labels: class priors (Dawid-Skene), or label shares (majority) */
    double *confusion;     /* n_annotators * n_labels * n_labels: [a][true][given]; NULL for majority */
    double *accuracy;      /* n_annotators: sum over true of prior * P(given = true); -1 without ratings */
    unsigned iterations;   /* EM iterations run (0 for majority) */
    bool converged;        /* the largest change fell below the tolerance */
} lq_consensus;

typedef struct lq_ds_options {
    unsigned max_iterations; /* default 100 */
    double tolerance;        /* largest change in any parameter; default 1e-6 */
    double smoothing;        /* pseudo-count on every confusion cell and prior; default 0.01 */
} lq_ds_options;

/* Fills o with the defaults. Cannot fail. */
void lq_ds_options_default(lq_ds_options *o);

/* Majority vote per unit; posterior is the vote share per label, accuracy
 * each annotator's agreement with the consensus. Returns 0, LQ_EBADREQ
 * (ratings out of range) or LQ_ENOMEM. Free with lq_consensus_free. */
int lq_majority_vote(const lq_ratings *r, lq_consensus *out);

/* Dawid-Skene EM, initialized from the majority vote. Every rating counts,
 * repeated ones too. Returns 0, LQ_EBADREQ or LQ_ENOMEM. Free with
 * lq_consensus_free. */
int lq_dawid_skene(const lq_ratings *r, const lq_ds_options *o, lq_consensus *out);

void lq_consensus_free(lq_consensus *c);

#endif
