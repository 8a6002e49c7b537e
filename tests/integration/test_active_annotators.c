/* ProjectInfo.active_annotators: the distinct annotators holding a lease in
 * a project now, the same through GetProject and ListProjects. Two leases of
 * one annotator count once, a lease in another project counts there, and
 * the count falls back to zero when the leases are released. */
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

static it_daemon D;
static const char *const LABELS[] = {"x", "y"};
static const char *P = "busy", *Q = "other", *IDLE = "idle";

/* The active annotators of project as GetProject and ListProjects report
 * them; asserts that both agree. */
static uint32_t active_of(lq_client *admin, const char *project)
{
    Labelq__ProjectInfo *info = it_project_info(admin, project);
    uint32_t got = info->active_annotators;
    labelq__project_info__free_unpacked(info, NULL);

    Labelq__ListProjectsReply *r = NULL;
    it_assert_code(admin, lq_project_list(admin, &r), 0);
    int found = 0;
    for (size_t i = 0; i < r->n_projects; i++) {
        if (strcmp(r->projects[i]->config->name, project) != 0)
            continue;
        found++;
        if (r->projects[i]->active_annotators != got)
            fail_msg("%s: GetProject says %u active annotators, ListProjects %u", project, got,
                     r->projects[i]->active_annotators);
    }
    assert_int_equal(found, 1);
    labelq__list_projects_reply__free_unpacked(r, NULL);
    return got;
}

/* Leases n tasks of project for c; returns the reply (caller frees). */
static Labelq__LeaseReply *lease_n(lq_client *c, const char *project, unsigned n)
{
    Labelq__LeaseReply *r = it_lease(c, project, n, 0);
    assert_int_equal(r->n_tasks, n);
    return r;
}

static void release_all(lq_client *c, Labelq__LeaseReply *r)
{
    for (size_t i = 0; i < r->n_tasks; i++)
        it_assert_code(c, lq_release(c, r->tasks[i]->task_id), 0);
    labelq__lease_reply__free_unpacked(r, NULL);
}

static lq_client *annotator(lq_client *admin, const char *name)
{
    char *token = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    return c;
}

static void counts_distinct_lease_holders(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, P, LABELS, 2, 2, 600);
    it_project_create(admin, Q, LABELS, 2, 2, 600);
    it_project_create(admin, IDLE, LABELS, 2, 2, 600);
    it_import_items(admin, P, P, 10);
    it_import_items(admin, Q, Q, 10);
    it_import_items(admin, IDLE, IDLE, 10);
    lq_client *alice = annotator(admin, "alice");
    lq_client *bob = annotator(admin, "bob");

    assert_int_equal(active_of(admin, P), 0);

    /* alice holds three leases in P, bob one in P and one in Q. */
    Labelq__LeaseReply *a = lease_n(alice, P, 3);
    Labelq__LeaseReply *b = lease_n(bob, P, 1);
    Labelq__LeaseReply *bq = lease_n(bob, Q, 1);
    assert_int_equal(active_of(admin, P), 2);
    assert_int_equal(active_of(admin, Q), 1);
    assert_int_equal(active_of(admin, IDLE), 0);

    /* Releasing one of alice's leases leaves her active. */
    it_assert_code(alice, lq_release(alice, a->tasks[0]->task_id), 0);
    assert_int_equal(active_of(admin, P), 2);

    /* Submitting ends a lease too. */
    it_submit(bob, b->tasks[0]->task_id, "x", 10, false);
    labelq__lease_reply__free_unpacked(b, NULL);
    assert_int_equal(active_of(admin, P), 1);
    assert_int_equal(active_of(admin, Q), 1);

    for (size_t i = 1; i < a->n_tasks; i++)
        it_assert_code(alice, lq_release(alice, a->tasks[i]->task_id), 0);
    labelq__lease_reply__free_unpacked(a, NULL);
    release_all(bob, bq);
    assert_int_equal(active_of(admin, P), 0);
    assert_int_equal(active_of(admin, Q), 0);

    lq_client_close(alice);
    lq_client_close(bob);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_distinct_lease_holders),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
