/* Numeric ratings (quality/numeric_consensus.h): median and MAD by hand,
 * per-unit consensus, interval and ratio alpha on raw doubles (the
 * published example, a ratio case by hand, agreement with the
 * integer-coded lq_krippendorff_alpha) and the rejected inputs.
 * tests/quality/crosscheck_numeric.py compares them with numpy, scipy and
 * NLTK on random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/numeric_consensus.h"

typedef struct table {
    lq_numeric_rating v[64];
    lq_numeric_ratings r;
} table;

static void add(table *t, uint32_t unit, uint32_t annotator, double value)
{
    t->v[t->r.n++] = (lq_numeric_rating){unit, annotator, value};
}

static void test_median_and_mad(void **state)
{
    double odd[3] = {3, 1, 2}, even[4] = {4, 1, 3, 2}, one[1] = {-7.5};
    /* Wikipedia's MAD example: 1 1 2 2 4 6 9 has median 2, deviations
     * 1 1 0 0 2 4 7, whose median is 1. */
    double wiki[7] = {1, 1, 2, 2, 4, 6, 9};
    double bad[2] = {1, NAN}, inf[2] = {INFINITY, 1};
    double m, mad;

    (void)state;
    assert_int_equal(lq_median(odd, 3, &m), 0);
    assert_float_equal(m, 2.0, 0);
    assert_int_equal(lq_median(even, 4, &m), 0);
    assert_float_equal(m, 2.5, 0); /* the mean of 2 and 3 */
    assert_int_equal(lq_median(one, 1, &m), 0);
    assert_float_equal(m, -7.5, 0);
    assert_int_equal(lq_median_mad(wiki, 7, &m, &mad), 0);
    assert_float_equal(m, 2.0, 0);
    assert_float_equal(mad, 1.0, 0);
    /* 4 1 3 2: median 2.5, deviations 1.5 1.5 0.5 0.5, MAD 1. */
    even[0] = 4, even[1] = 1, even[2] = 3, even[3] = 2;
    assert_int_equal(lq_median_mad(even, 4, &m, &mad), 0);
    assert_float_equal(mad, 1.0, 0);
    assert_int_equal(lq_median(odd, 0, &m), LQ_EBADREQ);
    assert_int_equal(lq_median(bad, 2, &m), LQ_EBADREQ);
    assert_int_equal(lq_median_mad(inf, 2, &m, &mad), LQ_EBADREQ);
}

static void test_consensus_per_unit(void **state)
{
    table t = {0};
    double median[3], mad[3];
    uint32_t count[3];

    (void)state;
    t.r = (lq_numeric_ratings){.v = t.v, .n_units = 3, .n_annotators = 3};
    /* Unit 0: 10 12 30 -> median 12, deviations 2 0 18, MAD 2.
     * Unit 2: 5.5 alone -> 5.5, MAD 0. Unit 1 unrated. Interleaved on
     * purpose: grouping must not depend on the input order. */
    add(&t, 0, 0, 10), add(&t, 2, 0, 5.5), add(&t, 0, 1, 30), add(&t, 0, 2, 12);
    assert_int_equal(lq_numeric_consensus(&t.r, median, mad, count), 0);
    assert_float_equal(median[0], 12.0, 0);
    assert_float_equal(mad[0], 2.0, 0);
    assert_int_equal(count[0], 3);
    assert_float_equal(median[1], 0.0, 0);
    assert_float_equal(mad[1], 0.0, 0);
    assert_int_equal(count[1], 0);
    assert_float_equal(median[2], 5.5, 0);
    assert_float_equal(mad[2], 0.0, 0);
    assert_int_equal(count[2], 1);
}

/* Krippendorff (2011), section E, as raw doubles. */
/* clang-format off */
static const int kripp_grid[4 * 12] = {
    1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0,
    1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3,
    0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0,
    1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0,
};
/* clang-format on */

static void kripp_table(table *t, double scale, double shift)
{
    t->r = (lq_numeric_ratings){.v = t->v, .n_units = 12, .n_annotators = 4};
    t->r.n = 0;
    for (uint32_t a = 0; a < 4; a++)
        for (uint32_t u = 0; u < 12; u++)
            if (kripp_grid[a * 12 + u])
                add(t, u, a, kripp_grid[a * 12 + u] * scale + shift);
}

static void test_alpha_published_and_integer_coded(void **state)
{
    static const double one_to_five[5] = {1, 2, 3, 4, 5};
    table t = {0};
    lq_alpha_result res, moved;
    lq_rating coded[64];
    lq_ratings lr = {
        .v = coded, .n_units = 12, .n_annotators = 4, .n_labels = 5, .values = one_to_five};
    double ref;

    (void)state;
    kripp_table(&t, 1.0, 0.0);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), 0);
    assert_float_equal(res.alpha, 0.849, 0.0005);
    assert_int_equal(res.n_pairable, 40);
    assert_int_equal(res.n_distinct, 5);
    for (size_t i = 0; i < t.r.n; i++)
        coded[i] = (lq_rating){t.v[i].unit, t.v[i].annotator, (uint32_t)t.v[i].value - 1};
    lr.n = t.r.n;
    assert_int_equal(lq_krippendorff_alpha(&lr, LQ_METRIC_INTERVAL, &ref), 0);
    assert_float_equal(res.alpha, ref, 1e-12);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_RATIO, &res), 0);
    assert_float_equal(res.alpha, 0.797, 0.0005);
    assert_int_equal(lq_krippendorff_alpha(&lr, LQ_METRIC_RATIO, &ref), 0);
    assert_float_equal(res.alpha, ref, 1e-12);
    /* Interval alpha does not move under an affine change of scale, with
     * values that are no longer integers. */
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), 0);
    kripp_table(&t, 0.37, -12.25);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &moved), 0);
    assert_float_equal(moved.alpha, res.alpha, 1e-12);
}

/* Ratio by hand: units {1, 3} and {2, 2}; n = 4.
 * delta(1,3) = (2/4)^2 = 1/4, delta(1,2) = 1/9, delta(2,3) = 1/25.
 * O = 2 * 1/4 = 1/2, D_o = 1/8.
 * E = 2 (1*2/9 + 1*1/4 + 2*1/25) = 497/450, D_e = 497/5400.
 * alpha = 1 - (1/8) / (497/5400) = 1 - 675/497 = -178/497: worse than
 * chance, which alpha may be. Interval on the same: O = 2*4 = 8, D_o = 2;
 * mean 2, ss = 2, D_e = 2*4*2/12 = 4/3; alpha = 1 - 2/(4/3) = -1/2. */
static void test_alpha_by_hand(void **state)
{
    table t = {0};
    lq_alpha_result res;

    (void)state;
    t.r = (lq_numeric_ratings){.v = t.v, .n_units = 3, .n_annotators = 2};
    add(&t, 0, 0, 1), add(&t, 0, 1, 3), add(&t, 1, 0, 2), add(&t, 1, 1, 2);
    add(&t, 2, 0, 100); /* unpairable: ignored */
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_RATIO, &res), 0);
    assert_float_equal(res.alpha, -178.0 / 497.0, 1e-12);
    assert_int_equal(res.n_pairable, 4);
    assert_int_equal(res.n_distinct, 3);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), 0);
    assert_float_equal(res.alpha, -0.5, 1e-12);
    assert_float_equal(res.observed, 2.0, 1e-12);
    assert_float_equal(res.expected, 4.0 / 3.0, 1e-12);
}

static void test_rejected(void **state)
{
    table t = {0};
    lq_alpha_result res;
    double median[2], mad[2];
    uint32_t count[2];

    (void)state;
    t.r = (lq_numeric_ratings){.v = t.v, .n_units = 2, .n_annotators = 2};
    add(&t, 0, 0, 1), add(&t, 0, 1, 1), add(&t, 1, 0, 1), add(&t, 1, 1, 1);
    /* All equal: D_e = 0, undefined. */
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), LQ_EBADREQ);
    assert_true(res.alpha == 0.0);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_RATIO, &res), LQ_EBADREQ);
    /* Only interval and ratio make sense on raw numbers. */
    t.v[3].value = 2;
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), 0);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_NOMINAL, &res), LQ_EBADREQ);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_ORDINAL, &res), LQ_EBADREQ);
    /* Ratio needs a true zero. */
    t.v[0].value = -1;
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_RATIO, &res), LQ_EBADREQ);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), 0);
    /* Not finite, out of range. */
    t.v[0].value = NAN;
    assert_int_equal(lq_numeric_ratings_check(&t.r), LQ_EBADREQ);
    assert_int_equal(lq_numeric_consensus(&t.r, median, mad, count), LQ_EBADREQ);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), LQ_EBADREQ);
    t.v[0].value = 1;
    t.v[1].annotator = 2;
    assert_int_equal(lq_numeric_consensus(&t.r, median, mad, count), LQ_EBADREQ);
    /* Every unit rated once: nothing pairable. */
    t.r.n = 0;
    add(&t, 0, 0, 1), add(&t, 1, 0, 2);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_INTERVAL, &res), LQ_EBADREQ);
    assert_int_equal(lq_numeric_alpha(&t.r, LQ_METRIC_RATIO, &res), LQ_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_and_mad),
        cmocka_unit_test(test_consensus_per_unit),
        cmocka_unit_test(test_alpha_published_and_integer_coded),
        cmocka_unit_test(test_alpha_by_hand),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
