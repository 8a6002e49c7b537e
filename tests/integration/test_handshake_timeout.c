/* A connection that never finishes its handshake is closed after the
 * daemon's handshake timeout (10 s from the TCP accept by default, covering
 * TLS and Hello), and other clients are served while it hangs there. With
 * --handshake-timeout-ms 300 the same connections are closed after about
 * 0.3 s. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define HANDSHAKE_TIMEOUT_MS 10000 /* docs/protocol.md, "The session" */
#define EARLIEST_CLOSE_MS 8000     /* not closed long before the timeout */
#define LATEST_CLOSE_MS 14000      /* closed soon after it */
#define SERVE_EVERY_MS 500
#define SHORT_TIMEOUT_MS 300      /* --handshake-timeout-ms */
#define SHORT_EARLIEST_MS 200     /* libuv's cached loop time may run a little behind */
#define SHORT_LATEST_MS 3000      /* far below the 10 s default */
#define POLL_EVERY_MS 10

static it_daemon D;
static it_daemon E; /* the one started with --handshake-timeout-ms */
static const char *const LABELS[] = {"yes", "no"};

/* True once the server closed the plain TCP connection fd (EOF or reset). */
static bool tcp_closed(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return false;
    char b[256];
    ssize_t n = read(fd, b, sizeof b);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

/* Whether the raw TLS connection was closed: a read returns at once with
 * IT_RAW_CLOSED. */
static bool tls_closed(it_raw *r)
{
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(r, 0, &e);
    if (e)
        labelq__envelope__free_unpacked(e, NULL);
    return st == IT_RAW_CLOSED;
}

static void silent_connections_closed(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "hs", LABELS, 2, 1, 600);
    it_import_items(admin, "hs", "hs", 100);
    char *token = it_annotator_add(admin, "busy");

    long long t0 = it_now_ms();
    int silent = it_raw_tcp(&D); /* TCP only: not even a ClientHello */
    it_raw no_hello;             /* TLS done, Hello never sent */
    it_raw_open(&no_hello, &D);
    long long silent_closed = 0, tls_closed_at = 0;
    unsigned served = 0;
    while ((!silent_closed || !tls_closed_at) && it_now_ms() - t0 < LATEST_CLOSE_MS) {
        /* a fresh client connects, leases and submits while they hang */
        lq_client *c = it_daemon_connect(&D, token);
        Labelq__LeaseReply *lr = it_lease(c, "hs", 1, 0);
        assert_int_equal(lr->n_tasks, 1);
        it_submit(c, lr->tasks[0]->task_id, "yes", 5, false);
        labelq__lease_reply__free_unpacked(lr, NULL);
        lq_client_close(c);
        served++;
        if (!silent_closed && tcp_closed(silent))
            silent_closed = it_now_ms() - t0;
        if (!tls_closed_at && tls_closed(&no_hello))
            tls_closed_at = it_now_ms() - t0;
        it_sleep_ms(SERVE_EVERY_MS);
    }
    close(silent);
    it_raw_close(&no_hello);
    if (!silent_closed)
        fail_msg("a TCP connection that sent nothing was still open after %d ms",
                 LATEST_CLOSE_MS);
    if (!tls_closed_at)
        fail_msg("a TLS connection that sent no Hello was still open after %d ms",
                 LATEST_CLOSE_MS);
    if (silent_closed < EARLIEST_CLOSE_MS || tls_closed_at < EARLIEST_CLOSE_MS)
        fail_msg("silent connections closed after %lld / %lld ms, before the %d ms timeout",
                 silent_closed, tls_closed_at, HANDSHAKE_TIMEOUT_MS);
    assert_true(served >= (EARLIEST_CLOSE_MS / SERVE_EVERY_MS) / 2);
    Labelq__ProjectInfo *info = it_project_info(admin, "hs");
    assert_int_equal(info->labels, served);
    labelq__project_info__free_unpacked(info, NULL);
    free(token);
    lq_client_close(admin);
}

/* The timeout is a setting: a daemon told 300 ms closes both kinds of
 * silent connection after about that long, not after 10 s. */
static void timeout_from_flag(void **state)
{
    (void)state;
    static const char *const args[] = {"--handshake-timeout-ms", "300", NULL};
    it_daemon_start_args(&E, args);
    long long t0 = it_now_ms();
    int silent = it_raw_tcp(&E);
    it_raw no_hello;
    it_raw_open(&no_hello, &E);
    long long silent_closed = 0, tls_closed_at = 0;
    while ((!silent_closed || !tls_closed_at) && it_now_ms() - t0 < SHORT_LATEST_MS) {
        if (!silent_closed && tcp_closed(silent))
            silent_closed = it_now_ms() - t0;
        if (!tls_closed_at && tls_closed(&no_hello))
            tls_closed_at = it_now_ms() - t0;
        it_sleep_ms(POLL_EVERY_MS);
    }
    close(silent);
    it_raw_close(&no_hello);
    print_message("--handshake-timeout-ms %d: silent TCP closed after %lld ms, TLS without "
                  "Hello after %lld ms\n",
                  SHORT_TIMEOUT_MS, silent_closed, tls_closed_at);
    if (!silent_closed || !tls_closed_at)
        fail_msg("with --handshake-timeout-ms %d a silent connection was still open after %d ms",
                 SHORT_TIMEOUT_MS, SHORT_LATEST_MS);
    if (silent_closed < SHORT_EARLIEST_MS || tls_closed_at < SHORT_EARLIEST_MS)
        fail_msg("silent connections closed after %lld / %lld ms, before the %d ms timeout",
                 silent_closed, tls_closed_at, SHORT_TIMEOUT_MS);
    /* A client that does finish in time is served. */
    lq_client *admin = it_daemon_admin(&E);
    lq_client_close(admin);
    it_daemon_stop_ok(&E);
    E.passed = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timeout_from_flag),
        cmocka_unit_test(silent_connections_closed),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    int failed = IT_RUN_WITH_DAEMON(&D, tests);
    it_daemon_cleanup(&E);
    return failed;
}
