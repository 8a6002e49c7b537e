/* Label values by project type: schema checks, the stored (canonical)
 * form of each kind of value, and the clear refusal of bad ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/label_value.h"
#include "daemon/model/project.h"
#include "proto/error.h"

static char *LABELS[] = {"PER", "ORG", "LOC"};

static Labelq__ProjectConfig config(Labelq__LabelType type)
{
    Labelq__ProjectConfig c = LABELQ__PROJECT_CONFIG__INIT;
    c.name = "p";
    c.type = type;
    if (type != LABELQ__LABEL_TYPE__NUMERIC && type != LABELQ__LABEL_TYPE__TEXT) {
        c.labels = LABELS;
        c.n_labels = 3;
    }
    return c;
}

/* Canonical form of value, which must be accepted. */
static void accepts(const Labelq__ProjectConfig *c, const char *value, const char *text,
                    const char *want)
{
    char err[256] = "", *out = NULL;
    int rc = lq_label_canonical(c, value, text, &out, err, sizeof(err));
    if (rc != 0)
        fail_msg("'%s' refused: %s", value, err);
    assert_string_equal(out, want);
    free(out);
}

/* value must be refused with a message containing why. */
static void refuses(const Labelq__ProjectConfig *c, const char *value, const char *text,
                    const char *why)
{
    char err[256] = "", *out = NULL;
    int rc = lq_label_canonical(c, value, text, &out, err, sizeof(err));
    if (rc != LQ_EBADREQ)
        fail_msg("'%s' accepted as '%s', want a refusal saying '%s'", value, out ? out : "", why);
    assert_null(out);
    if (!strstr(err, why))
        fail_msg("'%s' refused with '%s', want it to say '%s'", value, err, why);
}

static void single_and_ordinal(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__SINGLE);
    accepts(&c, "ORG", NULL, "ORG");
    refuses(&c, "org", NULL, "is not a label");
    c.type = LABELQ__LABEL_TYPE__ORDINAL;
    accepts(&c, "LOC", NULL, "LOC");
    assert_true(lq_label_indexed(&c));
}

static void multi_label_sets(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__MULTI);
    assert_false(lq_label_indexed(&c));
    /* Stored in schema order, whatever order they came in. */
    accepts(&c, "[\"LOC\", \"PER\"]", NULL, "[\"PER\",\"LOC\"]");
    accepts(&c, "[]", NULL, "[]");
    refuses(&c, "[\"PER\",\"PER\"]", NULL, "appears twice");
    refuses(&c, "[\"XYZ\"]", NULL, "not one of the project's labels");
    refuses(&c, "[1]", NULL, "not a string");
    refuses(&c, "PER", NULL, "not JSON");
    refuses(&c, "{\"a\":1}", NULL, "JSON array");
}

static void numbers(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__NUMERIC);
    c.number_min = -10;
    c.number_max = 100;
    accepts(&c, "4.5", NULL, "4.5");
    accepts(&c, "4.50", NULL, "4.5");
    accepts(&c, "1e2", NULL, "100");
    accepts(&c, "-0", NULL, "0");
    accepts(&c, "0.1", NULL, "0.1");
    refuses(&c, "100.5", NULL, "outside the project's range");
    refuses(&c, "abc", NULL, "not a number");
    refuses(&c, "", NULL, "not a number");
    refuses(&c, " 5", NULL, "not a number");
    refuses(&c, "5x", NULL, "not a number");
    refuses(&c, "nan", NULL, "not a number");
    refuses(&c, "inf", NULL, "not a number");
}

static void texts(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__TEXT);
    char err[256];
    assert_int_equal(lq_label_schema_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.max_text_bytes, LQ_DEFAULT_MAX_TEXT);
    accepts(&c, "a cat on a mat", NULL, "a cat on a mat");
    accepts(&c, "", NULL, "");
    accepts(&c, "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80", NULL,
            "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
    refuses(&c, "bad \xc3", NULL, "UTF-8");
    refuses(&c, "\xc0\xaf", NULL, "UTF-8");         /* overlong '/' */
    refuses(&c, "\xed\xa0\x80", NULL, "UTF-8");     /* a UTF-16 surrogate */
    c.max_text_bytes = 4;
    accepts(&c, "abcd", NULL, "abcd");
    refuses(&c, "abcde", NULL, "at most 4");
}

static void span_lists(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__SPANS);
    const char *text = "Ada Lovelace met Babbage in London"; /* 34 bytes */
    accepts(&c,
            "[{\"label\":\"LOC\",\"start\":28,\"end\":34},{\"start\":0,\"end\":12,\"label\":\"PER\"}]",
            text,
            "[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":28,\"end\":34,\"label\":\"LOC\"}]");
    accepts(&c, "[]", text, "[]");
    refuses(&c, "[{\"start\":0,\"end\":40,\"label\":\"PER\"}]", text, "start < end <= 34");
    refuses(&c, "[{\"start\":5,\"end\":5,\"label\":\"PER\"}]", text, "start < end");
    refuses(&c, "[{\"start\":0,\"end\":5,\"label\":\"XX\"}]", text, "not one of the project's labels");
    refuses(&c, "[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":4,\"end\":8,\"label\":\"ORG\"}]",
            text, "overlap");
    refuses(&c, "[{\"start\":\"0\",\"end\":5,\"label\":\"PER\"}]", text, "must be {");
    refuses(&c, "[]", NULL, "no text field");
    /* Offsets are bytes and may not cut a character: "é" is 2 bytes. */
    const char *utf = "caf\xc3\xa9 Paris";
    accepts(&c, "[{\"start\":6,\"end\":11,\"label\":\"LOC\"}]", utf,
            "[{\"start\":6,\"end\":11,\"label\":\"LOC\"}]");
    refuses(&c, "[{\"start\":0,\"end\":4,\"label\":\"LOC\"}]", utf, "cuts a UTF-8 character");
}

static void box_lists(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__BOXES);
    accepts(&c, "[{\"x\":1,\"y\":2.5,\"w\":30,\"h\":40,\"label\":\"ORG\"}]", NULL,
            "[{\"x\":1.0,\"y\":2.5,\"w\":30.0,\"h\":40.0,\"label\":\"ORG\"}]");
    refuses(&c, "[{\"x\":1,\"y\":2,\"w\":0,\"h\":40,\"label\":\"ORG\"}]", NULL, "w and h > 0");
    refuses(&c, "[{\"x\":-1,\"y\":2,\"w\":3,\"h\":4,\"label\":\"ORG\"}]", NULL, ">= 0");
    refuses(&c, "[{\"x\":1,\"y\":2,\"w\":3,\"label\":\"ORG\"}]", NULL, "must be {");
    refuses(&c, "[{\"x\":1,\"y\":2,\"w\":3,\"h\":4,\"label\":\"car\"}]", NULL, "not one of");
}

static void schemas(void **state)
{
    (void)state;
    char err[256];
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__NUMERIC);
    assert_int_equal(lq_label_schema_check(&c, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "MIN < MAX"));
    c.number_min = 1;
    c.number_max = 5;
    assert_int_equal(lq_label_schema_check(&c, err, sizeof(err)), 0);
    c.labels = LABELS;
    c.n_labels = 3;
    assert_int_equal(lq_label_schema_check(&c, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "no label list"));

    Labelq__ProjectConfig s = config(LABELQ__LABEL_TYPE__SPANS);
    assert_int_equal(lq_label_schema_check(&s, err, sizeof(err)), 0);
    assert_string_equal(s.field, "text"); /* the default field */
    free(s.field);
    Labelq__ProjectConfig b = config(LABELQ__LABEL_TYPE__BOXES);
    assert_int_equal(lq_label_schema_check(&b, err, sizeof(err)), 0);
    assert_string_equal(b.field, "image");
    free(b.field);

    Labelq__ProjectConfig o = config(LABELQ__LABEL_TYPE__ORDINAL);
    o.n_labels = 1;
    assert_int_equal(lq_label_schema_check(&o, err, sizeof(err)), LQ_EBADREQ);

    /* Dynamic overlap and gold need label indexes. */
    Labelq__ProjectConfig m = config(LABELQ__LABEL_TYPE__MULTI);
    m.overlap = 2;
    m.max_overlap = 4;
    assert_int_equal(lq_label_schema_check(&m, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "dynamic overlap"));
    m.max_overlap = 2;
    m.gold_ratio = 0.1;
    assert_int_equal(lq_label_schema_check(&m, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "gold"));

    Labelq__ProjectConfig t = config(LABELQ__LABEL_TYPE__SINGLE);
    t.type = (Labelq__LabelType)42;
    assert_int_equal(lq_label_schema_check(&t, err, sizeof(err)), LQ_EBADREQ);
}

static void item_fields(void **state)
{
    (void)state;
    char err[256];
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__SPANS);
    c.field = "text";
    json_t *ok = json_pack("{s:s}", "text", "hello"), *bad = json_pack("{s:i}", "text", 3);
    json_t *str = json_string("hello");
    assert_int_equal(lq_label_item_check(&c, ok, err, sizeof(err)), 0);
    assert_int_equal(lq_label_item_check(&c, bad, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "\"text\""));
    assert_int_equal(lq_label_item_check(&c, str, err, sizeof(err)), LQ_EBADREQ);
    Labelq__ProjectConfig s = config(LABELQ__LABEL_TYPE__SINGLE);
    assert_int_equal(lq_label_item_check(&s, str, err, sizeof(err)), 0);
    json_decref(ok);
    json_decref(bad);
    json_decref(str);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_and_ordinal), cmocka_unit_test(multi_label_sets),
        cmocka_unit_test(numbers),            cmocka_unit_test(texts),
        cmocka_unit_test(span_lists),         cmocka_unit_test(box_lists),
        cmocka_unit_test(schemas),            cmocka_unit_test(item_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
