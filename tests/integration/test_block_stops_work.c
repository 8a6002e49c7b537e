/* Blocking an annotator stops its work once the block is stored, as a
 * revoke does (test_access.c), without closing its idle connections:
 *
 * - its lease parked in a long-poll is answered PERMISSION_DENIED and its
 *   connection closed; an import right after the block serves it nothing
 *   (before this, the import woke the parked request and leased it the new
 *   task);
 * - the leases it held are back in the queue: another annotator leases
 *   them at once (before, they stayed with the blocked account until their
 *   deadlines);
 * - its connection holding those leases is refused at its next request
 *   (PERMISSION_DENIED, then closed), and a new connection at Hello;
 * - the log says how many parked requests and leases the block ended;
 * - unblocked, it connects and leases again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "project_fixture.h"

#define P "bw"
#define PARK_MS 20000  /* wait_ms of the lease that parks */
#define PROMPT_MS 3000 /* the parked request must be answered within this */

static it_daemon D;
static const char *const LABELS[] = {"x", "y"};

/* Sends a Lease of P with wait_ms on c without waiting; returns its id. */
static uint64_t send_lease(lq_client *c, unsigned max_tasks, unsigned wait_ms)
{
    Labelq__Lease lease = LABELQ__LEASE__INIT;
    lease.project = P;
    lease.max_tasks = max_tasks;
    lease.wait_ms = wait_ms;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
    env.lease = &lease;
    uint64_t id = 0;
    assert_int_equal(lq_client_send(c, &env, &id), 0);
    return id;
}

/* c's connection was closed by the server (how a client sees that depends
 * on where the close caught it). */
static void expect_closed(lq_client *c, const char *what)
{
    Labelq__Envelope *env = NULL;
    int rc = lq_client_recv(c, &env, PROMPT_MS);
    if (rc == 0)
        labelq__envelope__free_unpacked(env, NULL);
    if (rc != LQ_ECLOSED && rc != LQ_EIO && rc != LQ_ETLS)
        fail_msg("%s: want the connection closed, got %s (%s)", what, lq_strerror(rc),
                 lq_client_error(c));
}

/* The parked request id on c is answered PERMISSION_DENIED within
 * PROMPT_MS of start, then c is closed. */
static void expect_parked_refused(lq_client *c, uint64_t id, long long start)
{
    Labelq__Envelope *env = NULL;
    int rc = lq_client_recv(c, &env, PROMPT_MS);
    if (rc != 0)
        fail_msg("the parked lease of the blocked annotator: got %s (%s), want its "
                 "PERMISSION_DENIED",
                 lq_strerror(rc), lq_client_error(c));
    if (env->body_case == LABELQ__ENVELOPE__BODY_LEASE_REPLY)
        fail_msg("the parked lease of the blocked annotator was served %zu task(s)",
                 env->lease_reply->n_tasks);
    assert_int_equal(env->id, id);
    assert_int_equal(env->body_case, LABELQ__ENVELOPE__BODY_ERROR);
    assert_int_equal(env->error->code, LABELQ__ERROR_CODE__PERMISSION_DENIED);
    assert_non_null(strstr(env->error->message, "blocked"));
    labelq__envelope__free_unpacked(env, NULL);
    long long took = it_now_ms() - start;
    if (took > PROMPT_MS)
        fail_msg("the parked lease was refused only after %lld ms", took);
    expect_closed(c, "after refusing the parked lease");
}

static bool held(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Whether the daemon log has a line holding every one of the strings. */
static bool log_has(const char *a, const char *b)
{
    FILE *f = fopen(D.log_path, "r");
    assert_non_null(f);
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, a) && strstr(line, b);
    fclose(f);
    return found;
}

static void block_stops_work(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, P, LABELS, 2, 1, 600);
    it_import_items(admin, P, "bw", 2);
    char *token = it_annotator_add(admin, "blk");
    char *other_token = it_annotator_add(admin, "other");
    lq_client *c1 = it_daemon_connect(&D, token);
    lq_client *c2 = it_daemon_connect(&D, token);
    lq_client *other = it_daemon_connect(&D, other_token);

    /* blk holds both tasks on c1 and waits for more on c2. */
    Labelq__LeaseReply *lr = it_lease(c1, P, 2, 0);
    assert_int_equal(lr->n_tasks, 2);
    uint64_t ids[2] = {lr->tasks[0]->task_id, lr->tasks[1]->task_id};
    labelq__lease_reply__free_unpacked(lr, NULL);
    uint64_t parked = send_lease(c2, 4, PARK_MS);
    lr = it_lease(other, P, 1, 0); /* overlap 1: nothing is free */
    assert_int_equal(lr->n_tasks, 0);
    labelq__lease_reply__free_unpacked(lr, NULL);

    long long start = it_now_ms();
    it_assert_code(admin, lq_annotator_block(admin, "blk", false), 0);
    /* New work right after the block: not for blk, whose request was
     * parked before it. */
    it_import_items(admin, P, "bw-late", 1);
    expect_parked_refused(c2, parked, start);

    /* Both held tasks and the new one are free for someone else at once. */
    lr = it_lease(other, P, 4, 0);
    assert_int_equal(lr->n_tasks, 3);
    size_t back = 0;
    for (size_t i = 0; i < lr->n_tasks; i++)
        back += held(ids, 2, lr->tasks[i]->task_id);
    assert_int_equal(back, 2);
    for (size_t i = 0; i < lr->n_tasks; i++)
        it_submit(other, lr->tasks[i]->task_id, "x", 5, false);
    labelq__lease_reply__free_unpacked(lr, NULL);
    assert_true(log_has("msg=\"annotator blocked\"", "parked_refused=1 leases_released=2"));

    /* blk's other connection: its next request is refused, then it closes. */
    bool dup = false;
    it_assert_code(c1, lq_submit(c1, ids[0], "y", 5, &dup), LQ_EPERM);
    expect_closed(c1, "a blocked account's connection after PERMISSION_DENIED");
    lq_client *c = NULL;
    char err[256] = "";
    assert_int_equal(it_daemon_try_connect(&D, token, &c, err, sizeof err), LQ_EPERM);

    /* Unblocked, blk works again. */
    it_assert_code(admin, lq_annotator_block(admin, "blk", true), 0);
    it_import_items(admin, P, "bw-after", 1);
    c = it_daemon_connect(&D, token);
    lr = it_lease(c, P, 4, 0);
    assert_int_equal(lr->n_tasks, 1);
    it_submit(c, lr->tasks[0]->task_id, "x", 5, false);
    labelq__lease_reply__free_unpacked(lr, NULL);
    Labelq__ProjectInfo *info = it_project_info(admin, P);
    it_assert_status(info, 4, 4, 4, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    lq_client_close(c);
    lq_client_close(c1);
    lq_client_close(c2);
    lq_client_close(other);
    lq_client_close(admin);
    free(token);
    free(other_token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_stops_work),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
