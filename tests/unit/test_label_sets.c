/* Multi-label agreement and consensus (quality/label_sets.h): MASI and
 * Jaccard distances on hand-checked sets (NLTK's documented example among
 * them), set alpha and per-label alpha worked out by hand, per-label
 * Dawid-Skene against lq_dawid_skene run by hand on the 0/1 ratings, and
 * the rejected inputs. tests/quality/crosscheck_sets.py compares the same
 * functions with NLTK on random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/label_sets.h"

#define A (UINT64_C(1) << 0)
#define B (UINT64_C(1) << 1)
#define C (UINT64_C(1) << 2)
#define D (UINT64_C(1) << 3)

typedef struct sets {
    lq_set_rating v[64];
    lq_set_ratings r;
} sets;

static void add(sets *s, uint32_t unit, uint32_t annotator, uint64_t labels)
{
    s->v[s->r.n++] = (lq_set_rating){unit, annotator, labels};
}

static void test_distances_by_hand(void **state)
{
    (void)state;
    /* A subset: 1 - 2/4 * 2/3 = 2/3 (Passonneau's constants; NLTK's
     * docstring has 0.665 from its rounded 0.67). Jaccard: 1 - 2/4. */
    assert_float_equal(lq_masi_distance(A | B, A | B | C | D), 2.0 / 3.0, 1e-12);
    assert_float_equal(lq_jaccard_distance(A | B, A | B | C | D), 0.5, 1e-12);
    /* Symmetric. */
    assert_float_equal(lq_masi_distance(A | B | C | D, A | B), 2.0 / 3.0, 1e-12);
    /* Overlapping, neither a subset: 1 - 1/3 * 1/3 = 8/9; Jaccard 2/3. */
    assert_float_equal(lq_masi_distance(A | B, B | C), 8.0 / 9.0, 1e-12);
    assert_float_equal(lq_jaccard_distance(A | B, B | C), 2.0 / 3.0, 1e-12);
    /* Disjoint: 1 for both; equal: 0 for both. */
    assert_float_equal(lq_masi_distance(A, B | C), 1.0, 0);
    assert_float_equal(lq_jaccard_distance(A, B | C), 1.0, 0);
    assert_float_equal(lq_masi_distance(A | C, A | C), 0.0, 0);
    assert_float_equal(lq_jaccard_distance(A | C, A | C), 0.0, 0);
    /* Empty sets: two empty ones agree (NLTK raises ZeroDivisionError);
     * empty against non-empty is as far as it gets. */
    assert_float_equal(lq_masi_distance(0, 0), 0.0, 0);
    assert_float_equal(lq_jaccard_distance(0, 0), 0.0, 0);
    assert_float_equal(lq_masi_distance(0, D), 1.0, 0);
    assert_float_equal(lq_jaccard_distance(D, 0), 1.0, 0);
    /* All 64 labels against 63 of them: a subset, 1 - 63/64 * 2/3. */
    assert_float_equal(lq_masi_distance(UINT64_MAX, UINT64_MAX >> 1),
                       1.0 - 63.0 / 64.0 * 2.0 / 3.0, 1e-12);
    assert_float_equal(lq_jaccard_distance(UINT64_MAX, UINT64_MAX >> 1), 1.0 / 64.0, 1e-12);
}

/* Two annotators, three units: {A} {A}; {A,B} {A}; {B} {B}.
 * Pairable values: {A} x3, {A,B} x1, {B} x2; n = 6.
 * Jaccard: d({A},{A,B}) = 1/2, d({A},{B}) = 1, d({B},{A,B}) = 1/2.
 *   O = 2 * 1/2 = 1, D_o = 1/6;
 *   E = 2 (3*1*1/2 + 3*2*1 + 2*1*1/2) = 17, D_e = 17/30;
 *   alpha = 1 - (1/6) / (17/30) = 12/17.
 * MASI: the two subset pairs are at 1 - 1/2 * 2/3 = 2/3, {A},{B} at 1.
 *   O = 4/3, E = 2 (3*2/3 + 6 + 2*2/3) = 56/3;
 *   alpha = 1 - (4/3/6) / (56/3/30) = 1 - 5 (4/3) / (56/3) = 9/14.
 * Per label: A is 1,1 | 1,1 | 0,0: no disagreement, alpha 1.
 *   B is 0,0 | 1,0 | 1,1: n = 6, n_0 = n_1 = 3, O = 2, E = 2*3*3 = 18,
 *   alpha = 1 - 5 * 2/18 = 4/9. C is never chosen: undefined. */
static void three_units(sets *s)
{
    memset(s, 0, sizeof(*s));
    s->r = (lq_set_ratings){.v = s->v, .n_units = 3, .n_annotators = 2, .n_labels = 3};
    add(s, 0, 0, A), add(s, 0, 1, A);
    add(s, 1, 0, A | B), add(s, 1, 1, A);
    add(s, 2, 0, B), add(s, 2, 1, B);
}

static void test_alpha_by_hand(void **state)
{
    sets s;
    lq_alpha_result res;
    double alpha[3];
    int status[3];

    (void)state;
    three_units(&s);
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_JACCARD, &res), 0);
    assert_float_equal(res.alpha, 12.0 / 17.0, 1e-12);
    assert_int_equal(res.n_distinct, 3);
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_MASI, &res), 0);
    assert_float_equal(res.alpha, 9.0 / 14.0, 1e-12);
    assert_int_equal(lq_set_label_alpha(&s.r, alpha, status), 0);
    assert_int_equal(status[0], 0);
    assert_float_equal(alpha[0], 1.0, 1e-12);
    assert_int_equal(status[1], 0);
    assert_float_equal(alpha[1], 4.0 / 9.0, 1e-12);
    assert_int_equal(status[2], LQ_EBADREQ);
    assert_float_equal(alpha[2], 0.0, 0);
}

/* Empty sets are answers: a unit where both chose nothing agrees fully,
 * and one where one chose nothing and the other {A} disagrees fully. */
static void test_empty_sets(void **state)
{
    sets s = {0};
    lq_alpha_result res;

    (void)state;
    s.r = (lq_set_ratings){.v = s.v, .n_units = 3, .n_annotators = 2, .n_labels = 2};
    add(&s, 0, 0, 0), add(&s, 0, 1, 0);
    add(&s, 1, 0, A), add(&s, 1, 1, A);
    /* Values {} x2, {A} x2, n = 4, no disagreement within units: alpha 1. */
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_MASI, &res), 0);
    assert_float_equal(res.alpha, 1.0, 1e-12);
    /* Now {} x3 and {A} x3 (n = 6), unit 2 disagrees at distance 1:
     * O = 2, E = 2*3*3 = 18, alpha = 1 - 5 * 2/18 = 4/9, as nominal. */
    add(&s, 2, 0, 0), add(&s, 2, 1, A);
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_JACCARD, &res), 0);
    assert_float_equal(res.alpha, 4.0 / 9.0, 1e-12);
    /* Everyone chose nothing everywhere: no variation, undefined. */
    s.r.n = 0;
    add(&s, 0, 0, 0), add(&s, 0, 1, 0);
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_MASI, &res), LQ_EBADREQ);
}

/* Per-label Dawid-Skene is lq_dawid_skene on "label chosen" (0/1), label
 * by label: the posteriors must be the very same numbers. Four units,
 * three annotators; unit 3 unrated. Annotator 2 disagrees on unit 1. */
static void test_dawid_skene_per_label(void **state)
{
    sets s = {0};
    lq_set_consensus c;
    lq_consensus ref;
    lq_rating v[16];
    lq_ratings lr = {.v = v, .n_units = 4, .n_annotators = 3, .n_labels = 2};

    (void)state;
    s.r = (lq_set_ratings){.v = s.v, .n_units = 4, .n_annotators = 3, .n_labels = 3};
    add(&s, 0, 0, A | B), add(&s, 0, 1, A | B), add(&s, 0, 2, A);
    add(&s, 1, 0, B), add(&s, 1, 1, B), add(&s, 1, 2, A | B);
    add(&s, 2, 0, 0), add(&s, 2, 1, C), add(&s, 2, 2, 0);
    assert_int_equal(lq_set_dawid_skene(&s.r, NULL, &c), 0);
    for (uint32_t l = 0; l < 3; l++) {
        lr.n = s.r.n;
        for (size_t i = 0; i < s.r.n; i++)
            v[i] = (lq_rating){s.v[i].unit, s.v[i].annotator, (uint32_t)(s.v[i].labels >> l) & 1};
        assert_int_equal(lq_dawid_skene(&lr, NULL, &ref), 0);
        for (uint32_t u = 0; u < 4; u++)
            assert_memory_equal(&c.p_present[u * 3 + l], &ref.posterior[u * 2 + 1], sizeof(double));
        for (uint32_t a = 0; a < 3; a++)
            assert_float_equal(c.accuracy[l * 3 + a], ref.accuracy[a], 0);
        assert_int_equal(c.iterations[l], ref.iterations);
        lq_consensus_free(&ref);
    }
    /* The sets: the majority reading of each unit ({A,B}, {B}, {}); unit 3
     * has no ratings, so no set. Every decision is taken with at least
     * half the posterior, and confidence is that posterior. */
    assert_true(c.labels[0] == (A | B));
    assert_true(c.labels[1] == B);
    assert_true(c.labels[2] == 0);
    assert_true(c.labels[3] == 0);
    assert_true(c.rated[0] && c.rated[1] && c.rated[2] && !c.rated[3]);
    for (uint32_t u = 0; u < 3; u++)
        for (uint32_t l = 0; l < 3; l++) {
            double p = c.p_present[u * 3 + l];
            bool in = (c.labels[u] >> l) & 1;

            assert_true(in == (p >= 0.5));
            assert_float_equal(c.confidence[u * 3 + l], in ? p : 1.0 - p, 0);
            assert_true(c.confidence[u * 3 + l] >= 0.5);
        }
    for (uint32_t l = 0; l < 3; l++)
        assert_float_equal(c.confidence[3 * 3 + l], 0.0, 0);
    lq_set_consensus_free(&c);
    lq_set_consensus_free(&c); /* zeroed by the first free */
}

static void test_rejected(void **state)
{
    sets s;
    lq_set_consensus c;
    lq_alpha_result res;
    double alpha[3];
    int status[3];

    (void)state;
    three_units(&s);
    assert_int_equal(lq_set_ratings_check(&s.r), 0);
    s.v[1].labels = D; /* label 3 of 3 */
    assert_int_equal(lq_set_ratings_check(&s.r), LQ_EBADREQ);
    assert_int_equal(lq_set_alpha(&s.r, LQ_SET_MASI, &res), LQ_EBADREQ);
    assert_int_equal(lq_set_label_alpha(&s.r, alpha, status), LQ_EBADREQ);
    assert_int_equal(lq_set_dawid_skene(&s.r, NULL, &c), LQ_EBADREQ);
    assert_null(c.labels); /* nothing to free after an error */
    three_units(&s);
    s.v[2].unit = 3;
    assert_int_equal(lq_set_ratings_check(&s.r), LQ_EBADREQ);
    three_units(&s);
    s.r.n_labels = 0;
    assert_int_equal(lq_set_ratings_check(&s.r), LQ_EBADREQ);
    s.r.n_labels = 65;
    assert_int_equal(lq_set_ratings_check(&s.r), LQ_EBADREQ);
    s.r.n_labels = 64; /* every bit allowed */
    s.v[0].labels = UINT64_MAX;
    assert_int_equal(lq_set_ratings_check(&s.r), 0);
    three_units(&s);
    assert_int_equal(lq_set_alpha(&s.r, (lq_set_distance)7, &res), LQ_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distances_by_hand), cmocka_unit_test(test_alpha_by_hand),
        cmocka_unit_test(test_empty_sets),        cmocka_unit_test(test_dawid_skene_per_label),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
