/* Allocations that fail, made to fail by failalloc.so (preloaded into
 * labelqd: calloc of one size fails, after some succeeded):
 *
 * - a connection labelqd has no memory for when it arrives (calloc of
 *   sizeof(lq_conn) fails the first three times): labelqd takes the
 *   pending connection on a second try instead of leaving its listener
 *   stopped for good (libuv polls a listener no more until its pending
 *   connection is accepted). The first client is served after the retries,
 *   every later one at once, and the log says what happened.
 * - a CreateProject whose record write has no memory (calloc of
 *   sizeof(lq_record_op) fails once, armed after start-up): one error,
 *   not two replies for one request id, and the next request is served. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "raw_wire.h"

#define FAILURES "3"
#define CLIENTS 5
#define LATER_CONNECT_MS 2000 /* a loaded machine; a stopped listener never answers */

static it_daemon D;

size_t it_conn_size(void); /* struct_sizes.c */
size_t it_record_op_size(void);

static void log_has(const char *what)
{
    FILE *f = fopen(D.log_path, "r");
    assert_non_null(f);
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, what) != NULL;
    fclose(f);
    if (!found)
        fail_msg("the log has no line with '%s'", what);
}

static void pending_connection_is_taken_later(void **state)
{
    (void)state;
    /* it_daemon_start's own connection (it waits for the admin token to
     * work) met the failures; had the listener stopped, the start would
     * have timed out. */
    log_has("out of memory accepting a connection");
    for (int i = 0; i < CLIENTS; i++) {
        long long t0 = it_now_ms();
        lq_client *c = it_daemon_connect(&D, D.admin_token);
        long long ms = it_now_ms() - t0;
        lq_client_close(c);
        if (ms > LATER_CONNECT_MS)
            fail_msg("connection %d took %lld ms", i + 1, ms);
    }
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static char ARM[IT_PATH_LEN + 16]; /* while this file exists, the failures are on */

/* Starts D with calloc of size bytes failing count times (when armed, if
 * arm is set). */
static void start_failing(size_t size, const char *count, bool armed)
{
    char text[32];
    snprintf(text, sizeof text, "%zu", size);
    setenv("LD_PRELOAD", FAILALLOC_PATH, 1);
    setenv("LQ_FAILALLOC_SIZE", text, 1);
    setenv("LQ_FAILALLOC_COUNT", count, 1);
    snprintf(ARM, sizeof ARM, "%s/failalloc.arm", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (armed) {
        snprintf(ARM + strlen(ARM), sizeof ARM - strlen(ARM), ".%d", (int)getpid());
        setenv("LQ_FAILALLOC_ARM", ARM, 1);
    } else {
        unsetenv("LQ_FAILALLOC_ARM");
    }
    memset(&D, 0, sizeof D);
    it_daemon_start(&D);
    unsetenv("LD_PRELOAD");
}

static int start_accept(void **state)
{
    (void)state;
    start_failing(it_conn_size(), FAILURES, false);
    return 0;
}

static int start_record(void **state)
{
    (void)state;
    start_failing(it_record_op_size(), "1", true);
    return 0;
}

static void create_project_gets_one_reply(void **state)
{
    (void)state;
    it_raw r = {0};
    it_raw_open(&r, &D);
    it_raw_hello(&r, D.admin_token);
    char *labels[] = {"a", "b"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "nomem";
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    Labelq__CreateProject cp = LABELQ__CREATE_PROJECT__INIT;
    cp.config = &cfg;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 2;
    env.body_case = LABELQ__ENVELOPE__BODY_CREATE_PROJECT;
    env.create_project = &cp;
    FILE *arm = fopen(ARM, "w"); /* the next record write has no memory */
    assert_non_null(arm);
    fclose(arm);
    bool sent = it_raw_send(&r, &env);
    Labelq__Envelope *first = NULL;
    it_raw_status st = it_raw_read(&r, IT_RAW_READ_MS, &first);
    unlink(ARM);
    assert_true(sent);
    assert_int_equal(st, IT_RAW_ENVELOPE);
    assert_int_equal(first->id, 2);
    assert_int_equal(first->body_case, LABELQ__ENVELOPE__BODY_ERROR);
    assert_int_equal(first->error->code, LABELQ__ERROR_CODE__RESOURCE_EXHAUSTED);
    labelq__envelope__free_unpacked(first, NULL);
    Labelq__ListProjects lp = LABELQ__LIST_PROJECTS__INIT;
    Labelq__Envelope list = LABELQ__ENVELOPE__INIT;
    list.id = 3;
    list.body_case = LABELQ__ENVELOPE__BODY_LIST_PROJECTS;
    list.list_projects = &lp;
    assert_true(it_raw_send(&r, &list));
    Labelq__Envelope *reply = NULL;
    assert_int_equal(it_raw_read(&r, IT_RAW_READ_MS, &reply), IT_RAW_ENVELOPE);
    if (reply->id != 3)
        fail_msg("after the refused CreateProject came id %llu (body %d), not the ListProjects "
                 "reply: a second reply to one request",
                 (unsigned long long)reply->id, (int)reply->body_case);
    assert_int_equal(reply->body_case, LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY);
    assert_int_equal(reply->list_projects_reply->n_projects, 0);
    labelq__envelope__free_unpacked(reply, NULL);
    it_raw_close(&r);
}

int main(void)
{
    const struct CMUnitTest accept[] = {
        cmocka_unit_test(pending_connection_is_taken_later),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    const struct CMUnitTest record[] = {
        cmocka_unit_test(create_project_gets_one_reply),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(accept, start_accept, NULL);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    int failed2 = cmocka_run_group_tests(record, start_record, NULL);
    D.passed = failed2 == 0;
    it_daemon_cleanup(&D);
    return it_exit_status(failed + failed2);
}
