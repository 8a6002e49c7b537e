/* Multi-label agreement and consensus; the contracts are in label_sets.h.
 *
 * Everything here reduces a set rating to what an existing computation
 * reads: the distinct sets become the values of lq_distance_alpha, and
 * "label l chosen" becomes a 0/1 lq_ratings for nominal alpha and
 * Dawid-Skene. One lq_rating buffer of n entries is reused for every
 * label, so memory stays linear in the ratings. */
#include "quality/label_sets.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/unit_groups.h"

/* Bits set in x (SWAR popcount: portable, no compiler builtin). */
static unsigned popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

double lq_jaccard_distance(uint64_t a, uint64_t b)
{
    unsigned both = popcount64(a & b), either = popcount64(a | b);

    if (either == 0)
        return 0.0;
    return (double)(either - both) / (double)either;
}

double lq_masi_distance(uint64_t a, uint64_t b)
{
    unsigned na = popcount64(a), nb = popcount64(b);
    unsigned both = popcount64(a & b), either = popcount64(a | b);
    double m;

    if (either == 0)
        return 0.0;
    if (a == b)
        m = 1.0;
    else if (both == (na < nb ? na : nb))
        m = 2.0 / 3.0;
    else if (both > 0)
        m = 1.0 / 3.0;
    else
        m = 0.0;
    return 1.0 - (double)both / (double)either * m;
}

int lq_set_ratings_check(const lq_set_ratings *r)
{
    uint64_t allowed;

    if (r->n_labels == 0 || r->n_labels > LQ_SET_MAX_LABELS)
        return LQ_EBADREQ;
    allowed = r->n_labels == 64 ? UINT64_MAX : (UINT64_C(1) << r->n_labels) - 1;
    for (size_t i = 0; i < r->n; i++) {
        const lq_set_rating *x = &r->v[i];

        if (x->unit >= r->n_units || x->annotator >= r->n_annotators || (x->labels & ~allowed))
            return LQ_EBADREQ;
    }
    return 0;
}

/* The ratings as lq_ratings with placeholder labels, for the caller to
 * fill. Returns NULL when out of memory. */
static lq_rating *copy_keys(const lq_set_ratings *r)
{
    lq_rating *v = malloc((r->n ? r->n : 1) * sizeof(*v));

    for (size_t i = 0; v && i < r->n; i++)
        v[i] = (lq_rating){r->v[i].unit, r->v[i].annotator, 0};
    return v;
}

static void set_presence(const lq_set_ratings *r, lq_rating *v, uint32_t label)
{
    for (size_t i = 0; i < r->n; i++)
        v[i].label = (uint32_t)((r->v[i].labels >> label) & 1);
}

typedef struct set_values {
    const uint64_t *sets; /* the distinct sets, ascending */
    lq_set_distance d;
} set_values;

static double set_delta(void *ctx, uint32_t a, uint32_t b)
{
    const set_values *s = ctx;

    return s->d == LQ_SET_MASI ? lq_masi_distance(s->sets[a], s->sets[b])
                               : lq_jaccard_distance(s->sets[a], s->sets[b]);
}

static int by_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

    return (a > b) - (a < b);
}

/* Sorts the ratings' sets into distinct values; *k gets their number (the
 * caller has checked that n fits a label index). */
static uint64_t *distinct_sets(const lq_set_ratings *r, uint32_t *k)
{
    uint64_t *s = malloc((r->n ? r->n : 1) * sizeof(*s));
    size_t d = 0;

    if (!s)
        return NULL;
    for (size_t i = 0; i < r->n; i++)
        s[i] = r->v[i].labels;
    qsort(s, r->n, sizeof(*s), by_u64);
    for (size_t i = 0; i < r->n; i++)
        if (d == 0 || s[i] != s[d - 1])
            s[d++] = s[i];
    *k = (uint32_t)d;
    return s;
}

static uint32_t find_set(const uint64_t *sets, uint32_t k, uint64_t x)
{
    uint32_t lo = 0, hi = k;

    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (sets[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int lq_set_alpha(const lq_set_ratings *r, lq_set_distance d, lq_alpha_result *out)
{
    set_values sv = {.d = d};
    uint64_t *sets = NULL;
    lq_rating *v = NULL;
    lq_ratings lr;
    uint32_t k = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (d != LQ_SET_MASI && d != LQ_SET_JACCARD)
        return LQ_EBADREQ;
    if ((rc = lq_set_ratings_check(r)) != 0)
        return rc;
    if (r->n > UINT32_MAX)
        return LQ_EBADREQ; /* more distinct values than a label index holds */
    rc = LQ_ENOMEM;
    sets = distinct_sets(r, &k);
    v = copy_keys(r);
    if (!sets || !v)
        goto out;
    for (size_t i = 0; i < r->n; i++)
        v[i].label = find_set(sets, k, r->v[i].labels);
    sv.sets = sets;
    lr = (lq_ratings){
        .v = v, .n = r->n, .n_units = r->n_units, .n_annotators = r->n_annotators, .n_labels = k};
    rc = lq_distance_alpha(&lr, set_delta, &sv, NULL, out);
out:
    free(sets);
    free(v);
    return rc;
}

int lq_set_label_alpha(const lq_set_ratings *r, double *alpha, int *status)
{
    lq_rating *v;
    lq_ratings lr;
    int rc;

    if ((rc = lq_set_ratings_check(r)) != 0)
        return rc;
    if (!(v = copy_keys(r)))
        return LQ_ENOMEM;
    lr = (lq_ratings){
        .v = v, .n = r->n, .n_units = r->n_units, .n_annotators = r->n_annotators, .n_labels = 2};
    for (uint32_t l = 0; l < r->n_labels; l++) {
        set_presence(r, v, l);
        alpha[l] = 0.0;
        status[l] = lq_krippendorff_alpha(&lr, LQ_METRIC_NOMINAL, &alpha[l]);
        if (status[l] == LQ_ENOMEM) {
            rc = LQ_ENOMEM;
            break;
        }
        if (status[l] != 0)
            alpha[l] = 0.0;
    }
    free(v);
    return rc;
}

void lq_set_consensus_free(lq_set_consensus *c)
{
    free(c->labels);
    free(c->rated);
    free(c->p_present);
    free(c->confidence);
    free(c->accuracy);
    free(c->iterations);
    free(c->converged);
    memset(c, 0, sizeof(*c));
}

static int consensus_alloc(const lq_set_ratings *r, lq_set_consensus *c)
{
    size_t units = r->n_units ? r->n_units : 1, cells = units * r->n_labels;
    size_t annotators = r->n_annotators ? r->n_annotators : 1;

    memset(c, 0, sizeof(*c));
    c->n_units = r->n_units;
    c->n_annotators = r->n_annotators;
    c->n_labels = r->n_labels;
    c->labels = calloc(units, sizeof(*c->labels));
    c->rated = calloc(units, sizeof(*c->rated));
    c->p_present = calloc(cells, sizeof(*c->p_present));
    c->confidence = calloc(cells, sizeof(*c->confidence));
    c->accuracy = calloc(annotators * r->n_labels, sizeof(*c->accuracy));
    c->iterations = calloc(r->n_labels, sizeof(*c->iterations));
    c->converged = calloc(r->n_labels, sizeof(*c->converged));
    if (!c->labels || !c->rated || !c->p_present || !c->confidence || !c->accuracy ||
        !c->iterations || !c->converged) {
        lq_set_consensus_free(c);
        return LQ_ENOMEM;
    }
    for (size_t i = 0; i < r->n; i++)
        c->rated[r->v[i].unit] = true;
    return 0;
}

/* Takes label l's Dawid-Skene result into the set consensus. */
static void take_label(lq_set_consensus *c, uint32_t l, const lq_consensus *ds)
{
    for (uint32_t u = 0; u < c->n_units; u++) {
        double p = ds->posterior[(size_t)u * 2 + 1];
        size_t cell = (size_t)u * c->n_labels + l;

        c->p_present[cell] = p;
        if (!c->rated[u])
            continue;
        if (p >= 0.5)
            c->labels[u] |= UINT64_C(1) << l;
        c->confidence[cell] = p >= 0.5 ? p : 1.0 - p;
    }
    for (uint32_t a = 0; a < c->n_annotators; a++)
        c->accuracy[(size_t)l * c->n_annotators + a] = ds->accuracy[a];
    c->iterations[l] = ds->iterations;
    c->converged[l] = ds->converged;
}

int lq_set_dawid_skene(const lq_set_ratings *r, const lq_ds_options *o, lq_set_consensus *out)
{
    lq_rating *v = NULL;
    lq_consensus ds;
    lq_ratings lr;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = lq_set_ratings_check(r)) != 0)
        return rc;
    if ((rc = consensus_alloc(r, out)) != 0)
        return rc;
    if (!(v = copy_keys(r))) {
        rc = LQ_ENOMEM;
        goto out;
    }
    lr = (lq_ratings){
        .v = v, .n = r->n, .n_units = r->n_units, .n_annotators = r->n_annotators, .n_labels = 2};
    for (uint32_t l = 0; l < r->n_labels; l++) {
        set_presence(r, v, l);
        if ((rc = lq_dawid_skene(&lr, o, &ds)) != 0)
            goto out;
        take_label(out, l, &ds);
        lq_consensus_free(&ds);
    }
out:
    free(v);
    if (rc != 0)
        lq_set_consensus_free(out);
    return rc;
}

int lq_set_majority(const lq_set_ratings *r, lq_set_consensus *out)
{
    size_t *chosen = NULL, *count = NULL, *hits = NULL, *seen = NULL;
    size_t nl, na;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = lq_set_ratings_check(r)) != 0)
        return rc;
    if ((rc = consensus_alloc(r, out)) != 0)
        return rc;
    nl = r->n_labels;
    na = r->n_annotators ? r->n_annotators : 1;
    chosen = calloc((r->n_units ? r->n_units : 1) * nl, sizeof(*chosen));
    count = calloc(r->n_units ? r->n_units : 1, sizeof(*count));
    hits = calloc(na * nl, sizeof(*hits));
    seen = calloc(na, sizeof(*seen));
    rc = LQ_ENOMEM;
    if (!chosen || !count || !hits || !seen)
        goto out;
    for (size_t i = 0; i < r->n; i++) {
        count[r->v[i].unit]++;
        for (uint32_t l = 0; l < nl; l++)
            chosen[(size_t)r->v[i].unit * nl + l] += (r->v[i].labels >> l) & 1;
    }
    for (uint32_t u = 0; u < r->n_units; u++)
        for (uint32_t l = 0; count[u] && l < nl; l++) {
            size_t cell = (size_t)u * nl + l, c = chosen[cell];
            bool in = 2 * c >= count[u];

            out->p_present[cell] = (double)c / (double)count[u];
            out->confidence[cell] = (double)(in ? c : count[u] - c) / (double)count[u];
            if (in)
                out->labels[u] |= UINT64_C(1) << l;
        }
    for (size_t i = 0; i < r->n; i++) {
        const lq_set_rating *x = &r->v[i];

        seen[x->annotator]++;
        for (uint32_t l = 0; l < nl; l++)
            hits[(size_t)l * na + x->annotator] +=
                ((x->labels >> l) & 1) == ((out->labels[x->unit] >> l) & 1);
    }
    for (uint32_t l = 0; l < nl; l++) {
        for (uint32_t a = 0; a < r->n_annotators; a++)
            out->accuracy[(size_t)l * r->n_annotators + a] =
                seen[a] ? (double)hits[(size_t)l * na + a] / (double)seen[a] : -1.0;
        out->converged[l] = true;
    }
    rc = 0;
out:
    free(chosen);
    free(count);
    free(hits);
    free(seen);
    if (rc != 0)
        lq_set_consensus_free(out);
    return rc;
}

double lq_set_confidence(const lq_set_consensus *c, uint32_t u)
{
    double sum = 0.0;

    if (!c->rated[u] || c->n_labels == 0)
        return 0.0;
    for (uint32_t l = 0; l < c->n_labels; l++)
        sum += c->confidence[(size_t)u * c->n_labels + l];
    return sum / (double)c->n_labels;
}

static int masi_agreement(const void *ctx, size_t i, size_t j, double *out)
{
    const lq_set_ratings *r = ctx;

    *out = 1.0 - lq_masi_distance(r->v[i].labels, r->v[j].labels);
    return 0;
}

int lq_set_unit_agreement(const lq_set_ratings *r, double *unit_agreement)
{
    lq_unit_groups g;
    double overall;
    int rc;

    if ((rc = lq_set_ratings_check(r)) != 0)
        return rc;
    rc = lq_unit_groups_build(r->v, r->n, sizeof(*r->v), offsetof(lq_set_rating, unit),
                              offsetof(lq_set_rating, annotator), r->n_units, r->n_annotators,
                              false, &g);
    if (rc != 0)
        return rc;
    rc = lq_unit_groups_mean_pairs(&g, r->n_units, masi_agreement, r, unit_agreement, &overall);
    lq_unit_groups_free(&g);
    return rc == LQ_EBADREQ ? 0 : rc; /* no unit with a pair: every entry is -1 */
}
