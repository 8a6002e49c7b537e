/* labelqd's settings: every key has the documented default and range, the
 * edges of each range are accepted and one step past them is refused with a
 * message naming the key, the range and the value, malformed numbers are
 * refused, settings that must agree are reconciled or refused, and what
 * lq_config_write prints reads back to the same settings. The expectations
 * are written out here, not taken from config.c's table, so a changed
 * default or range fails until this file and the docs are changed too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/net/auth_throttle.h"
#include "daemon/core/config_args.h"
#include "daemon/core/config_file.h"
#include "proto/error.h"

#define NO_MAX 0 /* max of a number without an upper bound */

typedef struct want {
    const char *name;
    const char *dflt; /* as --check-config prints it; NULL for tls-san (none) */
    const char *noun; /* numbers: how the error names the unit; NULL otherwise */
    unsigned long long min, max;
    const char *other; /* a valid value that is not the default */
} want;

/* clang-format off */
static const want WANT[] = {
    {"data", "./labelq-data", NULL, 0, 0, "/srv/labelq-test"},
    {"listen", "127.0.0.1:7443", NULL, 0, 0, "[::1]:9443"},
    {"metrics-listen", "127.0.0.1:7444", NULL, 0, 0, "127.0.0.1:9444"},
    {"tls-san", NULL, NULL, 0, 0, "a.example.com"},
    {"client-ca", "", NULL, 0, 0, "/etc/labelq/fleet-ca.pem"},
    {"map-size", "1073741824", "a byte count", 65536, NO_MAX, "131072"},
    {"log-level", "info", NULL, 0, 0, "warn"},
    {"max-frame", "4194304", "a byte count", 1024, 1073741824, "8192"},
    {"max-frame-unauthenticated", "65536", "a byte count", 1024, 1073741824, "4096"},
    {"max-frame-fields", "32768", "a number", 256, 16777216, "1000"},
    {"max-connections", "10000", "a number", 1, 1000000, "50"},
    {"max-refusals", "64", "a number", 0, 1000000, "3"},
    {"handshake-timeout-ms", "10000", "milliseconds", 100, 600000, "300"},
    {"auth-fail-threshold", "5", "a number", 0, 1000000, "1"},
    {"auth-fail-window-ms", "60000", "milliseconds", 1000, 86400000, "30000"},
    {"auth-delay-first-ms", "250", "milliseconds", 1, 600000, "100"},
    {"auth-delay-max-ms", "8000", "milliseconds", 1, 600000, "2000"},
    {"auth-throttle-addrs", "4096", "a number", 0, LQ_AUTH_THROTTLE_SLOTS, "128"},
    {"max-lease-batch", "256", "a number", 1, 65536, "16"},
    {"max-wait-ms", "60000", "milliseconds", 0, 3600000, "1000"},
    {"max-lease-scan", "4096", "a number", 1, 1048576, "100"},
    {"export-chunk-bytes", "262144", "a byte count", 512, 67108864, "4096"},
    {"write-queue-high", "1048576", "a byte count", 1024, 1073741824, "16384"},
    {"stall-timeout-ms", "60000", "milliseconds", 1000, 3600000, "5000"},
    {"metrics-max-connections", "64", "a number", 1, 10000, "8"},
    {"metrics-timeout-ms", "5000", "milliseconds", 100, 600000, "1500"},
    {"metrics-max-request", "8192", "a byte count", 1024, 1048576, "2048"},
    {"max-writes-per-connection", "128", "a number", 1, 65536, "8"},
    {"max-parked-per-connection", "16", "a number", 1, 65536, "2"},
    {"max-connections-per-annotator", "64", "a number", 1, 1000000, "3"},
};
/* clang-format on */
#define N_WANT (sizeof(WANT) / sizeof(WANT[0]))

static const char *const MALFORMED[] = {
    "", "x", "-1", "+1", " 1", "1 ", "1k", "0x10", "1e3", "1.5", "99999999999999999999999",
};
#define N_MALFORMED (sizeof(MALFORMED) / sizeof(MALFORMED[0]))

/* What lq_config_write prints for cfg; the caller frees it. */
static char *written(const lq_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(lq_config_write(cfg, f), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* The value cfg's written config has for name (its first line), or NULL
 * when no "name = " line is printed. The caller frees it. */
static char *written_value(const lq_config *cfg, const char *name)
{
    char *text = written(cfg), *found = NULL;
    size_t n = strlen(name);
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n"))
        if (strncmp(line, name, n) == 0 && strncmp(line + n, " = ", 3) == 0)
            found = strdup(line + n + 3);
    free(text);
    return found;
}

static void assert_written(const lq_config *cfg, const char *name, const char *value)
{
    char *got = written_value(cfg, name);
    if (!got || strcmp(got, value) != 0)
        fail_msg("%s: want '%s' written, got '%s'", name, value, got ? got : "(no line)");
    free(got);
}

/* The exact error lq_config_set gives for a number out of range or malformed. */
static void number_error(const want *w, const char *value, char *buf, size_t len)
{
    if (w->max == NO_MAX)
        snprintf(buf, len, "%s wants %s >= %llu, got '%s'", w->name, w->noun, w->min, value);
    else
        snprintf(buf, len, "%s wants %s %llu..%llu, got '%s'", w->name, w->noun, w->min, w->max,
                 value);
}

static void assert_refused(const want *w, const char *value)
{
    lq_config cfg;
    lq_config_default(&cfg);
    char err[1024] = "", expect[1024];
    int rc = lq_config_set(&cfg, w->name, value, err, sizeof(err));
    if (rc != LQ_EBADREQ)
        fail_msg("%s = '%s': want LQ_EBADREQ, got %d (%s)", w->name, value, rc, err);
    number_error(w, value, expect, sizeof(expect));
    if (strcmp(err, expect) != 0)
        fail_msg("%s = '%s': want error \"%s\", got \"%s\"", w->name, value, expect, err);
    assert_written(&cfg, w->name, w->dflt); /* unchanged */
}

static void assert_accepted(const want *w, const char *value)
{
    lq_config cfg;
    lq_config_default(&cfg);
    char err[1024] = "";
    int rc = lq_config_set(&cfg, w->name, value, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s = '%s': refused: %s", w->name, value, err);
    assert_written(&cfg, w->name, value);
}

static const want *want_of(const char *name)
{
    for (size_t i = 0; i < N_WANT; i++)
        if (strcmp(WANT[i].name, name) == 0)
            return &WANT[i];
    return NULL;
}

static void every_key_is_known_here(void **state)
{
    (void)state;
    assert_int_equal(LQ_CONFIG_N_KEYS, N_WANT);
    for (size_t i = 0; i < LQ_CONFIG_N_KEYS; i++) {
        const char *name = lq_config_key_name(i);
        assert_non_null(name);
        if (!want_of(name))
            fail_msg("key %s has no expectations in test_config.c", name);
        assert_int_equal(lq_config_key_index(name), (int)i);
    }
    assert_null(lq_config_key_name(LQ_CONFIG_N_KEYS));
    assert_int_equal(lq_config_key_index("max_frame"), -1);
}

static void defaults_are_written(void **state)
{
    (void)state;
    lq_config cfg;
    lq_config_default(&cfg);
    for (size_t i = 0; i < N_WANT; i++) {
        if (WANT[i].dflt) {
            assert_written(&cfg, WANT[i].name, WANT[i].dflt);
        } else {
            char *v = written_value(&cfg, WANT[i].name);
            assert_null(v); /* no tls-san line, only a comment */
        }
    }
}

static void number_ranges(void **state)
{
    (void)state;
    char buf[32];
    for (size_t i = 0; i < N_WANT; i++) {
        const want *w = &WANT[i];
        if (!w->noun)
            continue;
        snprintf(buf, sizeof(buf), "%llu", w->min);
        assert_accepted(w, buf);
        if (w->min > 0) {
            snprintf(buf, sizeof(buf), "%llu", w->min - 1);
            assert_refused(w, buf);
        }
        if (w->max != NO_MAX) {
            snprintf(buf, sizeof(buf), "%llu", w->max);
            assert_accepted(w, buf);
            snprintf(buf, sizeof(buf), "%llu", w->max + 1);
            assert_refused(w, buf);
        }
        for (size_t m = 0; m < N_MALFORMED; m++)
            assert_refused(w, MALFORMED[m]);
    }
}

/* The throttle's table has LQ_AUTH_THROTTLE_SLOTS slots; more addresses
 * cannot be remembered. */
static void throttle_addrs_bounded_by_slots(void **state)
{
    (void)state;
    const want *w = want_of("auth-throttle-addrs");
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", LQ_AUTH_THROTTLE_SLOTS);
    assert_accepted(w, buf);
    snprintf(buf, sizeof(buf), "%d", LQ_AUTH_THROTTLE_SLOTS + 1);
    assert_refused(w, buf);
    assert_accepted(w, "0"); /* off */
}

static void unknown_key_lists_every_key(void **state)
{
    (void)state;
    lq_config cfg;
    lq_config_default(&cfg);
    char err[1024];
    assert_int_equal(lq_config_set(&cfg, "max_frame", "10", err, sizeof(err)), LQ_ENOTFOUND);
    const char *prefix = "unknown key 'max_frame' (keys: data, listen, ";
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("unknown key message: %s", err);
    assert_int_equal(err[strlen(err) - 1], ')');
    for (size_t i = 0; i < N_WANT; i++) {
        char item[64];
        snprintf(item, sizeof(item), " %s", WANT[i].name);
        if (!strstr(err, item))
            fail_msg("unknown key message does not list %s: %s", WANT[i].name, err);
    }
}

static lq_config set_all(const char *const *pairs)
{
    lq_config cfg;
    char err[1024];
    lq_config_default(&cfg);
    for (; *pairs; pairs += 2)
        if (lq_config_set(&cfg, pairs[0], pairs[1], err, sizeof(err)) != 0)
            fail_msg("%s = %s: %s", pairs[0], pairs[1], err);
    return cfg;
}

static void check_refuses(const char *const *pairs, const char *expect)
{
    lq_config cfg = set_all(pairs);
    char err[1024] = "";
    assert_int_equal(lq_config_check(&cfg, err, sizeof(err)), LQ_EBADREQ);
    if (strcmp(err, expect) != 0)
        fail_msg("want \"%s\", got \"%s\"", expect, err);
}

static lq_config check_accepts(const char *const *pairs)
{
    lq_config cfg = set_all(pairs);
    char err[1024] = "";
    if (lq_config_check(&cfg, err, sizeof(err)) != 0)
        fail_msg("lq_config_check: %s", err);
    return cfg;
}

static void auth_delays_must_agree(void **state)
{
    (void)state;
    check_refuses(
        (const char *[]){"auth-delay-first-ms", "9000", "auth-delay-max-ms", "8000", NULL},
        "auth-delay-first-ms wants milliseconds 1..8000 (at most auth-delay-max-ms "
        "8000), got '9000'");
    lq_config cfg = check_accepts(
        (const char *[]){"auth-delay-first-ms", "8000", "auth-delay-max-ms", "8000", NULL});
    assert_int_equal(cfg.auth_delay_first_ms, 8000);
    /* One left at its default follows the one that was set. */
    cfg = check_accepts((const char *[]){"auth-delay-max-ms", "100", NULL});
    assert_int_equal(cfg.auth_delay_first_ms, 100);
    assert_int_equal(cfg.auth_delay_max_ms, 100);
    cfg = check_accepts((const char *[]){"auth-delay-first-ms", "9000", NULL});
    assert_int_equal(cfg.auth_delay_first_ms, 9000);
    assert_int_equal(cfg.auth_delay_max_ms, 9000);
}

static void export_chunk_fits_the_frame(void **state)
{
    (void)state;
    check_refuses((const char *[]){"export-chunk-bytes", "4194304", NULL},
                  "export-chunk-bytes wants a byte count 512..2097152 (at most half of max-frame "
                  "4194304), got '4194304'");
    check_refuses((const char *[]){"max-frame", "2048", "export-chunk-bytes", "1025", NULL},
                  "export-chunk-bytes wants a byte count 512..1024 (at most half of max-frame "
                  "2048), got '1025'");
    lq_config cfg =
        check_accepts((const char *[]){"max-frame", "2048", "export-chunk-bytes", "1024", NULL});
    assert_int_equal(cfg.export_chunk_bytes, 1024);
    /* max-frame alone, as before export-chunk-bytes was a key: the chunk
     * shrinks to fit, the smallest max-frame included. */
    cfg = check_accepts((const char *[]){"max-frame", "2048", NULL});
    assert_int_equal(cfg.export_chunk_bytes, 1024);
    cfg = check_accepts((const char *[]){"max-frame", "1024", NULL});
    assert_int_equal(cfg.export_chunk_bytes, 512);
    assert_int_equal(cfg.write_queue_high, 1024 * 1024);
}

/* The limit before Hello is at most the one after it; left at its
 * default it follows a smaller max-frame down. */
static void unauthenticated_frame_fits_the_frame(void **state)
{
    (void)state;
    check_refuses(
        (const char *[]){"max-frame", "32768", "max-frame-unauthenticated", "32769", NULL},
        "max-frame-unauthenticated wants a byte count 1024..32768 (at most max-frame "
        "32768), got '32769'");
    check_refuses((const char *[]){"max-frame-unauthenticated", "4194305", NULL},
                  "max-frame-unauthenticated wants a byte count 1024..4194304 (at most "
                  "max-frame 4194304), got '4194305'");
    lq_config cfg = check_accepts(
        (const char *[]){"max-frame", "32768", "max-frame-unauthenticated", "32768", NULL});
    assert_int_equal(cfg.max_frame_unauthenticated, 32768);
    cfg = check_accepts((const char *[]){"max-frame", "2048", NULL});
    assert_int_equal(cfg.max_frame_unauthenticated, 2048);
    cfg = check_accepts((const char *[]){"max-frame-unauthenticated", "4194304", NULL});
    assert_int_equal(cfg.max_frame_unauthenticated, 4194304);
    cfg = check_accepts((const char *[]){NULL});
    assert_int_equal(cfg.max_frame_unauthenticated, 65536);
}

static void write_queue_holds_a_chunk(void **state)
{
    (void)state;
    check_refuses(
        (const char *[]){"export-chunk-bytes", "65536", "write-queue-high", "65535", NULL},
        "write-queue-high wants a byte count 65536..1073741824 (at least "
        "export-chunk-bytes 65536), got '65535'");
    lq_config cfg = check_accepts((const char *[]){"export-chunk-bytes", "2097152", NULL});
    assert_int_equal(cfg.write_queue_high, 2097152);
    cfg = check_accepts((const char *[]){"write-queue-high", "4096", NULL});
    assert_int_equal(cfg.export_chunk_bytes, 4096);
    assert_int_equal(cfg.write_queue_high, 4096);
}

/* Every key at a value other than its default, written, read back from a
 * file and written again: the same text. */
static void every_key_round_trips(void **state)
{
    (void)state;
    lq_config cfg;
    char err[1024];
    lq_config_default(&cfg);
    for (size_t i = 0; i < N_WANT; i++)
        if (lq_config_set(&cfg, WANT[i].name, WANT[i].other, err, sizeof(err)) != 0)
            fail_msg("%s = %s: %s", WANT[i].name, WANT[i].other, err);
    assert_int_equal(lq_config_check(&cfg, err, sizeof(err)), 0);
    for (size_t i = 0; i < N_WANT; i++) {
        assert_written(&cfg, WANT[i].name, WANT[i].other);
        if (WANT[i].dflt)
            assert_string_not_equal(WANT[i].other, WANT[i].dflt);
    }
    char *first = written(&cfg);

    char path[] = "/tmp/labelq-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, first, strlen(first)), (ssize_t)strlen(first));
    assert_int_equal(close(fd), 0);
    lq_config back;
    lq_config_default(&back);
    assert_int_equal(lq_config_load_file(&back, path), 0);
    assert_int_equal(lq_config_check(&back, err, sizeof(err)), 0);
    char *second = written(&back);
    assert_string_equal(first, second);
    lq_config_free(&back);
    unlink(path);
    free(first);
    free(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_key_is_known_here),
        cmocka_unit_test(defaults_are_written),
        cmocka_unit_test(number_ranges),
        cmocka_unit_test(throttle_addrs_bounded_by_slots),
        cmocka_unit_test(unknown_key_lists_every_key),
        cmocka_unit_test(auth_delays_must_agree),
        cmocka_unit_test(export_chunk_fits_the_frame),
        cmocka_unit_test(unauthenticated_frame_fits_the_frame),
        cmocka_unit_test(write_queue_holds_a_chunk),
        cmocka_unit_test(every_key_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
