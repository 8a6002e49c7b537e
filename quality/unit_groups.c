#include "quality/unit_groups.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

/* memcpy, not a cast: the caller's struct may place the field anywhere. */
static uint32_t field(const void *base, size_t stride, size_t i, size_t off)
{
    uint32_t v;

    memcpy(&v, (const char *)base + i * stride + off, sizeof(v));
    return v;
}

/* With the records grouped, an annotator seen twice in one unit is a
 * repeat. stamp[a] == u + 1 marks "seen in u", so it never needs clearing. */
static int check_unique(const void *base, size_t stride, size_t annotator_off, uint32_t n_units,
                        uint32_t n_annotators, const lq_unit_groups *g)
{
    uint32_t *stamp = calloc(n_annotators ? n_annotators : 1, sizeof(*stamp));
    int rc = 0;

    if (!stamp)
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < n_units && rc == 0; u++)
        for (size_t i = g->start[u]; i < g->start[u + 1]; i++) {
            uint32_t a = field(base, stride, g->order[i], annotator_off);

            if (stamp[a] == u + 1) {
                rc = LQ_EBADREQ;
                break;
            }
            stamp[a] = u + 1;
        }
    free(stamp);
    return rc;
}

int lq_unit_groups_build(const void *base, size_t n, size_t stride, size_t unit_off,
                         size_t annotator_off, uint32_t n_units, uint32_t n_annotators, bool unique,
                         lq_unit_groups *g)
{
    size_t *next = NULL;
    int rc = LQ_EBADREQ;

    memset(g, 0, sizeof(*g));
    for (size_t i = 0; i < n; i++)
        if (field(base, stride, i, unit_off) >= n_units ||
            field(base, stride, i, annotator_off) >= n_annotators)
            return LQ_EBADREQ;
    rc = LQ_ENOMEM;
    g->start = calloc((size_t)n_units + 1, sizeof(*g->start));
    g->order = malloc((n ? n : 1) * sizeof(*g->order));
    next = malloc(((size_t)n_units + 1) * sizeof(*next));
    if (!g->start || !g->order || !next)
        goto out;
    for (size_t i = 0; i < n; i++)
        g->start[field(base, stride, i, unit_off) + 1]++;
    for (uint32_t u = 0; u < n_units; u++)
        g->start[u + 1] += g->start[u];
    memcpy(next, g->start, ((size_t)n_units + 1) * sizeof(*next));
    for (size_t i = 0; i < n; i++)
        g->order[next[field(base, stride, i, unit_off)]++] = i;
    rc = unique ? check_unique(base, stride, annotator_off, n_units, n_annotators, g) : 0;
out:
    free(next);
    if (rc != 0)
        lq_unit_groups_free(g);
    return rc;
}

int lq_unit_groups_mean_pairs(const lq_unit_groups *g, uint32_t n_units, lq_pair_score_fn score,
                              const void *ctx, double *unit_mean, double *overall)
{
    double total = 0.0;
    size_t pairs = 0;
    int rc = 0;

    for (uint32_t u = 0; u < n_units && rc == 0; u++) {
        size_t lo = g->start[u], m = g->start[u + 1] - lo;
        double sum = 0.0;

        unit_mean[u] = -1.0;
        for (size_t i = 0; i < m && rc == 0; i++)
            for (size_t j = i + 1; j < m && rc == 0; j++) {
                double s = 0.0;

                rc = score(ctx, g->order[lo + i], g->order[lo + j], &s);
                sum += s;
            }
        if (m >= 2) {
            unit_mean[u] = sum / (double)(m * (m - 1) / 2);
            total += sum;
            pairs += m * (m - 1) / 2;
        }
    }
    if (rc == 0 && pairs == 0)
        rc = LQ_EBADREQ;
    if (rc == 0)
        *overall = total / (double)pairs;
    return rc;
}

void lq_unit_groups_free(lq_unit_groups *g)
{
    free(g->start);
    free(g->order);
    g->start = NULL;
    g->order = NULL;
}
