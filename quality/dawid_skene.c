/* Dawid-Skene EM (Dawid and Skene 1979, "Maximum likelihood estimation of
 * observer error-rates using the EM algorithm").
 *
 * Each unit has a hidden true label k with prior pi_k; annotator a gives
 * label l to a unit of true label k with probability theta[a][k][l]. EM
 * alternates:
 *   M-step  pi_k          = (sum_u T[u][k] + s) / (units rated + K s)
 *           theta[a][k][l] = (sum of T[u][k] over a's ratings with label l + s)
 *                            / (sum of T[u][k] over all a's ratings + K s)
 *   E-step  log T[u][k]   = log pi_k + sum over u's ratings of log theta[a][k][l],
 *                            normalized with log-sum-exp
 * starting from T = the majority vote's shares. The pseudo-count s keeps
 * every probability above zero, so an annotator seen once still gives
 * finite logs. A sweep is M-step then E-step; the run stops after the
 * first sweep whose largest parameter change is below the tolerance, or
 * after max_iterations sweeps. One M-step and E-step before the sweeps turn
 * the majority shares into parameters, so the returned posteriors are
 * always the E-step of the returned parameters, even with 0 iterations.
 *
 * Units are visited in index order and ratings in input order, so a run is
 * a fixed sequence of floating-point operations: same input, same bytes. */
#include "quality/dawid_skene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

/* Posteriors closer than this to the best are ties: the arithmetic of two
 * symmetric classes may differ in the last bits without meaning anything. */
static const double TIE_EPS = 1e-12;

void lq_ds_options_default(lq_ds_options *o)
{
    o->max_iterations = 100;
    o->tolerance = 1e-6;
    o->smoothing = 0.01;
}

/* EM state besides what lives in lq_consensus (posterior, priors,
 * confusion). The two A*K*K tables are laid out [a][given][true] so that a
 * rating's K entries are contiguous in the inner loops, and each rating is
 * reduced to the offset of its row there, stored in unit order: both steps
 * then read ratings sequentially instead of chasing pointers into the
 * caller's array, which is most of the time on a million ratings. */
typedef struct ds_work {
    lq_ratings_index idx; /* only start[] is kept: cell replaces by_unit */
    size_t *cell;         /* n: (annotator * K + label) * K, in unit order */
    uint32_t k_n;         /* K: labels */
    double s;             /* smoothing pseudo-count */
    size_t rated;         /* units with at least one rating */
    double *counts;       /* A*K*K expected counts, [a][l][k] */
    double *logt;         /* A*K*K log theta, [a][l][k] */
    double *logpi;        /* K */
    double *acc;          /* K scratch */
} ds_work;

static void work_free(ds_work *w)
{
    lq_ratings_index_free(&w->idx);
    free(w->cell);
    free(w->counts);
    free(w->logt);
    free(w->logpi);
    free(w->acc);
}

/* Groups the ratings by unit and reduces each to its cell offset; the
 * index's pointers are freed once used. Returns 0 or LQ_ENOMEM. */
static int build_cells(const lq_ratings *r, ds_work *w)
{
    size_t k_n = r->n_labels;
    int rc = lq_ratings_index_build(r, &w->idx);
    if (rc != 0)
        return rc;
    w->cell = malloc((r->n ? r->n : 1) * sizeof(*w->cell));
    if (!w->cell)
        return LQ_ENOMEM;
    for (size_t i = 0; i < r->n; i++) {
        const lq_rating *x = w->idx.by_unit[i];
        w->cell[i] = ((size_t)x->annotator * k_n + x->label) * k_n;
    }
    free(w->idx.by_unit);
    w->idx.by_unit = NULL;
    for (uint32_t u = 0; u < r->n_units; u++)
        w->rated += w->idx.start[u + 1] > w->idx.start[u];
    return 0;
}

/* Allocates w and out->confusion. Returns 0 or LQ_ENOMEM. */
static int work_alloc(const lq_ratings *r, ds_work *w, lq_consensus *out)
{
    size_t k_n = r->n_labels, a_n = r->n_annotators ? r->n_annotators : 1;
    size_t cells = k_n * k_n;
    if (cells / k_n != k_n || a_n > SIZE_MAX / sizeof(double) / cells)
        return LQ_ENOMEM;
    cells *= a_n;
    int rc = build_cells(r, w);
    if (rc != 0)
        return rc;
    w->counts = malloc(cells * sizeof(double));
    w->logt = malloc(cells * sizeof(double));
    w->logpi = malloc(k_n * sizeof(double));
    w->acc = malloc(k_n * sizeof(double));
    out->confusion = calloc(cells, sizeof(double));
    if (!w->counts || !w->logt || !w->logpi || !w->acc || !out->confusion)
        return LQ_ENOMEM;
    return 0;
}

/* Adds each rated unit's posterior to the expected counts of its raters'
 * (given label, true label) cells and to acc (the prior's numerator). */
static void accumulate(const ds_work *w, const lq_consensus *out)
{
    uint32_t k_n = w->k_n;
    for (uint32_t u = 0; u < out->n_units; u++) {
        const double *t = out->posterior + (size_t)u * k_n;
        size_t lo = w->idx.start[u], hi = w->idx.start[u + 1];
        if (lo == hi)
            continue;
        for (uint32_t k = 0; k < k_n; k++)
            w->acc[k] += t[k];
        for (size_t i = lo; i < hi; i++) {
            double *c = w->counts + w->cell[i];
            for (uint32_t k = 0; k < k_n; k++)
                c[k] += t[k];
        }
    }
}

/* Normalizes annotator a's expected counts into theta (and log theta).
 * Returns the largest change of any of a's cells. */
static double normalize_annotator(ds_work *w, lq_consensus *out, size_t a)
{
    size_t k_n = w->k_n;
    const double *c = w->counts + a * k_n * k_n;
    double *lt = w->logt + a * k_n * k_n;
    double *theta = out->confusion + a * k_n * k_n;
    double delta = 0.0;
    for (size_t k = 0; k < k_n; k++) {
        double row = 0.0;
        for (size_t l = 0; l < k_n; l++)
            row += c[l * k_n + k];
        double den = row + (double)k_n * w->s;
        for (size_t l = 0; l < k_n; l++) {
            double p = (c[l * k_n + k] + w->s) / den;
            delta = fmax(delta, fabs(p - theta[k * k_n + l]));
            theta[k * k_n + l] = p;
            lt[l * k_n + k] = log(p);
        }
    }
    return delta;
}

/* M-step: priors and confusion matrices from the posteriors. Returns the
 * largest absolute change of any prior or confusion cell. */
static double m_step(ds_work *w, lq_consensus *out)
{
    uint32_t k_n = w->k_n;
    double delta = 0.0;
    memset(w->counts, 0,
           (size_t)(out->n_annotators ? out->n_annotators : 1) * k_n * k_n * sizeof(double));
    memset(w->acc, 0, k_n * sizeof(double));
    accumulate(w, out);
    for (uint32_t k = 0; k < k_n; k++) {
        double p = (w->acc[k] + w->s) / ((double)w->rated + (double)k_n * w->s);
        delta = fmax(delta, fabs(p - out->priors[k]));
        out->priors[k] = p;
        w->logpi[k] = log(p);
    }
    for (uint32_t a = 0; a < out->n_annotators; a++)
        delta = fmax(delta, normalize_annotator(w, out, a));
    return delta;
}

/* E-step: each unit's posterior from the current parameters, in log space
 * so that many ratings cannot underflow. An unrated unit gets the priors. */
static void e_step(ds_work *w, lq_consensus *out)
{
    uint32_t k_n = w->k_n;
    double *lp = w->acc;
    for (uint32_t u = 0; u < out->n_units; u++) {
        double *t = out->posterior + (size_t)u * k_n;
        size_t lo = w->idx.start[u], hi = w->idx.start[u + 1];
        if (lo == hi) {
            memcpy(t, out->priors, k_n * sizeof(double));
            continue;
        }
        memcpy(lp, w->logpi, k_n * sizeof(double));
        for (size_t i = lo; i < hi; i++) {
            const double *g = w->logt + w->cell[i];
            for (uint32_t k = 0; k < k_n; k++)
                lp[k] += g[k];
        }
        double top = lp[0], sum = 0.0;
        for (uint32_t k = 1; k < k_n; k++)
            top = lp[k] > top ? lp[k] : top; /* fmax is a libm call at -O2 */
        for (uint32_t k = 0; k < k_n; k++)
            sum += (lp[k] = exp(lp[k] - top));
        for (uint32_t k = 0; k < k_n; k++)
            t[k] = lp[k] / sum;
    }
}

/* Consensus label per unit from its posterior: the lowest label within
 * TIE_EPS of the best, flagged as a tie when another label is too. */
static void pick_labels(const ds_work *w, lq_consensus *out)
{
    uint32_t k_n = w->k_n;
    for (uint32_t u = 0; u < out->n_units; u++) {
        const double *t = out->posterior + (size_t)u * k_n;
        out->label[u] = UINT32_MAX;
        out->confidence[u] = 0.0;
        out->tie[u] = false;
        if (w->idx.start[u + 1] == w->idx.start[u])
            continue;
        double top = t[0];
        for (uint32_t k = 1; k < k_n; k++)
            top = fmax(top, t[k]);
        for (uint32_t k = 0; k < k_n; k++) {
            if (t[k] < top - TIE_EPS)
                continue;
            if (out->label[u] != UINT32_MAX) {
                out->tie[u] = true;
                break;
            }
            out->label[u] = k;
            out->confidence[u] = t[k];
        }
    }
}

/* accuracy[a] = sum_k pi_k theta[a][k][k]; annotators without ratings keep
 * the -1 the majority vote gave them (their theta is only the smoothing). */
static void set_accuracy(lq_consensus *out)
{
    size_t k_n = out->n_labels;
    for (size_t a = 0; a < out->n_annotators; a++) {
        const double *theta = out->confusion + a * k_n * k_n;
        if (out->accuracy[a] < 0.0)
            continue;
        double acc = 0.0;
        for (size_t k = 0; k < k_n; k++)
            acc += out->priors[k] * theta[k * k_n + k];
        out->accuracy[a] = acc;
    }
}

static int options_ok(const lq_ds_options *o)
{
    return isfinite(o->smoothing) && o->smoothing > 0.0 && o->tolerance >= 0.0;
}

int lq_dawid_skene(const lq_ratings *r, const lq_ds_options *o, lq_consensus *out)
{
    lq_ds_options def;
    ds_work w = {0};
    if (!o) {
        lq_ds_options_default(&def);
        o = &def;
    }
    if (!options_ok(o)) {
        memset(out, 0, sizeof(*out));
        return LQ_EBADREQ;
    }
    int rc = lq_majority_vote(r, out); /* also checks r */
    if (rc != 0)
        return rc;
    w.k_n = r->n_labels;
    w.s = o->smoothing;
    if ((rc = work_alloc(r, &w, out)) != 0)
        goto out;
    m_step(&w, out);
    e_step(&w, out);
    while (out->iterations < o->max_iterations && !out->converged) {
        double delta = m_step(&w, out);
        e_step(&w, out);
        out->iterations++;
        out->converged = delta < o->tolerance;
    }
    pick_labels(&w, out);
    set_accuracy(out);
out:
    work_free(&w);
    if (rc != 0)
        lq_consensus_free(out);
    return rc;
}
