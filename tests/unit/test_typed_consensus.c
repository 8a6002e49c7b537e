/* quality/typed_consensus.h and typed_agreement.h: each rule of docs/cli.md
 * "How each figure is computed" on data worked out by hand, one test per
 * rule that an earlier version broke (the comments say how). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/typed_agreement.h"
#include "quality/typed_consensus.h"

#define TOL 1e-12

static const lq_figure *find(const lq_typed_figures *f, lq_figure_id id, uint32_t label)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].id == id && (id != LQ_FIG_LABEL_ALPHA || f->v[i].label == label))
            return &f->v[i];
    fail_msg("no figure %d", (int)id);
    return NULL;
}

/* Rule 1: a tie goes to the label first in the schema (the lowest index),
 * whichever rating came first. */
static void single_ties_go_to_schema_order(void **state)
{
    (void)state;
    /* Unit 0: label 2 then label 1, one vote each. */
    lq_rating v[] = {{0, 0, 2}, {0, 1, 1}};
    lq_typed_ratings r = {.kind = LQ_KIND_SINGLE, .labels = {v, 2, 1, 2, 3, NULL}};
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MAJORITY, &c), 0);
    assert_int_equal(c.label[0], 1);
    assert_true(c.votes.tie[0]);
    assert_float_equal(c.confidence[0], 0.5, TOL);
    assert_float_equal(c.agreement[0], 0.0, TOL);
    assert_false(c.agrees[0]);
    assert_true(c.agrees[1]);
    lq_typed_consensus_free(&c);
}

/* Rule 2: multi confidence is the mean over the schema's labels of the
 * decision's vote share, not their product. Three sets {0,1}, {0}, {0,1}
 * over 3 labels: label 0 in (3/3), 1 in (2/3), 2 out (3/3): mean 8/9
 * (the product would be 2/3). */
static void multi_confidence_is_a_mean(void **state)
{
    (void)state;
    lq_set_rating v[] = {{0, 0, 3}, {0, 1, 1}, {0, 2, 3}};
    lq_typed_ratings r = {.kind = LQ_KIND_MULTI, .sets = {v, 3, 1, 3, 3}};
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MAJORITY, &c), 0);
    assert_int_equal(c.sets.labels[0], 3);
    assert_float_equal(c.confidence[0], 8.0 / 9.0, TOL);
    /* MASI {0,1}-{0}: a subset, 1 - 1/2 * 2/3 = 2/3, twice; equal sets 0. */
    assert_float_equal(c.agreement[0], 1.0 - (4.0 / 3.0) / 3.0, TOL);
    assert_true(c.agrees[0] && !c.agrees[1] && c.agrees[2]);
    lq_typed_consensus_free(&c);
    /* Dawid-Skene: the same definition over the posteriors. */
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_DAWID_SKENE, &c), 0);
    double mean = 0.0;
    for (uint32_t l = 0; l < 3; l++)
        mean += c.sets.confidence[l];
    assert_float_equal(c.confidence[0], mean / 3.0, TOL);
    lq_typed_consensus_free(&c);
}

/* Rule 3: numeric confidence is 1 - min(1, MAD / (range / 4)), with the
 * scale's range (not the share within 5 % of the values' range). 10, 12,
 * 20 on 0..100: MAD 2, confidence 1 - 2 / 25; agreement 1 - mean(2, 10, 8)
 * / 100. */
static void numeric_confidence_is_mad_over_range(void **state)
{
    (void)state;
    lq_numeric_rating v[] = {{0, 0, 10}, {0, 1, 12}, {0, 2, 20}};
    lq_typed_ratings r = {.kind = LQ_KIND_NUMERIC, .numbers = {v, 3, 1, 3}, .range = 100.0};
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MEDIAN, &c), 0);
    assert_float_equal(c.number[0], 12.0, TOL);
    assert_float_equal(c.spread[0], 2.0, TOL);
    assert_float_equal(c.confidence[0], 1.0 - 2.0 / 25.0, TOL);
    assert_float_equal(c.agreement[0], 1.0 - (2.0 + 10.0 + 8.0) / 3.0 / 100.0, TOL);
    assert_true(!c.agrees[0] && c.agrees[1] && !c.agrees[2]);
    lq_typed_consensus_free(&c);
    r.range = 0.0; /* a scale without width has no confidence */
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MEDIAN, &c), LQ_EBADREQ);
    lq_typed_consensus_free(&c);
}

/* Rule 4: texts are compared after normalization in every figure: two
 * answers that differ only in ASCII case and spacing are one answer (the
 * medoid keeps the first as written). */
static void text_compares_normalized(void **state)
{
    (void)state;
    lq_text_rating v[] = {
        {0, 0, " Hello  World", 13}, {0, 1, "hello world", 11}, {1, 0, "abc", 3}, {1, 1, "abd", 3}};
    lq_typed_ratings r = {.kind = LQ_KIND_TEXT, .texts = {v, 4, 2, 2}};
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MEDOID, &c), 0);
    assert_int_equal(c.text[0], 0);
    assert_float_equal(c.confidence[0], 1.0, TOL);
    assert_float_equal(c.agreement[0], 1.0, TOL);
    assert_true(c.agrees[0] && c.agrees[1]);
    assert_float_equal(c.agreement[1], 1.0 - 1.0 / 3.0, TOL);
    lq_typed_consensus_free(&c);
    lq_typed_figures f;
    assert_int_equal(lq_typed_figures_compute(&r, &f), 0);
    /* Identical answers on unit 0 only: percent 1/2. */
    assert_float_equal(find(&f, LQ_FIG_PERCENT, 0)->value, 0.5, TOL);
    /* Alpha on the normalized texts: unit 0 agrees fully, unit 1 at 1/3.
     * Values hello world x2, abc, abd (n = 4): O = 2 * 1/3; hello world is
     * 11 edits from abc and 10 from abd (the d stays), so E = 2 (2 * 11/11
     * + 2 * 10/11 + 1/3); alpha = 1 - (n - 1) O / E = 1 - 2 / E. */
    const double e = 2.0 * (2.0 + 20.0 / 11.0 + 1.0 / 3.0);
    assert_int_equal(f.headline, 1);
    assert_float_equal(f.v[f.headline].value, 1.0 - 2.0 / e, TOL);
    lq_typed_figures_free(&f);
}

/* Rule 5: the token vote's ties go to O, then any B before any I, then the
 * schema's order, whatever the order of the annotations. */
static void span_vote_ties(void **state)
{
    (void)state;
    const char *text = "New York City";
    size_t len = strlen(text);
    /* a: LOC over all (B-LOC I-LOC I-LOC); b: ORG New, PER York City
     * (B-ORG B-PER I-PER). Labels LOC 0, ORG 1, PER 2. */
    const lq_span a[] = {{0, 13, 0}}, b[] = {{0, 3, 1}, {4, 13, 2}};
    lq_span_annotation ann[2] = {{0, 0, a, 1}, {0, 1, b, 2}};
    for (int order = 0; order < 2; order++) {
        if (order) {
            lq_span_annotation t = ann[0];
            ann[0] = ann[1];
            ann[1] = t;
        }
        lq_typed_ratings r = {.kind = LQ_KIND_SPANS,
                              .spans = {ann, 2, 1, 2, 3, (const char *const *)&text, &len}};
        lq_typed_consensus c;
        assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_TOKEN_VOTE, &c), 0);
        /* New: B-LOC (schema order), York: B-PER (B before I-LOC), City:
         * I-LOC (before I-PER), which after PER starts a LOC span. */
        assert_int_equal(c.spans.start[1] - c.spans.start[0], 3);
        assert_int_equal(c.spans.spans[0].label, 0);
        assert_int_equal(c.spans.spans[1].label, 2);
        assert_int_equal(c.spans.spans[1].start, 4);
        assert_int_equal(c.spans.spans[1].end, 8);
        assert_int_equal(c.spans.spans[2].label, 0);
        assert_float_equal(c.confidence[0], 0.5, TOL);
        lq_typed_consensus_free(&c);
    }
}

/* Rule 6: alpha is exact whatever the number of distinct values: numeric
 * ratio alpha on 3000 distinct values is bit for bit
 * lq_krippendorff_alpha's on the same values coded as labels (the path of
 * `labelq agreement --metric ratio`), and never sampled. */
static void alpha_is_exact(void **state)
{
    (void)state;
    enum { UNITS = 1500 };
    static lq_numeric_rating v[2 * UNITS];
    static lq_rating coded[2 * UNITS];
    static double values[2 * UNITS];
    for (uint32_t u = 0; u < UNITS; u++) {
        double x = 1.0 + u * 0.25;
        v[2 * u] = (lq_numeric_rating){u, 0, x};
        v[2 * u + 1] = (lq_numeric_rating){u, 1, x + 0.1 + (u % 7) * 0.5};
    }
    /* The distinct values ascending, the way both paths code them. */
    for (size_t i = 0; i < 2 * UNITS; i++)
        values[i] = v[i].value;
    for (size_t i = 1; i < 2 * UNITS; i++)
        for (size_t j = i; j > 0 && values[j - 1] > values[j]; j--) {
            double t = values[j];
            values[j] = values[j - 1];
            values[j - 1] = t;
        }
    size_t k = 0;
    for (size_t i = 0; i < 2 * UNITS; i++)
        if (k == 0 || values[i] != values[k - 1])
            values[k++] = values[i];
    for (size_t i = 0; i < 2 * UNITS; i++) {
        uint32_t l = 0;
        while (values[l] != v[i].value)
            l++;
        coded[i] = (lq_rating){v[i].unit, v[i].annotator, l};
    }
    lq_numeric_ratings nr = {v, 2 * UNITS, UNITS, 2};
    lq_ratings lr = {coded, 2 * UNITS, UNITS, 2, (uint32_t)k, values};
    for (lq_metric m = LQ_METRIC_INTERVAL; m <= LQ_METRIC_RATIO; m++) {
        lq_alpha_result res;
        double alpha;
        assert_int_equal(lq_numeric_alpha(&nr, m, &res), 0);
        assert_false(res.sampled);
        assert_true(res.n_distinct > 1024);
        assert_int_equal(lq_krippendorff_alpha(&lr, m, &alpha), 0);
        assert_memory_equal(&res.alpha, &alpha, sizeof(double));
    }
}

/* Rule 7: ratio alpha with a negative value is undefined, and says why. */
static void ratio_needs_no_negatives(void **state)
{
    (void)state;
    lq_numeric_rating v[] = {{0, 0, -1}, {0, 1, 2}, {1, 0, 3}, {1, 1, 3}};
    lq_typed_ratings r = {.kind = LQ_KIND_NUMERIC, .numbers = {v, 4, 2, 2}, .range = 10};
    lq_typed_figures f;
    assert_int_equal(lq_typed_figures_compute(&r, &f), 0);
    const lq_figure *ratio = find(&f, LQ_FIG_RATIO_ALPHA, 0);
    assert_false(ratio->defined);
    assert_non_null(strstr(ratio->why, "needs values >= 0"));
    assert_true(find(&f, LQ_FIG_INTERVAL_ALPHA, 0)->defined);
    lq_typed_figures_free(&f);
}

/* Rule 10: an ordinal project's headline alpha is the ordinal one. Steps
 * 2,4,5 and 1,1,2 (0-based 1,3,4 and 0,0,1): ordinal 1 - 5 * 17.5 / 198,
 * nominal 1/26 (tests/integration/test_typed_export.c works them out). */
static void ordinal_headline_is_ordinal(void **state)
{
    (void)state;
    double steps[] = {0, 1, 2, 3, 4};
    lq_rating v[] = {{0, 0, 1}, {0, 1, 3}, {0, 2, 4}, {1, 0, 0}, {1, 1, 0}, {1, 2, 1}};
    lq_typed_ratings r = {.kind = LQ_KIND_ORDINAL, .labels = {v, 6, 2, 3, 5, steps}};
    lq_typed_figures f;
    assert_int_equal(lq_typed_figures_compute(&r, &f), 0);
    assert_true(f.headline >= 0);
    assert_int_equal(f.v[f.headline].id, LQ_FIG_ORDINAL_ALPHA);
    assert_float_equal(f.v[f.headline].value, 1.0 - 5.0 * 17.5 / 198.0, TOL);
    assert_float_equal(find(&f, LQ_FIG_NOMINAL_ALPHA, 0)->value, 1.0 / 26.0, TOL);
    assert_string_equal(lq_figure_report_name(f.v[f.headline].id), "ordinal_alpha");
    lq_typed_figures_free(&f);
    /* And the consensus keeps the median besides the vote. */
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MAJORITY, &c), 0);
    assert_int_equal(c.median[0], 3);
    assert_int_equal(c.label[1], 0);
    assert_float_equal(c.confidence[1], 2.0 / 3.0, TOL);
    lq_typed_consensus_free(&c);
}

/* The method labelqd picks, and the methods each type takes. */
static void methods(void **state)
{
    (void)state;
    assert_int_equal(lq_method_default(LQ_KIND_MULTI, LQ_DS_MIN_LABELS - 1), LQ_METHOD_MAJORITY);
    assert_int_equal(lq_method_default(LQ_KIND_SINGLE, LQ_DS_MIN_LABELS), LQ_METHOD_DAWID_SKENE);
    assert_int_equal(lq_method_default(LQ_KIND_BOXES, 5000), LQ_METHOD_IOU_CLUSTER);
    assert_true(lq_method_fits(LQ_KIND_ORDINAL, LQ_METHOD_MEDIAN));
    assert_false(lq_method_fits(LQ_KIND_SINGLE, LQ_METHOD_MEDIAN));
    assert_false(lq_method_fits(LQ_KIND_NUMERIC, LQ_METHOD_MAJORITY));
    lq_method m;
    assert_int_equal(lq_method_parse("token-vote", &m), 0);
    assert_int_equal(m, LQ_METHOD_TOKEN_VOTE);
    assert_int_equal(lq_method_parse("vote", &m), LQ_EBADREQ);
    lq_rating v[] = {{0, 0, 0}};
    lq_typed_ratings r = {.kind = LQ_KIND_SINGLE, .labels = {v, 1, 1, 1, 2, NULL}};
    lq_typed_consensus c;
    assert_int_equal(lq_typed_consensus_compute(&r, LQ_METHOD_MEDOID, &c), LQ_EBADREQ);
    lq_typed_consensus_free(&c);
}

/* Identical answers share a code: boxes in any order are one answer. */
static void same_codes(void **state)
{
    (void)state;
    const lq_box a[] = {{0, 0, 5, 5, 0}, {10, 10, 2, 2, 1}},
                 b[] = {{10, 10, 2, 2, 1}, {0, 0, 5, 5, 0}}, c[] = {{0, 0, 5, 5, 0}};
    lq_box_annotation ann[] = {{0, 0, a, 2}, {0, 1, b, 2}, {0, 2, c, 1}};
    lq_typed_ratings r = {.kind = LQ_KIND_BOXES, .boxes = {ann, 3, 1, 3, 2}};
    lq_rating codes[3];
    uint32_t n;
    assert_int_equal(lq_typed_same_codes(&r, codes, &n), 0);
    assert_int_equal(codes[0].label, 0);
    assert_int_equal(codes[1].label, 0);
    assert_int_equal(codes[2].label, 2);
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_ties_go_to_schema_order),
        cmocka_unit_test(multi_confidence_is_a_mean),
        cmocka_unit_test(numeric_confidence_is_mad_over_range),
        cmocka_unit_test(text_compares_normalized),
        cmocka_unit_test(span_vote_ties),
        cmocka_unit_test(alpha_is_exact),
        cmocka_unit_test(ratio_needs_no_negatives),
        cmocka_unit_test(ordinal_headline_is_ordinal),
        cmocka_unit_test(methods),
        cmocka_unit_test(same_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
