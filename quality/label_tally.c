#include "quality/label_tally.h"

#include <stdlib.h>

#include "proto/error.h"

int lq_label_tally_init(lq_label_tally *t, uint32_t n_labels)
{
    size_t n = n_labels ? n_labels : 1;

    t->count = calloc(n, sizeof(*t->count));
    t->seen = malloc(n * sizeof(*t->seen));
    t->n_seen = 0;
    t->m = 0;
    if (!t->count || !t->seen) {
        lq_label_tally_free(t);
        return LQ_ENOMEM;
    }
    return 0;
}

void lq_label_tally_unit(lq_label_tally *t, const lq_ratings_index *idx, uint32_t u)
{
    for (size_t i = idx->start[u]; i < idx->start[u + 1]; i++) {
        uint32_t l = idx->by_unit[i]->label;

        if (t->count[l]++ == 0)
            t->seen[t->n_seen++] = l;
    }
    t->m = idx->start[u + 1] - idx->start[u];
}

uint64_t lq_label_tally_sum_sq(const lq_label_tally *t)
{
    uint64_t s = 0;

    for (uint32_t i = 0; i < t->n_seen; i++) {
        uint64_t c = t->count[t->seen[i]];
        s += c * c;
    }
    return s;
}

void lq_label_tally_clear(lq_label_tally *t)
{
    for (uint32_t i = 0; i < t->n_seen; i++)
        t->count[t->seen[i]] = 0;
    t->n_seen = 0;
    t->m = 0;
}

void lq_label_tally_free(lq_label_tally *t)
{
    free(t->count);
    free(t->seen);
    t->count = NULL;
    t->seen = NULL;
}
