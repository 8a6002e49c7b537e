/* Each annotator's order over a gold pool (daemon/model/gold_walk.c): a
 * bijection for every pool size, different per annotator and project, and
 * a walk that yields every index exactly once while the pool grows under
 * it, with gold added later coming after the segment under way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "daemon/model/gold_walk.h"

#define MAX_N 1100

static void order_is_a_bijection(void **state)
{
    (void)state;
    static unsigned char hit[MAX_N];
    const uint64_t keys[] = {0, 1, 0x9e3779b97f4a7c15ull, 0xffffffffffffffffull};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        for (uint32_t n = 1; n <= MAX_N; n += n < 70 ? 1 : 37) {
            memset(hit, 0, sizeof hit);
            for (uint32_t step = 0; step < n; step++) {
                uint32_t x = lq_gold_order_at(keys[k], n, step);
                if (x >= n || hit[x])
                    fail_msg("key %zu, n %u: step %u gives %u (%s)", k, n, step, x,
                             x >= n ? "out of range" : "twice");
                hit[x] = 1;
            }
        }
    }
    /* The largest pool a uint32_t counts: still in range, still quick. */
    for (uint32_t step = 0; step < 1000; step++)
        assert_true(lq_gold_order_at(7, UINT32_MAX, step) < UINT32_MAX);
}

/* The first n indexes a zeroed walk of (project, annotator) yields from a
 * pool of n. */
static void walk_all(uint32_t project, uint32_t annotator, uint32_t n, uint32_t *out)
{
    lq_gold_walk w = {0};
    uint32_t g;
    for (uint32_t i = 0; i < n; i++) {
        assert_true(lq_gold_walk_next(&w, project, annotator, n, &g));
        assert_int_equal(lq_gold_walk_next(&w, project, annotator, n, &g), true); /* a peek */
        out[i] = g;
        lq_gold_walk_pass(&w);
    }
    assert_false(lq_gold_walk_next(&w, project, annotator, n, &g));
}

static size_t fixed_points(const uint32_t *a, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += a[i] == (uint32_t)i;
    return same;
}

/* 20 gold items: every pair of 50 annotators, and the same annotator in two
 * projects, meet them in different orders, and no order is import order.
 * The orders are a function of the ids, so this is deterministic. */
static void orders_differ(void **state)
{
    (void)state;
    enum { N = 20, ANNOTATORS = 50 };
    static uint32_t order[ANNOTATORS][N];
    for (uint32_t a = 0; a < ANNOTATORS; a++) {
        walk_all(3, a + 1, N, order[a]);
        assert_true(fixed_points(order[a], N) < N);
        for (uint32_t b = 0; b < a; b++)
            if (memcmp(order[a], order[b], sizeof order[a]) == 0)
                fail_msg("annotators %u and %u share an order", a + 1, b + 1);
    }
    uint32_t other[N];
    walk_all(4, 1, N, other);
    assert_memory_not_equal(other, order[0], sizeof other);
    /* The first items differ widely: over 50 annotators, no pool index is
     * the first of more than a quarter of them. */
    unsigned first[N] = {0};
    for (uint32_t a = 0; a < ANNOTATORS; a++)
        first[order[a][0]]++;
    for (uint32_t g = 0; g < N; g++)
        assert_true(first[g] <= ANNOTATORS / 4);
}

/* A pool that grows while the walk is under way: every index comes exactly
 * once; what was added comes after the segment under way ends, in a
 * segment of its own. */
static void growing_pool(void **state)
{
    (void)state;
    enum { FINAL = 300 };
    unsigned char hit[FINAL] = {0};
    lq_gold_walk w = {0};
    uint32_t n = 10, g, served = 0;
    for (int round = 0; served < FINAL; round++) {
        /* Take a few, then the pool may grow. */
        for (int k = 0; k < 7 && lq_gold_walk_next(&w, 1, 2, n, &g); k++) {
            assert_true(g < n);
            if (hit[g])
                fail_msg("index %u came twice", g);
            hit[g] = 1;
            /* The segment under way was fixed when it began. */
            assert_true(g >= w.from && g < w.to);
            lq_gold_walk_pass(&w);
            served++;
        }
        if (n < FINAL)
            n = n + 13 > FINAL ? FINAL : n + 13;
        if (round > 1000)
            fail_msg("the walk stalled at %u of %u", served, n);
    }
    for (uint32_t i = 0; i < FINAL; i++)
        assert_true(hit[i]);
    assert_false(lq_gold_walk_next(&w, 1, 2, FINAL, &g));
    /* A pool that grows after the walk ran out: the walk goes on. */
    assert_true(lq_gold_walk_next(&w, 1, 2, FINAL + 1, &g));
    assert_int_equal(g, FINAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_is_a_bijection),
        cmocka_unit_test(orders_differ),
        cmocka_unit_test(growing_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
