/* Krippendorff's alpha with a caller-supplied distance; the definitions and
 * the cost model are in distance_alpha.h.
 *
 * The two sums are taken over distinct values, weighted by their counts,
 * instead of over pairs of ratings: a unit of m ratings with d distinct
 * values costs d (d - 1) / 2 distance calls, and D_e k (k - 1) / 2. The
 * callback may be expensive (an edit distance), so it is never called for
 * equal values and each unordered pair once (the sums double it). */
#include "quality/distance_alpha.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

/* "lq_alpha" in ASCII: any fixed value would do; this one is documented. */
static const uint64_t DEFAULT_SEED = 0x6c715f616c706861ULL;

void lq_distance_alpha_options_default(lq_distance_alpha_options *o)
{
    o->max_exact_values = UINT32_MAX; /* exact */
    /* About the 1024 * 1023 / 2 calls of an exact sum over 1024 values. */
    o->sample_pairs = 524288;
    o->seed = DEFAULT_SEED;
}

typedef struct dalpha {
    const lq_ratings *r;
    lq_distance_fn dist;
    void *ctx;
    lq_ratings_index idx;
    size_t *marg;     /* n_labels: n_c over pairable units */
    uint32_t *vals;   /* scratch, the largest unit: its values, then its distinct ones */
    size_t *counts;   /* scratch, the largest unit: how often each distinct value occurs */
    size_t n;         /* pairable ratings */
    int bad_distance; /* the callback returned something negative or not finite */
} dalpha;

static double delta(dalpha *c, uint32_t a, uint32_t b)
{
    double d;

    if (a == b)
        return 0.0;
    d = c->dist(c->ctx, a, b);
    if (!isfinite(d) || d < 0.0) {
        c->bad_distance = 1;
        return 0.0;
    }
    return d;
}

static int by_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

    return (a > b) - (a < b);
}

/* Counts pairable ratings per value and finds the largest unit (the
 * scratch size). */
static size_t count_marginals(dalpha *c)
{
    size_t largest = 0;

    for (uint32_t u = 0; u < c->r->n_units; u++) {
        size_t lo = c->idx.start[u], hi = c->idx.start[u + 1];

        if (hi - lo < 2)
            continue;
        for (size_t i = lo; i < hi; i++)
            c->marg[c->idx.by_unit[i]->label]++;
        c->n += hi - lo;
        largest = hi - lo > largest ? hi - lo : largest;
    }
    return largest;
}

/* Sum over ordered pairs of unit u's ratings of delta, divided by m_u - 1. */
static double unit_disagreement(dalpha *c, uint32_t u)
{
    size_t lo = c->idx.start[u], m = c->idx.start[u + 1] - lo, d = 0;
    double sum = 0.0;

    for (size_t i = 0; i < m; i++)
        c->vals[i] = c->idx.by_unit[lo + i]->label;
    qsort(c->vals, m, sizeof(*c->vals), by_u32);
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && c->vals[i] == c->vals[d - 1]) {
            c->counts[d - 1]++;
            continue;
        }
        c->vals[d] = c->vals[i];
        c->counts[d++] = 1;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
            sum += 2.0 * (double)c->counts[i] * (double)c->counts[j] *
                   delta(c, c->vals[i], c->vals[j]);
    return sum / (double)(m - 1);
}

/* D_e over every pair of distinct values in use. */
static double expected_exact(dalpha *c)
{
    const size_t *mg = c->marg;
    double sum = 0.0, n = (double)c->n;

    for (uint32_t a = 0; a < c->r->n_labels; a++)
        for (uint32_t b = a + 1; mg[a] && b < c->r->n_labels; b++)
            if (mg[b])
                sum += 2.0 * (double)mg[a] * (double)mg[b] * delta(c, a, b);
    return sum / (n * (n - 1.0));
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound) without modulo bias: draws falling in the short
 * last stretch of the 64-bit range are redrawn. */
static uint64_t uniform_below(uint64_t *s, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound, x;

    do
        x = splitmix64(s);
    while (x >= limit);
    return x % bound;
}

/* D_e estimated as the mean delta over random ordered pairs of different
 * positions among the pooled pairable values. Returns LQ_ENOMEM or 0. */
static int expected_sampled(dalpha *c, const lq_distance_alpha_options *o, double *out)
{
    uint32_t *pool = malloc(c->n * sizeof(*pool));
    uint64_t state = o->seed;
    size_t k = 0;
    double sum = 0.0;

    if (!pool)
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < c->r->n_units; u++)
        if (c->idx.start[u + 1] - c->idx.start[u] >= 2)
            for (size_t i = c->idx.start[u]; i < c->idx.start[u + 1]; i++)
                pool[k++] = c->idx.by_unit[i]->label;
    for (uint64_t s = 0; s < o->sample_pairs; s++) {
        uint64_t i = uniform_below(&state, c->n), j = uniform_below(&state, c->n - 1);

        j += j >= i;
        sum += delta(c, pool[i], pool[j]);
    }
    free(pool);
    *out = sum / (double)o->sample_pairs;
    return 0;
}

static int compute(dalpha *c, const lq_distance_alpha_options *o, lq_alpha_result *out)
{
    size_t largest = count_marginals(c);
    double observed = 0.0;
    int rc;

    if (c->n == 0)
        return LQ_EBADREQ;
    for (uint32_t l = 0; l < c->r->n_labels; l++)
        out->n_distinct += c->marg[l] > 0;
    if (out->n_distinct < 2)
        return LQ_EBADREQ;
    c->vals = malloc(largest * sizeof(*c->vals));
    c->counts = malloc(largest * sizeof(*c->counts));
    if (!c->vals || !c->counts)
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < c->r->n_units; u++)
        if (c->idx.start[u + 1] - c->idx.start[u] >= 2)
            observed += unit_disagreement(c, u);
    out->n_pairable = c->n;
    out->observed = observed / (double)c->n;
    out->sampled = out->n_distinct > o->max_exact_values;
    if (out->sampled) {
        if ((rc = expected_sampled(c, o, &out->expected)) != 0)
            return rc;
    } else {
        out->expected = expected_exact(c);
    }
    if (c->bad_distance || !(out->expected > 0.0))
        return LQ_EBADREQ;
    out->alpha = 1.0 - out->observed / out->expected;
    return 0;
}

int lq_distance_alpha(const lq_ratings *r, lq_distance_fn dist, void *ctx,
                      const lq_distance_alpha_options *o, lq_alpha_result *out)
{
    lq_distance_alpha_options def;
    dalpha c = {.r = r, .dist = dist, .ctx = ctx};
    int rc;

    memset(out, 0, sizeof(*out));
    if (!o) {
        lq_distance_alpha_options_default(&def);
        o = &def;
    }
    if (!dist || o->sample_pairs == 0)
        return LQ_EBADREQ;
    if ((rc = lq_ratings_check(r)) != 0)
        return rc;
    c.marg = calloc(r->n_labels ? r->n_labels : 1, sizeof(*c.marg));
    if (!c.marg)
        return LQ_ENOMEM;
    rc = lq_ratings_index_build(r, &c.idx);
    if (rc == 0)
        rc = compute(&c, o, out);
    lq_ratings_index_free(&c.idx);
    free(c.marg);
    free(c.vals);
    free(c.counts);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}
