/* Free-text ratings (quality/text_distance.h): code points, edit
 * distance over code points (multi-byte characters count once), the
 * normalized distance, the normalization helper, alpha and the medoid
 * worked out by hand, and the rejected inputs.
 * tests/quality/crosscheck_text.py compares them with nltk.edit_distance
 * and NLTK's alpha on random strings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "quality/text_distance.h"

/* UTF-8 spelled out, so the byte counts below can be checked by eye. */
#define E_ACUTE "\xc3\xa9"       /* é, U+00E9, 2 bytes */
#define E_ACUTE_UPPER "\xc3\x89" /* É, U+00C9, 2 bytes */
#define NBSP "\xc2\xa0"          /* no-break space, U+00A0, 2 bytes */
#define NI "\xe6\x97\xa5"        /* 日, 3 bytes */
#define HON "\xe6\x9c\xac"       /* 本, 3 bytes */
#define GO "\xe8\xaa\x9e"        /* 語, 3 bytes */
#define GRIN "\xf0\x9f\x98\x80"  /* U+1F600, 4 bytes */

static size_t lev(const char *a, const char *b)
{
    size_t d = (size_t)-1;

    assert_int_equal(lq_levenshtein(a, strlen(a), b, strlen(b), &d), 0);
    return d;
}

static double dist(const char *a, const char *b)
{
    double d = -1;

    assert_int_equal(lq_text_distance(a, strlen(a), b, strlen(b), &d), 0);
    return d;
}

/* Code points of UTF-8 text (proto's lq_utf8_check is the check; see
 * test_utf8.c): this library only decodes, and bytes that are not UTF-8
 * neither crash it nor make it fail. */
static void test_length(void **state)
{
    static const char *invalid[] = {"\xc3", "\x80", "\xc0\xaf", "\xed\xa0\x80", "ab\xe2\x82"};

    (void)state;
    assert_int_equal(lq_text_length("", 0), 0);
    assert_int_equal(lq_text_length(NULL, 0), 0);
    assert_int_equal(lq_text_length("h" E_ACUTE "llo", 6), 5); /* héllo */
    assert_int_equal(lq_text_length(NI HON, 6), 2);
    assert_int_equal(lq_text_length(GRIN, 4), 1);
    assert_int_equal(lq_text_length("\xf4\x8f\xbf\xbf", 4), 1); /* U+10FFFF */
    assert_int_equal(lq_text_length("a\0b", 3), 3);               /* NUL is a character */
    for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
        size_t d, len = strlen(invalid[i]);
        double x;
        char out[8];

        assert_true(lq_text_length(invalid[i], len) <= len);
        assert_int_equal(lq_levenshtein(invalid[i], len, "a", 1, &d), 0);
        assert_int_equal(lq_text_distance("a", 1, invalid[i], len, &x), 0);
        assert_true(x >= 0.0 && x <= 1.0);
        assert_int_equal(lq_text_normalize(invalid[i], len, out), len);
    }
}

static void test_levenshtein_by_hand(void **state)
{
    (void)state;
    assert_int_equal(lev("kitten", "sitting"), 3); /* k->s, e->i, +g */
    assert_int_equal(lev("sitting", "kitten"), 3);
    assert_int_equal(lev("rain", "shine"), 3); /* NLTK's docstring */
    assert_int_equal(lev("", ""), 0);
    assert_int_equal(lev("", "abc"), 3);
    assert_int_equal(lev("abc", ""), 3);
    assert_int_equal(lev("same", "same"), 0);
    /* Code points, not bytes: é is 2 bytes but one substitution. */
    assert_int_equal(lev("caf" E_ACUTE, "cafe"), 1);
    /* 日本語 -> 日本: one deletion of a 3-byte character. */
    assert_int_equal(lev(NI HON GO, NI HON), 1);
    /* 😀a -> a😀: delete one, insert one (no transpositions). */
    assert_int_equal(lev(GRIN "a", "a" GRIN), 2);
    /* Different 4-byte characters sharing three bytes differ once. */
    assert_int_equal(lev(GRIN, "\xf0\x9f\x98\x81"), 1);
}

static void test_normalized_distance(void **state)
{
    (void)state;
    assert_float_equal(dist("kitten", "sitting"), 3.0 / 7.0, 1e-15);
    assert_float_equal(dist("", ""), 0.0, 0);
    assert_float_equal(dist("", "a"), 1.0, 0);
    assert_float_equal(dist("abc", "xyz"), 1.0, 0);
    /* By code points: 1 of max(4, 4), not 2 of 5 bytes. */
    assert_float_equal(dist("caf" E_ACUTE, "cafe"), 0.25, 0);
}

static void test_normalize(void **state)
{
    char buf[64];
    size_t n;

    (void)state;
    strcpy(buf, "  Hello \t\n WORLD\r\n");
    n = lq_text_normalize(buf, strlen(buf), buf); /* in place */
    assert_int_equal(n, 11);
    assert_memory_equal(buf, "hello world", 11);
    /* ASCII only: É and the no-break space (U+00A0) stay as they are. */
    n = lq_text_normalize(E_ACUTE_UPPER "COLE" NBSP "X  y", 12, buf);
    assert_int_equal(n, 11); /* É(2) cole(4) NBSP(2) x(1) space(1) y(1) */
    assert_memory_equal(buf, E_ACUTE_UPPER "cole" NBSP "x y", 11);
    assert_int_equal(lq_text_normalize(" \t \n", 4, buf), 0);
    assert_int_equal(lq_text_normalize("", 0, buf), 0);
}

typedef struct texts {
    lq_text_rating v[32];
    lq_text_ratings r;
} texts;

static void add(texts *t, uint32_t unit, uint32_t annotator, const char *s)
{
    t->v[t->r.n++] = (lq_text_rating){unit, annotator, s, strlen(s)};
}

/* Units: "ab" "ab" | "ab" "ac" | "x" "" | "lonely" (unpairable).
 * Values ab x3, ac, x, "" (n = 6); d(ab, ac) = 1/2, every other pair of
 * distinct values is at 1 (lev("ab", "x") = 2 of 2, "" against anything 1).
 * O = 2 * 1/2 + 2 * 1 = 3, D_o = 1/2.
 * E = 2 (3*1*1/2 + 3*1 + 3*1 + 1 + 1 + 1) = 21, D_e = 21/30.
 * alpha = 1 - (1/2) / (21/30) = 2/7. */
static void test_alpha_by_hand(void **state)
{
    texts t = {0};
    lq_alpha_result res;

    (void)state;
    t.r = (lq_text_ratings){.v = t.v, .n_units = 4, .n_annotators = 2};
    add(&t, 0, 0, "ab"), add(&t, 0, 1, "ab");
    add(&t, 1, 0, "ab"), add(&t, 1, 1, "ac");
    add(&t, 2, 0, "x"), add(&t, 2, 1, "");
    add(&t, 3, 0, "lonely");
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), 0);
    assert_float_equal(res.alpha, 2.0 / 7.0, 1e-12);
    assert_int_equal(res.n_pairable, 6);
    assert_int_equal(res.n_distinct, 4);
    /* Everyone wrote the same: undefined. Empty strings are values too. */
    t.r.n = 0;
    add(&t, 0, 0, ""), add(&t, 0, 1, ""), add(&t, 1, 0, ""), add(&t, 1, 1, "");
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), LQ_EBADREQ);
    t.v[3] = (lq_text_rating){1, 1, "y", 1};
    /* "" x3, "y" x1; O = 2, E = 2*3 = 6, alpha = 1 - 3 * 2/6 = 0. */
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), 0);
    assert_float_equal(res.alpha, 0.0, 1e-12);
}

/* Unit 0: apple apples apply banana. Distances: apple-apples 1/6,
 * apple-apply 1/5, apples-apply 2/6, apple-banana 5/6 (keep one 'a'),
 * apples-banana 6/6, apply-banana 5/6. Sums: apple 1.2, apples 1.5,
 * apply 1.3667, banana 2.6667: apple, mean 1.2/3 = 0.4.
 * Unit 1: "a" and "b", a tie at 1: the lower index in r->v, which is
 * "b" because the ratings are interleaved. Unit 2: one rating. Unit 3:
 * none. Unit 4: 日本語 日本 日本語: 日本語 (sum 1/3, first of two). */
static void test_medoid_by_hand(void **state)
{
    texts t = {0};
    size_t medoid[5];
    double mean[5];

    (void)state;
    t.r = (lq_text_ratings){.v = t.v, .n_units = 5, .n_annotators = 4};
    add(&t, 1, 0, "b");       /* 0 */
    add(&t, 0, 0, "apples");  /* 1 */
    add(&t, 0, 1, "banana");  /* 2 */
    add(&t, 1, 1, "a");       /* 3 */
    add(&t, 0, 2, "apple");   /* 4 */
    add(&t, 0, 3, "apply");   /* 5 */
    add(&t, 2, 0, "solo");    /* 6 */
    add(&t, 4, 0, NI HON);    /* 7 */
    add(&t, 4, 1, NI HON GO); /* 8 */
    add(&t, 4, 2, NI HON GO); /* 9 */
    assert_int_equal(lq_text_medoid(&t.r, medoid, mean), 0);
    assert_int_equal(medoid[0], 4);
    assert_float_equal(mean[0], 0.4, 1e-12);
    assert_int_equal(medoid[1], 0);
    assert_float_equal(mean[1], 1.0, 0);
    assert_int_equal(medoid[2], 6);
    assert_float_equal(mean[2], 0.0, 0);
    assert_int_equal(medoid[3], SIZE_MAX);
    assert_float_equal(mean[3], -1.0, 0);
    /* 日本 is 1/3 from each 日本語; 日本語 is 1/3 + 0 = 1/3 from the others. */
    assert_int_equal(medoid[4], 8);
    assert_float_equal(mean[4], 1.0 / 6.0, 1e-12);
    assert_int_equal(lq_text_medoid(&t.r, medoid, NULL), 0); /* mean is optional */
    assert_int_equal(medoid[0], 4);
}

static void test_rejected(void **state)
{
    texts t = {0};
    lq_alpha_result res;
    size_t medoid[2];

    (void)state;
    t.r = (lq_text_ratings){.v = t.v, .n_units = 2, .n_annotators = 2};
    add(&t, 0, 0, "a"), add(&t, 0, 1, "b"), add(&t, 1, 0, "a"), add(&t, 1, 1, "a");
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), 0);
    t.v[1].text = NULL; /* NULL with a length */
    t.v[1].len = 1;
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), LQ_EBADREQ);
    t.v[1].len = 0; /* NULL and empty is the empty string */
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), 0);
    t.v[2].annotator = 2;
    assert_int_equal(lq_text_alpha(&t.r, NULL, &res), LQ_EBADREQ);
    assert_int_equal(lq_text_medoid(&t.r, medoid, NULL), LQ_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_levenshtein_by_hand),
        cmocka_unit_test(test_normalized_distance),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_alpha_by_hand),
        cmocka_unit_test(test_medoid_by_hand),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
