/* Every label type end to end: one project per type, items imported, three
 * annotators submit known typed labels through liblabelq, and the export
 * (each format that fits), the report and a split say what the hand-worked
 * numbers below say. Expected values are worked out in the comments from
 * the rules in quality/typed_consensus.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "project_fixture.h"

#define N_ANN 3
#define TOL 1e-4
#define WAIT_MS 20000

static it_daemon D;
static char *tokens[N_ANN];
static const char *const ANN[N_ANN] = {"types-a", "types-b", "types-c"};

/* One item: id, data, and the label each annotator gives it. */
typedef struct item {
    const char *id, *data, *labels[N_ANN];
} item;

typedef struct buf {
    char *s;
    size_t len;
} buf;

static int sink(void *ctx, const void *data, size_t len)
{
    buf *b = ctx;
    char *s = realloc(b->s, b->len + len + 1);
    assert_non_null(s);
    memcpy(s + b->len, data, len);
    b->s = s;
    b->len += len;
    s[b->len] = '\0';
    return 0;
}

static void make_project(lq_client *admin, const char *name, Labelq__LabelType type,
                         const char *const *labels, size_t n, double lo, double hi)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)name;
    cfg.type = type;
    cfg.labels = (char **)labels;
    cfg.n_labels = n;
    cfg.overlap = N_ANN;
    cfg.number_min = lo;
    cfg.number_max = hi;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
}

/* Imports items, has each annotator label each, waits until all are done. */
static void label_all(lq_client *admin, const char *project, const item *items, size_t n)
{
    const char *lines[16];
    char storage[16][1024];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        snprintf(storage[i], sizeof storage[i], "{\"id\": \"%s\", \"data\": %s}", items[i].id,
                 items[i].data);
        lines[i] = storage[i];
    }
    Labelq__ImportReply *r = it_import_lines(admin, project, lines, n, 1);
    if (r->n_rejected)
        fail_msg("import rejected: %s", r->rejected[0]->message);
    assert_int_equal(r->imported, n);
    labelq__import_reply__free_unpacked(r, NULL);
    for (size_t j = 0; j < N_ANN; j++) {
        lq_client *c = it_daemon_connect(&D, tokens[j]);
        Labelq__LeaseReply *l = it_lease(c, project, 16, 0);
        assert_int_equal(l->n_tasks, n);
        for (size_t k = 0; k < l->n_tasks; k++) {
            const item *it = NULL;
            for (size_t i = 0; i < n; i++)
                if (strcmp(items[i].id, l->tasks[k]->external_id) == 0)
                    it = &items[i];
            assert_non_null(it);
            it_submit(c, l->tasks[k]->task_id, it->labels[j], 1000, false);
        }
        labelq__lease_reply__free_unpacked(l, NULL);
        lq_client_close(c);
    }
    long long until = it_now_ms() + WAIT_MS;
    for (;;) {
        Labelq__ProjectInfo *info = it_project_info(admin, project);
        bool done = info->done == n;
        labelq__project_info__free_unpacked(info, NULL);
        if (done)
            break;
        if (it_now_ms() > until)
            fail_msg("%s: not all items done", project);
        it_sleep_ms(50);
    }
}

static char *export_fmt(lq_client *admin, const char *project, const char *format, uint64_t *items)
{
    lq_export_options o = {.format = format};
    buf b = {0};
    it_assert_code(admin, lq_export_with(admin, project, &o, sink, &b, items), 0);
    return b.s ? b.s : strdup("");
}

/* The export's JSONL line for id (a new reference). */
static json_t *jsonl_line(const char *text, const char *id)
{
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        json_error_t err;
        json_t *v = json_loadb(p, len, 0, &err);
        if (!v)
            fail_msg("export line is not JSON: %s: %.*s", err.text, (int)len, p);
        if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
            return v;
        json_decref(v);
        p = nl ? nl + 1 : NULL;
    }
    fail_msg("no export line for %s", id);
    return NULL;
}

static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("%s is not a number", key);
    return json_number_value(v);
}

static void assert_near(double got, double want, const char *what)
{
    if (fabs(got - want) > TOL)
        fail_msg("%s: got %.6f, want %.6f", what, got, want);
}

/* The line's label, compact JSON, equals want. */
static void assert_label(const json_t *line, const char *want)
{
    char *got = json_dumps(json_object_get(line, "label"),
                           JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
    if (strcmp(got, want) != 0)
        fail_msg("%s: label %s, want %s", json_string_value(json_object_get(line, "id")), got,
                 want);
    free(got);
}

static double figure(const Labelq__ReportReply *r, const char *metric, const char *label)
{
    for (size_t i = 0; i < r->n_type_agreement; i++)
        if (strcmp(r->type_agreement[i]->metric, metric) == 0 &&
            strcmp(r->type_agreement[i]->label, label ? label : "") == 0)
            return r->type_agreement[i]->value;
    fail_msg("the report has no %s %s", metric, label ? label : "");
    return 0;
}

static void setup_annotators(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    for (size_t j = 0; j < N_ANN; j++)
        tokens[j] = it_annotator_add(admin, ANN[j]);
    lq_client_close(admin);
}

static void multi_label(void **state)
{
    (void)state;
    static const char *const labels[] = {"cat", "dog", "bird"};
    static const item items[] = {
        {"m1", "{\"n\": 1}", {"[\"dog\",\"cat\"]", "[\"cat\"]", "[\"cat\",\"dog\"]"}},
        {"m2", "{\"n\": 2}", {"[\"bird\"]", "[\"bird\"]", "[\"bird\"]"}},
    };
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-multi", LABELQ__LABEL_TYPE__MULTI, labels, 3, 0, 0);
    label_all(admin, "t-multi", items, 2);
    uint64_t n;
    char *text = export_fmt(admin, "t-multi", "jsonl", &n);
    assert_int_equal(n, 2);
    /* m1: cat 3/3 in, dog 2/3 in, bird 0/3 out: confidence (1 + 2/3 + 1) / 3.
     * MASI distances: {cat,dog}-{cat} subset, 1 - 1/2 * 2/3 = 2/3, twice;
     * equal sets 0: agreement 1 - (4/3) / 3 = 5/9. */
    json_t *l = jsonl_line(text, "m1");
    assert_label(l, "[\"cat\",\"dog\"]");
    assert_near(num(l, "confidence"), 8.0 / 9.0, "m1 confidence");
    assert_near(num(l, "agreement"), 5.0 / 9.0, "m1 agreement");
    assert_string_equal(json_string_value(json_object_get(l, "method")), "majority");
    /* each annotation is a typed array, in the stored (schema) order */
    json_t *anns = json_object_get(l, "annotations");
    assert_int_equal(json_array_size(anns), 3);
    assert_true(json_is_array(json_object_get(json_array_get(anns, 0), "label")));
    json_decref(l);
    l = jsonl_line(text, "m2");
    assert_label(l, "[\"bird\"]");
    assert_near(num(l, "confidence"), 1.0, "m2 confidence");
    json_decref(l);
    free(text);

    text = export_fmt(admin, "t-multi", "csv", &n);
    assert_non_null(
        strstr(text, "id,batch,label,confidence,agreement,method,n_annotations,data\r\n"));
    assert_non_null(strstr(text, ",cat;dog,0.888889,0.555556,majority,3,"));
    free(text);

    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, "t-multi", &r), 0);
    assert_true(r->has_alpha);
    assert_near(r->alpha, figure(r, "masi_alpha", NULL), "report alpha is MASI alpha");
    (void)figure(r, "jaccard_alpha", NULL);
    (void)figure(r, "label_alpha", "dog");
    assert_string_equal(r->method, "majority");
    labelq__report_reply__free_unpacked(r, NULL);

    /* a format that does not fit names those that do */
    lq_export_options o = {.format = "conll"};
    buf b = {0};
    it_assert_code(admin, lq_export_with(admin, "t-multi", &o, sink, &b, &n), LQ_EBADREQ);
    assert_non_null(strstr(lq_client_error(admin), "jsonl, csv"));
    free(b.s);
    lq_client_close(admin);
}

static void ordinal(void **state)
{
    (void)state;
    static const char *const steps[] = {"1", "2", "3", "4", "5"};
    static const item items[] = {{"o1", "{}", {"2", "4", "5"}}, {"o2", "{}", {"1", "1", "2"}}};
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-ordinal", LABELQ__LABEL_TYPE__ORDINAL, steps, 5, 0, 0);
    label_all(admin, "t-ordinal", items, 2);
    uint64_t n;
    char *text = export_fmt(admin, "t-ordinal", "jsonl", &n);
    /* a three-way tie: the label is the majority's (earliest step, 1/3);
     * the median of 2, 4, 5 is 4 */
    json_t *l = jsonl_line(text, "o1");
    assert_label(l, "\"2\"");
    assert_string_equal(json_string_value(json_object_get(l, "median")), "4");
    assert_near(num(l, "confidence"), 1.0 / 3.0, "o1 confidence");
    assert_near(num(l, "agreement"), 0.0, "o1 agreement");
    json_decref(l);
    free(text);
    /* The headline alpha of an ordinal project is ordinal: mid-ranks of
     * the 6 values (1 1 2 2 4 5) are 1, 3, 4.5, 5.5; O = 9.5 (o1) + 8 (o2),
     * E = 2 * 6 * 16.5, alpha = 1 - 5 * 17.5 / 198 (nominal would be
     * 1/26). The project's published figure, which its batches share, is
     * the same. */
    const double want = 1.0 - 5.0 * 17.5 / 198.0;
    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, "t-ordinal", &r), 0);
    assert_true(r->has_alpha);
    assert_near(r->alpha, want, "report alpha is ordinal");
    assert_near(figure(r, "ordinal_alpha", NULL), want, "ordinal_alpha");
    labelq__report_reply__free_unpacked(r, NULL);
    long long until = it_now_ms() + WAIT_MS;
    for (;;) {
        Labelq__ProjectInfo *info = it_project_info(admin, "t-ordinal");
        bool published = info->has_alpha && fabs(info->alpha - want) < TOL;
        labelq__project_info__free_unpacked(info, NULL);
        if (published)
            break;
        if (it_now_ms() > until)
            fail_msg("t-ordinal: the published alpha never became the ordinal one");
        it_sleep_ms(50);
    }
    lq_client_close(admin);
}

static void numeric(void **state)
{
    (void)state;
    static const item items[] = {
        {"n1", "{}", {"10", "12", "20"}},
        {"n2", "{}", {"50", "50", "50.0"}},
    };
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-numeric", LABELQ__LABEL_TYPE__NUMERIC, NULL, 0, 0, 100);
    label_all(admin, "t-numeric", items, 2);
    uint64_t n;
    char *text = export_fmt(admin, "t-numeric", "jsonl", &n);
    /* n1: median 12, MAD median(2, 0, 8) = 2: confidence 1 - 2 / (100 / 4);
     * agreement 1 - mean(2, 10, 8) / 100 */
    json_t *l = jsonl_line(text, "n1");
    assert_label(l, "12");
    assert_near(num(l, "spread"), 2.0, "n1 spread");
    assert_near(num(l, "confidence"), 0.92, "n1 confidence");
    assert_near(num(l, "agreement"), 1.0 - 20.0 / 300.0, "n1 agreement");
    assert_string_equal(json_string_value(json_object_get(l, "method")), "median");
    json_decref(l);
    l = jsonl_line(text, "n2");
    assert_label(l, "50");
    assert_near(num(l, "confidence"), 1.0, "n2 confidence");
    json_decref(l);
    free(text);
    text = export_fmt(admin, "t-numeric", "csv", &n);
    assert_non_null(strstr(text, "n1,"));
    assert_non_null(strstr(text, ",12,0.92,0.933333,median,3,"));
    free(text);
    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, "t-numeric", &r), 0);
    assert_near(r->alpha, figure(r, "interval_alpha", NULL), "report alpha is interval alpha");
    labelq__report_reply__free_unpacked(r, NULL);
    lq_client_close(admin);
}

static void text(void **state)
{
    (void)state;
    static const item items[] = {{"t1", "{}", {"Hello world", "hello  World", "Hello word"}}};
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-text", LABELQ__LABEL_TYPE__TEXT, NULL, 0, 0, 0);
    label_all(admin, "t-text", items, 1);
    uint64_t n;
    char *out = export_fmt(admin, "t-text", "jsonl", &n);
    /* normalized: "hello world" twice and "hello word" (1 edit in 11): the
     * medoid is the first of the equal two, mean distance (0 + 1/11) / 2;
     * pairs 0, 1/11, 1/11 */
    json_t *l = jsonl_line(out, "t1");
    assert_label(l, "\"Hello world\"");
    assert_near(num(l, "confidence"), 1.0 - 1.0 / 22.0, "t1 confidence");
    assert_near(num(l, "agreement"), 1.0 - 2.0 / 33.0, "t1 agreement");
    assert_string_equal(json_string_value(json_object_get(l, "method")), "medoid");
    json_decref(l);
    free(out);
    lq_export_options o = {.format = "csv"};
    buf b = {0};
    it_assert_code(admin, lq_export_with(admin, "t-text", &o, sink, &b, &n), LQ_EBADREQ);
    free(b.s);
    lq_client_close(admin);
}

static void spans(void **state)
{
    (void)state;
    static const char *const labels[] = {"PER", "LOC"};
    /* tokens: Ada 0-3, Lovelace 4-12, met 13-16, Charles 17-24, Babbage
     * 25-32, in 33-35, London 36-42 */
    static const item items[] = {
        {"s1",
         "{\"text\": \"Ada Lovelace met Charles Babbage in London\"}",
         {"[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":17,\"end\":32,\"label\":\"PER\"},"
          "{\"start\":36,\"end\":42,\"label\":\"LOC\"}]",
          "[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":17,\"end\":32,\"label\":\"PER\"}"
          "]",
          "[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":17,\"end\":32,\"label\":\"LOC\"},"
          "{\"start\":36,\"end\":42,\"label\":\"LOC\"}]"}},
        {"s2", "{\"text\": \"all quiet here\"}", {"[]", "[]", "[]"}},
    };
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-spans", LABELQ__LABEL_TYPE__SPANS, labels, 2, 0, 0);
    label_all(admin, "t-spans", items, 2);
    uint64_t n;
    char *out = export_fmt(admin, "t-spans", "jsonl", &n);
    /* token vote shares: 1, 1, 1, 2/3 (Charles), 2/3 (Babbage), 1, 2/3
     * (London): 6/7. Span F1: a-b 2*2/5, a-c 2*2/6, b-c 2*1/5. */
    json_t *l = jsonl_line(out, "s1");
    assert_label(l, "[{\"start\":0,\"end\":12,\"label\":\"PER\"},{\"start\":17,\"end\":32,"
                    "\"label\":\"PER\"},{\"start\":36,\"end\":42,\"label\":\"LOC\"}]");
    assert_near(num(l, "confidence"), 6.0 / 7.0, "s1 confidence");
    assert_near(num(l, "agreement"), (0.8 + 4.0 / 6.0 + 0.4) / 3.0, "s1 agreement");
    assert_string_equal(json_string_value(json_object_get(l, "method")), "token-vote");
    json_decref(l);
    l = jsonl_line(out, "s2");
    assert_label(l, "[]");
    assert_near(num(l, "agreement"), 1.0, "s2 agreement");
    json_decref(l);
    free(out);
    out = export_fmt(admin, "t-spans", "conll", &n);
    assert_int_equal(n, 2);
    assert_string_equal(out, "-DOCSTART- -X- -X- O\n\n"
                             "Ada -X- -X- B-PER\nLovelace -X- -X- I-PER\nmet -X- -X- O\n"
                             "Charles -X- -X- B-PER\nBabbage -X- -X- I-PER\nin -X- -X- O\n"
                             "London -X- -X- B-LOC\n\n"
                             "-DOCSTART- -X- -X- O\n\n"
                             "all -X- -X- O\nquiet -X- -X- O\nhere -X- -X- O\n\n");
    free(out);
    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, "t-spans", &r), 0);
    /* all six pairs: (0.8 + 2/3 + 0.4 + 1 + 1 + 1) / 6 */
    assert_near(figure(r, "span_f1", NULL), (0.8 + 4.0 / 6.0 + 0.4 + 3.0) / 6.0, "span_f1");
    assert_near(r->alpha, figure(r, "token_alpha", NULL), "report alpha is token alpha");
    labelq__report_reply__free_unpacked(r, NULL);
    lq_client_close(admin);
}

static void boxes(void **state)
{
    (void)state;
    static const char *const labels[] = {"car", "person"};
    static const item items[] = {
        {"b1",
         "{\"image\": \"http://img.example/a/1.jpg\"}",
         {"[{\"x\":0,\"y\":0,\"w\":10,\"h\":10,\"label\":\"car\"},"
          "{\"x\":50,\"y\":50,\"w\":20,\"h\":20,\"label\":\"person\"}]",
          "[{\"x\":1,\"y\":1,\"w\":10,\"h\":10,\"label\":\"car\"}]",
          "[{\"x\":0,\"y\":0,\"w\":10,\"h\":10,\"label\":\"car\"},"
          "{\"x\":52,\"y\":50,\"w\":20,\"h\":20,\"label\":\"person\"}]"}},
        {"b2", "{\"image\": \"http://img.example/a/2.jpg\"}", {"[]", "[]", "[]"}},
    };
    lq_client *admin = it_daemon_admin(&D);
    make_project(admin, "t-boxes", LABELQ__LABEL_TYPE__BOXES, labels, 2, 0, 0);
    label_all(admin, "t-boxes", items, 2);
    uint64_t n;
    char *out = export_fmt(admin, "t-boxes", "jsonl", &n);
    /* car: the three boxes cluster (IoU 81/119 >= 0.5), mean (1/3, 1/3, 10,
     * 10), IoUs with it 93.444/106.556 (twice) and 87.111/112.889, support
     * 3/3. person: a and c (IoU 360/440), mean (51, 50, 20, 20), IoU 380/420
     * each, support 2/3. Confidence: the mean of the two boxes'. F1: a-b
     * 2/3, a-c 1, b-c 2/3. */
    double car = (2 * 93.444444 / 106.555556 + 87.111111 / 112.888889) / 3.0;
    double person = 2.0 / 3.0 * 380.0 / 420.0;
    json_t *l = jsonl_line(out, "b1");
    json_t *lb = json_object_get(l, "label");
    assert_int_equal(json_array_size(lb), 2);
    json_t *c = json_array_get(lb, 0), *p = json_array_get(lb, 1);
    assert_string_equal(json_string_value(json_object_get(c, "label")), "car");
    assert_near(num(c, "x"), 1.0 / 3.0, "car x");
    assert_near(num(c, "w"), 10.0, "car w");
    assert_string_equal(json_string_value(json_object_get(p, "label")), "person");
    assert_near(num(p, "x"), 51.0, "person x");
    assert_near(num(l, "confidence"), (car + person) / 2.0, "b1 confidence");
    assert_near(num(l, "agreement"), (2.0 / 3.0 + 1.0 + 2.0 / 3.0) / 3.0, "b1 agreement");
    json_decref(l);
    free(out);

    out = export_fmt(admin, "t-boxes", "coco", &n);
    assert_int_equal(n, 2);
    json_error_t err;
    json_t *doc = json_loads(out, 0, &err);
    if (!doc)
        fail_msg("COCO export is not JSON: %s", err.text);
    assert_int_equal(json_array_size(json_object_get(doc, "images")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "categories")), 2);
    json_t *anns = json_object_get(doc, "annotations");
    assert_int_equal(json_array_size(anns), 2);
    json_t *img = json_array_get(json_object_get(doc, "images"), 0);
    assert_string_equal(json_string_value(json_object_get(img, "file_name")), "1.jpg");
    json_t *a0 = json_array_get(anns, 0);
    assert_int_equal(json_integer_value(json_object_get(a0, "image_id")),
                     json_integer_value(json_object_get(img, "id")));
    assert_int_equal(json_integer_value(json_object_get(a0, "category_id")), 1);
    assert_near(num(a0, "area"), 100.0, "car area");
    assert_near(num(a0, "score"), (car + person) / 2.0, "score");
    json_decref(doc);
    free(out);

    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, "t-boxes", &r), 0);
    assert_near(figure(r, "box_f1", NULL), (2.0 / 3.0 + 1 + 2.0 / 3.0 + 3.0) / 6.0, "box_f1");
    assert_false(r->has_alpha); /* no alpha for boxes */
    labelq__report_reply__free_unpacked(r, NULL);
    lq_client_close(admin);
}

/* A split of the multi-label project: every item in exactly one part, the
 * same seed the same parts. */
static void split_parts(void **state)
{
    (void)state;
    static const char *const names[] = {"train", "test"};
    static const double shares[] = {0.5, 0.5};
    lq_client *admin = it_daemon_admin(&D);
    char *seen[2] = {0};
    uint64_t total = 0;
    for (int round = 0; round < 2; round++) {
        for (size_t k = 0; k < 2; k++) {
            lq_export_options o = {.format = "jsonl",
                                   .split_names = names,
                                   .split_shares = shares,
                                   .n_split = 2,
                                   .split_part = names[k],
                                   .split_seed = 11};
            buf b = {0};
            uint64_t n = 0;
            it_assert_code(admin, lq_export_with(admin, "t-multi", &o, sink, &b, &n), 0);
            if (round == 0) {
                total += n;
                seen[k] = b.s ? b.s : strdup("");
            } else {
                assert_string_equal(b.s ? b.s : "", seen[k]); /* same seed, same part */
                free(b.s);
            }
        }
    }
    assert_int_equal(total, 2);
    assert_true((strstr(seen[0], "\"m1\"") != NULL) != (strstr(seen[1], "\"m1\"") != NULL));
    assert_true((strstr(seen[0], "\"m2\"") != NULL) != (strstr(seen[1], "\"m2\"") != NULL));
    free(seen[0]);
    free(seen[1]);
    /* shares that do not sum to 1 are refused */
    static const double bad[] = {0.5, 0.4};
    lq_export_options o = {
        .split_names = names, .split_shares = bad, .n_split = 2, .split_part = "train"};
    buf b = {0};
    it_assert_code(admin, lq_export_with(admin, "t-multi", &o, sink, &b, NULL), LQ_EBADREQ);
    free(b.s);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setup_annotators),
        cmocka_unit_test(multi_label),
        cmocka_unit_test(ordinal),
        cmocka_unit_test(numeric),
        cmocka_unit_test(text),
        cmocka_unit_test(spans),
        cmocka_unit_test(boxes),
        cmocka_unit_test(split_parts),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    int failed = IT_RUN_WITH_DAEMON(&D, tests);
    for (size_t j = 0; j < N_ANN; j++)
        free(tokens[j]);
    return failed;
}
