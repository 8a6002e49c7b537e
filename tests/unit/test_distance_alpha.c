/* Krippendorff's alpha with a caller's distance (quality/distance_alpha.h):
 * the published example through the generic path, a case worked by hand
 * with a non-standard distance, how often the distance is called, the
 * undefined cases, bad callbacks, and the sampled D_e beyond the limit of
 * distinct values (close to the exact one, and the same on every run). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/distance_alpha.h"

#define MAX_RATINGS 4096

typedef struct table {
    lq_rating v[MAX_RATINGS];
    lq_ratings r;
} table;

static void add(table *t, uint32_t unit, uint32_t annotator, uint32_t label)
{
    t->v[t->r.n++] = (lq_rating){unit, annotator, label};
}

/* The callbacks: ctx is the values (label -> number) where one is needed. */
typedef struct counted {
    const double *x;
    unsigned calls;
    unsigned same; /* calls with a == b, which must never happen */
} counted;

static double nominal(void *ctx, uint32_t a, uint32_t b)
{
    counted *c = ctx;

    c->calls++;
    c->same += a == b;
    return 1.0;
}

static double squared(void *ctx, uint32_t a, uint32_t b)
{
    counted *c = ctx;

    c->calls++;
    c->same += a == b;
    return (c->x[a] - c->x[b]) * (c->x[a] - c->x[b]);
}

static double absolute(void *ctx, uint32_t a, uint32_t b)
{
    counted *c = ctx;

    c->calls++;
    c->same += a == b;
    return fabs(c->x[a] - c->x[b]);
}

static double ratio(void *ctx, uint32_t a, uint32_t b)
{
    counted *c = ctx;
    double d = (c->x[a] - c->x[b]) / (c->x[a] + c->x[b]);

    c->calls++;
    return d * d;
}

/* Krippendorff (2011), section E; see test_agreement.c. */
/* clang-format off */
static const int kripp_grid[4 * 12] = {
    1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0,
    1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3,
    0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0,
    1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0,
};
/* clang-format on */
static const double one_to_five[5] = {1, 2, 3, 4, 5};

static void kripp_table(table *t)
{
    t->r = (lq_ratings){.v = t->v, .n_units = 12, .n_annotators = 4, .n_labels = 5};
    for (uint32_t a = 0; a < 4; a++)
        for (uint32_t u = 0; u < 12; u++)
            if (kripp_grid[a * 12 + u])
                add(t, u, a, (uint32_t)kripp_grid[a * 12 + u] - 1);
}

/* The published nominal 0.743, interval 0.849 and ratio 0.797, and the
 * same numbers as lq_krippendorff_alpha to the last bits that matter. */
static void test_published_example(void **state)
{
    table t = {0};
    counted c = {.x = one_to_five};
    lq_alpha_result res;
    double ref;

    (void)state;
    kripp_table(&t);
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), 0);
    assert_float_equal(res.alpha, 0.743, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &ref), 0);
    assert_float_equal(res.alpha, ref, 1e-12);
    /* Unit 12 has one value: 40 pairable of 41 ratings, five values. */
    assert_int_equal(res.n_pairable, 40);
    assert_int_equal(res.n_distinct, 5);
    assert_false(res.sampled);
    assert_int_equal(c.same, 0);

    t.r.values = one_to_five;
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, NULL, &res), 0);
    assert_float_equal(res.alpha, 0.849, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_INTERVAL, &ref), 0);
    assert_float_equal(res.alpha, ref, 1e-12);
    assert_int_equal(lq_distance_alpha(&t.r, ratio, &c, NULL, &res), 0);
    assert_float_equal(res.alpha, 0.797, 0.0005);
    assert_int_equal(c.same, 0);
}

/* delta = |a - b| (not squared: any distance works) on values 0, 1, 2.
 * Units {0,1} {0,0} {2,1,1}: n = 7, n_0 = 3, n_1 = 3, n_2 = 1.
 * O = 2*1/1 (unit 0) + 2*2*1/2 (unit 2) = 4, D_o = 4/7.
 * E = 2 (3*3*1 + 3*1*2 + 3*1*1) = 36, D_e = 36/42 = 6/7.
 * alpha = 1 - (4/7)/(6/7) = 1/3. Calls: (0,1) in unit 0, (1,2) in unit 2,
 * three pairs for D_e: 5, never a value with itself. */
static void test_by_hand(void **state)
{
    static const double x[3] = {0, 1, 2};
    table t = {0};
    counted c = {.x = x};
    lq_alpha_result res;

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 3, .n_annotators = 3, .n_labels = 3};
    add(&t, 0, 0, 0), add(&t, 0, 1, 1);
    add(&t, 1, 0, 0), add(&t, 1, 1, 0);
    add(&t, 2, 0, 2), add(&t, 2, 1, 1), add(&t, 2, 2, 1);
    assert_int_equal(lq_distance_alpha(&t.r, absolute, &c, NULL, &res), 0);
    assert_float_equal(res.alpha, 1.0 / 3.0, 1e-12);
    assert_float_equal(res.observed, 4.0 / 7.0, 1e-12);
    assert_float_equal(res.expected, 6.0 / 7.0, 1e-12);
    assert_int_equal(res.n_pairable, 7);
    assert_int_equal(res.n_distinct, 3);
    assert_int_equal(c.calls, 5);
    assert_int_equal(c.same, 0);

    /* A unit rated once changes nothing; a repeated rating by the same
     * annotator counts like any other: unit 1 becomes {0,0,2}, n = 8,
     * n_0 = 3, n_1 = 3, n_2 = 2. O = 2 + 2 + 2*2*2/2 = 8, D_o = 1;
     * E = 2 (9 + 3*2*2 + 3*2*1) = 54, D_e = 54/56; alpha = 1 - 56/54. */
    add(&t, 1, 0, 2);
    assert_int_equal(lq_distance_alpha(&t.r, absolute, &c, NULL, &res), 0);
    assert_float_equal(res.alpha, 1.0 - 56.0 / 54.0, 1e-12);
}

static double negative(void *ctx, uint32_t a, uint32_t b)
{
    (void)ctx;
    return a < b ? -1.0 : 1.0;
}

static double not_a_number(void *ctx, uint32_t a, uint32_t b)
{
    (void)ctx, (void)a, (void)b;
    return NAN;
}

static double zero(void *ctx, uint32_t a, uint32_t b)
{
    (void)ctx, (void)a, (void)b;
    return 0.0;
}

static void test_undefined_and_errors(void **state)
{
    table t = {0};
    counted c = {.x = one_to_five};
    lq_distance_alpha_options o;
    lq_alpha_result res;

    (void)state;
    /* Every unit rated once: nothing is pairable. */
    t.r = (lq_ratings){.v = t.v, .n_units = 3, .n_annotators = 2, .n_labels = 2};
    add(&t, 0, 0, 0), add(&t, 1, 1, 1), add(&t, 2, 0, 0);
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), LQ_EBADREQ);
    assert_true(res.alpha == 0.0); /* zeroed, never NaN */
    /* All pairable values equal: D_e = 0. */
    add(&t, 0, 1, 0);
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), LQ_EBADREQ);
    /* Two values, but the distance says they are the same. */
    add(&t, 1, 0, 1), add(&t, 2, 1, 1);
    assert_int_equal(lq_distance_alpha(&t.r, zero, NULL, NULL, &res), LQ_EBADREQ);
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), 0);
    /* Bad distances, bad options, bad ratings. */
    assert_int_equal(lq_distance_alpha(&t.r, negative, NULL, NULL, &res), LQ_EBADREQ);
    assert_int_equal(lq_distance_alpha(&t.r, not_a_number, NULL, NULL, &res), LQ_EBADREQ);
    assert_int_equal(lq_distance_alpha(&t.r, NULL, NULL, NULL, &res), LQ_EBADREQ);
    lq_distance_alpha_options_default(&o);
    o.sample_pairs = 0;
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, &o, &res), LQ_EBADREQ);
    add(&t, 2, 1, 2); /* label 2 of 2 */
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), LQ_EBADREQ);
    /* Nothing at all. */
    t.r = (lq_ratings){.v = t.v};
    assert_int_equal(lq_distance_alpha(&t.r, nominal, &c, NULL, &res), LQ_EBADREQ);
}

/* xorshift64*, so the test data is fixed. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* 1000 units of 3 ratings, each a value in [0, 1) near the unit's own
 * "truth" (so alpha is well above 0), nearly all distinct: k is close to
 * n = 3000. */
static void many_values(table *t, double *x)
{
    uint64_t s = 12345;

    t->r = (lq_ratings){.v = t->v, .n_units = 1000, .n_annotators = 3, .n_labels = 3000};
    for (uint32_t u = 0; u < 1000; u++) {
        double truth = (double)(next_random(&s) % 1000000) / 1e6;

        for (uint32_t a = 0; a < 3; a++) {
            double noise = ((double)(next_random(&s) % 1000000) / 1e6 - 0.5) * 0.3;

            x[u * 3 + a] = truth + noise;
            add(t, u, a, u * 3 + a);
        }
    }
}

/* By default D_e is exact however many distinct values there are. With a
 * limit (text alpha sets one), beyond it D_e is sampled: flagged, within a
 * few standard errors of the exact value (the error on alpha is about
 * (1 - alpha) times the relative error on D_e, here ~0.3% or less, so 0.01
 * is several sigmas), bit-identical on a second run, and the observed part
 * is exact either way. At the limit itself D_e is still exact. */
static void test_sampled_expected_disagreement(void **state)
{
    static table t;
    static double x[3000];
    counted c = {.x = x};
    lq_distance_alpha_options o;
    lq_alpha_result exact, sampled, again, other_seed;

    (void)state;
    many_values(&t, x);
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, NULL, &exact), 0);
    assert_false(exact.sampled);
    assert_int_equal(exact.n_distinct, 3000);
    assert_true(exact.alpha > 0.5 && exact.alpha < 1.0);

    lq_distance_alpha_options_default(&o);
    assert_int_equal(o.max_exact_values, UINT32_MAX);
    o.max_exact_values = 1024;
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, &o, &sampled), 0);
    assert_true(sampled.sampled);
    assert_float_equal(sampled.observed, exact.observed, 1e-15);
    assert_float_equal(sampled.alpha, exact.alpha, 0.01);
    assert_true(sampled.alpha != exact.alpha); /* it really was a sample */
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, &o, &again), 0);
    assert_memory_equal(&sampled.alpha, &again.alpha, sizeof(double));
    o.seed = 7;
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, &o, &other_seed), 0);
    assert_true(other_seed.alpha != sampled.alpha);
    assert_float_equal(other_seed.alpha, exact.alpha, 0.01);

    o.max_exact_values = 3000;
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, &o, &again), 0);
    assert_false(again.sampled);
    assert_memory_equal(&again.alpha, &exact.alpha, sizeof(double));
    o.max_exact_values = 2999;
    assert_int_equal(lq_distance_alpha(&t.r, squared, &c, &o, &again), 0);
    assert_true(again.sampled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_example),
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_undefined_and_errors),
        cmocka_unit_test(test_sampled_expected_disagreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
