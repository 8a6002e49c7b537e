/* Export writers (daemon/export_*.c): CSV quoting, the split hash and its
 * intervals, the CoNLL-2003 and COCO outputs, and the choice of format by
 * label type. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
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
    char *data_json = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    lq_export_item it = {.config = &cfg,
                         .id = "i,1",
                         .batch = "b1",
                         .data_json = data_json,
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
    free(data_json);
    json_decref(data);
}

/* Text standing in for a placeholder of jansson_line. */
typedef struct raw_text {
    char *v[64];
    size_t n;
} raw_text;

/* A placeholder string for text (taken), to be replaced after the dump. */
static json_t *place(raw_text *r, char *text)
{
    char key[32];
    assert_non_null(text);
    assert_true(r->n < 64);
    snprintf(key, sizeof key, "@@%zu@@", r->n);
    r->v[r->n++] = text;
    return json_string(key);
}

/* The JSONL line of it as jansson writes it: the line is dumped as one
 * object (reals at the export's 6 digits) with placeholders for data and
 * spread, each then replaced by jansson's exact dump of that value, and
 * for the label values of the JSON-valued types (multi, numeric, spans,
 * boxes), which are their stored canonical text, copied. */
static char *jansson_line(const lq_export_item *it)
{
    const size_t exact = JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER;
    bool typed_json = it->config->type == LABELQ__LABEL_TYPE__MULTI ||
                      it->config->type == LABELQ__LABEL_TYPE__NUMERIC ||
                      it->config->type == LABELQ__LABEL_TYPE__SPANS ||
                      it->config->type == LABELQ__LABEL_TYPE__BOXES;
    raw_text r = {{0}, 0};
    json_t *line = json_object(), *anns = json_array();
#define VALUE(text)                                                                                \
    ((text) == NULL ? json_null() : typed_json ? place(&r, strdup(text)) : json_string(text))
    json_t *data = json_loads(it->data_json, JSON_DECODE_ANY, NULL);
    json_object_set_new(line, "id", json_string(it->id));
    json_object_set_new(line, "batch", it->batch ? json_string(it->batch) : json_null());
    json_object_set_new(line, "data", place(&r, json_dumps(data, exact)));
    json_object_set_new(line, "label", VALUE(it->label));
    if (it->config->type == LABELQ__LABEL_TYPE__ORDINAL)
        json_object_set_new(line, "median", it->median ? json_string(it->median) : json_null());
    json_object_set_new(line, "confidence", json_real(it->confidence));
    json_object_set_new(line, "agreement", json_real(it->agreement));
    if (it->has_spread) {
        json_t *spread = json_real(it->spread);
        json_object_set_new(line, "spread", place(&r, json_dumps(spread, exact)));
        json_decref(spread);
    }
    json_object_set_new(line, "method", json_string(it->method));
    for (size_t i = 0; i < it->n_annotations; i++)
        json_array_append_new(anns, json_pack("{s:s, s:o, s:f}", "annotator",
                                              it->annotations[i].annotator, "label",
                                              VALUE(it->annotations[i].value), "seconds",
                                              it->annotations[i].duration_ms / 1000.0));
    json_object_set_new(line, "annotations", anns);
#undef VALUE
    char *text = json_dumps(line, exact | JSON_REAL_PRECISION(6));
    assert_non_null(text);
    for (size_t i = 0; i < r.n; i++) {
        char key[32];
        snprintf(key, sizeof key, "\"@@%zu@@\"", i);
        char *at = strstr(text, key);
        assert_non_null(at);
        char *out = malloc(strlen(text) + strlen(r.v[i]) + 1);
        memcpy(out, text, (size_t)(at - text));
        strcpy(out + (at - text), r.v[i]);
        strcat(out, at + strlen(key));
        free(text);
        free(r.v[i]);
        text = out;
    }
    json_decref(line);
    json_decref(data);
    char *nl = malloc(strlen(text) + 2);
    strcpy(nl, text);
    strcat(nl, "\n");
    free(text);
    return nl;
}

/* The JSONL writer's bytes are jansson's for the same records: escapes
 * (quotes, backslashes, every control character), non-ASCII kept as
 * UTF-8, '/' and DEL unescaped, reals at 6 digits but for data, label
 * values and spread, which are exact; for every label type. */
static void jsonl_bytes_are_janssons(void **state)
{
    (void)state;
    static const char *strings[] = {
        "plain", "",          "say \"hi\"",    "back\\slash", "tab\there\nnew\rline",
        "\x01\x02\x1f\x7f", "a/b </c>",   "caf\xc3\xa9", "\xe7\x8c\xab", "\xf0\x9f\x98\x80 ok",
        "\b\f",
    };
    static const char *data[] = {
        "{\"text\":\"x\"}",
        "{\"t\":\"q\\\"s\\\\ \\u0001 \xc3\xa9 /\",\"n\":[1,2.5,-0.0,0.1,1e300,-7],\"o\":{}}",
        "[true,false,null,\"\xf0\x9f\x98\x80\"]",
        "\"just a string\"",
        "0.30000000000000004",
    };
    static const double reals[] = {0.0, -0.0, 1.0, 0.5, 1.0 / 3, 2.0 / 3, 1e-7, 123456789.0, 0.1};
    struct typed {
        Labelq__LabelType type;
        const char *label, *value;
    } types[] = {
        {LABELQ__LABEL_TYPE__SINGLE, "cat", "dog"},
        {LABELQ__LABEL_TYPE__ORDINAL, "3", "4"},
        {LABELQ__LABEL_TYPE__TEXT, "caf\xc3\xa9 \"x\"\n", "\x01 \\"},
        {LABELQ__LABEL_TYPE__MULTI, "[\"cat\",\"bird\"]", "[]"},
        {LABELQ__LABEL_TYPE__NUMERIC, "0.1", "-3.000000000000001e-7"},
        {LABELQ__LABEL_TYPE__SPANS, "[{\"start\":0,\"end\":4,\"label\":\"PER\"}]", "[]"},
        {LABELQ__LABEL_TYPE__BOXES,
         "[{\"x\":1.5,\"y\":0.1,\"w\":3,\"h\":4,\"label\":\"car\"}]", "[]"},
    };
    char *labels[] = {"cat", "dog", "bird"};
    char *stored[5]; /* data as an import stores it: jansson's compact dump */
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_loads(data[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        stored[i] = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        json_decref(v);
    }
    size_t n = 0;
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++, n++) {
            Labelq__ProjectConfig cfg = config(types[t].type, labels, 3, "text");
            lq_export_annotation ann[3] = {
                {strings[i], types[t].value, 1234},
                {strings[(i + 1) % 11], types[t].label, 0},
                {"ann/3", types[t].value, 999999},
            };
            lq_export_item it = {.config = &cfg,
                                 .id = strings[(i + 2) % 11],
                                 .batch = i % 3 ? strings[i] : NULL,
                                 .data_json = stored[i % 5],
                                 .label = i % 4 ? types[t].label : NULL,
                                 .median = i % 2 ? strings[i] : NULL,
                                 .confidence = reals[i % 9],
                                 .agreement = reals[(i + 4) % 9],
                                 .has_spread = types[t].type == LABELQ__LABEL_TYPE__NUMERIC,
                                 .spread = reals[(i + 6) % 9] / 7,
                                 .method = i % 2 ? "dawid-skene" : strings[i],
                                 .annotations = ann,
                                 .n_annotations = i % 4};
            lq_outbuf o = {0};
            uint64_t st = 0;
            assert_int_equal(lq_export_jsonl.item(&o, &it, &st), 0);
            char *want = jansson_line(&it);
            assert_string_equal(text_of(&o), want);
            free(want);
            free(o.buf);
        }
    }
    assert_int_equal(n, 77);
    for (size_t i = 0; i < 5; i++)
        free(stored[i]);
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
        cmocka_unit_test(jsonl_bytes_are_janssons),
        cmocka_unit_test(formats_fit_their_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
