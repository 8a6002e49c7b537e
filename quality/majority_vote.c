/* Majority vote over a whole lq_ratings set, and the lq_consensus that every
 * aggregator in quality/ fills (allocation and lq_consensus_free live here;
 * Dawid-Skene starts from this result and adds the confusion matrices).
 *
 * A unit without ratings has no consensus: label UINT32_MAX, confidence 0,
 * tie false, and its posterior is the priors, which is what one believes
 * about a unit before seeing any label (Dawid-Skene's E-step gives exactly
 * that, so both aggregators agree on it). */
#include "quality/dawid_skene.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/majority.h"

void lq_consensus_free(lq_consensus *c)
{
    free(c->label);
    free(c->confidence);
    free(c->tie);
    free(c->posterior);
    free(c->priors);
    free(c->confusion);
    free(c->accuracy);
    memset(c, 0, sizeof(*c));
}

/* a * b, or 0 when the product does not fit in size_t (callers treat 0 as
 * "cannot allocate", which is true of any size that overflows). */
static size_t mul_size(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    return a * b;
}

/* calloc that rejects a count of 0 caused by overflow but accepts a true 0
 * (an empty dataset) by allocating one element. */
static void *alloc_n(size_t n, size_t size, int overflowed)
{
    if (overflowed)
        return NULL;
    return calloc(n ? n : 1, size);
}

/* Allocates every per-unit, per-label and per-annotator array of out; the
 * confusion matrices stay NULL. Returns 0 or LQ_ENOMEM (out zeroed). */
static int consensus_alloc(const lq_ratings *r, lq_consensus *out)
{
    size_t units = r->n_units, labels = r->n_labels;
    size_t cells = mul_size(units, labels);
    memset(out, 0, sizeof(*out));
    out->n_units = r->n_units;
    out->n_annotators = r->n_annotators;
    out->n_labels = r->n_labels;
    out->label = alloc_n(units, sizeof(*out->label), 0);
    out->confidence = alloc_n(units, sizeof(*out->confidence), 0);
    out->tie = alloc_n(units, sizeof(*out->tie), 0);
    out->posterior = alloc_n(cells, sizeof(*out->posterior), units && labels && !cells);
    out->priors = alloc_n(labels, sizeof(*out->priors), 0);
    out->accuracy = alloc_n(r->n_annotators, sizeof(*out->accuracy), 0);
    if (!out->label || !out->confidence || !out->tie || !out->posterior || !out->priors ||
        !out->accuracy) {
        lq_consensus_free(out);
        return LQ_ENOMEM;
    }
    return 0;
}

/* Votes for unit u into counts (n_labels entries) and records its
 * consensus label, confidence, tie flag and vote shares. Returns whether
 * the unit had any rating. */
static int vote_unit(const lq_ratings_index *idx, uint32_t u, unsigned *counts, lq_consensus *out)
{
    uint32_t k_n = out->n_labels;
    size_t lo = idx->start[u], hi = idx->start[u + 1];
    memset(counts, 0, k_n * sizeof(*counts));
    for (size_t i = lo; i < hi; i++)
        counts[idx->by_unit[i]->label]++;
    if (lo == hi) {
        out->label[u] = UINT32_MAX;
        return 0;
    }
    lq_vote v = lq_majority(counts, k_n);
    double *post = out->posterior + (size_t)u * k_n;
    out->label[u] = (uint32_t)v.label;
    out->confidence[u] = v.confidence;
    out->tie[u] = v.tie;
    for (uint32_t k = 0; k < k_n; k++)
        post[k] = (double)counts[k] / (double)(hi - lo);
    return 1;
}

/* Priors are the shares of rated units whose consensus is each label;
 * uniform when no unit was rated. Unrated units then get the priors as
 * their posterior. */
static void set_priors(lq_consensus *out, size_t rated)
{
    uint32_t k_n = out->n_labels;
    for (uint32_t k = 0; k < k_n; k++)
        out->priors[k] = rated ? 0.0 : 1.0 / k_n;
    for (uint32_t u = 0; u < out->n_units && rated; u++)
        if (out->label[u] != UINT32_MAX)
            out->priors[out->label[u]] += 1.0 / (double)rated;
    for (uint32_t u = 0; u < out->n_units; u++)
        if (out->label[u] == UINT32_MAX)
            memcpy(out->posterior + (size_t)u * k_n, out->priors, k_n * sizeof(double));
}

/* accuracy[a]: share of a's ratings that equal their unit's consensus. */
static int set_agreement(const lq_ratings *r, lq_consensus *out)
{
    size_t *hits = calloc(r->n_annotators ? r->n_annotators : 1, sizeof(*hits));
    size_t *seen = calloc(r->n_annotators ? r->n_annotators : 1, sizeof(*seen));
    if (!hits || !seen) {
        free(hits);
        free(seen);
        return LQ_ENOMEM;
    }
    for (size_t i = 0; i < r->n; i++) {
        const lq_rating *x = &r->v[i];
        seen[x->annotator]++;
        hits[x->annotator] += x->label == out->label[x->unit];
    }
    for (uint32_t a = 0; a < r->n_annotators; a++)
        out->accuracy[a] = seen[a] ? (double)hits[a] / (double)seen[a] : -1.0;
    free(hits);
    free(seen);
    return 0;
}

int lq_majority_vote(const lq_ratings *r, lq_consensus *out)
{
    lq_ratings_index idx = {0};
    unsigned *counts = NULL;
    size_t rated = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if (r->n_labels == 0 || lq_ratings_check(r) != 0)
        return LQ_EBADREQ;
    if ((rc = consensus_alloc(r, out)) != 0)
        return rc;
    if ((rc = lq_ratings_index_build(r, &idx)) != 0)
        goto out;
    counts = malloc(r->n_labels * sizeof(*counts));
    if (!counts) {
        rc = LQ_ENOMEM;
        goto out;
    }
    for (uint32_t u = 0; u < r->n_units; u++)
        rated += (size_t)vote_unit(&idx, u, counts, out);
    set_priors(out, rated);
    rc = set_agreement(r, out);
out:
    free(counts);
    lq_ratings_index_free(&idx);
    if (rc != 0)
        lq_consensus_free(out);
    return rc;
}
