/* A task with overlap K is never out on more than K leases + labels, however
 * many annotators ask for it at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define K 2
#define N_ANN 5

static it_daemon D;
static const char *const LABELS[] = {"a", "b"};

/* Sends a lease on every client before reading any reply, so the daemon
 * sees the requests together. got[j] becomes the task id annotator j got,
 * or 0. Returns how many got one. */
static size_t lease_all(lq_client **c, const char *project, uint64_t *got)
{
    uint64_t ids[N_ANN];
    for (size_t j = 0; j < N_ANN; j++) {
        Labelq__Lease lease = LABELQ__LEASE__INIT;
        lease.project = (char *)project;
        lease.max_tasks = 1;
        Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
        env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
        env.lease = &lease;
        it_assert_code(c[j], lq_client_send(c[j], &env, &ids[j]), 0);
    }
    size_t holders = 0;
    for (size_t j = 0; j < N_ANN; j++) {
        Labelq__Envelope *reply = NULL;
        it_assert_code(c[j], lq_client_recv(c[j], &reply, IT_CLIENT_TIMEOUT_MS), 0);
        assert_int_equal(reply->id, ids[j]);
        assert_int_equal(reply->body_case, LABELQ__ENVELOPE__BODY_LEASE_REPLY);
        assert_true(reply->lease_reply->n_tasks <= 1);
        got[j] = reply->lease_reply->n_tasks ? reply->lease_reply->tasks[0]->task_id : 0;
        holders += got[j] != 0;
        labelq__envelope__free_unpacked(reply, NULL);
    }
    return holders;
}

static void assert_nobody_else_gets_it(lq_client **c, const bool *skip)
{
    for (size_t j = 0; j < N_ANN; j++) {
        if (skip[j])
            continue;
        Labelq__LeaseReply *r = it_lease(c[j], "overlap", 1, 0);
        if (r->n_tasks)
            fail_msg("annotator %zu got task %s beyond overlap %d", j, r->tasks[0]->external_id, K);
        labelq__lease_reply__free_unpacked(r, NULL);
    }
}

static void at_most_k_outstanding(void **state)
{
    (void)state;
    const char *p = "overlap";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, K, 600);
    it_import_items(admin, p, p, 1);
    lq_client *c[N_ANN];
    for (size_t j = 0; j < N_ANN; j++) {
        char name[32];
        snprintf(name, sizeof name, "overlap-%zu", j);
        char *token = it_annotator_add(admin, name);
        c[j] = it_daemon_connect(&D, token);
        free(token);
    }

    uint64_t got[N_ANN];
    size_t holders = lease_all(c, p, got);
    if (holders != K)
        fail_msg("%zu of %d annotators got the one task at once; overlap is %d", holders, N_ANN, K);
    size_t h1 = N_ANN, h2 = N_ANN;
    for (size_t j = 0; j < N_ANN; j++)
        if (got[j])
            *(h1 == N_ANN ? &h1 : &h2) = j;
    assert_int_equal(got[h1], got[h2]);
    uint64_t task = got[h1];

    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 0, 1, 0);
    labelq__project_info__free_unpacked(info, NULL);

    /* nobody else, even after asking again */
    bool skip[N_ANN] = {false};
    skip[h1] = skip[h2] = true;
    assert_nobody_else_gets_it(c, skip);

    /* one label + one lease is still K */
    it_submit(c[h1], task, "a", 10, false);
    assert_nobody_else_gets_it(c, skip);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 1, 1, 0);
    labelq__project_info__free_unpacked(info, NULL);

    /* a release frees exactly one place */
    it_assert_code(c[h2], lq_release(c[h2], task), 0);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 1, 0, 1);
    labelq__project_info__free_unpacked(info, NULL);
    size_t h3 = N_ANN;
    for (size_t j = 0; j < N_ANN; j++) {
        if (j == h1 || j == h2)
            continue;
        Labelq__LeaseReply *r = it_lease(c[j], p, 1, 0);
        if (r->n_tasks) {
            if (h3 != N_ANN)
                fail_msg("after one release two annotators (%zu, %zu) got the task", h3, j);
            h3 = j;
            assert_int_equal(r->tasks[0]->task_id, task);
        }
        labelq__lease_reply__free_unpacked(r, NULL);
    }
    assert_true(h3 != N_ANN);
    it_submit(c[h3], task, "b", 10, false);

    /* done: nobody gets it, not even the one who released */
    bool none[N_ANN] = {false};
    assert_nobody_else_gets_it(c, none);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 1, K, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, p, &e);
    assert_int_equal(e.n, 1);
    assert_int_equal(json_array_size(json_object_get(e.lines[0], "annotations")), K);
    it_export_check_consensus(e.lines[0], LABELS, 2);
    it_export_free(&e);
    for (size_t j = 0; j < N_ANN; j++)
        lq_client_close(c[j]);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(at_most_k_outstanding),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
