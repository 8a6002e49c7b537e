#include "quality/batch_agreement.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"

static void summarize(const lq_ratings *r, const lq_metric *alpha, lq_agreement_summary *s)
{
    s->has_alpha = alpha && lq_krippendorff_alpha(r, *alpha, &s->alpha) == 0;
    s->has_percent = lq_percent_agreement(r, &s->percent) == 0;
}

int lq_batch_agreement(const lq_ratings *r, const lq_metric *alpha, const uint32_t *unit_batch,
                       const bool *skip, uint32_t n_batches, lq_agreement_summary *out)
{
    memset(out, 0, n_batches * sizeof(*out));
    size_t *start = calloc((size_t)n_batches + 1, sizeof(*start));
    lq_rating *sorted = malloc((r->n ? r->n : 1) * sizeof(*sorted));
    uint32_t *local = malloc((r->n_units ? r->n_units : 1) * sizeof(*local));
    if (!start || !sorted || !local) {
        free(start);
        free(sorted);
        free(local);
        return LQ_ENOMEM;
    }
    /* Counting sort of the ratings by batch. */
    for (size_t i = 0; i < r->n; i++) {
        uint32_t u = r->v[i].unit;
        if ((!skip || !skip[u]) && unit_batch[u] < n_batches)
            start[unit_batch[u] + 1]++;
    }
    for (uint32_t b = 0; b < n_batches; b++)
        start[b + 1] += start[b];
    size_t *fill = malloc(((size_t)n_batches + 1) * sizeof(*fill));
    uint32_t *globals = malloc((r->n_units ? r->n_units : 1) * sizeof(*globals));
    if (!fill || !globals) {
        free(fill);
        free(globals);
        free(start);
        free(sorted);
        free(local);
        return LQ_ENOMEM;
    }
    memcpy(fill, start, ((size_t)n_batches + 1) * sizeof(*fill));
    for (size_t i = 0; i < r->n; i++) {
        uint32_t u = r->v[i].unit;
        if ((!skip || !skip[u]) && unit_batch[u] < n_batches)
            sorted[fill[unit_batch[u]]++] = r->v[i];
    }
    /* Each batch's units renumbered from 0, so its metrics cost what its
     * own ratings do rather than the project's unit count. globals[k] is
     * the unit numbered k, to undo the numbering for the next batch. */
    for (uint32_t u = 0; u < r->n_units; u++)
        local[u] = UINT32_MAX;
    for (uint32_t b = 0; b < n_batches; b++) {
        lq_rating *v = sorted + start[b];
        size_t n = start[b + 1] - start[b];
        uint32_t units = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t u = v[i].unit;
            if (local[u] == UINT32_MAX) {
                globals[units] = u;
                local[u] = units++;
            }
            v[i].unit = local[u];
        }
        if (n >= 2) {
            lq_ratings sub = *r;
            sub.v = v;
            sub.n = n;
            sub.n_units = units;
            summarize(&sub, alpha, &out[b]);
        }
        for (uint32_t k = 0; k < units; k++)
            local[globals[k]] = UINT32_MAX;
    }
    free(globals);
    free(fill);
    free(start);
    free(sorted);
    free(local);
    return 0;
}
