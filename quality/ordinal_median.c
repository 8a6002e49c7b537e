/* Lower median per unit: O(n log m) with m the largest unit, memory
 * O(n + n_labels). Labels are first ranked once (their scale position),
 * so sorting a unit compares integers. */
#include "quality/ordinal_median.h"

#include <math.h>
#include <stdlib.h>

#include "proto/error.h"

typedef struct ranked {
    double value;
    uint32_t label;
} ranked;

static int by_value_then_label(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;

    if (a->value != b->value)
        return (a->value > b->value) - (a->value < b->value);
    return (a->label > b->label) - (a->label < b->label);
}

static int by_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

    return (a > b) - (a < b);
}

/* rank[l]: label l's position on the scale; order[p]: the label at p. */
static int rank_labels(const lq_ratings *r, uint32_t *rank, uint32_t *order)
{
    ranked *v = malloc((r->n_labels ? r->n_labels : 1) * sizeof(*v));

    if (!v)
        return LQ_ENOMEM;
    for (uint32_t l = 0; l < r->n_labels; l++) {
        if (r->values && !isfinite(r->values[l])) {
            free(v);
            return LQ_EBADREQ;
        }
        v[l] = (ranked){r->values ? r->values[l] : (double)l, l};
    }
    qsort(v, r->n_labels, sizeof(*v), by_value_then_label);
    for (uint32_t p = 0; p < r->n_labels; p++) {
        rank[v[p].label] = p;
        order[p] = v[p].label;
    }
    free(v);
    return 0;
}

static void median_of_units(const lq_ratings *r, const lq_ratings_index *idx, const uint32_t *rank,
                            const uint32_t *order, uint32_t *scratch, uint32_t *label, bool *split)
{
    for (uint32_t u = 0; u < r->n_units; u++) {
        size_t lo = idx->start[u], m = idx->start[u + 1] - lo;

        label[u] = UINT32_MAX;
        split[u] = false;
        if (m == 0)
            continue;
        for (size_t i = 0; i < m; i++)
            scratch[i] = rank[idx->by_unit[lo + i]->label];
        qsort(scratch, m, sizeof(*scratch), by_u32);
        label[u] = order[scratch[(m - 1) / 2]];
        split[u] = m % 2 == 0 && scratch[m / 2 - 1] != scratch[m / 2];
    }
}

int lq_ordinal_median(const lq_ratings *r, uint32_t *label, bool *split)
{
    size_t nl = r->n_labels ? r->n_labels : 1;
    uint32_t *rank = malloc(nl * sizeof(*rank)), *order = malloc(nl * sizeof(*order));
    uint32_t *scratch = malloc((r->n ? r->n : 1) * sizeof(*scratch));
    lq_ratings_index idx = {0};
    int rc = LQ_ENOMEM;

    if (!rank || !order || !scratch)
        goto out;
    if ((rc = lq_ratings_check(r)) != 0 || (rc = rank_labels(r, rank, order)) != 0)
        goto out;
    if ((rc = lq_ratings_index_build(r, &idx)) != 0)
        goto out;
    median_of_units(r, &idx, rank, order, scratch, label, split);
out:
    lq_ratings_index_free(&idx);
    free(rank);
    free(order);
    free(scratch);
    return rc;
}
