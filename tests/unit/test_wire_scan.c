/* proto/wire_scan.c: the field budget (at, over and under it; unknown
 * fields, repeated and packed fields, merged sub-messages), nesting, every
 * string field at every depth checked for NUL and UTF-8 and named by its
 * path, bytes fields left alone, and a scan that is never stricter than
 * protobuf-c about what is protobuf. Frames are written byte by byte here
 * where protobuf-c's packer cannot (a NUL inside a string). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/labelq.pb-c.h"
#include "proto/wire_scan.h"

#define BIG_BUDGET ((size_t)1 << 30)

/* A growing buffer of wire bytes. */
typedef struct wire {
    uint8_t *p;
    size_t len, cap;
} wire;

static void put(wire *w, const void *bytes, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 64;
        w->p = realloc(w->p, w->cap);
        assert_non_null(w->p);
    }
    memcpy(w->p + w->len, bytes, n);
    w->len += n;
}

static void put_varint(wire *w, uint64_t v)
{
    uint8_t b;
    while (v >= 0x80) {
        b = (uint8_t)(v | 0x80);
        put(w, &b, 1);
        v >>= 7;
    }
    b = (uint8_t)v;
    put(w, &b, 1);
}

static void put_key(wire *w, uint32_t field, unsigned type)
{
    put_varint(w, (uint64_t)field << 3 | type);
}

/* Field field as wire type 2 holding n bytes. */
static void put_len(wire *w, uint32_t field, const void *bytes, size_t n)
{
    put_key(w, field, 2);
    put_varint(w, n);
    put(w, bytes, n);
}

/* Field field as wire type 2 holding the message m (which is freed). */
static void put_msg(wire *w, uint32_t field, wire *m)
{
    put_len(w, field, m->p, m->len);
    free(m->p);
    memset(m, 0, sizeof(*m));
}

static lq_wire_scan scan_as(const ProtobufCMessageDescriptor *d, const wire *w, size_t budget)
{
    lq_wire_scan s;
    int rc = lq_wire_scan_message(d, w->p, w->len, budget, &s);
    assert_int_equal(rc, s.problem == LQ_WIRE_OK ? 0 : LQ_EBADREQ);
    return s;
}

static lq_wire_scan scan_env(const wire *w, size_t budget)
{
    return scan_as(&labelq__envelope__descriptor, w, budget);
}

/* Envelope{id 7, import_chunk{project "p", n lines {line_no, json}}}:
 * 3 + 3n fields. Line bad (if < n) gets json bad_json of bad_len bytes. */
static wire import_frame(size_t n, size_t bad, const char *bad_json, size_t bad_len)
{
    wire chunk = {0}, env = {0};
    put_len(&chunk, 1, "p", 1);
    for (size_t i = 0; i < n; i++) {
        wire line = {0};
        char json[64];
        int k = snprintf(json, sizeof(json), "{\"id\":%zu,\"data\":1}", i);
        put_key(&line, 1, 0);
        put_varint(&line, i + 1);
        if (i == bad)
            put_len(&line, 2, bad_json, bad_len);
        else
            put_len(&line, 2, json, (size_t)k);
        put_msg(&chunk, 2, &line);
    }
    put_key(&env, 1, 0);
    put_varint(&env, 7);
    put_msg(&env, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, &chunk);
    return env;
}

static void budget_at_over_and_under(void **state)
{
    (void)state;
    wire w = import_frame(1000, SIZE_MAX, NULL, 0);
    lq_wire_scan s = scan_env(&w, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_OK);
    assert_int_equal(s.fields, 3 + 3 * 1000);
    s = scan_env(&w, 3 + 3 * 1000); /* exactly the budget */
    assert_int_equal(s.problem, LQ_WIRE_OK);
    s = scan_env(&w, 3 + 3 * 1000 - 1);
    assert_int_equal(s.problem, LQ_WIRE_TOO_MANY);
    assert_int_equal(s.fields, 3 + 3 * 1000); /* just past it */
    /* The frame decodes, so the count is the decoder's work, not a guess. */
    Labelq__Envelope *env = labelq__envelope__unpack(NULL, w.len, w.p);
    assert_non_null(env);
    assert_int_equal(env->import_chunk->n_lines, 1000);
    labelq__envelope__free_unpacked(env, NULL);
    free(w.p);
}

/* The daemon's default budget holds an import chunk of 10,000 lines. */
static void default_budget_holds_a_big_import(void **state)
{
    (void)state;
    wire w = import_frame(10000, SIZE_MAX, NULL, 0);
    assert_int_equal(scan_env(&w, 32768).problem, LQ_WIRE_OK);
    free(w.p);
}

/* A million tiny unknown fields: decoding would allocate for each; the
 * scan stops at the budget. */
static void unknown_fields_count(void **state)
{
    (void)state;
    wire w = {0};
    for (int i = 0; i < 1000000; i++) {
        put_key(&w, 1000, 0);
        put_varint(&w, 1);
    }
    lq_wire_scan s = scan_env(&w, 32768);
    assert_int_equal(s.problem, LQ_WIRE_TOO_MANY);
    assert_int_equal(s.fields, 32769);
    free(w.p);
    memset(&w, 0, sizeof(w));

    /* Unknown fields inside a known sub-message count too; an unknown
     * length-delimited field is bytes, whatever it holds. */
    wire body = {0};
    for (int i = 0; i < 100; i++)
        put_len(&body, 99, "\0\xff", 2);
    put_msg(&w, LABELQ__ENVELOPE__BODY_LEASE, &body);
    s = scan_env(&w, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_OK);
    assert_int_equal(s.fields, 101);
    free(w.p);
}

/* Packed repeated scalars count each element: protobuf-c allocates an
 * array of them. */
static void packed_elements_count(void **state)
{
    (void)state;
    wire bins = {0}, priors = {0}, reply = {0}, env = {0};
    for (int i = 0; i < 500; i++)
        put_varint(&bins, 300); /* two bytes each */
    for (int i = 0; i < 70; i++)
        put(&priors, "\0\0\0\0\0\0\xf0\x3f", 8); /* 1.0 */
    put_msg(&reply, 14, &bins);                  /* ReportReply.confidence_bins */
    put_msg(&reply, 15, &priors);                /* ReportReply.class_priors */
    put_msg(&env, LABELQ__ENVELOPE__BODY_REPORT_REPLY, &reply);
    lq_wire_scan s = scan_env(&env, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_OK);
    assert_int_equal(s.fields, 1 + 1 + 500 + 1 + 70);
    Labelq__Envelope *e = labelq__envelope__unpack(NULL, env.len, env.p);
    assert_non_null(e);
    assert_int_equal(e->report_reply->n_confidence_bins, 500);
    assert_int_equal(e->report_reply->n_class_priors, 70);
    labelq__envelope__free_unpacked(e, NULL);
    assert_int_equal(scan_env(&env, 500).problem, LQ_WIRE_TOO_MANY);
    free(env.p);
}

/* A non-repeated sub-message given again is merged into the earlier one
 * by protobuf-c, in work the size of the earlier: it is charged for it. */
static void merged_sub_messages_are_charged(void **state)
{
    (void)state;
    wire once = {0}, again = {0};
    for (int k = 0; k < 2; k++) {
        wire *w = k == 0 ? &once : &again;
        for (int i = 0; i < (k == 0 ? 1 : 50); i++) {
            wire cfg = {0}, cp = {0};
            for (int j = 0; j < 10; j++)
                put_len(&cfg, 2, "x", 1); /* ProjectConfig.labels */
            put_msg(&cp, 1, &cfg);        /* CreateProject.config */
            put_msg(w, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &cp);
        }
    }
    assert_int_equal(scan_env(&once, BIG_BUDGET).fields, 12);
    lq_wire_scan s = scan_env(&again, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_OK);
    /* Each merge is charged what came before it (12 fields a body): 600
     * fields met, plus 12 * (1 + ... + 49) + 49. */
    assert_int_equal(s.fields, 600 + 12 * 1225 + 49);
    free(once.p);
    free(again.p);
}

/* A message that holds itself, to nest as deep as one likes:
 * Node { Node child = 1; repeated string name = 2; bytes blob = 3; }. */
static const ProtobufCMessageDescriptor node_desc;
static const ProtobufCFieldDescriptor node_fields[3] = {
    {.name = "child",
     .id = 1,
     .label = PROTOBUF_C_LABEL_NONE,
     .type = PROTOBUF_C_TYPE_MESSAGE,
     .descriptor = &node_desc},
    {.name = "name", .id = 2, .label = PROTOBUF_C_LABEL_REPEATED, .type = PROTOBUF_C_TYPE_STRING},
    {.name = "blob", .id = 3, .label = PROTOBUF_C_LABEL_NONE, .type = PROTOBUF_C_TYPE_BYTES},
};
static const ProtobufCIntRange node_ranges[2] = {{1, 0}, {0, 3}};
static const ProtobufCMessageDescriptor node_desc = {
    .magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    .name = "test.Node",
    .short_name = "Node",
    .c_name = "Test__Node",
    .package_name = "test",
    .n_fields = 3,
    .fields = node_fields,
    .n_field_ranges = 1,
    .field_ranges = node_ranges,
};

/* depth Nodes, each the child of the one before; the innermost holds
 * names n of len bytes each. */
static wire nested(int depth, const char *const *names, const size_t *lens, size_t n)
{
    wire w = {0};
    for (size_t i = 0; i < n; i++)
        put_len(&w, 2, names[i], lens[i]);
    for (int d = 1; d < depth; d++) {
        wire outer = {0};
        put_msg(&outer, 1, &w);
        w = outer;
    }
    return w;
}

static void deep_nesting(void **state)
{
    (void)state;
    const char *ok[] = {"a"};
    size_t ok_len[] = {1};
    wire w = nested(LQ_WIRE_MAX_DEPTH + 1, ok, ok_len, 1);
    assert_int_equal(scan_as(&node_desc, &w, BIG_BUDGET).problem, LQ_WIRE_OK);
    free(w.p);
    w = nested(LQ_WIRE_MAX_DEPTH + 2, ok, ok_len, 1);
    assert_int_equal(scan_as(&node_desc, &w, BIG_BUDGET).problem, LQ_WIRE_TOO_DEEP);
    free(w.p);
    w = nested(1000, ok, ok_len, 1); /* and no recursion that deep */
    assert_int_equal(scan_as(&node_desc, &w, BIG_BUDGET).problem, LQ_WIRE_TOO_DEEP);
    free(w.p);

    const char *bad[] = {"a", "b", "c\0d"};
    size_t bad_len[] = {1, 1, 3};
    w = nested(3, bad, bad_len, 3);
    lq_wire_scan s = scan_as(&node_desc, &w, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_NUL);
    assert_string_equal(s.field, "Node.child.child.name[2]");
    free(w.p);
}

/* ProjectConfig{name, labels...} as CreateProject{config} in an Envelope,
 * with label i holding len bytes of label. */
static wire create_project(size_t i, const char *label, size_t len)
{
    wire cfg = {0}, cp = {0}, env = {0};
    put_len(&cfg, 1, "proj", 4);
    for (size_t k = 0; k < 4; k++) {
        if (k == i)
            put_len(&cfg, 2, label, len);
        else
            put_len(&cfg, 2, "ok", 2);
    }
    put_len(&cfg, 5, "Instructions: pick one.", 23);
    put_msg(&cp, 1, &cfg);
    put_key(&env, 1, 0);
    put_varint(&env, 3);
    put_msg(&env, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &cp);
    return env;
}

static void expect_bad_string(const wire *w, lq_wire_problem want, const char *field)
{
    lq_wire_scan s = scan_env(w, BIG_BUDGET);
    if (s.problem != want || strcmp(s.field, field) != 0)
        fail_msg("want problem %d in %s, got %d in '%s'", (int)want, field, (int)s.problem,
                 s.field);
}

static void nul_and_bad_utf8_in_nested_repeated_strings(void **state)
{
    (void)state;
    wire w = create_project(2, "pos\0junk", 8);
    expect_bad_string(&w, LQ_WIRE_NUL, "CreateProject.config.labels[2]");
    free(w.p);
    w = create_project(0, "\xc3\x28", 2); /* a lead byte without its continuation */
    expect_bad_string(&w, LQ_WIRE_NOT_UTF8, "CreateProject.config.labels[0]");
    free(w.p);
    w = create_project(3, "\xed\xa0\x80", 3); /* a UTF-16 surrogate */
    expect_bad_string(&w, LQ_WIRE_NOT_UTF8, "CreateProject.config.labels[3]");
    free(w.p);
    w = create_project(1, "caf\xc3\xa9 \xf0\x9f\x98\x80", 10); /* valid: é and an emoji */
    assert_int_equal(scan_env(&w, BIG_BUDGET).problem, LQ_WIRE_OK);
    free(w.p);

    w = import_frame(10, 3, "{\"id\":\"x\xff\"}", 11);
    expect_bad_string(&w, LQ_WIRE_NOT_UTF8, "ImportChunk.lines[3].json");
    free(w.p);

    /* The same field scanned from ProjectConfig itself is named from there. */
    wire cfg = {0};
    put_len(&cfg, 2, "a", 1);
    put_len(&cfg, 5, "x\0", 2);
    lq_wire_scan s = scan_as(&labelq__project_config__descriptor, &cfg, BIG_BUDGET);
    assert_int_equal(s.problem, LQ_WIRE_NUL);
    assert_string_equal(s.field, "ProjectConfig.instructions");
    free(cfg.p);
}

/* The strings the issue found cut short or let in: a token, a text answer,
 * the next lease's project of a Submit. */
static void request_strings(void **state)
{
    (void)state;
    wire hello = {0}, env = {0};
    put_len(&hello, 1, "0123abcd\0garbage", 16);
    put_msg(&env, LABELQ__ENVELOPE__BODY_HELLO, &hello);
    expect_bad_string(&env, LQ_WIRE_NUL, "Hello.token");
    free(env.p);

    wire submit = {0}, lease = {0};
    memset(&env, 0, sizeof(env));
    put_key(&submit, 1, 0);
    put_varint(&submit, 12);
    put_len(&submit, 2, "abc\0def", 7);
    put_msg(&env, LABELQ__ENVELOPE__BODY_SUBMIT, &submit);
    expect_bad_string(&env, LQ_WIRE_NUL, "Submit.label");
    free(env.p);

    memset(&env, 0, sizeof(env));
    memset(&submit, 0, sizeof(submit));
    put_len(&submit, 2, "abc", 3);
    put_len(&lease, 1, "\x80proj", 5);
    put_msg(&submit, 4, &lease);
    put_msg(&env, LABELQ__ENVELOPE__BODY_SUBMIT, &submit);
    expect_bad_string(&env, LQ_WIRE_NOT_UTF8, "Submit.next.project");
    free(env.p);
}

/* Bytes fields hold anything: an export chunk or a backup is not text. */
static void bytes_fields_may_hold_nul(void **state)
{
    (void)state;
    wire chunk = {0}, env = {0};
    put_len(&chunk, 1, "a\0\xff\xfe", 4);
    put_msg(&env, LABELQ__ENVELOPE__BODY_EXPORT_CHUNK, &chunk);
    put_len(&chunk, 1, "\0\0\0", 3);
    put_msg(&env, LABELQ__ENVELOPE__BODY_BACKUP_CHUNK, &chunk);
    assert_int_equal(scan_env(&env, BIG_BUDGET).problem, LQ_WIRE_OK);
    free(env.p);
    const char *names[] = {"n"};
    size_t lens[] = {1};
    wire node = nested(2, names, lens, 1);
    put_len(&node, 3, "\0\xff", 2);
    assert_int_equal(scan_as(&node_desc, &node, BIG_BUDGET).problem, LQ_WIRE_OK);
    free(node.p);
}

/* A key written with more bytes than it needs still names its field, as
 * protobuf-c reads it: the string behind it is checked all the same. */
static void overlong_key_is_the_same_field(void **state)
{
    (void)state;
    wire submit = {0}, env = {0};
    put(&submit, "\x92\x80\x80\x80\x00", 5); /* field 2, wire type 2, in 5 bytes */
    put_varint(&submit, 3);
    put(&submit, "a\0b", 3);
    put_msg(&env, LABELQ__ENVELOPE__BODY_SUBMIT, &submit);
    Labelq__Envelope *e = labelq__envelope__unpack(NULL, env.len, env.p);
    assert_non_null(e); /* protobuf-c takes it, as the label "a" */
    assert_string_equal(e->submit->label, "a");
    labelq__envelope__free_unpacked(e, NULL);
    expect_bad_string(&env, LQ_WIRE_NUL, "Submit.label");
    free(env.p);
}

static void malformed(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11}, /* a key that never ends */
        {"\x08", 1},                                          /* a varint missing */
        {"\x08\x80\x80", 3},                                  /* a varint cut short */
        {"\x0a\x05\x61\x62", 4},                              /* a length past the end */
        {"\x0b\x0c", 2},                                      /* a group */
        {"\x0e\x00", 2},                                      /* wire type 6 */
        {"\x09\x01\x02", 3},                                  /* 64 bits cut short */
        {"\x00\x00", 2},                                      /* field 0 */
        {"\x9a\x01\x03\x08\x80\x80", 6}, /* a Lease whose varint is cut short */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wire w = {(uint8_t *)cases[i].bytes, cases[i].len, 0};
        lq_wire_scan s = scan_env(&w, BIG_BUDGET);
        if (s.problem != LQ_WIRE_MALFORMED)
            fail_msg("case %zu: want MALFORMED, got %d", i, (int)s.problem);
        assert_null(labelq__envelope__unpack(NULL, w.len, w.p));
    }
    wire empty = {(uint8_t *)"", 0, 0};
    assert_int_equal(scan_env(&empty, 0).problem, LQ_WIRE_OK);
}

/* xorshift32: mutations only need to vary, reproducibly. */
static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Never stricter than protobuf-c: whatever the decoder takes, the scan
 * does not call malformed. Checked on valid frames with bytes flipped, cut
 * and inserted at random. */
static void never_stricter_than_protobuf_c(void **state)
{
    (void)state;
    wire seeds[3];
    seeds[0] = import_frame(5, SIZE_MAX, NULL, 0);
    seeds[1] = create_project(1, "yes", 3);
    wire submit = {0}, lease = {0};
    memset(&seeds[2], 0, sizeof(seeds[2]));
    put_len(&submit, 2, "label", 5);
    put_len(&lease, 1, "proj", 4);
    put_msg(&submit, 4, &lease);
    put_msg(&seeds[2], LABELQ__ENVELOPE__BODY_SUBMIT, &submit);
    uint32_t seed = 0x2545f491u;
    size_t decoded = 0;
    for (int round = 0; round < 30000; round++) {
        const wire *from = &seeds[round % 3];
        uint8_t buf[2048];
        size_t len = from->len;
        memcpy(buf, from->p, len);
        for (int m = 1 + (int)(next_rand(&seed) % 3); m > 0 && len > 0; m--) {
            size_t at = next_rand(&seed) % len;
            switch (next_rand(&seed) % 3) {
            case 0:
                buf[at] = (uint8_t)next_rand(&seed);
                break;
            case 1:
                len = at;
                break;
            default:
                if (len < sizeof(buf)) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = (uint8_t)next_rand(&seed);
                    len++;
                }
            }
        }
        lq_wire_scan s;
        lq_wire_scan_message(&labelq__envelope__descriptor, buf, len, BIG_BUDGET, &s);
        Labelq__Envelope *e = labelq__envelope__unpack(NULL, len, buf);
        if (e) {
            decoded++;
            labelq__envelope__free_unpacked(e, NULL);
            if (s.problem == LQ_WIRE_MALFORMED)
                fail_msg("round %d: protobuf-c decodes %zu bytes the scan calls malformed", round,
                         len);
        }
    }
    assert_true(decoded > 1000); /* the mutations did not only break frames */
    for (int i = 0; i < 3; i++)
        free(seeds[i].p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budget_at_over_and_under),
        cmocka_unit_test(default_budget_holds_a_big_import),
        cmocka_unit_test(unknown_fields_count),
        cmocka_unit_test(packed_elements_count),
        cmocka_unit_test(merged_sub_messages_are_charged),
        cmocka_unit_test(deep_nesting),
        cmocka_unit_test(nul_and_bad_utf8_in_nested_repeated_strings),
        cmocka_unit_test(request_strings),
        cmocka_unit_test(bytes_fields_may_hold_nul),
        cmocka_unit_test(overlong_key_is_the_same_field),
        cmocka_unit_test(malformed),
        cmocka_unit_test(never_stricter_than_protobuf_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
