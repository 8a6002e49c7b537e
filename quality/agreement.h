/* Inter-annotator agreement: pure computation on lq_ratings.
 *
 * Every function returns 0 and writes its result, or a negative LQ_E* code:
 * LQ_EBADREQ when the data does not fit the metric (the reason is in the
 * function's comment), LQ_ENOMEM. A metric that is undefined on valid data
 * (no pairable units; no variation at all, so expected disagreement is 0)
 * returns LQ_EBADREQ too, never NaN. */
#ifndef LQ_AGREEMENT_H
#define LQ_AGREEMENT_H

#include <stdbool.h>

#include "quality/ratings.h"

typedef enum lq_metric {
    LQ_METRIC_NOMINAL,
    LQ_METRIC_ORDINAL,  /* needs values: their numeric order ranks the labels */
    LQ_METRIC_INTERVAL, /* needs values */
    LQ_METRIC_RATIO,    /* needs values */
} lq_metric;

typedef enum lq_kappa_weights {
    LQ_WEIGHTS_NONE,
    LQ_WEIGHTS_LINEAR,    /* |i - j| over label indexes (or values when given) */
    LQ_WEIGHTS_QUADRATIC,
} lq_kappa_weights;

/* Krippendorff's alpha with what it is made of. */
typedef struct lq_alpha_result {
    double alpha;
    double observed;     /* D_o */
    double expected;     /* D_e; an estimate when sampled */
    size_t n_pairable;   /* n: ratings in units with at least two */
    uint32_t n_distinct; /* k: distinct values among them */
    bool sampled;        /* D_e was estimated from a sample (distance_alpha.h) */
} lq_alpha_result;

/* Observed agreement: over every pair of annotators, the share of the units
 * both rated on which they gave the same label, averaged over the pairs that
 * share at least one unit (NLTK's AnnotationTask.avg_Ao). LQ_EBADREQ when no
 * two annotators share a unit. */
int lq_percent_agreement(const lq_ratings *r, double *out);

/* Cohen's kappa between the only two annotators of r, on the units both
 * rated. LQ_EBADREQ unless exactly two annotators have ratings. */
int lq_cohen_kappa(const lq_ratings *r, lq_kappa_weights w, double *out);

/* Fleiss' kappa. LQ_EBADREQ unless every unit with ratings has the same
 * number of them (at least two). */
int lq_fleiss_kappa(const lq_ratings *r, double *out);

/* Krippendorff's alpha with the given difference metric. Units with fewer
 * than two ratings are unpairable and ignored, as in the definition.
 * Always exact, whatever the number of distinct labels (values): nominal,
 * ordinal and interval in O(n) from counts and moments, ratio in
 * O(n + k^2) over the k distinct values in pairable units, since its
 * distance has no closed form. LQ_EBADREQ for a numeric metric without
 * values, a value that is not finite, a negative value for ratio (whose
 * zero is absolute), or alpha undefined (no pairable unit; D_e = 0). */
int lq_krippendorff_alpha(const lq_ratings *r, lq_metric m, double *out);

/* lq_krippendorff_alpha, with D_o, D_e, n and k in out (sampled false).
 * Same errors; out is zeroed on error. */
int lq_krippendorff(const lq_ratings *r, lq_metric m, lq_alpha_result *out);

/* Per-unit agreement: the share of agreeing pairs among the unit's ratings
 * (1 - its nominal disagreement); out[u] = -1 for units with fewer than two
 * ratings. out has n_units entries. */
int lq_item_agreement(const lq_ratings *r, double *out);

/* Pairwise annotator agreement: out[a * n_annotators + b] is the share of
 * units both a and b rated on which they agree; -1 where they share none;
 * the diagonal is 1 for annotators with ratings. */
int lq_pairwise_agreement(const lq_ratings *r, double *out);

#endif
