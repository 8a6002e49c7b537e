/* Krippendorff's alpha, after Krippendorff (2011), "Computing Krippendorff's
 * Alpha-Reliability": alpha = 1 - D_o / D_e, where, over the n values in
 * pairable units (units with m_u >= 2 values),
 *
 *   D_o = 1/n           * sum_ck o_ck  * delta_ck,
 *   D_e = 1/(n (n - 1)) * sum_ck n_c n_k * delta_ck,
 *
 * o_ck = sum_u (c-k pairs in u) / (m_u - 1) is the coincidence matrix and n_c
 * its marginals. So alpha = 1 - (n - 1) * O / E with O and E the two sums.
 *
 * Repeated ratings: every rating is one more value in its unit, as in the
 * definition, which never asks who gave a value.
 *
 * Cost: nothing here loops over pairs of ratings. Per unit, nominal needs the
 * label counts (O(m_u)); interval needs the spread of its values, since
 * sum over pairs (x_i - x_j)^2 = 2 m sum_i (x_i - mean)^2; ordinal is interval
 * on mid-ranks (below); only ratio, whose distance does not decompose, walks
 * the pairs of distinct labels in a unit. E costs O(labels), or O(labels^2)
 * for ratio. Memory is O(n + labels): the coincidence matrix itself is never
 * stored. */
#include "quality/agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/label_tally.h"

typedef struct alpha_ctx {
    const lq_ratings *r;
    lq_metric metric;
    lq_ratings_index idx;
    lq_label_tally tally;
    size_t *marg; /* n_labels: n_c, over pairable units */
    double *x;    /* n_labels: the coordinate delta is taken on */
    size_t n;     /* pairable values */
} alpha_ctx;

static size_t unit_size(const alpha_ctx *c, uint32_t u)
{
    return c->idx.start[u + 1] - c->idx.start[u];
}

static void count_marginals(alpha_ctx *c)
{
    for (uint32_t u = 0; u < c->r->n_units; u++) {
        if (unit_size(c, u) < 2)
            continue;
        for (size_t i = c->idx.start[u]; i < c->idx.start[u + 1]; i++)
            c->marg[c->idx.by_unit[i]->label]++;
        c->n += unit_size(c, u);
    }
}

typedef struct ranked {
    double value;
    uint32_t label;
} ranked;

static int by_value(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;

    return (a->value > b->value) - (a->value < b->value);
}

/* Ordinal delta_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, which equals
 * (R_k - R_c)^2 with the mid-rank R_g = (values ranked below g) + n_g / 2. So
 * ordinal alpha is interval alpha on mid-ranks. Labels with equal values are
 * one rank. */
static int set_midranks(alpha_ctx *c)
{
    const lq_ratings *r = c->r;
    ranked *v = malloc((r->n_labels ? r->n_labels : 1) * sizeof(*v));
    uint32_t k = 0;
    double below = 0.0;

    if (!v)
        return LQ_ENOMEM;
    for (uint32_t l = 0; l < r->n_labels; l++)
        if (c->marg[l])
            v[k++] = (ranked){r->values[l], l};
    qsort(v, k, sizeof(*v), by_value);
    for (uint32_t i = 0, j; i < k; i = j) {
        double tied = 0.0;

        for (j = i; j < k && v[j].value == v[i].value; j++)
            tied += (double)c->marg[v[j].label];
        for (uint32_t t = i; t < j; t++)
            c->x[v[t].label] = below + tied / 2.0;
        below += tied;
    }
    free(v);
    return 0;
}

/* Sets the coordinates and checks the values of the labels in use: finite,
 * and not negative for ratio, whose zero is absolute. */
static int set_coordinates(alpha_ctx *c)
{
    const lq_ratings *r = c->r;

    for (uint32_t l = 0; l < r->n_labels; l++) {
        if (!c->marg[l])
            continue;
        if (!isfinite(r->values[l]) || (c->metric == LQ_METRIC_RATIO && r->values[l] < 0.0))
            return LQ_EBADREQ;
        c->x[l] = r->values[l];
    }
    return c->metric == LQ_METRIC_ORDINAL ? set_midranks(c) : 0;
}

/* True when at least two labels in use differ under the metric; otherwise
 * D_e is 0 and alpha undefined. */
static int has_variation(const alpha_ctx *c)
{
    int seen = 0;
    double prev = 0.0;

    for (uint32_t l = 0; l < c->r->n_labels; l++) {
        if (!c->marg[l])
            continue;
        if (c->metric == LQ_METRIC_NOMINAL ? seen : (seen && c->x[l] != prev))
            return 1;
        prev = c->x[l];
        seen = 1;
    }
    return 0;
}

static double ratio_delta(double a, double b)
{
    double s = a + b;

    /* Values are >= 0, so s == 0 only when a == b == 0. */
    return s == 0.0 ? 0.0 : ((a - b) / s) * ((a - b) / s);
}

/* E = sum_ck n_c n_k delta_ck. */
static double expected(const alpha_ctx *c)
{
    double e = 0.0, n = (double)c->n, mean = 0.0;
    uint32_t L = c->r->n_labels;

    if (c->metric == LQ_METRIC_NOMINAL) {
        for (uint32_t l = 0; l < L; l++)
            e += (double)c->marg[l] * (double)c->marg[l];
        return n * n - e;
    }
    if (c->metric == LQ_METRIC_RATIO) {
        for (uint32_t i = 0; i < L; i++)
            for (uint32_t j = 0; c->marg[i] && j < L; j++)
                if (c->marg[j])
                    e += (double)c->marg[i] * (double)c->marg[j] * ratio_delta(c->x[i], c->x[j]);
        return e;
    }
    for (uint32_t l = 0; l < L; l++)
        mean += (double)c->marg[l] * c->x[l];
    mean /= n;
    for (uint32_t l = 0; l < L; l++)
        if (c->marg[l])
            e += (double)c->marg[l] * (c->x[l] - mean) * (c->x[l] - mean);
    return 2.0 * n * e;
}

/* Sum over ordered pairs of unit u's values of delta (before dividing by
 * m_u - 1). */
static double unit_disagreement(alpha_ctx *c, uint32_t u)
{
    const lq_rating *const *v = c->idx.by_unit + c->idx.start[u];
    size_t m = unit_size(c, u);
    lq_label_tally *t = &c->tally;
    double d = 0.0, mean = 0.0;

    if (c->metric == LQ_METRIC_INTERVAL || c->metric == LQ_METRIC_ORDINAL) {
        for (size_t i = 0; i < m; i++)
            mean += c->x[v[i]->label];
        mean /= (double)m;
        for (size_t i = 0; i < m; i++)
            d += (c->x[v[i]->label] - mean) * (c->x[v[i]->label] - mean);
        return 2.0 * (double)m * d;
    }
    lq_label_tally_unit(t, &c->idx, u);
    if (c->metric == LQ_METRIC_NOMINAL)
        d = (double)m * (double)m - (double)lq_label_tally_sum_sq(t);
    for (uint32_t i = 0; c->metric == LQ_METRIC_RATIO && i < t->n_seen; i++)
        for (uint32_t j = 0; j < t->n_seen; j++)
            d += (double)t->count[t->seen[i]] * (double)t->count[t->seen[j]] *
                 ratio_delta(c->x[t->seen[i]], c->x[t->seen[j]]);
    lq_label_tally_clear(t);
    return d;
}

/* O = sum_ck o_ck delta_ck. */
static double observed(alpha_ctx *c)
{
    double o = 0.0;

    for (uint32_t u = 0; u < c->r->n_units; u++) {
        size_t m = unit_size(c, u);

        if (m >= 2)
            o += unit_disagreement(c, u) / (double)(m - 1);
    }
    return o;
}

static int compute(alpha_ctx *c, lq_alpha_result *out)
{
    int rc;
    double e, o, n;

    count_marginals(c);
    if (c->n == 0)
        return LQ_EBADREQ;
    if (c->metric != LQ_METRIC_NOMINAL) {
        rc = set_coordinates(c);
        if (rc)
            return rc;
    }
    if (!has_variation(c))
        return LQ_EBADREQ;
    e = expected(c);
    if (!(e > 0.0))
        return LQ_EBADREQ;
    o = observed(c);
    n = (double)c->n;
    out->alpha = 1.0 - (n - 1.0) * o / e;
    out->observed = o / n;
    out->expected = e / (n * (n - 1.0));
    out->n_pairable = c->n;
    for (uint32_t l = 0; l < c->r->n_labels; l++)
        out->n_distinct += c->marg[l] > 0;
    return 0;
}

int lq_krippendorff_alpha(const lq_ratings *r, lq_metric m, double *out)
{
    lq_alpha_result res;
    int rc = lq_krippendorff(r, m, &res);

    if (rc == 0)
        *out = res.alpha;
    return rc;
}

int lq_krippendorff(const lq_ratings *r, lq_metric m, lq_alpha_result *out)
{
    alpha_ctx c = {.r = r, .metric = m};
    size_t nl = r->n_labels ? r->n_labels : 1;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = lq_ratings_check(r)) != 0)
        return rc;
    if (m != LQ_METRIC_NOMINAL && m != LQ_METRIC_ORDINAL && m != LQ_METRIC_INTERVAL &&
        m != LQ_METRIC_RATIO)
        return LQ_EBADREQ;
    if (m != LQ_METRIC_NOMINAL && !r->values)
        return LQ_EBADREQ;
    rc = LQ_ENOMEM;
    c.marg = calloc(nl, sizeof(*c.marg));
    c.x = calloc(nl, sizeof(*c.x));
    if (!c.marg || !c.x || lq_label_tally_init(&c.tally, r->n_labels))
        goto out;
    rc = lq_ratings_index_build(r, &c.idx);
    if (!rc)
        rc = compute(&c, out);
out:
    lq_ratings_index_free(&c.idx);
    lq_label_tally_free(&c.tally);
    free(c.marg);
    free(c.x);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
