/* Numeric ratings (a measured length, a price, a count): each rating is a
 * double. Consensus is the median with the median absolute deviation as
 * its quality score; agreement is Krippendorff's alpha with the interval
 * or ratio metric on the raw values, without integer-coding them first.
 * Pure computation, no I/O, deterministic. */
#ifndef LQ_NUMERIC_CONSENSUS_H
#define LQ_NUMERIC_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>

#include "quality/agreement.h"

typedef struct lq_numeric_rating {
    uint32_t unit;
    uint32_t annotator;
    double value; /* finite */
} lq_numeric_rating;

typedef struct lq_numeric_ratings {
    const lq_numeric_rating *v; /* n ratings, any order; borrowed */
    size_t n;
    uint32_t n_units; /* every unit < n_units, likewise annotators */
    uint32_t n_annotators;
} lq_numeric_ratings;

/* Checks ranges and that every value is finite. Returns 0 or LQ_EBADREQ. */
int lq_numeric_ratings_check(const lq_numeric_ratings *r);

/* The median of x[0..n): the middle value, or the mean of the two middle
 * ones when n is even (numbers, unlike ordinal steps, have a midpoint).
 * Sorts x in place. Returns 0, or LQ_EBADREQ when n is 0 or a value is not
 * finite. */
int lq_median(double *x, size_t n, double *out);

/* The median and the median absolute deviation of x[0..n): the median of
 * |x_i - median|, unscaled (in the data's units; multiply by 1.4826 for a
 * standard deviation under normality). Overwrites x. Returns 0 or
 * LQ_EBADREQ as lq_median. */
int lq_median_mad(double *x, size_t n, double *median, double *mad);

/* Per unit: median, mad and count of its ratings (arrays of n_units; an
 * unrated unit gets 0, 0, 0). A mad of 0 means the raters' middle half
 * agree exactly; larger is worse, in the values' units. Every rating
 * counts, repeats too. Returns 0, LQ_EBADREQ (lq_numeric_ratings_check) or
 * LQ_ENOMEM. */
int lq_numeric_consensus(const lq_numeric_ratings *r, double *median, double *mad, uint32_t *count);

/* The confidence of a median whose ratings have median absolute deviation
 * mad, on a scale range wide (number_max - number_min, > 0): 1 - min(1,
 * mad / (range / 4)). 1 when the middle half of the raters agree exactly,
 * 0 once they spread over a quarter of the scale. Cannot fail. */
double lq_numeric_confidence(double mad, double range);

/* Per unit, 1 minus the mean over the pairs of its ratings of |a - b| /
 * range (range > 0, the scale's width): unit_agreement[u] (n_units
 * entries), -1 for a unit with fewer than two ratings. Returns 0,
 * LQ_EBADREQ (bad ratings, range not > 0) or LQ_ENOMEM. */
int lq_numeric_unit_agreement(const lq_numeric_ratings *r, double range, double *unit_agreement);

/* Krippendorff's alpha on the raw values, with m LQ_METRIC_INTERVAL
 * (delta = (a - b)^2) or LQ_METRIC_RATIO (delta = ((a - b) / (a + b))^2,
 * values must be >= 0): lq_krippendorff over the distinct values, so
 * always exact (interval in O(n log n), ratio in O(n log n + k^2) for k
 * distinct values). Returns 0, LQ_EBADREQ (bad ratings, another metric, a
 * negative value for ratio, alpha undefined) or LQ_ENOMEM. */
int lq_numeric_alpha(const lq_numeric_ratings *r, lq_metric m, lq_alpha_result *out);

#endif
