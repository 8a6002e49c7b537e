/* proto/utf8.h and schema/label_index.h: the one UTF-8 check (valid and
 * invalid sequences at every length), the lead-byte lengths the annotate
 * line editor reads, the lenient decoder, the escape for messages, and the
 * one label lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/utf8.h"
#include "schema/label_index.h"

static int check(const char *s)
{
    return lq_utf8_check(s, strlen(s));
}

static void valid_and_invalid(void **state)
{
    static const char *const valid[] = {
        "",
        "plain ASCII",
        "h\xc3\xa9llo",
        "\xe6\x97\xa5\xe6\x9c\xac",
        "\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
        "\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
        "\xee\x80\x80",     /* U+E000, just above them */
    };
    static const char *const invalid[] = {
        "\xc3",             /* truncated 2-byte sequence */
        "\x80",             /* stray continuation byte */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong, C1 */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xf0\x8f\xbf\xbf", /* overlong, 4 bytes */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xed\xbf\xbf",     /* surrogate U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* no such lead byte */
        "\xff",
        "ab\xe2\x82",   /* truncated at the end */
        "\xe2\x28\xa1", /* a continuation byte missing in the middle */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++)
        assert_int_equal(check(valid[i]), 0);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++)
        assert_int_equal(check(invalid[i]), LQ_EBADREQ);
    assert_int_equal(lq_utf8_check(NULL, 0), 0);
    assert_int_equal(lq_utf8_check("a\0b", 3), 0); /* NUL is a character */
    /* Counted: a bad byte past len is not looked at. */
    assert_int_equal(lq_utf8_check("ab\xff", 2), 0);
}

static void lead_lengths(void **state)
{
    (void)state;
    assert_int_equal(lq_utf8_lead_length('a'), 1);
    assert_int_equal(lq_utf8_lead_length(0x00), 1);
    assert_int_equal(lq_utf8_lead_length(0x80), 0);
    assert_int_equal(lq_utf8_lead_length(0xC1), 0);
    assert_int_equal(lq_utf8_lead_length(0xC2), 2);
    assert_int_equal(lq_utf8_lead_length(0xE0), 3);
    assert_int_equal(lq_utf8_lead_length(0xF4), 4);
    assert_int_equal(lq_utf8_lead_length(0xF5), 0);
}

static void decode(void **state)
{
    uint32_t cp;
    (void)state;
    assert_int_equal(lq_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(lq_utf8_decode("\xc3\xa9!", 3, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(lq_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* Malformed: U+FFFD, one byte at a time. */
    assert_int_equal(lq_utf8_decode("\xed\xa0\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(lq_utf8_decode("\xc3", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
}

/* Text for a message: valid characters as they are, every other byte
 * (NUL too) as \xNN, and a full buffer cut at a character boundary. */
static void escape(void **state)
{
    char out[32];
    (void)state;
    assert_int_equal(lq_utf8_escape(out, sizeof out, "caf\xc3\xa9", 5), 5);
    assert_string_equal(out, "caf\xc3\xa9");
    assert_int_equal(lq_utf8_escape(out, sizeof out, "a\0b\xff", 4), 10);
    assert_string_equal(out, "a\\x00b\\xFF");
    assert_int_equal(check(out), 0);
    /* Half an é at the end, as a cut at a byte count leaves it. */
    lq_utf8_escape(out, sizeof out, "pos\xc3", 4);
    assert_string_equal(out, "pos\\xC3");
    /* Full: an emoji that does not fit whole is left out, not cut. */
    assert_int_equal(lq_utf8_escape(out, 6, "ab\xf0\x9f\x98\x80", 6), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(lq_utf8_escape(out, 4, "\xff", 1), 0); /* no room for \xFF */
    assert_string_equal(out, "");
    assert_int_equal(lq_utf8_escape(out, 1, "abc", 3), 0);
    assert_string_equal(out, "");
}

static void label_index(void **state)
{
    char *labels[] = {"pos", "neg", "neutral"};
    (void)state;
    assert_int_equal(lq_label_index(labels, 3, "pos"), 0);
    assert_int_equal(lq_label_index(labels, 3, "neutral"), 2);
    assert_int_equal(lq_label_index(labels, 3, "Pos"), LQ_EBADREQ);
    assert_int_equal(lq_label_index(labels, 3, ""), LQ_EBADREQ);
    assert_int_equal(lq_label_index(labels, 2, "neutral"), LQ_EBADREQ); /* only the first n */
    assert_int_equal(lq_label_index(NULL, 0, "pos"), LQ_EBADREQ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_and_invalid),
        cmocka_unit_test(lead_lengths),
        cmocka_unit_test(decode),
        cmocka_unit_test(escape),
        cmocka_unit_test(label_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
