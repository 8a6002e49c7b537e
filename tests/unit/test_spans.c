/* Span ratings (quality/spans.h): tokens and their byte offsets, the span
 * rules, BIO tags (partial tokens, a token shared by two spans), spans
 * rebuilt from tags (I-X after O or another label), span F1, token alpha
 * and the voted spans worked out by hand, CoNLL output, and the rejected
 * inputs. tests/quality/crosscheck_spans.py compares them with NLTK on
 * random data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/spans.h"

enum { PER, LOC };

static void test_tokenize(void **state)
{
    const char *s = "  New York\tis\n big ";
    lq_token tok[16];

    (void)state;
    assert_int_equal(lq_tokenize(s, strlen(s), NULL), 4);
    assert_int_equal(lq_tokenize(s, strlen(s), tok), 4);
    assert_int_equal(tok[0].start, 2), assert_int_equal(tok[0].end, 5);   /* New */
    assert_int_equal(tok[1].start, 6), assert_int_equal(tok[1].end, 10);  /* York */
    assert_int_equal(tok[2].start, 11), assert_int_equal(tok[2].end, 13); /* is */
    assert_int_equal(tok[3].start, 15), assert_int_equal(tok[3].end, 18); /* big */
    assert_int_equal(lq_tokenize("", 0, tok), 0);
    assert_int_equal(lq_tokenize(NULL, 0, tok), 0);
    assert_int_equal(lq_tokenize(" \t\r\n\v\f", 6, tok), 0);
    /* café au: bytes, and the no-break space (U+00A0) is not a separator. */
    assert_int_equal(lq_tokenize("caf\xc3\xa9 au\xc2\xa0lait", 14, tok), 2);
    assert_int_equal(tok[0].end, 5);
    assert_int_equal(tok[1].start, 6), assert_int_equal(tok[1].end, 14);
    /* The bound in the header: one-byte tokens between single spaces. */
    assert_int_equal(lq_tokenize("a b c", 5, tok), (5 + 1) / 2);
}

static void test_check(void **state)
{
    const lq_span ok[] = {{10, 12, LOC}, {0, 3, PER}, {3, 7, PER}}; /* unsorted, adjacent */
    const lq_span empty[] = {{3, 3, PER}};
    const lq_span reversed[] = {{5, 3, PER}};
    const lq_span too_long[] = {{0, 13, PER}};
    const lq_span bad_label[] = {{0, 1, 2}};
    const lq_span overlap[] = {{0, 5, PER}, {4, 8, LOC}};
    const lq_span same_twice[] = {{0, 5, PER}, {0, 5, PER}};

    (void)state;
    assert_int_equal(lq_spans_check(ok, 3, 2, 12), 0);
    assert_int_equal(lq_spans_check(NULL, 0, 2, 0), 0);
    assert_int_equal(lq_spans_check(empty, 1, 2, 12), LQ_EBADREQ);
    assert_int_equal(lq_spans_check(reversed, 1, 2, 12), LQ_EBADREQ);
    assert_int_equal(lq_spans_check(too_long, 1, 2, 12), LQ_EBADREQ);
    assert_int_equal(lq_spans_check(bad_label, 1, 2, 12), LQ_EBADREQ);
    assert_int_equal(lq_spans_check(overlap, 2, 2, 12), LQ_EBADREQ);
    assert_int_equal(lq_spans_check(same_twice, 2, 2, 12), LQ_EBADREQ);
}

static size_t tags_of(const char *text, const lq_span *s, size_t n, uint32_t *tags)
{
    lq_token tok[32];
    size_t n_tok = lq_tokenize(text, strlen(text), tok);

    assert_int_equal(lq_spans_to_tags(s, n, 2, strlen(text), tok, n_tok, tags), 0);
    return n_tok;
}

/* "Barack Obama visited New York City ." with PER [0,12) and LOC [21,34):
 * B-PER I-PER O B-LOC I-LOC I-LOC O. */
static void test_tags(void **state)
{
    const char *text = "Barack Obama visited New York City .";
    const lq_span spans[] = {{21, 34, LOC}, {0, 12, PER}};
    const lq_span partial[] = {{2, 4, PER}, {26, 30, LOC}}; /* "ra"; "ork " */
    const lq_span spaces[] = {{12, 13, PER}};               /* the space only */
    const uint32_t want[] = {LQ_TAG_B(PER), LQ_TAG_I(PER), LQ_TAG_O, LQ_TAG_B(LOC),
                             LQ_TAG_I(LOC), LQ_TAG_I(LOC), LQ_TAG_O};
    uint32_t tags[32];

    (void)state;
    assert_int_equal(tags_of(text, spans, 2, tags), 7);
    assert_memory_equal(tags, want, sizeof(want));
    /* A span tags every token it touches, even in part: "ra" -> Barack,
     * "ork " -> York only (the space touches no token). */
    tags_of(text, partial, 2, tags);
    assert_int_equal(tags[0], LQ_TAG_B(PER));
    assert_int_equal(tags[3], LQ_TAG_O);
    assert_int_equal(tags[4], LQ_TAG_B(LOC));
    assert_int_equal(tags[5], LQ_TAG_O);
    tags_of(text, spaces, 1, tags);
    for (int i = 0; i < 7; i++)
        assert_int_equal(tags[i], LQ_TAG_O);
    /* One token, two spans: "New-York" [0,3) PER and [4,8) LOC; the first
     * takes it, the second is left with nothing; "is" stays O. */
    const lq_span split[] = {{4, 8, LOC}, {0, 3, PER}};
    assert_int_equal(tags_of("New-York is", split, 2, tags), 2);
    assert_int_equal(tags[0], LQ_TAG_B(PER));
    assert_int_equal(tags[1], LQ_TAG_O);
}

/* Tokens t0..t7 at [2i, 2i+1). Tags O I-0 I-0 O B-1 I-1 I-0 B-0:
 * I-0 after O starts a span (t1-t2); B-1 I-1 is one (t4-t5); I-0 after
 * I-1 starts another (t6); B-0 after I-0 starts another (t7). */
static void test_from_tags(void **state)
{
    const uint32_t tags[8] = {LQ_TAG_O,    LQ_TAG_I(0), LQ_TAG_I(0), LQ_TAG_O,
                              LQ_TAG_B(1), LQ_TAG_I(1), LQ_TAG_I(0), LQ_TAG_B(0)};
    const uint32_t bad[1] = {LQ_TAG_I(2)};
    lq_token tok[8];
    lq_span out[8];
    size_t n;

    (void)state;
    for (size_t i = 0; i < 8; i++)
        tok[i] = (lq_token){2 * i, 2 * i + 1};
    assert_int_equal(lq_spans_from_tags(tags, tok, 8, 2, out, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(out[0].start, 2), assert_int_equal(out[0].end, 5);
    assert_int_equal(out[0].label, 0);
    assert_int_equal(out[1].start, 8), assert_int_equal(out[1].end, 11);
    assert_int_equal(out[1].label, 1);
    assert_int_equal(out[2].start, 12), assert_int_equal(out[2].end, 13);
    assert_int_equal(out[2].label, 0);
    assert_int_equal(out[3].start, 14), assert_int_equal(out[3].end, 15);
    assert_int_equal(lq_spans_from_tags(bad, tok, 1, 2, out, &n), LQ_EBADREQ);
    assert_int_equal(lq_spans_from_tags(tags, tok, 0, 2, out, &n), 0);
    assert_int_equal(n, 0);
}

/* a = {(0,5,PER), (6,9,LOC)}, b = {(6,9,PER), (0,5,PER), (10,12,LOC)}:
 * one exact match (6-9 differs in label), F1 = 2*1/(2+3) = 0.4. */
static void test_pair_f1(void **state)
{
    const lq_span a[] = {{0, 5, PER}, {6, 9, LOC}};
    const lq_span b[] = {{6, 9, PER}, {0, 5, PER}, {10, 12, LOC}};
    double f1;

    (void)state;
    assert_int_equal(lq_span_pair_f1(a, 2, b, 3, &f1), 0);
    assert_float_equal(f1, 0.4, 1e-15);
    assert_int_equal(lq_span_pair_f1(b, 3, a, 2, &f1), 0);
    assert_float_equal(f1, 0.4, 1e-15);
    assert_int_equal(lq_span_pair_f1(a, 2, a, 2, &f1), 0);
    assert_float_equal(f1, 1.0, 0);
    assert_int_equal(lq_span_pair_f1(NULL, 0, NULL, 0, &f1), 0);
    assert_float_equal(f1, 1.0, 0); /* both saw nothing to mark */
    assert_int_equal(lq_span_pair_f1(a, 2, NULL, 0, &f1), 0);
    assert_float_equal(f1, 0.0, 0);
}

/* Three units. Unit 0 ("Barack Obama visited New York"): annotators
 * A: PER [0,12), LOC [21,29); B: PER [0,12), LOC [21,24); C: PER [7,12).
 * Unit 1 ("nothing here"): A and B both mark nothing. Unit 2 ("x"): only
 * A, who marks it. */
static const char *const texts[3] = {"Barack Obama visited New York", "nothing here", "x"};
static const size_t text_lens[3] = {29, 12, 1};
static const lq_span ann_a[] = {{0, 12, PER}, {21, 29, LOC}};
static const lq_span ann_b[] = {{21, 24, LOC}, {0, 12, PER}};
static const lq_span ann_c[] = {{7, 12, PER}};
static const lq_span ann_x[] = {{0, 1, LOC}};

static lq_span_data three_units(lq_span_annotation *v)
{
    v[0] = (lq_span_annotation){0, 0, ann_a, 2};
    v[1] = (lq_span_annotation){1, 0, NULL, 0};
    v[2] = (lq_span_annotation){0, 1, ann_b, 2};
    v[3] = (lq_span_annotation){2, 0, ann_x, 1};
    v[4] = (lq_span_annotation){0, 2, ann_c, 1};
    v[5] = (lq_span_annotation){1, 1, NULL, 0};
    return (lq_span_data){.v = v,
                          .n = 6,
                          .n_units = 3,
                          .n_annotators = 3,
                          .n_labels = 2,
                          .text = texts,
                          .text_len = text_lens};
}

/* Unit 0 pairs: A-B share PER [0,12): 2*1/4 = 1/2; A-C none: 0; B-C
 * none: 0; mean 1/6. Unit 1: both empty, 1. Unit 2: one annotation, -1.
 * Overall: (1/2 + 0 + 0 + 1) / 4 pairs = 3/8. */
static void test_span_f1(void **state)
{
    lq_span_annotation v[6];
    lq_span_data d = three_units(v);
    double unit[3], overall;

    (void)state;
    assert_int_equal(lq_span_f1(&d, unit, &overall), 0);
    assert_float_equal(unit[0], 1.0 / 6.0, 1e-15);
    assert_float_equal(unit[1], 1.0, 0);
    assert_float_equal(unit[2], -1.0, 0);
    assert_float_equal(overall, 3.0 / 8.0, 1e-15);
    d.n = 4; /* the first four: unit 0 keeps A and B, units 1 and 2 only A */
    assert_int_equal(lq_span_f1(&d, unit, &overall), 0);
    assert_float_equal(overall, 0.5, 1e-15);
    d.n = 1; /* nobody to pair with: undefined */
    assert_int_equal(lq_span_f1(&d, unit, &overall), LQ_EBADREQ);
}

/* Text "a b c", tokens a [0,1), b [2,3), c [4,5), one label (0).
 * Annotator 0 marks [0,3) -> B-0 I-0 O = 1 2 0; annotator 1 marks [0,1)
 * -> 1 0 0. (unit, token) units: {1,1} {2,0} {0,0}; n = 6, n_0 = 3,
 * n_1 = 2, n_2 = 1. O = 2, E = 36 - (9 + 4 + 1) = 22,
 * alpha = 1 - 5 * 2/22 = 6/11. */
static void test_token_alpha(void **state)
{
    static const char *const text[1] = {"a b c"};
    static const size_t len[1] = {5};
    const lq_span s0[] = {{0, 3, 0}}, s1[] = {{0, 1, 0}};
    lq_span_annotation v[3] = {{0, 0, s0, 1}, {0, 1, s1, 1}};
    lq_span_data d = {.v = v,
                      .n = 2,
                      .n_units = 1,
                      .n_annotators = 2,
                      .n_labels = 1,
                      .text = text,
                      .text_len = len};
    double alpha;

    (void)state;
    assert_int_equal(lq_span_token_alpha(&d, &alpha), 0);
    assert_float_equal(alpha, 6.0 / 11.0, 1e-12);
    /* Both mark nothing: every tag O, no variation, undefined. */
    v[0].n_spans = v[1].n_spans = 0;
    assert_int_equal(lq_span_token_alpha(&d, &alpha), LQ_EBADREQ);
    /* Identical answers with variation across tokens: alpha 1. */
    v[0].n_spans = v[1].n_spans = 1;
    v[1].spans = s0;
    assert_int_equal(lq_span_token_alpha(&d, &alpha), 0);
    assert_float_equal(alpha, 1.0, 1e-12);
}

/* Unit 0 of three_units, tokens Barack Obama visited New York, tags
 * (PER: B 1, I 2; LOC: B 3, I 4):
 *   A: 1 2 0 3 4    B: 1 2 0 3 0    C: 0 1 0 0 0
 * Votes: 1 (2/3), 2 (2/3), 0 (3/3), 3 (2/3), 0 (2/3), so PER [0,12)
 * with confidence 2/3 and LOC [21,24) with 2/3. Unit 1: nothing. Unit 2:
 * A alone: LOC [0,1), confidence 1. */
static void test_vote(void **state)
{
    lq_span_annotation v[6];
    lq_span_data d = three_units(v);
    lq_span_consensus c;

    (void)state;
    assert_int_equal(lq_span_vote(&d, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.start[0], 0);
    assert_int_equal(c.start[1], 2);
    assert_int_equal(c.start[2], 2);
    assert_int_equal(c.start[3], 3);
    assert_int_equal(c.spans[0].start, 0), assert_int_equal(c.spans[0].end, 12);
    assert_int_equal(c.spans[0].label, PER);
    assert_float_equal(c.confidence[0], 2.0 / 3.0, 1e-15);
    assert_int_equal(c.spans[1].start, 21), assert_int_equal(c.spans[1].end, 24);
    assert_int_equal(c.spans[1].label, LOC);
    assert_float_equal(c.confidence[1], 2.0 / 3.0, 1e-15);
    assert_int_equal(c.spans[2].start, 0), assert_int_equal(c.spans[2].end, 1);
    assert_float_equal(c.confidence[2], 1.0, 0);
    lq_span_consensus_free(&c);

    /* A tie between a label and O goes to O: only A and C on unit 0. */
    v[2] = v[4];
    d.n = 3;
    assert_int_equal(lq_span_vote(&d, &c), 0);
    /* Tokens: Barack {1,0} -> O; Obama {2,1} -> B-PER (1 < 2), a span
     * of its own; New {3,0} -> O; York {4,0} -> O. */
    assert_int_equal(c.start[1], 1);
    assert_int_equal(c.spans[0].start, 7), assert_int_equal(c.spans[0].end, 12);
    assert_float_equal(c.confidence[0], 0.5, 0);
    lq_span_consensus_free(&c);
}

static void test_conll(void **state)
{
    static const char *const names[2] = {"PER", "LOC"};
    static const char *const bad_names[2] = {"PER", "NEW PLACE"};
    const char *text = "Obama  visited\nParis";
    const char *want = "Obama\tB-PER\nvisited\tO\nParis\tB-LOC\n";
    const lq_span spans[] = {{15, 20, LOC}, {0, 5, PER}};
    char buf[64];
    size_t n = 0;

    (void)state;
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(lq_spans_conll(text, strlen(text), spans, 2, names, 2, NULL, 0, &n), 0);
    assert_int_equal(n, strlen(want));
    /* Too small by one (no room for the NUL): nothing written. */
    assert_int_equal(lq_spans_conll(text, strlen(text), spans, 2, names, 2, buf, n, &n), 0);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(lq_spans_conll(text, strlen(text), spans, 2, names, 2, buf, n + 1, &n), 0);
    assert_string_equal(buf, want);
    assert_int_equal(lq_spans_conll(text, strlen(text), spans, 2, bad_names, 2, buf, 64, &n),
                     LQ_EBADREQ);
    assert_int_equal(lq_spans_conll(text, strlen(text), spans, 2, NULL, 2, buf, 64, &n),
                     LQ_EBADREQ);
    assert_int_equal(lq_spans_conll(text, 10, spans, 2, names, 2, buf, 64, &n), LQ_EBADREQ);
    /* An empty text has no lines. */
    assert_int_equal(lq_spans_conll("", 0, NULL, 0, names, 2, buf, 64, &n), 0);
    assert_int_equal(n, 0);
    assert_string_equal(buf, "");
}

static void test_rejected_data(void **state)
{
    const lq_span overlap[] = {{0, 6, PER}, {5, 12, LOC}};
    const lq_span beyond[] = {{0, 30, PER}};
    lq_span_annotation v[6];
    lq_span_data d = three_units(v);
    lq_span_consensus c;
    double unit[3], x;

    (void)state;
    v[2].annotator = 0; /* A annotates unit 0 twice */
    assert_int_equal(lq_span_f1(&d, unit, &x), LQ_EBADREQ);
    assert_int_equal(lq_span_token_alpha(&d, &x), LQ_EBADREQ);
    assert_int_equal(lq_span_vote(&d, &c), LQ_EBADREQ);
    assert_null(c.start);
    d = three_units(v);
    v[0].spans = overlap;
    assert_int_equal(lq_span_f1(&d, unit, &x), LQ_EBADREQ);
    v[0].spans = beyond, v[0].n_spans = 1;
    assert_int_equal(lq_span_vote(&d, &c), LQ_EBADREQ);
    d = three_units(v);
    v[3].unit = 3;
    assert_int_equal(lq_span_f1(&d, unit, &x), LQ_EBADREQ);
    d = three_units(v);
    d.text = NULL;
    assert_int_equal(lq_span_token_alpha(&d, &x), LQ_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize),    cmocka_unit_test(test_check),
        cmocka_unit_test(test_tags),        cmocka_unit_test(test_from_tags),
        cmocka_unit_test(test_pair_f1),     cmocka_unit_test(test_span_f1),
        cmocka_unit_test(test_token_alpha), cmocka_unit_test(test_vote),
        cmocka_unit_test(test_conll),       cmocka_unit_test(test_rejected_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
