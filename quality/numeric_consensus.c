/* Medians and alpha for numeric ratings; contracts in numeric_consensus.h.
 *
 * Alpha codes the distinct values as labels whose value is the number
 * itself and hands them to lq_krippendorff: the same computation as
 * `labelq agreement --metric interval|ratio` on the same numbers, so the
 * two agree to the last bit. */
#include "quality/numeric_consensus.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/unit_groups.h"

int lq_numeric_ratings_check(const lq_numeric_ratings *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const lq_numeric_rating *x = &r->v[i];

        if (x->unit >= r->n_units || x->annotator >= r->n_annotators || !isfinite(x->value))
            return LQ_EBADREQ;
    }
    return 0;
}

static int by_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return (a > b) - (a < b);
}

/* Median of x, already sorted. */
static double sorted_median(const double *x, size_t n)
{
    return n % 2 ? x[n / 2] : x[n / 2 - 1] + (x[n / 2] - x[n / 2 - 1]) / 2.0;
}

int lq_median(double *x, size_t n, double *out)
{
    if (n == 0)
        return LQ_EBADREQ;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return LQ_EBADREQ;
    qsort(x, n, sizeof(*x), by_double);
    *out = sorted_median(x, n);
    return 0;
}

int lq_median_mad(double *x, size_t n, double *median, double *mad)
{
    int rc = lq_median(x, n, median);

    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        x[i] = fabs(x[i] - *median);
    qsort(x, n, sizeof(*x), by_double);
    *mad = sorted_median(x, n);
    return 0;
}

static int group(const lq_numeric_ratings *r, lq_unit_groups *g)
{
    return lq_unit_groups_build(r->v, r->n, sizeof(*r->v), offsetof(lq_numeric_rating, unit),
                                offsetof(lq_numeric_rating, annotator), r->n_units, r->n_annotators,
                                false, g);
}

int lq_numeric_consensus(const lq_numeric_ratings *r, double *median, double *mad, uint32_t *count)
{
    lq_unit_groups g;
    double *x;
    int rc;

    if ((rc = lq_numeric_ratings_check(r)) != 0)
        return rc;
    if ((rc = group(r, &g)) != 0)
        return rc;
    if (!(x = malloc((r->n ? r->n : 1) * sizeof(*x)))) {
        lq_unit_groups_free(&g);
        return LQ_ENOMEM;
    }
    for (uint32_t u = 0; u < r->n_units; u++) {
        size_t lo = g.start[u], m = g.start[u + 1] - lo;

        median[u] = mad[u] = 0.0;
        count[u] = (uint32_t)m;
        for (size_t i = 0; i < m; i++)
            x[i] = r->v[g.order[lo + i]].value;
        if (m > 0)
            lq_median_mad(x, m, &median[u], &mad[u]); /* values checked: cannot fail */
    }
    free(x);
    lq_unit_groups_free(&g);
    return 0;
}

double lq_numeric_confidence(double mad, double range)
{
    double spread = mad / (range / 4.0);

    return 1.0 - (spread < 1.0 ? spread : 1.0);
}

typedef struct scaled {
    const lq_numeric_ratings *r;
    double range;
} scaled;

static int closeness(const void *ctx, size_t i, size_t j, double *out)
{
    const scaled *s = ctx;

    *out = 1.0 - fabs(s->r->v[i].value - s->r->v[j].value) / s->range;
    return 0;
}

int lq_numeric_unit_agreement(const lq_numeric_ratings *r, double range, double *unit_agreement)
{
    lq_unit_groups g;
    scaled s = {r, range};
    double overall;
    int rc;

    if (!(range > 0.0) || !isfinite(range))
        return LQ_EBADREQ;
    if ((rc = lq_numeric_ratings_check(r)) != 0 || (rc = group(r, &g)) != 0)
        return rc;
    rc = lq_unit_groups_mean_pairs(&g, r->n_units, closeness, &s, unit_agreement, &overall);
    lq_unit_groups_free(&g);
    return rc == LQ_EBADREQ ? 0 : rc; /* no unit with a pair: every entry is -1 */
}

static uint32_t find_value(const double *x, uint32_t k, double v)
{
    uint32_t lo = 0, hi = k;

    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (x[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int lq_numeric_alpha(const lq_numeric_ratings *r, lq_metric m, lq_alpha_result *out)
{
    double *x = NULL;
    lq_rating *v = NULL;
    lq_ratings lr;
    uint32_t k = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (m != LQ_METRIC_INTERVAL && m != LQ_METRIC_RATIO)
        return LQ_EBADREQ;
    if ((rc = lq_numeric_ratings_check(r)) != 0)
        return rc;
    if (r->n > UINT32_MAX)
        return LQ_EBADREQ; /* distinct values must fit a label index */
    x = malloc((r->n ? r->n : 1) * sizeof(*x));
    v = malloc((r->n ? r->n : 1) * sizeof(*v));
    rc = LQ_ENOMEM;
    if (!x || !v)
        goto out;
    /* The distinct values, ascending, are the labels; each label's value
     * is itself, so the metric sees the raw numbers. */
    for (size_t i = 0; i < r->n; i++)
        x[i] = r->v[i].value;
    qsort(x, r->n, sizeof(*x), by_double);
    for (size_t i = 0; i < r->n; i++)
        if (k == 0 || x[i] != x[k - 1])
            x[k++] = x[i];
    for (size_t i = 0; i < r->n; i++)
        v[i] = (lq_rating){r->v[i].unit, r->v[i].annotator, find_value(x, k, r->v[i].value)};
    lr = (lq_ratings){.v = v,
                      .n = r->n,
                      .n_units = r->n_units,
                      .n_annotators = r->n_annotators,
                      .n_labels = k,
                      .values = x};
    rc = lq_krippendorff(&lr, m, out);
out:
    free(x);
    free(v);
    return rc;
}
