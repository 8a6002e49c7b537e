/* Export writers (daemon/export_*.c): CSV quoting, the split hash and its
 * intervals, the CoNLL-2003 and COCO outputs, and the choice of format by
 * label type. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/export/format.h"
#include "daemon/export/split.h"
#include "proto/error.h"

static char *text_of(lq_outbuf *o)
{
    assert_int_equal(lq_outbuf_add(o, "", 1), 0);
    return o->buf;
}

static void csv_field_quotes_only_when_needed(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {"semi;colon", "semi;colon"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lq_outbuf o = {0};
        assert_int_equal(lq_csv_field(&o, cases[i].in), 0);
        assert_string_equal(text_of(&o), cases[i].out);
        free(o.buf);
    }
}

static void split_hash_matches_python(void **state)
{
    (void)state;
    /* Computed independently with Python:
     *   d = hashlib.sha256((str(seed) + ":" + id).encode()).digest()
     *   int.from_bytes(d[:8], "big") / 2**64
     * 42, "item-00001" -> 9113843379807778512 / 2^64 = 0.4940624396040113
     * 0, "a"           -> 11381658363930578919 / 2^64 = 0.6170009362330673
     * 7, "b1"          -> 5126117993366559063 / 2^64 = 0.2778874132412529 */
    assert_true(lq_split_hash(42, "item-00001") == 9113843379807778512.0 / 18446744073709551616.0);
    assert_true(fabs(lq_split_hash(42, "item-00001") - 0.4940624396040113) < 1e-16);
    assert_true(fabs(lq_split_hash(0, "a") - 0.6170009362330673) < 1e-16);
    assert_true(fabs(lq_split_hash(7, "b1") - 0.2778874132412529) < 1e-16);
}

/* An Export request with parts names[i] = shares[i], keeping part. */
static int plan(const char *const *names, const double *shares, size_t n, const char *part,
                uint64_t seed, lq_split *out)
{
    Labelq__Export req = LABELQ__EXPORT__INIT;
    Labelq__SplitPart parts[8], *ptrs[8];
    for (size_t i = 0; i < n; i++) {
        labelq__split_part__init(&parts[i]);
        parts[i].name = (char *)names[i];
        parts[i].share = shares[i];
        ptrs[i] = &parts[i];
    }
    req.split = ptrs;
    req.n_split = n;
    req.split_part = (char *)part;
    req.split_seed = seed;
    char err[256];
    return lq_split_plan(&req, out, err, sizeof err);
}

static void split_parts_cover_every_id_once(void **state)
{
    (void)state;
    static const char *const names[] = {"train", "validation", "test"};
    static const double shares[] = {0.8, 0.1, 0.1};
    lq_split s[3];
    for (int k = 0; k < 3; k++)
        assert_int_equal(plan(names, shares, 3, names[k], 9, &s[k]), 0);
    size_t counts[3] = {0};
    for (int i = 0; i < 2000; i++) {
        char id[32];
        snprintf(id, sizeof id, "id-%d", i);
        int in = 0;
        for (int k = 0; k < 3; k++)
            if (lq_split_keeps(&s[k], id)) {
                in++;
                counts[k]++;
            }
        assert_int_equal(in, 1);
    }
    /* 2000 draws: each share within a generous band of its expectation. */
    assert_in_range(counts[0], 1500, 1700);
    assert_in_range(counts[1], 130, 270);
    assert_in_range(counts[2], 130, 270);
    /* "item-00001" under seed 42 hashes to 0.494: in [0, 0.8), train. */
    lq_split t;
    assert_int_equal(plan(names, shares, 3, "train", 42, &t), 0);
    assert_true(lq_split_keeps(&t, "item-00001"));
    assert_int_equal(plan(names, shares, 3, "test", 42, &t), 0);
    assert_false(lq_split_keeps(&t, "item-00001"));
}

static void split_plan_refuses_bad_splits(void **state)
{
    (void)state;
    lq_split s;
    static const char *const dup[] = {"a", "a"};
    static const char *const bad[] = {"a b", "c"};
    static const char *const ok[] = {"a", "b"};
    static const double half[] = {0.5, 0.5}, short_sum[] = {0.5, 0.4}, zero[] = {1.0, 0.0};
    assert_int_equal(plan(dup, half, 2, "a", 0, &s), LQ_EBADREQ);
    assert_int_equal(plan(bad, half, 2, "c", 0, &s), LQ_EBADREQ);
    assert_int_equal(plan(ok, short_sum, 2, "a", 0, &s), LQ_EBADREQ);
    assert_int_equal(plan(ok, zero, 2, "a", 0, &s), LQ_EBADREQ);
    assert_int_equal(plan(ok, half, 2, "c", 0, &s), LQ_EBADREQ);
    assert_int_equal(plan(ok, half, 2, "b", 0, &s), 0);
    assert_true(s.on && s.last && s.lo == 0.5);
}

static Labelq__ProjectConfig config(Labelq__LabelType t, char **labels, size_t n, char *field)
{
    Labelq__ProjectConfig c = LABELQ__PROJECT_CONFIG__INIT;
    c.name = "p";
    c.type = t;
    c.labels = labels;
    c.n_labels = n;
    c.field = field;
    return c;
}

static void conll_writes_bio_columns(void **state)
{
    (void)state;
    char *labels[] = {"PER", "LOC"};
    Labelq__ProjectConfig cfg = config(LABELQ__LABEL_TYPE__SPANS, labels, 2, "text");
    json_t *data = json_pack("{s:s}", "text", "Jean  Paul lives in New York.");
    lq_export_item it = {.config = &cfg,
                         .id = "x",
                         .data = data,
                         .label = "[{\"start\":0,\"end\":10,\"label\":\"PER\"},"
                                  "{\"start\":20,\"end\":29,\"label\":\"LOC\"}]"};
    lq_outbuf o = {0};
    uint64_t st = 0;
    assert_int_equal(lq_export_conll.item(&o, &it, &st), 0);
    assert_string_equal(text_of(&o), "-DOCSTART- -X- -X- O\n\n"
                                     "Jean -X- -X- B-PER\n"
                                     "Paul -X- -X- I-PER\n"
                                     "lives -X- -X- O\n"
                                     "in -X- -X- O\n"
                                     "New -X- -X- B-LOC\n"
                                     "York. -X- -X- I-LOC\n"
                                     "\n");
    free(o.buf);
    json_decref(data);
}

static void coco_is_one_document(void **state)
{
    (void)state;
    char *labels[] = {"car", "person"};
    Labelq__ProjectConfig cfg = config(LABELQ__LABEL_TYPE__BOXES, labels, 2, "image");
    json_t *d1 = json_pack("{s:s}", "image", "http://h/a/b/pic.jpg?size=2");
    json_t *d2 = json_pack("{s:s}", "image", "http://h/other.png");
    lq_export_item a = {.config = &cfg,
                        .id = "one",
                        .task_id = 7,
                        .data = d1,
                        .confidence = 0.5,
                        .label = "[{\"x\":1.5,\"y\":2,\"w\":10,\"h\":4,\"label\":\"person\"},"
                                 "{\"x\":0,\"y\":0,\"w\":3,\"h\":3,\"label\":\"car\"}]"};
    lq_export_item b = {
        .config = &cfg, .id = "two", .task_id = 9, .data = d2, .confidence = 1, .label = "[]"};
    const lq_export_format *f = &lq_export_coco;
    lq_outbuf o = {0};
    uint64_t st = 0;
    assert_int_equal(f->begin(&o, &cfg, &st), 0);
    assert_int_equal(f->item(&o, &a, &st), 0);
    assert_int_equal(f->item(&o, &b, &st), 0);
    assert_int_equal(f->middle(&o, &st), 0);
    assert_int_equal(f->item2(&o, &a, &st), 0);
    assert_int_equal(f->item2(&o, &b, &st), 0);
    assert_int_equal(f->end(&o, &st), 0);
    json_error_t err;
    json_t *doc = json_loads(text_of(&o), 0, &err);
    if (!doc)
        fail_msg("COCO output is not JSON: %s: %s", err.text, o.buf);
    json_t *cats = json_object_get(doc, "categories"), *imgs = json_object_get(doc, "images");
    json_t *anns = json_object_get(doc, "annotations");
    assert_int_equal(json_array_size(cats), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cats, 1), "name")),
                        "person");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cats, 1), "id")), 2);
    assert_int_equal(json_array_size(imgs), 2);
    json_t *img = json_array_get(imgs, 0);
    assert_int_equal(json_integer_value(json_object_get(img, "id")), 7);
    assert_string_equal(json_string_value(json_object_get(img, "file_name")), "pic.jpg");
    assert_string_equal(json_string_value(json_object_get(img, "coco_url")),
                        "http://h/a/b/pic.jpg?size=2");
    assert_int_equal(json_array_size(anns), 2);
    json_t *first = json_array_get(anns, 0), *second = json_array_get(anns, 1);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 1);
    assert_int_equal(json_integer_value(json_object_get(second, "id")), 2);
    assert_int_equal(json_integer_value(json_object_get(first, "image_id")), 7);
    assert_int_equal(json_integer_value(json_object_get(first, "category_id")), 2);
    assert_int_equal(json_integer_value(json_object_get(second, "category_id")), 1);
    json_t *bbox = json_object_get(first, "bbox");
    assert_true(json_number_value(json_array_get(bbox, 0)) == 1.5);
    assert_true(json_number_value(json_array_get(bbox, 3)) == 4.0);
    assert_true(json_number_value(json_object_get(first, "area")) == 40.0);
    assert_int_equal(json_integer_value(json_object_get(first, "iscrowd")), 0);
    assert_true(json_number_value(json_object_get(first, "score")) == 0.5);
    json_decref(doc);
    json_decref(d1);
    json_decref(d2);
    free(o.buf);
}

static void csv_row_has_documented_columns(void **state)
{
    (void)state;
    char *labels[] = {"cat", "dog", "bird"};
    Labelq__ProjectConfig cfg = config(LABELQ__LABEL_TYPE__MULTI, labels, 3, "");
    json_t *data = json_pack("{s:s}", "text", "a, \"b\"");
    lq_export_item it = {.config = &cfg,
                         .id = "i,1",
                         .batch = "b1",
                         .data = data,
                         .label = "[\"cat\",\"bird\"]",
                         .confidence = 0.75,
                         .agreement = 1.0 / 3,
                         .method = "majority",
                         .n_annotations = 3};
    lq_outbuf o = {0};
    uint64_t st = 0;
    assert_int_equal(lq_export_csv.begin(&o, &cfg, &st), 0);
    assert_int_equal(lq_export_csv.item(&o, &it, &st), 0);
    assert_string_equal(text_of(&o),
                        "id,batch,label,confidence,agreement,method,n_annotations,data\r\n"
                        "\"i,1\",b1,cat;bird,0.75,0.333333,majority,3,"
                        "\"{\"\"text\"\":\"\"a, \\\"\"b\\\"\"\"\"}\"\r\n");
    free(o.buf);
    json_decref(data);
}

static void formats_fit_their_types(void **state)
{
    (void)state;
    char err[256];
    assert_ptr_equal(lq_export_format_find("", LABELQ__LABEL_TYPE__TEXT, err, sizeof err),
                     &lq_export_jsonl);
    assert_ptr_equal(lq_export_format_find("csv", LABELQ__LABEL_TYPE__NUMERIC, err, sizeof err),
                     &lq_export_csv);
    assert_null(lq_export_format_find("csv", LABELQ__LABEL_TYPE__SPANS, err, sizeof err));
    assert_non_null(strstr(err, "jsonl, conll"));
    assert_null(lq_export_format_find("coco", LABELQ__LABEL_TYPE__SINGLE, err, sizeof err));
    assert_non_null(strstr(err, "jsonl, csv"));
    assert_ptr_equal(lq_export_format_find("coco", LABELQ__LABEL_TYPE__BOXES, err, sizeof err),
                     &lq_export_coco);
    assert_null(lq_export_format_find("xml", LABELQ__LABEL_TYPE__BOXES, err, sizeof err));
    assert_non_null(strstr(err, "unknown"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_field_quotes_only_when_needed),
        cmocka_unit_test(split_hash_matches_python),
        cmocka_unit_test(split_parts_cover_every_id_once),
        cmocka_unit_test(split_plan_refuses_bad_splits),
        cmocka_unit_test(conll_writes_bio_columns),
        cmocka_unit_test(coco_is_one_document),
        cmocka_unit_test(csv_row_has_documented_columns),
        cmocka_unit_test(formats_fit_their_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
