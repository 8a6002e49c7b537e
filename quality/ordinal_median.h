/* The median of ordinal ratings: a consensus for labels that are steps on
 * a scale (1-5 stars, none < some < severe). Pure computation on
 * lq_ratings, no I/O, deterministic. */
#ifndef LQ_ORDINAL_MEDIAN_H
#define LQ_ORDINAL_MEDIAN_H

#include <stdbool.h>
#include <stdint.h>

#include "quality/ratings.h"

/* Per unit, the lower median of its ratings: sorted by scale position,
 * the rating at position (m - 1) / 2 (0-based) of the m ratings. The scale
 * orders labels by r->values when given (labels with equal values by
 * index), else by label index. On an even count the median lies between
 * two steps and an ordinal scale has no step in between to average to, so
 * the lower one is taken; split[u] says when the two middle ratings
 * differ. label and split have n_units entries; an unrated unit gets
 * label UINT32_MAX, split false. Every rating counts, repeats too.
 * Returns 0, LQ_EBADREQ (a rating out of range, a value not finite) or
 * LQ_ENOMEM. */
int lq_ordinal_median(const lq_ratings *r, uint32_t *label, bool *split);

#endif
