/* Fleiss' kappa (Fleiss 1971): chance-corrected agreement when every unit
 * got the same number of ratings, from raters who need not be the same.
 *
 * Repeated ratings: every rating counts, as Fleiss' kappa never asks who gave
 * a rating, only how many each unit got; a unit that one annotator rated twice
 * simply has one more rating. */
#include "quality/agreement.h"

#include <stdlib.h>

#include "proto/error.h"
#include "quality/label_tally.h"

/* Sums that kappa is computed from. */
typedef struct fleiss_sums {
    size_t units; /* units with ratings */
    size_t m;     /* ratings per unit */
    double sq;    /* sum over units and labels of n_ul^2 */
    size_t *per_label;
} fleiss_sums;

/* Walks the units once. LQ_EBADREQ when units with ratings differ in their
 * count or have fewer than two. */
static int sum_units(const lq_ratings_index *idx, uint32_t n_units, lq_label_tally *t,
                     fleiss_sums *s)
{
    for (uint32_t u = 0; u < n_units; u++) {
        size_t m = idx->start[u + 1] - idx->start[u];

        if (m == 0)
            continue;
        if (s->units == 0)
            s->m = m;
        if (m != s->m || m < 2)
            return LQ_EBADREQ;
        lq_label_tally_unit(t, idx, u);
        s->sq += (double)lq_label_tally_sum_sq(t);
        for (uint32_t i = 0; i < t->n_seen; i++)
            s->per_label[t->seen[i]] += t->count[t->seen[i]];
        lq_label_tally_clear(t);
        s->units++;
    }
    return s->units ? 0 : LQ_EBADREQ;
}

/* kappa = (P_bar - P_e) / (1 - P_e). LQ_EBADREQ when only one label was used,
 * so P_e is 1 and chance explains everything. */
static int kappa_from(const fleiss_sums *s, uint32_t n_labels, double *out)
{
    double total = (double)s->units * (double)s->m;
    double m = (double)s->m;
    double p_e = 0.0, p_bar;
    uint32_t used = 0;

    for (uint32_t l = 0; l < n_labels; l++) {
        double p = (double)s->per_label[l] / total;

        p_e += p * p;
        used += s->per_label[l] > 0;
    }
    if (used < 2)
        return LQ_EBADREQ;
    p_bar = (s->sq - total) / (total * (m - 1.0));
    *out = (p_bar - p_e) / (1.0 - p_e);
    return 0;
}

int lq_fleiss_kappa(const lq_ratings *r, double *out)
{
    lq_ratings_index idx = {0};
    lq_label_tally t = {0};
    fleiss_sums s = {0};
    int rc = lq_ratings_check(r);

    if (rc)
        return rc;
    rc = LQ_ENOMEM;
    s.per_label = calloc(r->n_labels ? r->n_labels : 1, sizeof(*s.per_label));
    if (!s.per_label || lq_label_tally_init(&t, r->n_labels))
        goto out;
    rc = lq_ratings_index_build(r, &idx);
    if (rc)
        goto out;
    rc = sum_units(&idx, r->n_units, &t, &s);
    if (!rc)
        rc = kappa_from(&s, r->n_labels, out);
out:
    lq_ratings_index_free(&idx);
    lq_label_tally_free(&t);
    free(s.per_label);
    return rc;
}
