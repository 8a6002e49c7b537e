/* Integer-coded ratings: the one data layout every metric and aggregator in
 * quality/ reads. Pure data, no I/O.
 *
 * A rating says annotator a gave unit u the label l, all three small
 * integers (0-based) that the caller maps to and from its names. A missing
 * rating is simply absent. One annotator may rate a unit more than once
 * (Dawid and Skene's 1979 data does); each rating counts.
 *
 * Memory is linear in the number of ratings: 12 bytes a rating plus what an
 * algorithm needs per unit, annotator and label. Ratings may come in any
 * order; lq_ratings_index groups them by unit in O(n). */
#ifndef LQ_RATINGS_H
#define LQ_RATINGS_H

#include <stddef.h>
#include <stdint.h>

typedef struct lq_rating {
    uint32_t unit;
    uint32_t annotator;
    uint32_t label;
} lq_rating;

typedef struct lq_ratings {
    const lq_rating *v;      /* n ratings, any order; borrowed */
    size_t n;
    uint32_t n_units;        /* every unit < n_units, likewise below */
    uint32_t n_annotators;
    uint32_t n_labels;
    /* The number each label stands for, for ordinal/interval/ratio metrics
     * (ordinal uses only their order); NULL for nominal data. Borrowed. */
    const double *values;
} lq_ratings;

/* Ratings grouped by unit: unit u's ratings are by_unit[start[u] .. start[u+1]). */
typedef struct lq_ratings_index {
    size_t *start;           /* n_units + 1 entries */
    const lq_rating **by_unit;
} lq_ratings_index;

/* Checks that every rating is inside the declared ranges. Returns 0 or
 * LQ_EBADREQ. */
int lq_ratings_check(const lq_ratings *r);

/* Builds the by-unit index (counting sort). Returns 0 or LQ_ENOMEM. */
int lq_ratings_index_build(const lq_ratings *r, lq_ratings_index *idx);
void lq_ratings_index_free(lq_ratings_index *idx);

#endif
