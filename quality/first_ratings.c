#include "quality/first_ratings.h"

#include <stdlib.h>

#include "proto/error.h"

/* Copies unit u's ratings into f, skipping annotators already seen in u.
 * stamp[a] == u + 1 marks "seen in u", so the array never needs clearing. */
static void take_unit(const lq_ratings_index *idx, uint32_t u, uint32_t *stamp, lq_first_ratings *f)
{
    f->start[u] = f->n;
    for (size_t i = idx->start[u]; i < idx->start[u + 1]; i++) {
        const lq_rating *x = idx->by_unit[i];

        if (stamp[x->annotator] == u + 1)
            continue;
        stamp[x->annotator] = u + 1;
        f->v[f->n++] = *x;
    }
}

int lq_first_ratings_build(const lq_ratings *r, lq_first_ratings *out)
{
    lq_ratings_index idx = {0};
    uint32_t *stamp = NULL;
    int rc = LQ_ENOMEM;

    out->start = calloc((size_t)r->n_units + 1, sizeof(*out->start));
    out->v = malloc((r->n ? r->n : 1) * sizeof(*out->v));
    out->n = 0;
    stamp = calloc(r->n_annotators ? r->n_annotators : 1, sizeof(*stamp));
    if (!out->start || !out->v || !stamp)
        goto out;
    rc = lq_ratings_index_build(r, &idx);
    if (rc)
        goto out;
    /* The index is a stable counting sort, so within a unit the ratings keep
     * their input order and the first one met is the first one given. */
    for (uint32_t u = 0; u < r->n_units; u++)
        take_unit(&idx, u, stamp, out);
    out->start[r->n_units] = out->n;
    rc = 0;
out:
    lq_ratings_index_free(&idx);
    free(stamp);
    if (rc)
        lq_first_ratings_free(out);
    return rc;
}

void lq_first_ratings_free(lq_first_ratings *f)
{
    free(f->start);
    free(f->v);
    f->start = NULL;
    f->v = NULL;
    f->n = 0;
}
