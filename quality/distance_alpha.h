/* Krippendorff's alpha over values that only a distance function can
 * compare: label sets, texts, raw numbers. Pure computation, no I/O.
 *
 * The values are integer-coded like labels in lq_ratings: a rating's label
 * is the index (0 .. n_labels-1) of its value among the caller's distinct
 * values, and r->values is ignored. The caller's callback gives the
 * difference delta between two values in Krippendorff's convention, i.e.
 * already "squared" where the metric squares (nominal: 0 or 1; interval:
 * (a - b)^2; MASI, Jaccard and normalized edit distance: the distance as
 * is, as NLTK's AnnotationTask uses them):
 *
 *   alpha = 1 - D_o / D_e,
 *   D_o = 1/n           * sum_u 1/(m_u - 1) * sum over ordered pairs i != j of u's values of delta,
 *   D_e = 1/(n (n - 1)) * sum over ordered pairs c != k of distinct values of n_c n_k delta_ck,
 *
 * over the n ratings in pairable units (m_u >= 2 ratings; units with fewer
 * are ignored, as in the definition), n_c counting value c among them.
 * Every rating counts, an annotator's repeated ones too.
 *
 * Cost. D_o is exact: per unit, the distances between its distinct values,
 * sum_u d_u^2 / 2 calls. D_e is exact, k (k - 1) / 2 calls over the k
 * distinct values in pairable units (the coincidence matrix of distinct
 * values), while k <= max_exact_values, which by default is every k: set
 * distances (MASI, Jaccard) cost a few nanoseconds, so even 10,000
 * distinct sets take a fraction of a second. Only a caller whose distance
 * is dear sets a limit; text alpha does (text_distance.h), since free-text
 * answers are nearly all distinct and the exact sum is n^2 / 2 edit
 * distances (5e7 for 10,000 answers). Beyond the limit D_e is estimated
 * from sample_pairs ordered pairs of ratings drawn uniformly (two
 * different positions among the n pooled values, which is exactly the
 * population D_e averages over) by a splitmix64 generator started at seed,
 * so the same input always gives the same number; for distances in [0, 1]
 * its standard error on D_e is at most 0.5 / sqrt(sample_pairs). The
 * result says whether D_e was sampled.
 *
 * Memory: O(n + n_units + n_labels); the pooled values (n) only when
 * sampling. */
#ifndef LQ_DISTANCE_ALPHA_H
#define LQ_DISTANCE_ALPHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quality/agreement.h"
#include "quality/ratings.h"

/* delta between values a and b (a != b, in either order; a value's distance
 * to itself is taken as 0 and never asked). Must be symmetric, finite and
 * >= 0; anything else makes the alpha call fail with LQ_EBADREQ. ctx is
 * the caller's, passed through. */
typedef double (*lq_distance_fn)(void *ctx, uint32_t a, uint32_t b);

typedef struct lq_distance_alpha_options {
    uint32_t max_exact_values; /* D_e exact up to this many distinct values; default all */
    uint64_t sample_pairs;     /* pairs drawn for D_e beyond it (>= 1); default 524288 */
    uint64_t seed;             /* the sample's generator seed; default fixed, see .c */
} lq_distance_alpha_options;

/* Fills o with the defaults. Cannot fail. */
void lq_distance_alpha_options_default(lq_distance_alpha_options *o);

/* Alpha of r with delta given by dist(ctx, a, b); o may be NULL for the
 * defaults. Returns 0 and fills out, or LQ_EBADREQ (a rating out of range;
 * sample_pairs 0; dist returned a negative or non-finite number; alpha
 * undefined: no pairable unit, or D_e = 0 because all pairable values are
 * equal or at distance 0), or LQ_ENOMEM. Never NaN. */
int lq_distance_alpha(const lq_ratings *r, lq_distance_fn dist, void *ctx,
                      const lq_distance_alpha_options *o, lq_alpha_result *out);

#endif
