/* An annotator never gets the same task twice: not within one lease, not
 * after labeling it, not after release-and-relabel attempts. */
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

#define N_TASKS 6

static it_daemon D;
static const char *const LABELS[] = {"cat", "dog", "bird"};

static lq_client *new_annotator(lq_client *admin, const char *name)
{
    char *token = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    return c;
}

static bool contains(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Leases up to max with wait 0, appends the ids to ids[*n], asserting each is
 * new to the list. Returns how many came. */
static size_t lease_into(lq_client *c, const char *project, unsigned max, uint64_t *ids, size_t *n)
{
    Labelq__LeaseReply *r = it_lease(c, project, max, 0);
    assert_true(r->n_tasks <= max);
    size_t got = r->n_tasks;
    for (size_t i = 0; i < r->n_tasks; i++) {
        if (contains(ids, *n, r->tasks[i]->task_id))
            fail_msg("%s got task %s (%llu) a second time", lq_client_annotator(c),
                     r->tasks[i]->external_id, (unsigned long long)r->tasks[i]->task_id);
        ids[(*n)++] = r->tasks[i]->task_id;
    }
    labelq__lease_reply__free_unpacked(r, NULL);
    return got;
}

static void alone_gets_each_task_once(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "alone-batch", LABELS, 3, 3, 600);
    it_import_items(admin, "alone-batch", "alone-batch", N_TASKS);
    it_project_create(admin, "alone-single", LABELS, 3, 3, 600);
    it_import_items(admin, "alone-single", "alone-single", N_TASKS);
    lq_client *a = new_annotator(admin, "alone-a");

    /* one big lease: every task once, not one task three times */
    uint64_t ids[4 * N_TASKS];
    size_t n = 0;
    assert_int_equal(lease_into(a, "alone-batch", 3 * N_TASKS, ids, &n), N_TASKS);
    assert_int_equal(lease_into(a, "alone-batch", 3 * N_TASKS, ids, &n), 0);
    for (size_t i = 0; i < n; i++)
        it_submit(a, ids[i], "cat", 10, false);
    assert_int_equal(lease_into(a, "alone-batch", 3 * N_TASKS, ids, &n), 0);

    /* one at a time, submitting each */
    n = 0;
    for (size_t k = 0; k < N_TASKS; k++) {
        assert_int_equal(lease_into(a, "alone-single", 1, ids, &n), 1);
        it_submit(a, ids[n - 1], "dog", 10, false);
    }
    assert_int_equal(lease_into(a, "alone-single", 1, ids, &n), 0);

    Labelq__ProjectInfo *info = it_project_info(admin, "alone-single");
    it_assert_status(info, N_TASKS, 0, N_TASKS, 0, N_TASKS);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(a);
    lq_client_close(admin);
}

static void release_and_relabel_never_repeat(void **state)
{
    (void)state;
    const char *p = "relabel";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 3, 3, 600);
    it_import_items(admin, p, p, N_TASKS);
    lq_client *ann[3] = {new_annotator(admin, "relabel-a"), new_annotator(admin, "relabel-b"),
                         new_annotator(admin, "relabel-c")};
    lq_client *a = ann[0];

    uint64_t held[N_TASKS];
    size_t n_held = 0;
    assert_int_equal(lease_into(a, p, 10, held, &n_held), N_TASKS);
    for (size_t i = 0; i < N_TASKS / 2; i++)
        it_submit(a, held[i], "cat", 10, false);
    for (size_t i = N_TASKS / 2; i < N_TASKS; i++)
        it_assert_code(a, lq_release(a, held[i]), 0);

    /* only the released half comes back */
    Labelq__LeaseReply *r = it_lease(a, p, 10, 0);
    if (r->n_tasks != N_TASKS - N_TASKS / 2)
        fail_msg("after labeling %d tasks and releasing %d, relabel-a leased %zu; want the %d "
                 "released ones back (it has not labeled them)",
                 N_TASKS / 2, N_TASKS - N_TASKS / 2, r->n_tasks, N_TASKS - N_TASKS / 2);
    for (size_t k = 0; k < r->n_tasks; k++) {
        uint64_t id = r->tasks[k]->task_id;
        if (contains(held, N_TASKS / 2, id))
            fail_msg("relabel-a was leased %s again after labeling it", r->tasks[k]->external_id);
        assert_true(contains(held + N_TASKS / 2, N_TASKS - N_TASKS / 2, id));
        it_submit(a, id, "dog", 10, false);
    }
    labelq__lease_reply__free_unpacked(r, NULL);

    /* relabel attempts on a labeled task change nothing and lease nothing */
    bool dup = false;
    it_assert_code(a, lq_submit(a, held[0], "cat", 10, &dup), 0);
    assert_true(dup);
    it_assert_code(a, lq_submit(a, held[0], "bird", 10, &dup), LQ_ECONFLICT);
    (void)lq_release(a, held[0]); /* holds no lease: whatever it answers, no effect */
    r = it_lease(a, p, 10, 0);
    if (r->n_tasks)
        fail_msg("relabel-a was leased %s after labeling every task", r->tasks[0]->external_id);
    labelq__lease_reply__free_unpacked(r, NULL);

    for (size_t j = 1; j < 3; j++) {
        uint64_t ids[N_TASKS + 1];
        size_t n = 0;
        assert_int_equal(lease_into(ann[j], p, 10, ids, &n), N_TASKS);
        for (size_t i = 0; i < n; i++)
            it_submit(ann[j], ids[i], LABELS[j], 10, false);
    }
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, N_TASKS, N_TASKS, 3 * N_TASKS, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, p, &e);
    assert_int_equal(e.n, N_TASKS);
    for (size_t i = 0; i < e.n; i++) {
        assert_int_equal(json_array_size(json_object_get(e.lines[i], "annotations")), 3);
        json_t *mine = it_export_annotation(e.lines[i], "relabel-a");
        assert_non_null(mine);
        assert_non_null(it_export_annotation(e.lines[i], "relabel-b"));
        assert_non_null(it_export_annotation(e.lines[i], "relabel-c"));
        it_export_check_consensus(e.lines[i], LABELS, 3);
    }
    it_export_free(&e);
    for (size_t j = 0; j < 3; j++)
        lq_client_close(ann[j]);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alone_gets_each_task_once),
        cmocka_unit_test(release_and_relabel_never_repeat),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
