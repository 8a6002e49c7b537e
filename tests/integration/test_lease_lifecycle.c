/* Leases over time: expiry returns a task, extend keeps it, release hands
 * it back at once, and a parked lease wakes when work appears. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon_harness.h"
#include "project_fixture.h"

static it_daemon D;
static const char *const LABELS[] = {"x", "y"};

static uint64_t unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A project with one item and two annotators, each connected. */
static void one_task_project(const char *project, unsigned overlap, unsigned ttl_s, lq_client **a,
                             lq_client **b)
{
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, project, LABELS, 2, overlap, ttl_s);
    it_import_items(admin, project, project, 1);
    char name[64];
    snprintf(name, sizeof name, "%s-a", project);
    char *token = it_annotator_add(admin, name);
    *a = it_daemon_connect(&D, token);
    free(token);
    snprintf(name, sizeof name, "%s-b", project);
    token = it_annotator_add(admin, name);
    *b = it_daemon_connect(&D, token);
    free(token);
    lq_client_close(admin);
}

/* Leases with wait 0 and returns the one task's id, or 0 if none. */
static uint64_t lease_one(lq_client *c, const char *project)
{
    Labelq__LeaseReply *r = it_lease(c, project, 1, 0);
    assert_true(r->n_tasks <= 1);
    uint64_t id = r->n_tasks ? r->tasks[0]->task_id : 0;
    labelq__lease_reply__free_unpacked(r, NULL);
    return id;
}

static void expired_lease_returns_task(void **state)
{
    (void)state;
    const char *p = "expiry";
    lq_client *a, *b;
    one_task_project(p, 1, 1, &a, &b);

    uint64_t before = unix_ms();
    Labelq__LeaseReply *r = it_lease(a, p, 1, 0);
    assert_int_equal(r->n_tasks, 1);
    uint64_t task = r->tasks[0]->task_id;
    uint64_t deadline = r->tasks[0]->deadline_ms;
    labelq__lease_reply__free_unpacked(r, NULL);
    if (deadline < before + 500 || deadline > unix_ms() + 2000)
        fail_msg("deadline_ms %llu is not about 1 s (lease_ttl_s) after %llu",
                 (unsigned long long)deadline, (unsigned long long)before);

    assert_int_equal(lease_one(b, p), 0); /* overlap 1: out on its one lease */
    lq_client *admin = it_daemon_admin(&D); /* the counts are the admin's to read */
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 0, 1, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_sleep_ms(2200);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 0, 0, 1);
    labelq__project_info__free_unpacked(info, NULL);

    assert_int_equal(lease_one(b, p), task);
    bool dup = false;
    it_assert_code(a, lq_submit(a, task, "x", 10, &dup), LQ_EEXPIRED);
    it_submit(b, task, "y", 10, false);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 1, 1, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(admin);
    lq_client_close(a);
    lq_client_close(b);
}

/* An expired lease is no lease: its annotator has not labeled the task and
 * may lease it again like anyone else. */
static void own_expired_lease_can_be_retaken(void **state)
{
    (void)state;
    const char *p = "re-expiry";
    lq_client *a, *b;
    one_task_project(p, 1, 1, &a, &b);
    uint64_t task = lease_one(a, p);
    assert_true(task != 0);
    it_sleep_ms(2200);
    uint64_t again = lease_one(a, p);
    if (again != task)
        fail_msg("after its lease on task %llu expired, the same annotator leased %llu "
                 "(0: nothing); it has not labeled the task",
                 (unsigned long long)task, (unsigned long long)again);
    it_submit(a, task, "x", 10, false);
    lq_client_close(a);
    lq_client_close(b);
}

static void extend_pushes_deadline(void **state)
{
    (void)state;
    const char *p = "extend";
    lq_client *a, *b;
    one_task_project(p, 1, 1, &a, &b);
    uint64_t task = lease_one(a, p);
    assert_true(task != 0);
    uint64_t deadline = 0;
    it_assert_code(a, lq_extend(a, task, 5, &deadline), 0);
    if (deadline < unix_ms() + 4000)
        fail_msg("extend by 5 s gave deadline_ms %llu, only %lld ms ahead",
                 (unsigned long long)deadline, (long long)(deadline - unix_ms()));
    it_sleep_ms(2200); /* past the 1 s TTL, within the extension */
    assert_int_equal(lease_one(b, p), 0);
    it_submit(a, task, "x", 10, false);
    lq_client_close(a);
    lq_client_close(b);
}

/* A skip declines the task: never offered to that annotator again, while
 * another annotator gets it at once. */
static void skip_declines_for_good(void **state)
{
    (void)state;
    const char *p = "skip";
    lq_client *a, *b;
    one_task_project(p, 1, 600, &a, &b);
    uint64_t task = lease_one(a, p);
    assert_true(task != 0);
    it_assert_code(a, lq_skip(a, task), 0);
    assert_int_equal(lease_one(a, p), 0);
    assert_int_equal(lease_one(b, p), task);
    it_assert_code(b, lq_release(b, task), 0);
    if (lease_one(a, p) != 0)
        fail_msg("task %llu was offered again to the annotator who skipped it",
                 (unsigned long long)task);
    assert_int_equal(lease_one(b, p), task);
    it_submit(b, task, "y", 10, false);
    lq_client_close(a);
    lq_client_close(b);
}

static void release_returns_task_at_once(void **state)
{
    (void)state;
    const char *p = "release";
    lq_client *a, *b;
    one_task_project(p, 1, 600, &a, &b);
    uint64_t task = lease_one(a, p);
    assert_true(task != 0);
    assert_int_equal(lease_one(b, p), 0);
    it_assert_code(a, lq_release(a, task), 0);
    assert_int_equal(lease_one(b, p), task);
    it_assert_code(b, lq_release(b, task), 0);
    /* the releasing annotator has not labeled it, so it may take it again */
    uint64_t again = lease_one(a, p);
    if (again != task)
        fail_msg("after releasing task %llu, its first holder leased %llu (0: nothing); it "
                 "has not labeled the task",
                 (unsigned long long)task, (unsigned long long)again);
    it_submit(a, task, "x", 10, false);
    assert_int_equal(lease_one(b, p), 0);
    lq_client_close(a);
    lq_client_close(b);
}

static uint64_t send_lease(lq_client *c, const char *project, unsigned wait_ms)
{
    Labelq__Lease lease = LABELQ__LEASE__INIT;
    lease.project = (char *)project;
    lease.max_tasks = 1;
    lease.wait_ms = wait_ms;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
    env.lease = &lease;
    uint64_t id = 0;
    it_assert_code(c, lq_client_send(c, &env, &id), 0);
    return id;
}

/* Receives the reply to a parked lease; returns its task id or 0. */
static uint64_t recv_lease(lq_client *c, uint64_t id, int timeout_ms)
{
    Labelq__Envelope *reply = NULL;
    it_assert_code(c, lq_client_recv(c, &reply, timeout_ms), 0);
    assert_int_equal(reply->id, id);
    if (reply->body_case != LABELQ__ENVELOPE__BODY_LEASE_REPLY)
        fail_msg("parked lease answered with body %d (error: %s)", reply->body_case,
                 reply->body_case == LABELQ__ENVELOPE__BODY_ERROR ? reply->error->message : "-");
    uint64_t task = reply->lease_reply->n_tasks ? reply->lease_reply->tasks[0]->task_id : 0;
    assert_true(reply->lease_reply->n_tasks <= 1);
    labelq__envelope__free_unpacked(reply, NULL);
    return task;
}

static void parked_lease_wakes_on_release(void **state)
{
    (void)state;
    const char *p = "poll";
    lq_client *a, *b;
    one_task_project(p, 1, 600, &a, &b);
    uint64_t task = lease_one(a, p);
    assert_true(task != 0);
    long long t0 = it_now_ms();
    uint64_t id = send_lease(b, p, 8000);
    it_sleep_ms(300);
    it_assert_code(a, lq_release(a, task), 0);
    assert_int_equal(recv_lease(b, id, 10000), task);
    long long took = it_now_ms() - t0;
    if (took > 5000)
        fail_msg("parked lease took %lld ms to see the released task", took);
    lq_client_close(a);
    lq_client_close(b);
}

static void parked_lease_wakes_on_import(void **state)
{
    (void)state;
    const char *p = "poll-import";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    char *token = it_annotator_add(admin, "poll-import-a");
    lq_client *a = it_daemon_connect(&D, token);
    free(token);
    long long t0 = it_now_ms();
    uint64_t id = send_lease(a, p, 8000);
    it_sleep_ms(300);
    it_import_items(admin, p, p, 1);
    assert_true(recv_lease(a, id, 10000) != 0);
    assert_true(it_now_ms() - t0 < 5000);
    lq_client_close(a);
    lq_client_close(admin);
}

static void parked_lease_times_out_empty(void **state)
{
    (void)state;
    const char *p = "poll-empty";
    lq_client *a, *b;
    one_task_project(p, 1, 600, &a, &b);
    assert_true(lease_one(a, p) != 0);
    long long t0 = it_now_ms();
    Labelq__LeaseReply *r = it_lease(b, p, 1, 800);
    long long took = it_now_ms() - t0;
    assert_int_equal(r->n_tasks, 0);
    labelq__lease_reply__free_unpacked(r, NULL);
    if (took < 700 || took > 5000)
        fail_msg("lease with wait_ms 800 and no work answered after %lld ms", took);
    lq_client_close(a);
    lq_client_close(b);
}

static void lease_unknown_project(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    char *token = it_annotator_add(admin, "lost-ann");
    lq_client *a = it_daemon_connect(&D, token);
    free(token);
    Labelq__LeaseReply *r = NULL;
    it_assert_code(a, lq_lease(a, "no-such-project", 1, 0, &r), LQ_ENOTFOUND);
    assert_null(r);
    lq_client_close(a);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expired_lease_returns_task),
        cmocka_unit_test(own_expired_lease_can_be_retaken),
        cmocka_unit_test(extend_pushes_deadline),
        cmocka_unit_test(release_returns_task_at_once),
        cmocka_unit_test(skip_declines_for_good),
        cmocka_unit_test(parked_lease_wakes_on_release),
        cmocka_unit_test(parked_lease_wakes_on_import),
        cmocka_unit_test(parked_lease_times_out_empty),
        cmocka_unit_test(lease_unknown_project),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
