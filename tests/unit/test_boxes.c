/* Box ratings (quality/boxes.h): IoU by hand (overlap, containment,
 * touching, zero area), the box rules, greedy matched F1 (including a case
 * where greedy is not optimal, which is the documented behaviour), F1 over
 * units, clustering consensus (averaging, support, confidence, complete
 * linkage, one box per annotator, labels) and rejected inputs.
 * tests/quality/crosscheck_boxes.py compares them with shapely's geometry
 * on random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/boxes.h"

static lq_box box(double x, double y, double w, double h, uint32_t label)
{
    return (lq_box){x, y, w, h, label};
}

static void test_iou(void **state)
{
    lq_box a = box(0, 0, 2, 2, 0), b = box(1, 1, 2, 2, 0);
    lq_box big = box(0, 0, 4, 4, 0), inner = box(1, 1, 2, 2, 1);
    lq_box right = box(2, 0, 2, 2, 0), point = box(1, 1, 0, 0, 0), line = box(0, 1, 3, 0, 0);
    lq_box odd = box(0.1, 0.7, 0.2, 0.3, 0);

    (void)state;
    /* Overlap 1x1, union 4 + 4 - 1 = 7. */
    assert_float_equal(lq_box_iou(&a, &b), 1.0 / 7.0, 1e-15);
    assert_float_equal(lq_box_iou(&b, &a), 1.0 / 7.0, 1e-15);
    /* Contained: 4 / 16; labels play no part. */
    assert_float_equal(lq_box_iou(&big, &inner), 0.25, 1e-15);
    /* Touching edges share no area. */
    assert_float_equal(lq_box_iou(&a, &right), 0.0, 0);
    /* Exactly 1 with itself, even where x + w rounds. */
    assert_float_equal(lq_box_iou(&odd, &odd), 1.0, 0);
    /* Zero area marks nothing, itself included. */
    assert_float_equal(lq_box_iou(&point, &point), 0.0, 0);
    assert_float_equal(lq_box_iou(&point, &a), 0.0, 0);
    assert_float_equal(lq_box_iou(&line, &a), 0.0, 0);
}

static void test_check(void **state)
{
    lq_box ok = box(-5, 3, 0, 10, 1);
    lq_box bad[] = {box(NAN, 0, 1, 1, 0),      box(0, INFINITY, 1, 1, 0),
                    box(0, 0, -1, 1, 0),       box(0, 0, 1, -0.5, 0),
                    box(0, 0, 1, 1, 2),        box(1e308, 0, 1e308, 1, 0),
                    box(0, 0, 1e200, 1e200, 0)};

    (void)state;
    assert_int_equal(lq_box_check(&ok, 2), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(lq_box_check(&bad[i], 2), LQ_EBADREQ);
}

/* a = {(0,0,10,10) L0, (20,20,10,10) L0, (50,50,5,5) L1},
 * b = {(1,1,10,10) L0, (20,20,10,10) L1, (50,50,5,5) L1}.
 * a0-b0: 9*9 = 81 / (200 - 81) = 0.68, a match; a1-b1 overlap fully but
 * differ in label; a2-b2 IoU 1. Two matches: F1 = 4/6. */
static void test_pair_f1(void **state)
{
    const lq_box a[] = {box(0, 0, 10, 10, 0), box(20, 20, 10, 10, 0), box(50, 50, 5, 5, 1)};
    const lq_box b[] = {box(1, 1, 10, 10, 0), box(20, 20, 10, 10, 1), box(50, 50, 5, 5, 1)};
    lq_box_options o;
    double f1;
    size_t m;

    (void)state;
    assert_int_equal(lq_box_pair_f1(a, 3, b, 3, 2, NULL, &f1, &m), 0);
    assert_int_equal(m, 2);
    assert_float_equal(f1, 4.0 / 6.0, 1e-15);
    /* A stricter threshold drops a0-b0 (0.68). */
    lq_box_options_default(&o);
    o.iou_threshold = 0.7;
    assert_int_equal(lq_box_pair_f1(a, 3, b, 3, 2, &o, &f1, &m), 0);
    assert_int_equal(m, 1);
    assert_float_equal(f1, 2.0 / 6.0, 1e-15);
    assert_int_equal(lq_box_pair_f1(NULL, 0, NULL, 0, 2, NULL, &f1, &m), 0);
    assert_float_equal(f1, 1.0, 0); /* no object, say both */
    assert_int_equal(lq_box_pair_f1(a, 3, NULL, 0, 2, NULL, &f1, NULL), 0);
    assert_float_equal(f1, 0.0, 0);
}

/* Greedy takes the highest IoU first, even when that costs a match:
 * a0 = [0,10], a1 = [2.5,12.5], b0 = [1,11], b1 = [-3,7] (x ranges, all
 * 10 high). a0-b0 = 90/110 = 0.82 goes first; a1-b1 = 45/155 < 0.5 then
 * has no partner, although a0-b1 = 70/130 = 0.54 and a1-b0 = 85/115 = 0.74
 * would match both. F1 = 2*1/4 = 1/2, not 1.
 * Equal IoUs go to the lower index in a: c0 = [0,10] and c1 = [2,12] are
 * both 90/110 from d0 = [1,11]; c0 takes it, and c1 then matches d1 =
 * [5,15] (70/130), which c0 could not (50/150): 2 matches. Had c1 taken
 * d0, there would be 1. */
static void test_greedy(void **state)
{
    const lq_box a[] = {box(0, 0, 10, 10, 0), box(2.5, 0, 10, 10, 0)};
    const lq_box b[] = {box(1, 0, 10, 10, 0), box(-3, 0, 10, 10, 0)};
    const lq_box c[] = {box(0, 0, 10, 10, 0), box(2, 0, 10, 10, 0)};
    const lq_box d[] = {box(1, 0, 10, 10, 0), box(5, 0, 10, 10, 0)};
    double f1;
    size_t m;

    (void)state;
    assert_int_equal(lq_box_pair_f1(a, 2, b, 2, 1, NULL, &f1, &m), 0);
    assert_int_equal(m, 1);
    assert_float_equal(f1, 0.5, 1e-15);
    assert_float_equal(lq_box_iou(&c[0], &d[0]), lq_box_iou(&c[1], &d[0]), 0);
    assert_int_equal(lq_box_pair_f1(c, 2, d, 2, 1, NULL, &f1, &m), 0);
    assert_int_equal(m, 2);
}

/* Unit 0: A {(0,0,10,10) L0}, B {(1,1,10,10) L0, (50,50,10,10) L1},
 * C {(0,1,10,10) L0}. Unit 1: A and B draw nothing. Unit 2: A alone.
 * Unit 0 pairs: A-B 1 match of 1+2: 2/3; A-C 1 of 1+1 (90/110): 1;
 * B-C 1 of 2+1 (90/110): 2/3; mean 7/9. Unit 1: 1. Overall (2/3 + 1 +
 * 2/3 + 1) / 4 = 5/6. */
static const lq_box box_a[] = {{0, 0, 10, 10, 0}};
static const lq_box box_b[] = {{1, 1, 10, 10, 0}, {50, 50, 10, 10, 1}};
static const lq_box box_c[] = {{0, 1, 10, 10, 0}};

static lq_box_data three_units(lq_box_annotation *v)
{
    v[0] = (lq_box_annotation){0, 0, box_a, 1};
    v[1] = (lq_box_annotation){0, 1, box_b, 2};
    v[2] = (lq_box_annotation){1, 0, NULL, 0};
    v[3] = (lq_box_annotation){0, 2, box_c, 1};
    v[4] = (lq_box_annotation){1, 1, NULL, 0};
    v[5] = (lq_box_annotation){2, 0, box_b, 2};
    return (lq_box_data){.v = v, .n = 6, .n_units = 3, .n_annotators = 3, .n_labels = 2};
}

static void test_f1_over_units(void **state)
{
    lq_box_annotation v[6];
    lq_box_data d = three_units(v);
    double unit[3], overall;

    (void)state;
    assert_int_equal(lq_box_f1(&d, NULL, unit, &overall), 0);
    assert_float_equal(unit[0], 7.0 / 9.0, 1e-15);
    assert_float_equal(unit[1], 1.0, 0);
    assert_float_equal(unit[2], -1.0, 0);
    assert_float_equal(overall, 5.0 / 6.0, 1e-15);
    d.n = 1;
    assert_int_equal(lq_box_f1(&d, NULL, unit, &overall), LQ_EBADREQ);
}

/* Unit 0 of three_units: the three L0 boxes overlap pairwise (0.68, 0.82,
 * 0.82), one per annotator: one cluster, support 3 of 3. Average
 * (1/3, 2/3, 10, 10). IoU with it: A overlaps 29/3 x 28/3 = 812/9, so
 * 812/(1800 - 812); B the same; C 29/3 x 29/3: 841/(1800 - 841).
 * Confidence 3/3 x their mean. B's L1 box is alone: 1 < ceil(3/2) = 2,
 * dropped. Unit 1: no boxes from anyone, no consensus. Unit 2: A alone
 * (1 of 1 annotations): both boxes kept, confidence 1 x 1. */
static void test_vote(void **state)
{
    lq_box_annotation v[6];
    lq_box_data d = three_units(v);
    lq_box_consensus c;
    double ab = 812.0 / 988.0, cc = 841.0 / 959.0;

    (void)state;
    assert_int_equal(lq_box_vote(&d, NULL, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.start[1], 1);
    assert_int_equal(c.start[2], 1);
    assert_int_equal(c.start[3], 3);
    assert_float_equal(c.boxes[0].x, 1.0 / 3.0, 1e-15);
    assert_float_equal(c.boxes[0].y, 2.0 / 3.0, 1e-15);
    assert_float_equal(c.boxes[0].w, 10.0, 0);
    assert_float_equal(c.boxes[0].h, 10.0, 0);
    assert_int_equal(c.boxes[0].label, 0);
    assert_int_equal(c.support[0], 3);
    assert_float_equal(c.confidence[0], (2 * ab + cc) / 3.0, 1e-12);
    assert_float_equal(c.boxes[1].x, 1.0, 0);
    assert_float_equal(c.boxes[2].x, 50.0, 0);
    assert_int_equal(c.boxes[2].label, 1);
    assert_float_equal(c.confidence[1], 1.0, 0);
    assert_int_equal(c.support[2], 1);
    lq_box_consensus_free(&c);
}

static lq_box_consensus vote(const lq_box_annotation *v, size_t n, uint32_t n_labels,
                             const lq_box_options *o)
{
    lq_box_data d = {.v = v, .n = n, .n_units = 1, .n_annotators = 3, .n_labels = n_labels};
    lq_box_consensus c;

    assert_int_equal(lq_box_vote(&d, o, &c), 0);
    return c;
}

/* A [0,10], B [3,13], C [6,16]: A-B and B-C 70/130 = 0.54, A-C 40/160 =
 * 0.25. Single linkage would chain all three; complete linkage joins A-B
 * (the tie with B-C goes to the lower indexes) and leaves C alone, as C
 * does not match A. {A,B}: support 2 of 3, kept, x = 1.5; {C}: dropped. */
static void test_complete_linkage(void **state)
{
    const lq_box a[] = {box(0, 0, 10, 10, 0)}, b[] = {box(3, 0, 10, 10, 0)};
    const lq_box cc[] = {box(6, 0, 10, 10, 0)};
    const lq_box_annotation v[] = {{0, 0, a, 1}, {0, 1, b, 1}, {0, 2, cc, 1}};
    lq_box_consensus c = vote(v, 3, 1, NULL);

    (void)state;
    assert_int_equal(c.n, 1);
    assert_float_equal(c.boxes[0].x, 1.5, 0);
    assert_int_equal(c.support[0], 2);
    lq_box_consensus_free(&c);
}

/* A draws two boxes over one object, B one: B's box can join only one of
 * them (the first, IoU 1), and A's two never share a cluster. With two
 * annotations, support 1 = ceil(2/2) is enough: both clusters are kept,
 * {A0, B0} with confidence 2/2 x 1, {A1} with 1/2 x 1. */
static void test_one_box_per_annotator(void **state)
{
    const lq_box a[] = {box(0, 0, 10, 10, 0), box(1, 0, 10, 10, 0)};
    const lq_box b[] = {box(0, 0, 10, 10, 0)};
    const lq_box_annotation v[] = {{0, 0, a, 2}, {0, 1, b, 1}};
    lq_box_consensus c = vote(v, 2, 1, NULL);

    (void)state;
    assert_int_equal(c.n, 2);
    assert_int_equal(c.support[0], 2);
    assert_float_equal(c.boxes[0].x, 0.0, 0);
    assert_float_equal(c.confidence[0], 1.0, 0);
    assert_int_equal(c.support[1], 1);
    assert_float_equal(c.boxes[1].x, 1.0, 0);
    assert_float_equal(c.confidence[1], 0.5, 0);
    lq_box_consensus_free(&c);
}

/* The same box from three annotators, labels 0, 1, 1. By default only
 * equal labels cluster: {A} is dropped (1 < 2), {B, C} kept with label 1.
 * With cluster_any_label one cluster of three takes the majority, 1. */
static void test_labels(void **state)
{
    const lq_box a[] = {box(0, 0, 10, 10, 0)}, b[] = {box(0, 0, 10, 10, 1)};
    const lq_box_annotation v[] = {{0, 0, a, 1}, {0, 1, b, 1}, {0, 2, b, 1}};
    lq_box_options o;
    lq_box_consensus c = vote(v, 3, 2, NULL);

    (void)state;
    assert_int_equal(c.n, 1);
    assert_int_equal(c.boxes[0].label, 1);
    assert_int_equal(c.support[0], 2);
    assert_float_equal(c.confidence[0], 2.0 / 3.0, 1e-15);
    lq_box_consensus_free(&c);
    lq_box_options_default(&o);
    o.cluster_any_label = true;
    c = vote(v, 3, 2, &o);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.boxes[0].label, 1);
    assert_int_equal(c.support[0], 3);
    assert_float_equal(c.confidence[0], 1.0, 0);
    lq_box_consensus_free(&c);
}

/* Zero-area boxes never cluster; with two annotations each is kept on its
 * own support of 1 but with confidence 0 (its IoU with itself is 0). */
static void test_zero_area(void **state)
{
    const lq_box p[] = {box(5, 5, 0, 0, 0)};
    const lq_box_annotation v[] = {{0, 0, p, 1}, {0, 1, p, 1}};
    lq_box_consensus c = vote(v, 2, 1, NULL);
    double f1;

    (void)state;
    assert_int_equal(c.n, 2);
    assert_float_equal(c.confidence[0], 0.0, 0);
    assert_float_equal(c.confidence[1], 0.0, 0);
    lq_box_consensus_free(&c);
    assert_int_equal(lq_box_pair_f1(p, 1, p, 1, 1, NULL, &f1, NULL), 0);
    assert_float_equal(f1, 0.0, 0);
}

static void test_rejected(void **state)
{
    const lq_box nan_box[] = {box(0, NAN, 1, 1, 0)};
    const lq_box negative[] = {box(0, 0, -2, 1, 0)};
    lq_box_annotation v[6];
    lq_box_data d = three_units(v);
    lq_box_options o;
    lq_box_consensus c;
    double unit[3], x;

    (void)state;
    v[3].annotator = 1; /* B annotates unit 0 twice */
    assert_int_equal(lq_box_f1(&d, NULL, unit, &x), LQ_EBADREQ);
    assert_int_equal(lq_box_vote(&d, NULL, &c), LQ_EBADREQ);
    assert_null(c.start);
    d = three_units(v);
    v[0].boxes = nan_box;
    assert_int_equal(lq_box_vote(&d, NULL, &c), LQ_EBADREQ);
    v[0].boxes = negative;
    assert_int_equal(lq_box_f1(&d, NULL, unit, &x), LQ_EBADREQ);
    assert_int_equal(lq_box_pair_f1(negative, 1, box_a, 1, 2, NULL, &x, NULL), LQ_EBADREQ);
    d = three_units(v);
    d.n_labels = 1; /* box_b has label 1 */
    assert_int_equal(lq_box_vote(&d, NULL, &c), LQ_EBADREQ);
    d = three_units(v);
    lq_box_options_default(&o);
    o.iou_threshold = 0.0;
    assert_int_equal(lq_box_vote(&d, &o, &c), LQ_EBADREQ);
    o.iou_threshold = 1.5;
    assert_int_equal(lq_box_f1(&d, &o, unit, &x), LQ_EBADREQ);
    o.iou_threshold = NAN;
    assert_int_equal(lq_box_pair_f1(box_a, 1, box_a, 1, 1, &o, &x, NULL), LQ_EBADREQ);
    o.iou_threshold = 1.0; /* only identical boxes match, and that is valid */
    assert_int_equal(lq_box_pair_f1(box_a, 1, box_a, 1, 1, &o, &x, NULL), 0);
    assert_float_equal(x, 1.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iou),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_pair_f1),
        cmocka_unit_test(test_greedy),
        cmocka_unit_test(test_f1_over_units),
        cmocka_unit_test(test_vote),
        cmocka_unit_test(test_complete_linkage),
        cmocka_unit_test(test_one_box_per_annotator),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_zero_area),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
