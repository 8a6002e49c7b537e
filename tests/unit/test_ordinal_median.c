/* Lower median of ordinal ratings (quality/ordinal_median.h): odd and even
 * counts, the split flag, scale order from values, repeats, unrated units
 * and rejected inputs. tests/quality/crosscheck_numeric.py compares it with
 * Python's statistics.median_low on random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/ordinal_median.h"

typedef struct table {
    lq_rating v[64];
    lq_ratings r;
} table;

static void add(table *t, uint32_t unit, uint32_t annotator, uint32_t label)
{
    t->v[t->r.n++] = (lq_rating){unit, annotator, label};
}

/* Labels 0-4 are the steps of a 5-point scale, in index order. */
static void test_by_hand(void **state)
{
    table t = {0};
    uint32_t label[6];
    bool split[6];

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 6, .n_annotators = 4, .n_labels = 5};
    add(&t, 0, 0, 2), add(&t, 0, 1, 0), add(&t, 0, 2, 4);                   /* 0 2 4 -> 2 */
    add(&t, 1, 0, 3), add(&t, 1, 1, 0), add(&t, 1, 2, 1), add(&t, 1, 3, 4); /* 0 1 3 4 -> 1 */
    add(&t, 2, 0, 3), add(&t, 2, 1, 3);                                     /* 3 3 -> 3 */
    add(&t, 3, 0, 4);                                                       /* one rating */
    add(&t, 5, 0, 1), add(&t, 5, 1, 1), add(&t, 5, 2, 2), add(&t, 5, 2, 2); /* 1 1 2 2 -> 1 */
    assert_int_equal(lq_ordinal_median(&t.r, label, split), 0);
    assert_int_equal(label[0], 2);
    assert_false(split[0]);
    assert_int_equal(label[1], 1); /* lower of 1 and 3 */
    assert_true(split[1]);
    assert_int_equal(label[2], 3);
    assert_false(split[2]); /* even, but both middles agree */
    assert_int_equal(label[3], 4);
    assert_false(split[3]);
    assert_int_equal(label[4], UINT32_MAX); /* unrated */
    assert_false(split[4]);
    assert_int_equal(label[5], 1); /* annotator 2's repeat counts */
    assert_true(split[5]);
}

/* With values the scale follows them, not the label indexes: values
 * 5 4 3 2 1 reverse it, so labels {0, 1, 4} sort as 4 (1), 1 (4), 0 (5)
 * and the median is label 1; labels {0, 4} sort as 4, 0 and the lower
 * median is 4. Equal values rank by index: labels 2 and 3 both 7. */
static void test_scale_from_values(void **state)
{
    static const double reversed[5] = {5, 4, 3, 2, 1};
    static const double tied[5] = {1, 2, 7, 7, 9};
    table t = {0};
    uint32_t label[3];
    bool split[3];

    (void)state;
    t.r =
        (lq_ratings){.v = t.v, .n_units = 3, .n_annotators = 3, .n_labels = 5, .values = reversed};
    add(&t, 0, 0, 0), add(&t, 0, 1, 1), add(&t, 0, 2, 4);
    add(&t, 1, 0, 0), add(&t, 1, 1, 4);
    add(&t, 2, 0, 3), add(&t, 2, 1, 2);
    assert_int_equal(lq_ordinal_median(&t.r, label, split), 0);
    assert_int_equal(label[0], 1);
    assert_int_equal(label[1], 4);
    assert_true(split[1]);
    assert_int_equal(label[2], 3); /* values 2 and 3: label 3 is lower */
    t.r.values = tied;
    assert_int_equal(lq_ordinal_median(&t.r, label, split), 0);
    assert_int_equal(label[2], 2); /* both 7: the lower index first */
    assert_true(split[2]);         /* different labels, even on one value */
}

static void test_rejected(void **state)
{
    static const double with_nan[2] = {1, NAN};
    table t = {0};
    uint32_t label[2];
    bool split[2];

    (void)state;
    t.r = (lq_ratings){.v = t.v, .n_units = 2, .n_annotators = 2, .n_labels = 2};
    add(&t, 0, 0, 0), add(&t, 0, 1, 2); /* label 2 of 2 */
    assert_int_equal(lq_ordinal_median(&t.r, label, split), LQ_EBADREQ);
    t.v[1].label = 1;
    t.r.values = with_nan;
    assert_int_equal(lq_ordinal_median(&t.r, label, split), LQ_EBADREQ);
    t.r.values = NULL;
    assert_int_equal(lq_ordinal_median(&t.r, label, split), 0);
    assert_int_equal(label[0], 0);
    /* Nothing at all is fine: no units to fill. */
    t.r = (lq_ratings){.v = t.v};
    assert_int_equal(lq_ordinal_median(&t.r, label, split), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_scale_from_values),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
