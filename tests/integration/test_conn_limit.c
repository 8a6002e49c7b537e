/* The connection limit: with --max-connections 50, fifty idle TLS
 * connections are held and served; the 51st completes TLS and its first
 * request is answered RESOURCE_EXHAUSTED "too many connections (limit 50)"
 * before the close; once one of the fifty closes a new one is served. Then,
 * with the default limit, 5000 idle TCP connections do not stop the daemon
 * from serving. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "raw_wire.h"

#define LIMIT 50
#define N_IDLE_TCP 5000
#define FD_SLACK 256        /* the test's own files, libraries, the client */
#define FREED_WAIT_MS 5000  /* a closed connection leaves the count by then */

static it_daemon D;

/* Sends a request with id and asserts a reply of want with that id. */
static void expect_served(it_raw *r, uint64_t id)
{
    Labelq__ListProjects lp = LABELQ__LIST_PROJECTS__INIT;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = id;
    env.body_case = LABELQ__ENVELOPE__BODY_LIST_PROJECTS;
    env.list_projects = &lp;
    assert_true(it_raw_send(r, &env));
    Labelq__Envelope *reply = NULL;
    it_raw_status st = it_raw_read(r, IT_RAW_READ_MS, &reply);
    if (st != IT_RAW_ENVELOPE || reply->body_case != LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY)
        fail_msg("connection %llu not served (status %d, body %d)", (unsigned long long)id,
                 (int)st, reply ? (int)reply->body_case : -1);
    labelq__envelope__free_unpacked(reply, NULL);
}

/* Opens a connection, sends Hello and returns the reply (caller frees). */
static Labelq__Envelope *hello_reply(it_raw *r)
{
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = D.admin_token;
    hello.client = "labelq-it-limit/1";
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 7;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    it_raw_open(r, &D);
    assert_true(it_raw_send(r, &env));
    Labelq__Envelope *reply = NULL;
    it_raw_status st = it_raw_read(r, IT_RAW_READ_MS, &reply);
    if (st != IT_RAW_ENVELOPE)
        fail_msg("Hello got no reply (status %d)", (int)st);
    return reply;
}

static void connection_past_the_limit_is_told_why(void **state)
{
    (void)state;
    static const char *const args[] = {"--max-connections", "50", NULL};
    it_daemon_start_args(&D, args);
    it_sleep_ms(200); /* the harness's own check connection has gone */
    static it_raw held[LIMIT];
    for (int i = 0; i < LIMIT; i++) {
        it_raw_open(&held[i], &D);
        it_raw_hello(&held[i], D.admin_token);
    }

    it_raw extra;
    Labelq__Envelope *e = hello_reply(&extra);
    if (e->body_case != LABELQ__ENVELOPE__BODY_ERROR)
        fail_msg("connection %d: want Error RESOURCE_EXHAUSTED, got body %d", LIMIT + 1,
                 (int)e->body_case);
    print_message("connection %d: \"%s\"\n", LIMIT + 1, e->error->message);
    assert_int_equal(e->id, 7);
    assert_int_equal(e->error->code, LABELQ__ERROR_CODE__RESOURCE_EXHAUSTED);
    assert_non_null(strstr(e->error->message, "too many connections (limit 50)"));
    labelq__envelope__free_unpacked(e, NULL);
    it_raw_expect_close(&extra, IT_RAW_READ_MS, "refused connection");
    it_raw_close(&extra);

    for (int i = 0; i < LIMIT; i++)
        expect_served(&held[i], (uint64_t)i + 100);

    it_raw_close(&held[0]);
    long long deadline = it_now_ms() + FREED_WAIT_MS;
    bool served = false;
    while (!served && it_now_ms() < deadline) {
        it_raw r;
        e = hello_reply(&r);
        served = e->body_case == LABELQ__ENVELOPE__BODY_HELLO_REPLY;
        labelq__envelope__free_unpacked(e, NULL);
        if (served) {
            held[0] = r;
            expect_served(&held[0], 1);
        } else {
            it_raw_close(&r);
            it_sleep_ms(50);
        }
    }
    if (!served)
        fail_msg("no new connection served within %d ms of one closing", FREED_WAIT_MS);
    for (int i = 0; i < LIMIT; i++)
        it_raw_close(&held[i]);
    it_daemon_stop_ok(&D);
    D.passed = true;
    it_daemon_cleanup(&D);
    memset(&D, 0, sizeof D);
}

static void thousands_of_idle_tcp_connections(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rlim_t want = N_IDLE_TCP * 2 + FD_SLACK; /* ours, and the daemon's (it inherits it) */
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
        it_skip("the hard open-file limit is %llu, %llu are needed",
                (unsigned long long)rl.rlim_max, (unsigned long long)want);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < want) {
        rl.rlim_cur = want;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    it_daemon_start(&D);
    static int fds[N_IDLE_TCP];
    long long t0 = it_now_ms();
    for (int i = 0; i < N_IDLE_TCP; i++)
        fds[i] = it_raw_tcp(&D);
    print_message("%d idle TCP connections opened in %lld ms\n", N_IDLE_TCP, it_now_ms() - t0);
    it_raw r;
    it_raw_open(&r, &D);
    it_raw_hello(&r, D.admin_token);
    expect_served(&r, 2);
    it_raw_close(&r);
    for (int i = 0; i < N_IDLE_TCP; i++)
        close(fds[i]);
    lq_client *c = it_daemon_admin(&D);
    lq_client_close(c);
    it_daemon_stop_ok(&D);
    D.passed = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connection_past_the_limit_is_told_why),
        cmocka_unit_test(thousands_of_idle_tcp_connections),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (failed)
        D.passed = false;
    it_daemon_cleanup(&D);
    return it_exit_status(failed);
}
