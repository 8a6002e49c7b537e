/* Medians and alpha for numeric ratings; contracts in numeric_consensus.h.
 *
 * Interval alpha is computed here rather than by integer-coding the values
 * for lq_krippendorff_alpha: with delta = (a - b)^2 both sums reduce to
 * variances (sum over ordered pairs of m values of (x_i - x_j)^2 =
 * 2 m sum_i (x_i - mean)^2), so no value needs a label index and the cost
 * is O(n) whatever the number of distinct values. */
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

/* Sum of squared deviations from the mean of unit u's values. */
static double unit_ss(const lq_numeric_ratings *r, const lq_unit_groups *g, uint32_t u)
{
    size_t lo = g->start[u], m = g->start[u + 1] - lo;
    double mean = 0.0, ss = 0.0;

    for (size_t i = 0; i < m; i++)
        mean += r->v[g->order[lo + i]].value;
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) {
        double d = r->v[g->order[lo + i]].value - mean;

        ss += d * d;
    }
    return ss;
}

/* The values of pairable units, pooled in unit order, into x; returns how
 * many. */
static size_t pool_pairable(const lq_numeric_ratings *r, const lq_unit_groups *g, double *x)
{
    size_t n = 0;

    for (uint32_t u = 0; u < r->n_units; u++)
        if (g->start[u + 1] - g->start[u] >= 2)
            for (size_t i = g->start[u]; i < g->start[u + 1]; i++)
                x[n++] = r->v[g->order[i]].value;
    return n;
}

/* D_o = 1/n sum_u 2 m_u ss_u / (m_u - 1); D_e = 2 n ss / (n (n - 1)) with
 * ss over all n pairable values. x is scratch of r->n entries. */
static int interval_alpha(const lq_numeric_ratings *r, const lq_unit_groups *g, double *x,
                          lq_alpha_result *out)
{
    double observed = 0.0, mean = 0.0, ss = 0.0, n;
    size_t k = pool_pairable(r, g, x);

    if (k == 0)
        return LQ_EBADREQ;
    for (uint32_t u = 0; u < r->n_units; u++) {
        size_t m = g->start[u + 1] - g->start[u];

        if (m >= 2)
            observed += 2.0 * (double)m * unit_ss(r, g, u) / (double)(m - 1);
    }
    n = (double)k;
    for (size_t i = 0; i < k; i++)
        mean += x[i];
    mean /= n;
    for (size_t i = 0; i < k; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    out->n_pairable = k;
    out->observed = observed / n;
    out->expected = 2.0 * n * ss / (n * (n - 1.0));
    /* Counted for the result only; nothing above needed them. */
    qsort(x, k, sizeof(*x), by_double);
    for (size_t i = 0; i < k; i++)
        out->n_distinct += i == 0 || x[i] != x[i - 1];
    if (!(out->expected > 0.0))
        return LQ_EBADREQ;
    out->alpha = 1.0 - out->observed / out->expected;
    return 0;
}

static double ratio_delta(void *ctx, uint32_t a, uint32_t b)
{
    const double *x = ctx;
    double s = x[a] + x[b];

    /* Values are >= 0, so s == 0 only when both are 0, and equal values
     * never reach here. */
    return s == 0.0 ? 0.0 : ((x[a] - x[b]) / s) * ((x[a] - x[b]) / s);
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

/* The distinct values become the labels of lq_distance_alpha. */
static int ratio_alpha(const lq_numeric_ratings *r, const lq_distance_alpha_options *o,
                       lq_alpha_result *out)
{
    double *x = malloc((r->n ? r->n : 1) * sizeof(*x));
    lq_rating *v = malloc((r->n ? r->n : 1) * sizeof(*v));
    lq_ratings lr;
    uint32_t k = 0;
    int rc = LQ_ENOMEM;

    if (!x || !v)
        goto out;
    for (size_t i = 0; i < r->n; i++)
        x[i] = r->v[i].value;
    qsort(x, r->n, sizeof(*x), by_double);
    for (size_t i = 0; i < r->n; i++)
        if (k == 0 || x[i] != x[k - 1])
            x[k++] = x[i];
    for (size_t i = 0; i < r->n; i++)
        v[i] = (lq_rating){r->v[i].unit, r->v[i].annotator, find_value(x, k, r->v[i].value)};
    lr = (lq_ratings){
        .v = v, .n = r->n, .n_units = r->n_units, .n_annotators = r->n_annotators, .n_labels = k};
    rc = lq_distance_alpha(&lr, ratio_delta, x, o, out);
out:
    free(x);
    free(v);
    return rc;
}

int lq_numeric_alpha(const lq_numeric_ratings *r, lq_metric m, const lq_distance_alpha_options *o,
                     lq_alpha_result *out)
{
    lq_unit_groups g;
    double *x;
    int rc;

    memset(out, 0, sizeof(*out));
    if (m != LQ_METRIC_INTERVAL && m != LQ_METRIC_RATIO)
        return LQ_EBADREQ;
    if ((rc = lq_numeric_ratings_check(r)) != 0)
        return rc;
    if (r->n > UINT32_MAX)
        return LQ_EBADREQ; /* distinct values must fit a label index */
    if (m == LQ_METRIC_RATIO) {
        for (size_t i = 0; i < r->n; i++)
            if (r->v[i].value < 0.0)
                return LQ_EBADREQ;
        return ratio_alpha(r, o, out);
    }
    if ((rc = group(r, &g)) != 0)
        return rc;
    x = malloc((r->n ? r->n : 1) * sizeof(*x));
    rc = x ? interval_alpha(r, &g, x, out) : LQ_ENOMEM;
    free(x);
    lq_unit_groups_free(&g);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
