/* Agreement metrics: published worked examples, small cases checked by hand,
 * the inputs on which a metric is undefined (an error, never NaN), and how
 * repeated ratings count. tests/quality/crosscheck_agreement.py compares the
 * same functions with NLTK, statsmodels and scikit-learn on random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/agreement.h"

#define MISSING 0
#define MAX_RATINGS 256

/* Ratings built from a table: grid[a * n_units + u] is annotator a's label
 * for unit u plus one, MISSING (0) when a did not rate u. */
typedef struct table {
    lq_rating v[MAX_RATINGS];
    lq_ratings r;
} table;

static void from_grid(table *t, const int *grid, uint32_t n_annotators, uint32_t n_units,
                      uint32_t n_labels, const double *values)
{
    t->r = (lq_ratings){.v = t->v,
                        .n_units = n_units,
                        .n_annotators = n_annotators,
                        .n_labels = n_labels,
                        .values = values};
    for (uint32_t a = 0; a < n_annotators; a++)
        for (uint32_t u = 0; u < n_units; u++)
            if (grid[a * n_units + u] != MISSING)
                t->v[t->r.n++] = (lq_rating){u, a, (uint32_t)grid[a * n_units + u] - 1};
}

static void add(table *t, uint32_t unit, uint32_t annotator, uint32_t label)
{
    t->v[t->r.n++] = (lq_rating){unit, annotator, label};
}

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section
 * E: 4 observers, 12 units, values 1-5, missing data; unit 12 has a single
 * value and is unpairable. */
/* clang-format off */
static const int kripp_grid[4 * 12] = {
    1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0,
    1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3,
    0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0,
    1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0,
};
/* clang-format on */
static const double one_to_five[5] = {1, 2, 3, 4, 5};

static void test_krippendorff_published_example(void **state)
{
    table t;
    double a;

    (void)state;
    from_grid(&t, kripp_grid, 4, 12, 5, one_to_five);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &a), 0);
    assert_float_equal(a, 0.743, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_ORDINAL, &a), 0);
    assert_float_equal(a, 0.815, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_INTERVAL, &a), 0);
    assert_float_equal(a, 0.849, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_RATIO, &a), 0);
    assert_float_equal(a, 0.797, 0.0005);
}

/* Only the order of values matters to ordinal alpha, and an affine change of
 * scale does not move interval alpha. */
static void test_krippendorff_scale_invariance(void **state)
{
    static const double stretched[5] = {-7, 0, 0.5, 100, 101};
    static const double affine[5] = {13, 23, 33, 43, 53};
    table t, s;
    double a, b;

    (void)state;
    from_grid(&t, kripp_grid, 4, 12, 5, one_to_five);
    from_grid(&s, kripp_grid, 4, 12, 5, stretched);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_ORDINAL, &a), 0);
    assert_int_equal(lq_krippendorff_alpha(&s.r, LQ_METRIC_ORDINAL, &b), 0);
    assert_float_equal(a, b, 1e-12);
    s.r.values = affine;
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_INTERVAL, &a), 0);
    assert_int_equal(lq_krippendorff_alpha(&s.r, LQ_METRIC_INTERVAL, &b), 0);
    assert_float_equal(a, b, 1e-12);
}

/* Two annotators, units (0,0) (0,0) (0,1) (1,1): n = 8 pairable values,
 * n_0 = 5, n_1 = 3; o_01 = o_10 = 1, so D_o = 2/8, D_e = 2*5*3/(8*7) = 15/28
 * and alpha = 1 - (1/4)/(15/28) = 8/15. */
static void test_krippendorff_by_hand(void **state)
{
    static const int grid[2 * 4] = {1, 1, 1, 2, 1, 1, 2, 2};
    table t;
    double a;

    (void)state;
    from_grid(&t, grid, 2, 4, 2, NULL);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &a), 0);
    assert_float_equal(a, 8.0 / 15.0, 1e-12);
}

/* Wikipedia's Fleiss' kappa example: 10 subjects, 14 raters, 5 categories;
 * kappa = 0.210. */
/* clang-format off */
static const int fleiss_counts[10][5] = {
    {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0},
    {2, 2, 8, 1, 1},  {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2},
    {6, 5, 2, 1, 0},  {0, 2, 2, 3, 7},
};
/* clang-format on */

static void test_fleiss_published_example(void **state)
{
    table t = {0};
    double k;

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 10, .n_annotators = 14, .n_labels = 5};
    for (uint32_t u = 0; u < 10; u++) {
        uint32_t rater = 0;

        for (uint32_t c = 0; c < 5; c++)
            for (int i = 0; i < fleiss_counts[u][c]; i++)
                add(&t, u, rater++, c);
    }
    assert_int_equal(t.r.n, 140);
    assert_int_equal(lq_fleiss_kappa(&t.r, &k), 0);
    assert_float_equal(k, 0.210, 0.0005);
}

/* Wikipedia's Cohen's kappa example: 50 proposals, both yes 20, A yes B no 5,
 * A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4. */
static void test_cohen_published_example(void **state)
{
    table t = {0};
    double k;
    uint32_t u = 0;

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 50, .n_annotators = 2, .n_labels = 2};
    for (; u < 20; u++)
        add(&t, u, 0, 0), add(&t, u, 1, 0);
    for (; u < 25; u++)
        add(&t, u, 0, 0), add(&t, u, 1, 1);
    for (; u < 35; u++)
        add(&t, u, 0, 1), add(&t, u, 1, 0);
    for (; u < 50; u++)
        add(&t, u, 0, 1), add(&t, u, 1, 1);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_NONE, &k), 0);
    assert_float_equal(k, 0.4, 1e-12);
}

/* A: 0 1 2 0, B: 0 2 2 1. Rows (2,1,1), columns (1,1,2).
 * Unweighted: p_o = 1/2, p_e = 5/16, kappa = 3/11.
 * Linear: observed weight 2, expected sum 16, kappa = 1 - 4*2/16 = 1/2.
 * Quadratic: 2 and 26, kappa = 9/13. With values 0, 1, 3 the quadratic
 * weights follow the values: 5 and 60, kappa = 2/3. */
static void test_cohen_weighted_by_hand(void **state)
{
    static const int grid[2 * 4] = {1, 2, 3, 1, 1, 3, 3, 2};
    static const double spaced[3] = {0, 1, 3};
    table t;
    double k;

    (void)state;
    from_grid(&t, grid, 2, 4, 3, NULL);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_NONE, &k), 0);
    assert_float_equal(k, 3.0 / 11.0, 1e-12);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_LINEAR, &k), 0);
    assert_float_equal(k, 0.5, 1e-12);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_QUADRATIC, &k), 0);
    assert_float_equal(k, 9.0 / 13.0, 1e-12);
    t.r.values = spaced;
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_QUADRATIC, &k), 0);
    assert_float_equal(k, 2.0 / 3.0, 1e-12);
}

/* Three annotators; 0 and 1 share units 0-3 and agree on 3, 0 and 2 share
 * units 0-1 and agree on 1, 1 and 2 share units 0-1 and agree on 2.
 * Annotator 3 rated unit 4 alone, so shares nothing with anyone. */
static void test_percent_and_pairwise_by_hand(void **state)
{
    /* clang-format off */
    static const int grid[4 * 5] = {
        1, 2, 1, 1, 0,
        1, 1, 1, 1, 0,
        1, 1, 0, 0, 0,
        0, 0, 0, 0, 2,
    };
    /* clang-format on */
    table t;
    double p, m[16];

    (void)state;
    from_grid(&t, grid, 4, 5, 2, NULL);
    assert_int_equal(lq_percent_agreement(&t.r, &p), 0);
    assert_float_equal(p, (0.75 + 0.5 + 1.0) / 3.0, 1e-12);
    assert_int_equal(lq_pairwise_agreement(&t.r, m), 0);
    assert_float_equal(m[0 * 4 + 1], 0.75, 1e-12);
    assert_float_equal(m[1 * 4 + 0], 0.75, 1e-12);
    assert_float_equal(m[0 * 4 + 2], 0.5, 1e-12);
    assert_float_equal(m[1 * 4 + 2], 1.0, 1e-12);
    assert_float_equal(m[0 * 4 + 3], -1.0, 0);
    assert_float_equal(m[3 * 4 + 2], -1.0, 0);
    for (int a = 0; a < 4; a++)
        assert_float_equal(m[a * 4 + a], 1.0, 0);
}

static void test_item_agreement_by_hand(void **state)
{
    table t = {0};
    double out[4];

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 4, .n_annotators = 3, .n_labels = 3};
    add(&t, 0, 0, 0), add(&t, 0, 1, 0), add(&t, 0, 2, 1); /* 2 of 6 pairs agree */
    add(&t, 1, 0, 2);                                     /* one rating */
    add(&t, 2, 0, 1), add(&t, 2, 2, 1);                   /* full agreement */
    assert_int_equal(lq_item_agreement(&t.r, out), 0);
    assert_float_equal(out[0], 1.0 / 3.0, 1e-12);
    assert_float_equal(out[1], -1.0, 0);
    assert_float_equal(out[2], 1.0, 0);
    assert_float_equal(out[3], -1.0, 0); /* no ratings at all */
}

/* An annotator who rated a single item still counts: in alpha that item is
 * one more pairable unit, in Cohen a single shared unit is enough when the
 * labels differ (p_o = p_e = 0, kappa 0). */
static void test_annotator_with_one_item(void **state)
{
    /* clang-format off */
    static const int grid[3 * 4] = {
        1, 2, 1, 2,
        1, 2, 2, 2,
        2, 0, 0, 0,
    };
    /* clang-format on */
    table t, pair = {0};
    double a, k, m[9];

    (void)state;
    from_grid(&t, grid, 3, 4, 2, NULL);
    /* Values per unit {0,0,1} {1,1} {0,1} {1,1}: n = 9, n_0 = 3, n_1 = 6;
     * O = 2*2*1/2 + 2/1 = 4, E = 2*3*6 = 36; alpha = 1 - 8*4/36 = 1/9. */
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &a), 0);
    assert_float_equal(a, 1.0 / 9.0, 1e-12);
    assert_int_equal(lq_pairwise_agreement(&t.r, m), 0);
    assert_float_equal(m[0 * 3 + 2], 0.0, 0);
    pair.r = (lq_ratings){.v = pair.v, .n_units = 4, .n_annotators = 3, .n_labels = 2};
    add(&pair, 0, 0, 0), add(&pair, 1, 0, 1), add(&pair, 0, 2, 1);
    assert_int_equal(lq_cohen_kappa(&pair.r, LQ_WEIGHTS_NONE, &k), 0);
    assert_float_equal(k, 0.0, 1e-12);
}

/* Annotator 0 rated unit 0 twice (label 0, then 1). Pairwise measures use the
 * first rating; alpha, Fleiss and item agreement count both. */
static void test_repeated_ratings(void **state)
{
    table t = {0};
    double k, p, item[2], a;

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 2, .n_annotators = 2, .n_labels = 2};
    add(&t, 0, 0, 0), add(&t, 0, 1, 0), add(&t, 0, 0, 1);
    add(&t, 1, 0, 1), add(&t, 1, 1, 1);
    assert_int_equal(lq_percent_agreement(&t.r, &p), 0);
    assert_float_equal(p, 1.0, 0);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_NONE, &k), 0);
    assert_float_equal(k, 1.0, 1e-12);
    assert_int_equal(lq_item_agreement(&t.r, item), 0);
    assert_float_equal(item[0], 1.0 / 3.0, 1e-12);
    /* Units {0,0,1} {1,1}: n = 5, n_0 = 2, n_1 = 3; O = 4/2 = 2,
     * E = 2*2*3 = 12; alpha = 1 - 4*2/12 = 1/3. */
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &a), 0);
    assert_float_equal(a, 1.0 / 3.0, 1e-12);
    /* Three ratings for unit 0, two for unit 1. */
    assert_int_equal(lq_fleiss_kappa(&t.r, &k), LQ_EBADREQ);
}

static void test_errors(void **state)
{
    table t = {0};
    double x;

    (void)state;
    from_grid(&t, kripp_grid, 4, 12, 5, NULL);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_NONE, &x), LQ_EBADREQ); /* 4 annotators */
    assert_int_equal(lq_fleiss_kappa(&t.r, &x), LQ_EBADREQ); /* 3 or 4 ratings a unit */
    for (lq_metric m = LQ_METRIC_ORDINAL; m <= LQ_METRIC_RATIO; m++)
        assert_int_equal(lq_krippendorff_alpha(&t.r, m, &x), LQ_EBADREQ); /* no values */

    /* Every unit rated once: nothing is pairable. */
    t.r = (lq_ratings){.v = t.v, .n_units = 3, .n_annotators = 3, .n_labels = 2};
    t.r.n = 0;
    add(&t, 0, 0, 0), add(&t, 1, 1, 1), add(&t, 2, 2, 0);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &x), LQ_EBADREQ);
    assert_int_equal(lq_percent_agreement(&t.r, &x), LQ_EBADREQ);
    assert_int_equal(lq_fleiss_kappa(&t.r, &x), LQ_EBADREQ);

    /* Two annotators who never meet. */
    t.r.n = 0;
    add(&t, 0, 0, 0), add(&t, 1, 1, 1);
    assert_int_equal(lq_cohen_kappa(&t.r, LQ_WEIGHTS_NONE, &x), LQ_EBADREQ);

    /* A label outside the declared range. */
    add(&t, 2, 0, 7);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &x), LQ_EBADREQ);
    assert_int_equal(lq_item_agreement(&t.r, &x), LQ_EBADREQ);

    /* Ratio needs a true zero: negative values are rejected. */
    static const double negative[2] = {-1, 1};
    t.r.n = 0;
    t.r.values = negative;
    add(&t, 0, 0, 0), add(&t, 0, 1, 1), add(&t, 1, 0, 1), add(&t, 1, 1, 1);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_RATIO, &x), LQ_EBADREQ);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_INTERVAL, &x), 0);
}

/* When nobody varies, chance agreement is total and every chance-corrected
 * metric is undefined: an error, not NaN or a made-up 1. */
static void test_no_variation_is_an_error(void **state)
{
    static const double same[2] = {3, 3};
    table t = {0};
    double x;

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 3, .n_annotators = 2, .n_labels = 2};
    add(&t, 0, 0, 1), add(&t, 0, 1, 1), add(&t, 1, 0, 1), add(&t, 1, 1, 1);
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &x), LQ_EBADREQ);
    assert_int_equal(lq_fleiss_kappa(&t.r, &x), LQ_EBADREQ);
    for (lq_kappa_weights w = LQ_WEIGHTS_NONE; w <= LQ_WEIGHTS_QUADRATIC; w++)
        assert_int_equal(lq_cohen_kappa(&t.r, w, &x), LQ_EBADREQ);
    assert_int_equal(lq_percent_agreement(&t.r, &x), 0);
    assert_float_equal(x, 1.0, 0);
    /* Two labels with the same value do not vary on a numeric scale. */
    add(&t, 2, 0, 0), add(&t, 2, 1, 1);
    t.r.values = same;
    assert_int_equal(lq_krippendorff_alpha(&t.r, LQ_METRIC_NOMINAL, &x), 0);
    for (lq_metric m = LQ_METRIC_ORDINAL; m <= LQ_METRIC_RATIO; m++)
        assert_int_equal(lq_krippendorff_alpha(&t.r, m, &x), LQ_EBADREQ);
}

/* Degenerate shapes (empty, one rating, zero units or labels): every metric
 * either fails with LQ_EBADREQ or returns a finite number. */
static void check_finite_or_badreq(const lq_ratings *r)
{
    double x, out[64];
    int rc;

    rc = lq_percent_agreement(r, &x);
    assert_true(rc == LQ_EBADREQ || (rc == 0 && isfinite(x)));
    rc = lq_fleiss_kappa(r, &x);
    assert_true(rc == LQ_EBADREQ || (rc == 0 && isfinite(x)));
    for (lq_kappa_weights w = LQ_WEIGHTS_NONE; w <= LQ_WEIGHTS_QUADRATIC; w++) {
        rc = lq_cohen_kappa(r, w, &x);
        assert_true(rc == LQ_EBADREQ || (rc == 0 && isfinite(x)));
    }
    for (lq_metric m = LQ_METRIC_NOMINAL; m <= LQ_METRIC_RATIO; m++) {
        rc = lq_krippendorff_alpha(r, m, &x);
        assert_true(rc == LQ_EBADREQ || (rc == 0 && isfinite(x)));
    }
    assert_int_equal(lq_item_agreement(r, out), 0);
    for (uint32_t u = 0; u < r->n_units; u++)
        assert_true(isfinite(out[u]));
    assert_int_equal(lq_pairwise_agreement(r, out), 0);
    for (uint32_t i = 0; i < r->n_annotators * r->n_annotators; i++)
        assert_true(isfinite(out[i]));
}

static void test_degenerate_inputs_never_nan(void **state)
{
    static const double values[3] = {0, 0, 2};
    table t = {0};

    (void)state;
    t.r = (lq_ratings){.v = t.v};
    check_finite_or_badreq(&t.r);
    t.r = (lq_ratings){.v = t.v, .n_units = 2, .n_annotators = 2, .n_labels = 3};
    check_finite_or_badreq(&t.r);
    add(&t, 0, 0, 2);
    check_finite_or_badreq(&t.r);
    t.r.values = values;
    add(&t, 0, 1, 0), add(&t, 1, 1, 1), add(&t, 1, 0, 1);
    check_finite_or_badreq(&t.r);
    add(&t, 1, 0, 0), add(&t, 0, 0, 1);
    check_finite_or_badreq(&t.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_krippendorff_published_example),
        cmocka_unit_test(test_krippendorff_scale_invariance),
        cmocka_unit_test(test_krippendorff_by_hand),
        cmocka_unit_test(test_fleiss_published_example),
        cmocka_unit_test(test_cohen_published_example),
        cmocka_unit_test(test_cohen_weighted_by_hand),
        cmocka_unit_test(test_percent_and_pairwise_by_hand),
        cmocka_unit_test(test_item_agreement_by_hand),
        cmocka_unit_test(test_annotator_with_one_item),
        cmocka_unit_test(test_repeated_ratings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_no_variation_is_an_error),
        cmocka_unit_test(test_degenerate_inputs_never_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
