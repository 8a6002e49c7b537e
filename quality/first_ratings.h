/* Each annotator's first rating of each unit: the view that the pairwise
 * measures (percent agreement, the annotator matrix, Cohen's kappa) read.
 * Internal to quality/.
 *
 * Those measures compare what two annotators said about a unit, which is one
 * label each. When an annotator rated a unit more than once, the first rating
 * in input order is the one that counts: it is what the annotator said before
 * seeing anything that could have changed their mind (a gold reveal, a
 * consensus), and "first" is deterministic, unlike "any". Krippendorff's
 * alpha, Fleiss' kappa and item agreement do not use this view: for them
 * every rating is one more value in the unit. */
#ifndef LQ_FIRST_RATINGS_H
#define LQ_FIRST_RATINGS_H

#include <stddef.h>

#include "quality/ratings.h"

/* Unit u's first ratings are v[start[u] .. start[u+1]), one per annotator who
 * rated u, in the order the annotators first appear in the input. */
typedef struct lq_first_ratings {
    size_t *start; /* n_units + 1 entries */
    lq_rating *v;  /* owned copies */
    size_t n;
} lq_first_ratings;

/* Builds the view in O(n + n_units + n_annotators) time and linear memory.
 * r must have passed lq_ratings_check. Returns 0 or LQ_ENOMEM; on error
 * nothing needs freeing. */
int lq_first_ratings_build(const lq_ratings *r, lq_first_ratings *out);
void lq_first_ratings_free(lq_first_ratings *f);

#endif
