#include "quality/ratings.h"

#include <stdlib.h>

#include "proto/error.h"

int lq_ratings_check(const lq_ratings *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const lq_rating *x = &r->v[i];
        if (x->unit >= r->n_units || x->annotator >= r->n_annotators || x->label >= r->n_labels)
            return LQ_EBADREQ;
    }
    return 0;
}

int lq_ratings_index_build(const lq_ratings *r, lq_ratings_index *idx)
{
    idx->start = calloc((size_t)r->n_units + 1, sizeof(*idx->start));
    idx->by_unit = malloc((r->n ? r->n : 1) * sizeof(*idx->by_unit));
    if (!idx->start || !idx->by_unit) {
        lq_ratings_index_free(idx);
        return LQ_ENOMEM;
    }
    /* Counting sort: count per unit, prefix sums, then place. Stable, so a
     * unit's ratings keep their input order. */
    for (size_t i = 0; i < r->n; i++)
        idx->start[r->v[i].unit + 1]++;
    for (uint32_t u = 0; u < r->n_units; u++)
        idx->start[u + 1] += idx->start[u];
    size_t *next = malloc(((size_t)r->n_units + 1) * sizeof(*next));
    if (!next) {
        lq_ratings_index_free(idx);
        return LQ_ENOMEM;
    }
    for (uint32_t u = 0; u <= r->n_units; u++)
        next[u] = idx->start[u];
    for (size_t i = 0; i < r->n; i++)
        idx->by_unit[next[r->v[i].unit]++] = &r->v[i];
    free(next);
    return 0;
}

void lq_ratings_index_free(lq_ratings_index *idx)
{
    free(idx->start);
    free(idx->by_unit);
    idx->start = NULL;
    idx->by_unit = NULL;
}
