/* schema/typed_value.h and schema/value_ratings.h: label values read into
 * quality/'s types and written back canonical, the names a value mentions,
 * and a project's values as typed ratings (bad ones left out and counted)
 * with a consensus written back as a value. test_label_value.c has the
 * refusals' messages, which lq_label_canonical takes from here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "schema/label_value.h"
#include "schema/typed_value.h"
#include "schema/value_ratings.h"

static char *LABELS[] = {"PER", "ORG", "LOC"};

static Labelq__ProjectConfig config(Labelq__LabelType type)
{
    Labelq__ProjectConfig c = LABELQ__PROJECT_CONFIG__INIT;
    c.name = "p";
    c.type = type;
    c.field = "text";
    c.labels = LABELS;
    c.n_labels = 3;
    return c;
}

static void sets(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__MULTI);
    char err[256], *out;
    uint64_t set;
    assert_int_equal(lq_value_set(&c, "[\"LOC\",\"PER\"]", &set, err, sizeof(err)), 0);
    assert_int_equal(set, 5);
    assert_int_equal(lq_value_of_set(&c, set, &out), 0);
    assert_string_equal(out, "[\"PER\",\"LOC\"]"); /* schema order */
    free(out);
    assert_int_equal(lq_value_set(&c, "[\"PER\",\"PER\"]", &set, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "appears twice"));
    assert_int_equal(lq_value_set(&c, "[\"x\"]", &set, err, sizeof(err)), LQ_EBADREQ);
    assert_int_equal(lq_value_of_set(&c, 0, &out), 0);
    assert_string_equal(out, "[]");
    free(out);
}

static void numbers(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__NUMERIC);
    c.number_min = -10;
    c.number_max = 1e30;
    char err[256], *out;
    double x;
    assert_int_equal(lq_value_number(&c, "1e2", &x, err, sizeof(err)), 0);
    assert_int_equal(lq_value_of_number(x, &out), 0);
    assert_string_equal(out, "100"); /* whole numbers as people write them */
    free(out);
    assert_int_equal(lq_value_of_number(0.1, &out), 0);
    assert_string_equal(out, "0.1"); /* the shortest text that reads back */
    free(out);
    assert_int_equal(lq_value_of_number(-0.0, &out), 0);
    assert_string_equal(out, "0");
    free(out);
    assert_int_equal(lq_value_of_number(1e20, &out), 0);
    assert_string_equal(out, "1e+20");
    free(out);
    assert_int_equal(lq_value_number(&c, " 1", &x, err, sizeof(err)), LQ_EBADREQ);
    assert_int_equal(lq_value_number(&c, "nan", &x, err, sizeof(err)), LQ_EBADREQ);
    assert_int_equal(lq_value_number(&c, "-11", &x, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "outside the project's range"));
}

static void spans(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__SPANS);
    const char *text = "Zo\xc3\xab met Bob";
    char err[256], *out;
    lq_span *s;
    size_t n;
    assert_int_equal(lq_value_spans(&c,
                                    "[{\"start\":8,\"end\":11,\"label\":\"PER\"},"
                                    "{\"start\":0,\"end\":4,\"label\":\"PER\"}]",
                                    text, &s, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(s[0].start, 0); /* sorted */
    assert_int_equal(s[1].label, 0);
    assert_int_equal(lq_value_of_spans(&c, s + 1, 1, &out), 0);
    assert_string_equal(out, "[{\"start\":8,\"end\":11,\"label\":\"PER\"}]");
    free(out);
    /* Written sorted whatever order they come in. */
    lq_span back[2] = {s[1], s[0]};
    assert_int_equal(lq_value_of_spans(&c, back, 2, &out), 0);
    assert_string_equal(out, "[{\"start\":0,\"end\":4,\"label\":\"PER\"},"
                             "{\"start\":8,\"end\":11,\"label\":\"PER\"}]");
    free(out);
    free(s);
    assert_int_equal(lq_value_spans(&c, "[{\"start\":0,\"end\":3,\"label\":\"PER\"}]", text, &s, &n,
                                    err, sizeof(err)),
                     LQ_EBADREQ);
    assert_non_null(strstr(err, "cuts a UTF-8 character"));
    assert_null(s);
    assert_int_equal(lq_value_spans(&c, "[]", NULL, &s, &n, err, sizeof(err)), LQ_EBADREQ);
    assert_non_null(strstr(err, "no text field 'text'"));
}

static void boxes(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__BOXES);
    char err[256], *out;
    lq_box *b;
    size_t n;
    assert_int_equal(lq_value_boxes(&c, "[{\"x\":1,\"y\":2.5,\"w\":3,\"h\":4,\"label\":\"ORG\"}]",
                                    &b, &n, err, sizeof(err)),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].label, 1);
    assert_int_equal(lq_value_of_boxes(&c, b, n, &out), 0);
    assert_string_equal(out, "[{\"x\":1.0,\"y\":2.5,\"w\":3.0,\"h\":4.0,\"label\":\"ORG\"}]");
    free(out);
    free(b);
    assert_int_equal(lq_value_boxes(&c, "[{\"x\":1,\"y\":2,\"w\":0,\"h\":4,\"label\":\"ORG\"}]", &b,
                                    &n, err, sizeof(err)),
                     LQ_EBADREQ);
    assert_non_null(strstr(err, "w and h > 0"));
}

static int collect(void *ctx, const char *name)
{
    char *buf = ctx;
    strcat(buf, name);
    strcat(buf, ";");
    return 0;
}

static void names(void **state)
{
    (void)state;
    char buf[128] = "";
    assert_int_equal(lq_value_names(LABELQ__LABEL_TYPE__MULTI, "[\"b\",3,\"a\"]", collect, buf), 0);
    assert_string_equal(buf, "b;a;");
    buf[0] = '\0';
    assert_int_equal(lq_value_names(LABELQ__LABEL_TYPE__BOXES,
                                    "[{\"label\":\"car\"},{\"x\":1},{\"label\":\"dog\"}]", collect,
                                    buf),
                     0);
    assert_string_equal(buf, "car;dog;");
    assert_int_equal(lq_value_names(LABELQ__LABEL_TYPE__SPANS, "{}", collect, buf), LQ_EBADREQ);
    assert_int_equal(lq_value_names(LABELQ__LABEL_TYPE__TEXT, "anything", collect, buf), 0);
}

/* A project's values as ratings: a value that does not read is left out and
 * counted, the others keep their index in source; the consensus comes back
 * as the value labelqd stores. */
static void value_ratings(void **state)
{
    (void)state;
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__MULTI);
    lq_label_value v[] = {
        {0, 0, "[\"PER\"]"}, {0, 1, "not json"}, {0, 2, "[\"PER\",\"LOC\"]"}, {0, 3, "[\"PER\"]"}};
    lq_value_ratings vr;
    assert_int_equal(lq_value_ratings_build(&c, v, 4, 1, 4, NULL, &vr), 0);
    assert_int_equal(vr.skipped, 1);
    assert_int_equal(vr.r.kind, LQ_KIND_MULTI);
    assert_int_equal(lq_typed_count(&vr.r), 3);
    assert_int_equal(vr.source[1], 2);
    lq_typed_consensus cons;
    char *out;
    assert_int_equal(lq_typed_consensus_compute(&vr.r, LQ_METHOD_MAJORITY, &cons), 0);
    assert_int_equal(lq_value_consensus(&c, &vr.r, &cons, 0, &out), 0);
    assert_string_equal(out, "[\"PER\"]");
    free(out);
    lq_typed_consensus_free(&cons);
    lq_value_ratings_free(&vr);

    /* Spans on each unit's text; a unit without one leaves its values out. */
    c = config(LABELQ__LABEL_TYPE__SPANS);
    const char *texts[] = {"Ada met Bob", NULL};
    lq_label_value s[] = {{0, 0, "[{\"start\":0,\"end\":3,\"label\":\"PER\"}]"},
                          {0, 1,
                           "[{\"start\":8,\"end\":11,\"label\":\"PER\"},"
                           "{\"start\":0,\"end\":3,\"label\":\"PER\"}]"},
                          {1, 0, "[]"}};
    assert_int_equal(lq_value_ratings_build(&c, s, 3, 2, 2, texts, &vr), 0);
    assert_int_equal(vr.skipped, 1);
    assert_int_equal(vr.r.spans.v[1].n_spans, 2);
    assert_int_equal(vr.r.spans.text_len[0], 11);
    assert_int_equal(lq_typed_consensus_compute(&vr.r, LQ_METHOD_TOKEN_VOTE, &cons), 0);
    /* Ada: both; Bob: a tie of O and B-PER, O wins. */
    assert_int_equal(lq_value_consensus(&c, &vr.r, &cons, 0, &out), 0);
    assert_string_equal(out, "[{\"start\":0,\"end\":3,\"label\":\"PER\"}]");
    free(out);
    assert_int_equal(lq_value_consensus(&c, &vr.r, &cons, 1, &out), 0);
    assert_null(out); /* no rating read */
    lq_typed_consensus_free(&cons);
    lq_value_ratings_free(&vr);
}

static void type_names_and_item_text(void **state)
{
    (void)state;
    Labelq__LabelType t;
    assert_int_equal(lq_label_type_parse("spans", &t), 0);
    assert_int_equal(t, LABELQ__LABEL_TYPE__SPANS);
    assert_int_equal(lq_label_type_parse("span", &t), LQ_EBADREQ);
    assert_int_equal(lq_label_kind(LABELQ__LABEL_TYPE__BOXES), LQ_KIND_BOXES);
    Labelq__ProjectConfig c = config(LABELQ__LABEL_TYPE__SPANS);
    char *text;
    assert_int_equal(lq_label_item_text(&c, "{\"text\": \"hi\", \"n\": 1}", &text), 0);
    assert_string_equal(text, "hi");
    free(text);
    assert_int_equal(lq_label_item_text(&c, "{\"text\": 3}", &text), 0);
    assert_null(text);
    assert_int_equal(lq_label_item_text(&c, "not json", &text), 0);
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sets),
        cmocka_unit_test(numbers),
        cmocka_unit_test(spans),
        cmocka_unit_test(boxes),
        cmocka_unit_test(names),
        cmocka_unit_test(value_ratings),
        cmocka_unit_test(type_names_and_item_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
