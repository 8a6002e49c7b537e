/* Label aggregation: lq_majority_vote and lq_dawid_skene (quality/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/dawid_skene.h"

#define EPS 1e-12

/* cmocka 1.1.5 has no assert_double_equal; this one prints both numbers. */
#define assert_near(a, b, eps) near_or_fail((a), (b), (eps), __FILE__, __LINE__)

static void near_or_fail(double a, double b, double eps, const char *file, int line)
{
    if (!(fabs(a - b) <= eps)) {
        print_error("%.17g != %.17g (tolerance %g)\n", a, b, eps);
        _fail(file, line);
    }
}
#define R(u, a, l)                                                                                 \
    {                                                                                              \
        .unit = (u), .annotator = (a), .label = (l)                                                \
    }

static lq_ratings ratings(const lq_rating *v, size_t n, uint32_t units, uint32_t annotators,
                          uint32_t labels)
{
    return (lq_ratings){.v = v,
                        .n = n,
                        .n_units = units,
                        .n_annotators = annotators,
                        .n_labels = labels,
                        .values = NULL};
}

/* Every number in c is finite, every posterior and confusion row is a
 * distribution. */
static void assert_well_formed(const lq_consensus *c)
{
    size_t k_n = c->n_labels;
    for (size_t i = 0; i < (size_t)c->n_units * k_n; i++)
        assert_true(isfinite(c->posterior[i]) && c->posterior[i] >= 0.0);
    for (size_t u = 0; u < c->n_units; u++) {
        double sum = 0.0;
        for (size_t k = 0; k < k_n; k++)
            sum += c->posterior[u * k_n + k];
        assert_near(sum, 1.0, 1e-9);
        assert_true(isfinite(c->confidence[u]));
    }
    for (size_t a = 0; a < c->n_annotators; a++)
        assert_true(isfinite(c->accuracy[a]));
    for (size_t row = 0; c->confusion && row < (size_t)c->n_annotators * k_n; row++) {
        double sum = 0.0;
        for (size_t l = 0; l < k_n; l++) {
            double p = c->confusion[row * k_n + l];
            assert_true(isfinite(p) && p > 0.0);
            sum += p;
        }
        assert_near(sum, 1.0, 1e-9);
    }
}

/* Vote shares, ties to the lowest label, an unrated unit, an idle annotator. */
static void majority_ties_and_shares(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 0), R(0, 1, 1), R(0, 2, 1), /* unit 0: 1 wins 2 to 1 */
                           R(1, 0, 2), R(1, 1, 0)};            /* unit 1: tie 0/2 -> 0 */
    lq_ratings r = ratings(v, 5, 3, 4, 3);
    lq_consensus c;
    assert_int_equal(lq_majority_vote(&r, &c), 0);
    assert_int_equal(c.label[0], 1);
    assert_false(c.tie[0]);
    assert_near(c.confidence[0], 2.0 / 3, EPS);
    assert_near(c.posterior[0], 1.0 / 3, EPS);
    assert_near(c.posterior[1], 2.0 / 3, EPS);
    assert_near(c.posterior[2], 0.0, EPS);
    assert_int_equal(c.label[1], 0);
    assert_true(c.tie[1]);
    assert_near(c.confidence[1], 0.5, EPS);
    /* Unit 2 has no ratings: no label, and the priors as its posterior. */
    assert_int_equal(c.label[2], UINT32_MAX);
    assert_false(c.tie[2]);
    assert_near(c.priors[0], 0.5, EPS);
    assert_near(c.priors[1], 0.5, EPS);
    assert_near(c.priors[2], 0.0, EPS);
    assert_memory_equal(c.posterior + 6, c.priors, 3 * sizeof(double));
    /* a0 disagreed twice, a1 and a2 always agreed, a3 never rated. */
    assert_near(c.accuracy[0], 0.0, EPS);
    assert_near(c.accuracy[1], 1.0, EPS);
    assert_near(c.accuracy[2], 1.0, EPS);
    assert_near(c.accuracy[3], -1.0, EPS);
    assert_null(c.confusion);
    assert_int_equal(c.iterations, 0);
    lq_consensus_free(&c);
}

/* One annotator rating the same unit three times outvotes two others. */
static void majority_counts_repeated_ratings(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 1), R(0, 0, 1), R(0, 0, 1), R(0, 1, 0), R(0, 2, 0)};
    lq_ratings r = ratings(v, 5, 1, 3, 2);
    lq_consensus c;
    assert_int_equal(lq_majority_vote(&r, &c), 0);
    assert_int_equal(c.label[0], 1);
    assert_near(c.confidence[0], 0.6, EPS);
    lq_consensus_free(&c);
}

/* max_iterations 0 and smoothing 1: one M-step from the majority shares and
 * one E-step, small enough to check by hand.
 *   unit 0: a0 -> 0, a1 -> 0     majority T = (1, 0)
 *   unit 1: a0 -> 1, a1 -> 0     majority T = (.5, .5), a tie
 * priors: ((1 + .5) + 1) / (2 + 2) = .625 and (.5 + 1) / 4 = .375
 * a0 true 0: given 0 from unit 0 (1), given 1 from unit 1 (.5): (2, 1.5) / 3.5
 * a0 true 1: given 1 from unit 1 (.5):                      (1, 1.5) / 2.5
 * a1 true 0: given 0 from both (1.5):                       (2.5, 1) / 3.5
 * a1 true 1: given 0 from unit 1 (.5):                      (1.5, 1) / 2.5
 * unit 0 posterior of 0: .625 * (2/3.5) * (2.5/3.5) against .375 * .4 * .6 */
static void ds_one_step_by_hand(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 0), R(0, 1, 0), R(1, 0, 1), R(1, 1, 0)};
    lq_ratings r = ratings(v, 4, 2, 2, 2);
    lq_ds_options o = {.max_iterations = 0, .tolerance = 0.0, .smoothing = 1.0};
    lq_consensus c;
    assert_int_equal(lq_dawid_skene(&r, &o, &c), 0);
    assert_near(c.priors[0], 0.625, EPS);
    assert_near(c.priors[1], 0.375, EPS);
    const double theta[8] = {2 / 3.5,   1.5 / 3.5, 1 / 2.5,   1.5 / 2.5,
                             2.5 / 3.5, 1 / 3.5,   1.5 / 2.5, 1 / 2.5};
    for (int i = 0; i < 8; i++)
        assert_near(c.confusion[i], theta[i], EPS);
    double p0 = 0.625 * theta[0] * theta[4], p1 = 0.375 * theta[2] * theta[6];
    assert_near(c.posterior[0], p0 / (p0 + p1), EPS);
    double q0 = 0.625 * theta[1] * theta[4], q1 = 0.375 * theta[3] * theta[6];
    assert_near(c.posterior[2], q0 / (q0 + q1), EPS);
    assert_int_equal(c.label[0], 0);
    assert_near(c.confidence[0], p0 / (p0 + p1), EPS);
    /* accuracy = sum_k pi_k theta[a][k][k] */
    assert_near(c.accuracy[0], 0.625 * theta[0] + 0.375 * theta[3], EPS);
    assert_int_equal(c.iterations, 0);
    assert_false(c.converged);
    lq_consensus_free(&c);
}

/* a0 gives label 0 to unit 0 twice, a1 gives 1: with smoothing 1 the
 * majority shares are (2/3, 1/3), and a0's row for true 0 is
 * (2 * 2/3 + 1) / (2 * 2/3 + 2) = .7 only if both ratings count (.625 if
 * the repeat were dropped). */
static void ds_counts_repeated_ratings(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 0), R(0, 0, 0), R(0, 1, 1)};
    lq_ratings r = ratings(v, 3, 1, 2, 2);
    lq_ds_options o = {.max_iterations = 0, .tolerance = 0.0, .smoothing = 1.0};
    lq_consensus c;
    assert_int_equal(lq_dawid_skene(&r, &o, &c), 0);
    assert_near(c.priors[0], 5.0 / 9, EPS);
    assert_near(c.confusion[0], 0.7, EPS);
    assert_near(c.confusion[2], 0.625, EPS); /* a0 true 1 given 0: (2/3+1)/(8/3) */
    lq_consensus_free(&c);
}

/* An annotator with a single rating, one with none, a unit with none: the
 * defaults' smoothing keeps every number finite, the unrated unit has no
 * label and the priors as posterior, the idle annotator's accuracy is -1. */
static void ds_sparse_annotators_stay_finite(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 0), R(0, 1, 0), R(1, 0, 1), R(1, 1, 1),
                           R(2, 0, 2), R(2, 1, 2), R(3, 2, 1)};
    lq_ratings r = ratings(v, 7, 5, 4, 3);
    lq_consensus c;
    assert_int_equal(lq_dawid_skene(&r, NULL, &c), 0);
    assert_well_formed(&c);
    assert_true(c.converged);
    assert_int_equal(c.label[3], 1);
    assert_int_equal(c.label[4], UINT32_MAX);
    assert_memory_equal(c.posterior + 4 * 3, c.priors, 3 * sizeof(double));
    assert_true(c.accuracy[2] > 0.0 && c.accuracy[2] <= 1.0);
    assert_near(c.accuracy[3], -1.0, EPS);
    lq_consensus_free(&c);
}

static void bad_input_is_rejected(void **state)
{
    (void)state;
    const lq_rating v[] = {R(0, 0, 3)};
    lq_ratings r = ratings(v, 1, 1, 1, 3);
    lq_consensus c;
    assert_int_equal(lq_majority_vote(&r, &c), LQ_EBADREQ);
    assert_int_equal(lq_dawid_skene(&r, NULL, &c), LQ_EBADREQ);
    lq_consensus_free(&c); /* the failed call left c empty, and freeing it is safe */
    r.n_labels = 4;
    lq_ds_options o;
    lq_ds_options_default(&o);
    o.smoothing = 0.0; /* log(0) waits for the first annotator who never says a label */
    assert_int_equal(lq_dawid_skene(&r, &o, &c), LQ_EBADREQ);
    r = ratings(NULL, 0, 2, 2, 0);
    assert_int_equal(lq_majority_vote(&r, &c), LQ_EBADREQ);
}

/* Simulated crowd: skewed classes, annotators of known accuracy whose
 * errors are uniform over the other labels, from a fixed-seed PRNG. */
enum { SIM_UNITS = 2000, SIM_LABELS = 4, SIM_ANNOTATORS = 20, SIM_PER_UNIT = 5 };

typedef struct sim {
    lq_rating v[SIM_UNITS * SIM_PER_UNIT];
    uint32_t truth[SIM_UNITS];
    double accuracy[SIM_ANNOTATORS];
    lq_ratings r;
} sim;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) / 9007199254740992.0;
}

static uint32_t below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(uniform(s) * n);
}

static void simulate_unit(sim *x, uint64_t *seed, uint32_t u)
{
    static const double prior_cdf[SIM_LABELS] = {0.5, 0.75, 0.9, 1.0};
    uint32_t chosen[SIM_PER_UNIT], t = 0;
    double p = uniform(seed);
    while (p >= prior_cdf[t])
        t++;
    x->truth[u] = t;
    for (uint32_t i = 0; i < SIM_PER_UNIT; i++) {
        uint32_t a;
        int again;
        do { /* distinct annotators per unit */
            a = below(seed, SIM_ANNOTATORS);
            again = 0;
            for (uint32_t j = 0; j < i; j++)
                again |= chosen[j] == a;
        } while (again);
        chosen[i] = a;
        uint32_t l = t;
        if (uniform(seed) >= x->accuracy[a])
            l = (t + 1 + below(seed, SIM_LABELS - 1)) % SIM_LABELS;
        x->v[u * SIM_PER_UNIT + i] = (lq_rating)R(u, a, l);
    }
}

static sim *simulate(uint64_t seed)
{
    sim *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    for (int a = 0; a < SIM_ANNOTATORS; a++)
        x->accuracy[a] = 0.55 + 0.40 * uniform(&seed);
    for (uint32_t u = 0; u < SIM_UNITS; u++)
        simulate_unit(x, &seed, u);
    x->r = ratings(x->v, SIM_UNITS * SIM_PER_UNIT, SIM_UNITS, SIM_ANNOTATORS, SIM_LABELS);
    return x;
}

static double share_correct(const sim *x, const lq_consensus *c)
{
    unsigned right = 0;
    for (uint32_t u = 0; u < SIM_UNITS; u++)
        right += c->label[u] == x->truth[u];
    return (double)right / SIM_UNITS;
}

/* The share of each annotator's ratings that match the truth: what the
 * data says about them. With ~500 ratings each it scatters around the
 * simulated parameter by a binomial sd of ~.02, so the worst of 20 is
 * often .05 off the parameter whatever the estimator; compare with this. */
static void realized_accuracy(const sim *x, double *acc)
{
    unsigned hit[SIM_ANNOTATORS] = {0}, seen[SIM_ANNOTATORS] = {0};
    for (size_t i = 0; i < x->r.n; i++) {
        const lq_rating *v = &x->v[i];
        seen[v->annotator]++;
        hit[v->annotator] += v->label == x->truth[v->unit];
    }
    for (int a = 0; a < SIM_ANNOTATORS; a++)
        acc[a] = (double)hit[a] / seen[a];
}

/* Dawid-Skene must recover every annotator's accuracy within 0.05 and
 * label more units correctly than the majority vote. */
static void ds_recovers_simulated_crowd(void **state)
{
    (void)state;
    const double tolerance = 0.05;
    sim *x = simulate(20240611);
    double realized[SIM_ANNOTATORS], worst = 0.0, worst_param = 0.0;
    lq_consensus ds, mv;
    realized_accuracy(x, realized);
    assert_int_equal(lq_dawid_skene(&x->r, NULL, &ds), 0);
    assert_int_equal(lq_majority_vote(&x->r, &mv), 0);
    assert_well_formed(&ds);
    for (int a = 0; a < SIM_ANNOTATORS; a++) {
        worst = fmax(worst, fabs(ds.accuracy[a] - realized[a]));
        worst_param = fmax(worst_param, fabs(ds.accuracy[a] - x->accuracy[a]));
    }
    print_message("worst accuracy error %.4f (%.4f from the simulated parameter); "
                  "correct: DS %.4f, majority %.4f\n",
                  worst, worst_param, share_correct(x, &ds), share_correct(x, &mv));
    assert_true(worst < tolerance);
    assert_true(share_correct(x, &ds) > share_correct(x, &mv));
    assert_near(ds.priors[0], 0.5, 0.05);
    assert_near(ds.priors[3], 0.1, 0.05);
    lq_consensus_free(&ds);
    lq_consensus_free(&mv);
    free(x);
}

/* Same input, same bytes, twice. */
static void ds_is_deterministic(void **state)
{
    (void)state;
    sim *x = simulate(7);
    lq_consensus a, b;
    assert_int_equal(lq_dawid_skene(&x->r, NULL, &a), 0);
    assert_int_equal(lq_dawid_skene(&x->r, NULL, &b), 0);
    size_t k = SIM_LABELS;
    assert_memory_equal(a.label, b.label, SIM_UNITS * sizeof(*a.label));
    assert_memory_equal(a.confidence, b.confidence, SIM_UNITS * sizeof(double));
    assert_memory_equal(a.tie, b.tie, SIM_UNITS * sizeof(bool));
    assert_memory_equal(a.posterior, b.posterior, SIM_UNITS * k * sizeof(double));
    assert_memory_equal(a.priors, b.priors, k * sizeof(double));
    assert_memory_equal(a.confusion, b.confusion, SIM_ANNOTATORS * k * k * sizeof(double));
    assert_memory_equal(a.accuracy, b.accuracy, SIM_ANNOTATORS * sizeof(double));
    assert_int_equal(a.iterations, b.iterations);
    lq_consensus_free(&a);
    lq_consensus_free(&b);
    free(x);
}

/* Dawid and Skene's 1979 data (Table 1): 45 patients, 5 observers, 4
 * classes; observer 1 rated every patient three times. Transcribed as in
 * the widely copied dawid_skene.py (dallascard), one string per patient:
 * observer 1's three ratings, then observers 2-5, classes 1-4. */
static const char *const DS1979[45] = {
    "1111111", "3334334", "1122122", "2223121", "2223222", "2223322", "1222111", "3333433",
    "2222223", "2322223", "4444444", "2223343", "1111111", "2223212", "1211111", "1112111",
    "1111111", "1111111", "2222221", "2221322", "2222222", "2222221", "2223222", "2212222",
    "1111111", "1111111", "2322222", "1111111", "1111111", "1121121", "1111111", "3333233",
    "1111111", "2222222", "2223232", "4334343", "2212232", "2323233", "3333432", "1111111",
    "1111111", "1212111", "2322222", "1211111", "2222222"};

/* The estimated class priors must be a plausible reading of the data: a
 * distribution near the majority vote's label shares (.40, .44, .13, .02),
 * classes 1 and 2 the common ones, class 4 rare but not impossible. No
 * published digits are asserted. */
static void ds_1979_priors_are_plausible(void **state)
{
    (void)state;
    lq_rating v[45 * 7];
    for (uint32_t p = 0; p < 45; p++)
        for (uint32_t i = 0; i < 7; i++)
            v[p * 7 + i] = (lq_rating)R(p, i < 3 ? 0 : i - 2, (uint32_t)(DS1979[p][i] - '1'));
    lq_ratings r = ratings(v, 45 * 7, 45, 5, 4);
    lq_consensus ds, mv;
    assert_int_equal(lq_dawid_skene(&r, NULL, &ds), 0);
    assert_int_equal(lq_majority_vote(&r, &mv), 0);
    assert_well_formed(&ds);
    assert_true(ds.converged);
    double sum = 0.0;
    for (int k = 0; k < 4; k++) {
        sum += ds.priors[k];
        assert_near(ds.priors[k], mv.priors[k], 0.05);
    }
    assert_near(sum, 1.0, 1e-9);
    assert_true(ds.priors[1] > ds.priors[0] && ds.priors[0] > ds.priors[2]);
    assert_true(ds.priors[2] > ds.priors[3] && ds.priors[3] > 0.01);
    print_message("1979 priors %.4f %.4f %.4f %.4f after %u iterations\n", ds.priors[0],
                  ds.priors[1], ds.priors[2], ds.priors[3], ds.iterations);
    lq_consensus_free(&ds);
    lq_consensus_free(&mv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(majority_ties_and_shares),
        cmocka_unit_test(majority_counts_repeated_ratings),
        cmocka_unit_test(ds_one_step_by_hand),
        cmocka_unit_test(ds_counts_repeated_ratings),
        cmocka_unit_test(ds_sparse_annotators_stay_finite),
        cmocka_unit_test(bad_input_is_rejected),
        cmocka_unit_test(ds_recovers_simulated_crowd),
        cmocka_unit_test(ds_is_deterministic),
        cmocka_unit_test(ds_1979_priors_are_plausible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
