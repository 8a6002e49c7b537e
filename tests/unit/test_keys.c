/* Key encoding: LMDB sorts keys with memcmp, so the encodings must round-trip
 * and their byte order must be the numeric (and grouping) order the store's
 * scans rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "storage/keys.h"

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

/* Values either side of each byte boundary. */
/* clang-format off */
static const uint64_t u64_samples[] = {
    0, 1, 2, 254, 255, 256, 257, 65535, 65536, 0xFFFFFF, 0x1000000,
    UINT32_MAX - 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
    0x0100000000000000ULL, UINT64_MAX - 1, UINT64_MAX,
};
/* clang-format on */
#define N_SAMPLES (sizeof(u64_samples) / sizeof(u64_samples[0]))

static void test_u32_round_trip_and_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        uint32_t a = (uint32_t)u64_samples[i];
        uint8_t ka[LQ_KEY_U32_LEN];

        lq_key_encode_u32(ka, a);
        assert_int_equal(lq_key_decode_u32(ka), a);
        for (size_t j = 0; j < N_SAMPLES; j++) {
            uint32_t b = (uint32_t)u64_samples[j];
            uint8_t kb[LQ_KEY_U32_LEN];

            lq_key_encode_u32(kb, b);
            assert_int_equal(cmp_bytes(ka, 4, kb, 4), (a > b) - (a < b));
        }
    }
}

static void test_u64_round_trip_and_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES; i++) {
        uint64_t a = u64_samples[i];
        uint8_t ka[LQ_KEY_U64_LEN];

        lq_key_encode_u64(ka, a);
        assert_true(lq_key_decode_u64(ka) == a);
        for (size_t j = 0; j < N_SAMPLES; j++) {
            uint64_t b = u64_samples[j];
            uint8_t kb[LQ_KEY_U64_LEN];

            lq_key_encode_u64(kb, b);
            assert_int_equal(cmp_bytes(ka, 8, kb, 8), (a > b) - (a < b));
        }
    }
}

static void test_u32_is_big_endian(void **state)
{
    uint8_t k[LQ_KEY_U32_LEN];
    const uint8_t want[] = {0x00, 0x00, 0x01, 0x00};

    (void)state;
    lq_key_encode_u32(k, 256);
    assert_memory_equal(k, want, sizeof(want));
}

static void test_task_key_groups_by_project(void **state)
{
    uint8_t a[LQ_KEY_TASK_LEN], b[LQ_KEY_TASK_LEN];
    uint32_t p;
    uint64_t t;

    (void)state;
    /* Every task of project 1 sorts before any task of project 2. */
    lq_key_encode_task(a, 1, UINT64_MAX);
    lq_key_encode_task(b, 2, 0);
    assert_true(cmp_bytes(a, sizeof(a), b, sizeof(b)) < 0);
    /* Project 255 before 256, whatever the task ids. */
    lq_key_encode_task(a, 255, 1000);
    lq_key_encode_task(b, 256, 1);
    assert_true(cmp_bytes(a, sizeof(a), b, sizeof(b)) < 0);
    /* Within a project, task id order. */
    lq_key_encode_task(a, 7, 255);
    lq_key_encode_task(b, 7, 256);
    assert_true(cmp_bytes(a, sizeof(a), b, sizeof(b)) < 0);

    assert_int_equal(lq_key_decode_task(b, sizeof(b), &p, &t), 0);
    assert_int_equal(p, 7);
    assert_true(t == 256);
    lq_key_encode_task(a, UINT32_MAX, UINT64_MAX);
    assert_int_equal(lq_key_decode_task(a, sizeof(a), &p, &t), 0);
    assert_true(p == UINT32_MAX && t == UINT64_MAX);
    assert_int_equal(lq_key_decode_task(a, sizeof(a) - 1, &p, &t), LQ_EINTERNAL);
}

static void test_label_key_groups_by_task(void **state)
{
    uint8_t a[LQ_KEY_LABEL_LEN], b[LQ_KEY_LABEL_LEN];
    uint64_t t;
    uint32_t ann;

    (void)state;
    lq_key_encode_label(a, 5, UINT32_MAX);
    lq_key_encode_label(b, 6, 0);
    assert_true(cmp_bytes(a, sizeof(a), b, sizeof(b)) < 0);
    lq_key_encode_label(a, 5, 255);
    lq_key_encode_label(b, 5, 256);
    assert_true(cmp_bytes(a, sizeof(a), b, sizeof(b)) < 0);
    assert_int_equal(lq_key_decode_label(b, sizeof(b), &t, &ann), 0);
    assert_true(t == 5);
    assert_int_equal(ann, 256);
    assert_int_equal(lq_key_decode_label(b, sizeof(b) + 1, &t, &ann), LQ_EINTERNAL);
}

static void test_ext_key_round_trip_and_order(void **state)
{
    uint8_t a[LQ_KEY_MAX], b[LQ_KEY_MAX];
    size_t alen, blen, ext_len;
    uint32_t p;
    const char *ext;

    (void)state;
    assert_int_equal(lq_key_encode_ext(a, 42, "item-17", &alen), 0);
    assert_int_equal(alen, 4 + 7);
    assert_int_equal(lq_key_decode_ext(a, alen, &p, &ext, &ext_len), 0);
    assert_int_equal(p, 42);
    assert_int_equal(ext_len, 7);
    assert_memory_equal(ext, "item-17", 7);

    /* The project prefix dominates the id; ids sort bytewise. */
    assert_int_equal(lq_key_encode_ext(a, 1, "zzz", &alen), 0);
    assert_int_equal(lq_key_encode_ext(b, 2, "a", &blen), 0);
    assert_true(cmp_bytes(a, alen, b, blen) < 0);
    assert_int_equal(lq_key_encode_ext(a, 1, "ab", &alen), 0);
    assert_int_equal(lq_key_encode_ext(b, 1, "abc", &blen), 0);
    assert_true(cmp_bytes(a, alen, b, blen) < 0);

    /* Empty and NULL are the same, prefix-only key. */
    assert_int_equal(lq_key_encode_ext(a, 3, "", &alen), 0);
    assert_int_equal(lq_key_encode_ext(b, 3, NULL, &blen), 0);
    assert_int_equal(alen, 4);
    assert_int_equal(blen, 4);
    assert_memory_equal(a, b, 4);
    assert_int_equal(lq_key_decode_ext(a, 3, &p, &ext, &ext_len), LQ_EINTERNAL);
}

static void test_ext_key_rejects_long_ids(void **state)
{
    char id[LQ_KEY_EXT_ID_MAX + 2];
    uint8_t k[LQ_KEY_MAX];
    size_t len = 0;

    (void)state;
    memset(id, 'x', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0'; /* LQ_KEY_EXT_ID_MAX + 1 bytes */
    assert_int_equal(lq_key_encode_ext(k, 1, id, &len), LQ_EBADREQ);
    assert_int_equal(len, 0);

    id[LQ_KEY_EXT_ID_MAX] = '\0'; /* exactly the limit: fits LMDB's 511 */
    assert_int_equal(lq_key_encode_ext(k, 1, id, &len), 0);
    assert_int_equal(len, LQ_KEY_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u32_round_trip_and_order),
        cmocka_unit_test(test_u64_round_trip_and_order),
        cmocka_unit_test(test_u32_is_big_endian),
        cmocka_unit_test(test_task_key_groups_by_project),
        cmocka_unit_test(test_label_key_groups_by_task),
        cmocka_unit_test(test_ext_key_round_trip_and_order),
        cmocka_unit_test(test_ext_key_rejects_long_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
