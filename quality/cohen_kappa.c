/* Cohen's kappa (1960) and its weighted form (Cohen 1968) for two annotators.
 *
 * Repeated ratings: each annotator's first rating of a unit is the one
 * compared (see first_ratings.h). Units only one of the two rated are left
 * out, as kappa is defined on the units both rated.
 *
 * All three variants are computed as 1 - sum(w * O) / sum(w * E) with a
 * disagreement weight w: 0/1 (unweighted, which equals (p_o - p_e) /
 * (1 - p_e)), |x_i - x_j| (linear) or (x_i - x_j)^2 (quadratic). Any scale of
 * w cancels, so the usual normalization by the largest distance is not
 * needed. x is the label index, or the label's value when r->values is given:
 * values say how far apart labels are, which is what the weights are for;
 * without values the schema's order is all we know. */
#include "quality/agreement.h"

#include <math.h>
#include <stdlib.h>

#include "proto/error.h"
#include "quality/first_ratings.h"

/* The two annotators' label counts on the units both rated, and the summed
 * weight of their observed disagreements. */
typedef struct cohen_table {
    size_t *row; /* n_labels: the first annotator's labels */
    size_t *col; /* n_labels: the second annotator's labels */
    size_t n;    /* units both rated */
    double observed;
} cohen_table;

/* Finds the two annotators with ratings. LQ_EBADREQ unless there are
 * exactly two. */
static int find_pair(const lq_ratings *r, uint32_t *a, uint32_t *b)
{
    size_t i = 0;

    if (r->n == 0)
        return LQ_EBADREQ;
    *a = r->v[0].annotator;
    while (i < r->n && r->v[i].annotator == *a)
        i++;
    if (i == r->n)
        return LQ_EBADREQ;
    *b = r->v[i].annotator;
    for (; i < r->n; i++)
        if (r->v[i].annotator != *a && r->v[i].annotator != *b)
            return LQ_EBADREQ;
    return 0;
}

static double coord(const lq_ratings *r, uint32_t label)
{
    return r->values ? r->values[label] : (double)label;
}

static double weight(const lq_ratings *r, lq_kappa_weights w, uint32_t i, uint32_t j)
{
    double d;

    if (i == j)
        return 0.0;
    d = coord(r, i) - coord(r, j);
    switch (w) {
    case LQ_WEIGHTS_LINEAR:
        return fabs(d);
    case LQ_WEIGHTS_QUADRATIC:
        return d * d;
    default:
        return 1.0;
    }
}

/* Fills t from the units in which both a and b have a first rating. */
static void tabulate(const lq_ratings *r, lq_kappa_weights w, const lq_first_ratings *f, uint32_t a,
                     cohen_table *t)
{
    for (uint32_t u = 0; u < r->n_units; u++) {
        size_t s = f->start[u];

        /* Only two annotators have ratings, so a unit both rated holds
         * exactly two first ratings. */
        if (f->start[u + 1] - s != 2)
            continue;
        const lq_rating *x = &f->v[s], *y = &f->v[s + 1];
        if (x->annotator != a) {
            const lq_rating *tmp = x;
            x = y;
            y = tmp;
        }
        t->row[x->label]++;
        t->col[y->label]++;
        t->n++;
        t->observed += weight(r, w, x->label, y->label);
    }
}

/* Sum over label pairs of row * col * weight: the disagreement expected by
 * chance, times n^2. */
static double expected(const lq_ratings *r, lq_kappa_weights w, const cohen_table *t)
{
    double e = 0.0;

    for (uint32_t i = 0; i < r->n_labels; i++) {
        if (!t->row[i])
            continue;
        for (uint32_t j = 0; j < r->n_labels; j++)
            if (t->col[j] && i != j)
                e += (double)t->row[i] * (double)t->col[j] * weight(r, w, i, j);
    }
    return e;
}

static int values_finite(const lq_ratings *r)
{
    for (uint32_t l = 0; r->values && l < r->n_labels; l++)
        if (!isfinite(r->values[l]))
            return 0;
    return 1;
}

int lq_cohen_kappa(const lq_ratings *r, lq_kappa_weights w, double *out)
{
    lq_first_ratings f = {0};
    cohen_table t = {0};
    uint32_t a, b;
    double e;
    int rc = lq_ratings_check(r);

    if (!rc)
        rc = find_pair(r, &a, &b);
    if (!rc && !values_finite(r))
        rc = LQ_EBADREQ;
    if (rc)
        return rc;
    rc = lq_first_ratings_build(r, &f);
    if (rc)
        return rc;
    rc = LQ_ENOMEM;
    t.row = calloc(r->n_labels ? r->n_labels : 1, sizeof(*t.row));
    t.col = calloc(r->n_labels ? r->n_labels : 1, sizeof(*t.col));
    if (!t.row || !t.col)
        goto out;
    tabulate(r, w, &f, a, &t);
    e = expected(r, w, &t);
    /* No shared unit, or no chance disagreement (both used one label, or
     * only labels with equal values): kappa is undefined. */
    rc = LQ_EBADREQ;
    if (t.n == 0 || !(e > 0.0))
        goto out;
    *out = 1.0 - (double)t.n * t.observed / e;
    rc = 0;
out:
    free(t.row);
    free(t.col);
    lq_first_ratings_free(&f);
    return rc;
}
