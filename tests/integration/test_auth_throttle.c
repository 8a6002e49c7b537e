/* Repeated failed Hellos from one address are slowed down: after the fifth
 * failure each further UNAUTHENTICATED reply comes later (250 ms, doubling),
 * while a right token from that address and bad tokens from another address
 * are answered at once. The throttle's settings take effect:
 * --auth-fail-threshold 1 --auth-delay-first-ms 600 delays the second
 * failure by 600 ms, and --auth-throttle-addrs 0 turns the throttle off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "daemon_harness.h"
#include "raw_wire.h"

#define N_BAD 10
#define FREE_FAILURES 5  /* the daemon's auth_fail_threshold */
#define FAST_MS 150      /* an undelayed failure is answered well within this */
#define SLOW_MS 200      /* the later failures take at least this */
#define FLAG_DELAY_MS 600 /* --auth-delay-first-ms */
#define FLAG_SLOW_MS 500  /* a failure delayed by it takes at least this */

static it_daemon D;
static it_daemon T; /* started with throttle flags */

/* Opens a connection to d from src_ip, sends Hello{token} and returns how
 * many ms passed until the reply; asserts the reply is UNAUTHENTICATED when
 * bad, a HelloReply otherwise. */
static long long timed_hello_to(const it_daemon *d, const char *src_ip, const char *token,
                                bool bad)
{
    it_raw r;
    it_raw_open_from(&r, d, src_ip);
    long long t0 = it_now_ms();
    if (!bad) {
        it_raw_hello(&r, token);
    } else {
        Labelq__Hello hello = LABELQ__HELLO__INIT;
        hello.token = (char *)token;
        hello.client = "labelq-it-throttle/1";
        Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
        env.id = 1;
        env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
        env.hello = &hello;
        assert_true(it_raw_send(&r, &env));
        it_raw_expect_error(&r, 1, LABELQ__ERROR_CODE__UNAUTHENTICATED, "bad Hello");
    }
    long long ms = it_now_ms() - t0;
    it_raw_close(&r);
    return ms;
}

static long long timed_hello(const char *src_ip, const char *token, bool bad)
{
    return timed_hello_to(&D, src_ip, token, bad);
}

static void failures_from_one_address_are_slowed(void **state)
{
    (void)state;
    long long took[N_BAD];
    for (int i = 0; i < N_BAD; i++) {
        took[i] = timed_hello("127.0.0.1", "not-a-token", true);
        print_message("bad Hello %d from 127.0.0.1: %lld ms\n", i + 1, took[i]);
    }
    for (int i = 0; i < FREE_FAILURES; i++)
        if (took[i] >= FAST_MS)
            fail_msg("bad Hello %d took %lld ms; the first %d are not delayed", i + 1, took[i],
                     FREE_FAILURES);
    for (int i = FREE_FAILURES; i < N_BAD; i++)
        if (took[i] < SLOW_MS)
            fail_msg("bad Hello %d took %lld ms; after %d failures each takes >= %d ms", i + 1,
                     took[i], FREE_FAILURES, SLOW_MS);
    assert_true(took[N_BAD - 1] > took[FREE_FAILURES]); /* the delay grows */

    /* Only failures are delayed: the admin's token works at once. */
    long long good = timed_hello("127.0.0.1", D.admin_token, false);
    print_message("good Hello from 127.0.0.1: %lld ms\n", good);
    assert_true(good < FAST_MS);
    lq_client *c = it_daemon_admin(&D);
    lq_client_close(c);

    /* Another address has its own count. */
    for (int i = 0; i < 3; i++) {
        long long other = timed_hello("127.0.0.2", "not-a-token", true);
        print_message("bad Hello %d from 127.0.0.2: %lld ms\n", i + 1, other);
        assert_true(other < FAST_MS);
    }
}

static void threshold_and_delay_from_flags(void **state)
{
    (void)state;
    static const char *const args[] = {"--auth-fail-threshold", "1", "--auth-delay-first-ms",
                                       "600", NULL};
    it_daemon_start_args(&T, args);
    long long first = timed_hello_to(&T, "127.0.0.1", "not-a-token", true);
    long long second = timed_hello_to(&T, "127.0.0.1", "not-a-token", true);
    print_message("--auth-fail-threshold 1 --auth-delay-first-ms %d: bad Hellos took %lld, "
                  "%lld ms\n",
                  FLAG_DELAY_MS, first, second);
    if (first >= FAST_MS)
        fail_msg("the first bad Hello took %lld ms; with threshold 1 it is not delayed", first);
    if (second < FLAG_SLOW_MS)
        fail_msg("the second bad Hello took %lld ms; with threshold 1 and a first delay of %d "
                 "ms it takes >= %d ms",
                 second, FLAG_DELAY_MS, FLAG_SLOW_MS);
    it_daemon_stop_ok(&T);
    T.passed = true;
    it_daemon_cleanup(&T);
    memset(&T, 0, sizeof T);
}

static void throttle_off_from_flag(void **state)
{
    (void)state;
    static const char *const args[] = {"--auth-throttle-addrs", "0", NULL};
    it_daemon_cleanup(&T); /* one left by a failed test before: killed, its files kept */
    memset(&T, 0, sizeof T);
    it_daemon_start_args(&T, args);
    for (int i = 0; i < N_BAD; i++) {
        long long took = timed_hello_to(&T, "127.0.0.1", "not-a-token", true);
        if (took >= FAST_MS)
            fail_msg("bad Hello %d took %lld ms with --auth-throttle-addrs 0 (throttle off)",
                     i + 1, took);
    }
    it_daemon_stop_ok(&T);
    T.passed = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failures_from_one_address_are_slowed),
        cmocka_unit_test(threshold_and_delay_from_flags),
        cmocka_unit_test(throttle_off_from_flag),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    int failed = IT_RUN_WITH_DAEMON(&D, tests);
    it_daemon_cleanup(&T);
    return failed;
}
