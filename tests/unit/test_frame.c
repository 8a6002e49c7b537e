/* Frame codec: whole, split and oversize frames, the reply buffer, and
 * decoding into an arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/frame.h"

static uint8_t *encode_hello(const char *token, size_t *len)
{
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = (char *)token;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 42;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    uint8_t *buf;
    assert_int_equal(lq_frame_encode(&env, LQ_FRAME_DEFAULT_MAX, &buf, len), 0);
    return buf;
}

static void round_trip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode_hello("secret", &len);
    lq_frame_reader r;
    lq_frame_reader_init(&r, LQ_FRAME_DEFAULT_MAX);
    assert_int_equal(lq_frame_reader_feed(&r, buf, len), 0);
    const uint8_t *frame;
    size_t flen;
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 1);
    assert_int_equal(flen, len - LQ_FRAME_HEADER);
    Labelq__Envelope *env = lq_frame_decode(frame, flen);
    assert_non_null(env);
    assert_int_equal(env->id, 42);
    assert_int_equal(env->body_case, LABELQ__ENVELOPE__BODY_HELLO);
    assert_string_equal(env->hello->token, "secret");
    labelq__envelope__free_unpacked(env, NULL);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 0);
    lq_frame_reader_free(&r);
    free(buf);
}

/* Bytes arriving one at a time, and two frames in one read, both decode. */
static void partial_and_coalesced(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode_hello("abc", &len);
    lq_frame_reader r;
    lq_frame_reader_init(&r, LQ_FRAME_DEFAULT_MAX);
    const uint8_t *frame;
    size_t flen;
    for (size_t i = 0; i < len - 1; i++) {
        assert_int_equal(lq_frame_reader_feed(&r, buf + i, 1), 0);
        assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 0);
    }
    assert_int_equal(lq_frame_reader_feed(&r, buf + len - 1, 1), 0);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 1);

    uint8_t two[256];
    memcpy(two, buf, len);
    memcpy(two + len, buf, len);
    assert_int_equal(lq_frame_reader_feed(&r, two, 2 * len), 0);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 1);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 1);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), 0);
    lq_frame_reader_free(&r);
    free(buf);
}

static void oversize_rejected(void **state)
{
    (void)state;
    lq_frame_reader r;
    lq_frame_reader_init(&r, 1024);
    const uint8_t hdr[4] = {0x00, 0x00, 0x04, 0x01}; /* 1025 bytes announced */
    assert_int_equal(lq_frame_reader_feed(&r, hdr, 4), 0);
    const uint8_t *frame;
    size_t flen;
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), LQ_EFRAME);
    lq_frame_reader_free(&r);

    const uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    lq_frame_reader_init(&r, LQ_FRAME_DEFAULT_MAX);
    assert_int_equal(lq_frame_reader_feed(&r, huge, 4), 0);
    assert_int_equal(lq_frame_reader_next(&r, &frame, &flen), LQ_EFRAME);
    lq_frame_reader_free(&r);

    /* Encoding refuses to produce a frame over the limit, too. */
    char token[2048];
    memset(token, 'x', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = token;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    uint8_t *out;
    size_t olen;
    assert_int_equal(lq_frame_encode(&env, 1024, &out, &olen), LQ_EFRAME);
}

static void garbage_is_not_an_envelope(void **state)
{
    (void)state;
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_null(lq_frame_decode(junk, sizeof(junk)));
    /* An empty frame is a valid, empty Envelope (no body): dispatch rejects it. */
    Labelq__Envelope *env = lq_frame_decode(junk, 0);
    assert_non_null(env);
    assert_int_equal(env->body_case, LABELQ__ENVELOPE__BODY__NOT_SET);
    labelq__envelope__free_unpacked(env, NULL);
}

/* A frame decodes into an arena as with malloc, the arena is emptied by
 * each decode (so it never grows), every block is aligned for any field,
 * and a message that does not fit, or garbage, gives NULL (the ASan build
 * checks that nothing is written past the arena). */
static void arena_decode(void **state)
{
    (void)state;
    static _Alignas(16) uint8_t mem[512];
    lq_frame_arena a = {mem, sizeof mem, 0};
    size_t len;
    uint8_t *buf = encode_hello("secret", &len);
    for (int round = 0; round < 3; round++) {
        Labelq__Envelope *env = lq_frame_decode_arena(&a, buf + LQ_FRAME_HEADER,
                                                      len - LQ_FRAME_HEADER);
        assert_non_null(env);
        assert_int_equal(env->id, 42);
        assert_string_equal(env->hello->token, "secret");
        assert_true((uint8_t *)env >= mem && (uint8_t *)env < mem + sizeof mem);
        assert_int_equal((uintptr_t)env % 16, 0);
        assert_true(a.used > 0 && a.used <= a.cap);
    }
    size_t used_one = a.used;
    free(buf);

    /* A token bigger than the arena: NULL, nothing written beyond it. */
    char big[1024];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf = encode_hello(big, &len);
    assert_null(lq_frame_decode_arena(&a, buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER));
    assert_true(a.used <= a.cap);
    /* ...while the malloc decoder takes it. */
    Labelq__Envelope *env = lq_frame_decode(buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER);
    assert_non_null(env);
    assert_int_equal(strlen(env->hello->token), sizeof big - 1);
    labelq__envelope__free_unpacked(env, NULL);
    free(buf);

    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff};
    assert_null(lq_frame_decode_arena(&a, garbage, sizeof garbage));

    /* After a failure the arena starts over: the small one fits again. */
    buf = encode_hello("secret", &len);
    assert_non_null(lq_frame_decode_arena(&a, buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER));
    assert_int_equal(a.used, used_one);
    free(buf);
}

/* The body kind read off the wire matches what decoding gives, with or
 * without an id, and malformed bytes give 0. */
static void peek_body(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode_hello("secret", &len);
    assert_int_equal(lq_frame_peek_body(buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER),
                     LABELQ__ENVELOPE__BODY_HELLO);
    /* Cut inside the body's length: still a Hello by its tag. */
    assert_int_equal(lq_frame_peek_body(buf + LQ_FRAME_HEADER, 3), LABELQ__ENVELOPE__BODY_HELLO);
    /* Cut inside the id: no body yet. */
    assert_int_equal(lq_frame_peek_body(buf + LQ_FRAME_HEADER, 1), 0);
    free(buf);

    Labelq__Lease lease = LABELQ__LEASE__INIT;
    lease.project = "p";
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT; /* id 0: not on the wire */
    env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
    env.lease = &lease;
    assert_int_equal(lq_frame_encode(&env, LQ_FRAME_DEFAULT_MAX, &buf, &len), 0);
    assert_int_equal(lq_frame_peek_body(buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER),
                     LABELQ__ENVELOPE__BODY_LEASE);
    free(buf);

    static const uint8_t only_id[] = {0x08, 0x2a};           /* id 42, no body */
    static const uint8_t bad_varint[] = {0x08, 0xff, 0xff};  /* runs off the end */
    static const uint8_t bad_wire[] = {0x0b, 0x00};          /* wire type 3 */
    static const uint8_t long_skip[] = {0x0a, 0x10, 0x00};   /* field 1 as 16 bytes, 1 there */
    assert_int_equal(lq_frame_peek_body(only_id, sizeof only_id), 0);
    assert_int_equal(lq_frame_peek_body(bad_varint, sizeof bad_varint), 0);
    assert_int_equal(lq_frame_peek_body(bad_wire, sizeof bad_wire), 0);
    assert_int_equal(lq_frame_peek_body(long_skip, sizeof long_skip), 0);
    assert_int_equal(lq_frame_peek_body(NULL, 0), 0);
}

/* The id read off the wire is the one decoding gives: the last of them. */
static void peek_id(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode_hello("secret", &len);
    assert_int_equal(lq_frame_peek_id(buf + LQ_FRAME_HEADER, len - LQ_FRAME_HEADER), 42);
    free(buf);
    static const uint8_t two_ids[] = {0x08, 0x05, 0x1a, 0x00, 0x08, 0x96, 0x01}; /* 5, Hello, 150 */
    assert_int_equal(lq_frame_peek_id(two_ids, sizeof two_ids), 150);
    Labelq__Envelope *env = lq_frame_decode(two_ids, sizeof two_ids);
    assert_non_null(env);
    assert_int_equal(env->id, 150);
    labelq__envelope__free_unpacked(env, NULL);
    static const uint8_t no_id[] = {0x1a, 0x00};
    static const uint8_t bad[] = {0x08, 0x05, 0x1a, 0x05};
    assert_int_equal(lq_frame_peek_id(no_id, sizeof no_id), 0);
    assert_int_equal(lq_frame_peek_id(bad, sizeof bad), 0);
    assert_int_equal(lq_frame_peek_id(NULL, 0), 0);
}

/* The length a header announces, before the frame is whole or when it is
 * refused for it. */
static void announced_length(void **state)
{
    (void)state;
    lq_frame_reader r;
    lq_frame_reader_init(&r, 1024);
    static const uint8_t header[] = {0x00, 0x40, 0x00, 0x00, 0x08};
    assert_int_equal(lq_frame_reader_announced(&r), 0);
    assert_int_equal(lq_frame_reader_feed(&r, header, 3), 0);
    assert_int_equal(lq_frame_reader_announced(&r), 0);
    assert_int_equal(lq_frame_reader_feed(&r, header + 3, 2), 0);
    assert_int_equal(lq_frame_reader_announced(&r), 4u << 20);
    const uint8_t *frame;
    size_t len;
    assert_int_equal(lq_frame_reader_next(&r, &frame, &len), LQ_EFRAME);
    lq_frame_reader_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(partial_and_coalesced),
        cmocka_unit_test(oversize_rejected),
        cmocka_unit_test(garbage_is_not_an_envelope),
        cmocka_unit_test(arena_decode),
        cmocka_unit_test(peek_body),
        cmocka_unit_test(peek_id),
        cmocka_unit_test(announced_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
