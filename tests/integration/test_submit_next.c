/* Submit with next (Submit.next, lq_submit_lease): "store this label, then
 * lease me more" in one round trip. The label is stored first; the lease
 * that follows is a Lease's (distinct annotators, batches, gold blocks);
 * its failure is reported next to the stored label, and a submit that is
 * refused takes no lease. */
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

static lq_client *annotator(lq_client *admin, const char *name)
{
    char *token = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    return c;
}

/* Leases exactly one task with a plain Lease and returns its id. */
static uint64_t lease_one(lq_client *c, const char *project, char *ext, size_t len)
{
    Labelq__LeaseReply *r = it_lease(c, project, 1, 0);
    assert_int_equal(r->n_tasks, 1);
    uint64_t id = r->tasks[0]->task_id;
    if (ext)
        snprintf(ext, len, "%s", r->tasks[0]->external_id);
    labelq__lease_reply__free_unpacked(r, NULL);
    return id;
}

/* lq_submit_lease asserting that the label was stored with duplicate ==
 * want_dup and that the lease part returned want_lease; returns next
 * (NULL exactly when the lease part failed). */
static Labelq__LeaseReply *submit_next(lq_client *c, uint64_t task, const char *label,
                                       const char *project, unsigned max, bool want_dup,
                                       int want_lease)
{
    Labelq__LeaseReply *next = (Labelq__LeaseReply *)&next; /* must be overwritten */
    bool dup = !want_dup;
    int lease_rc = 1;
    it_assert_code(c, lq_submit_lease(c, task, label, 10, project, max, &dup, &next, &lease_rc), 0);
    if (dup != want_dup)
        fail_msg("task %llu: duplicate = %d, want %d", (unsigned long long)task, dup, want_dup);
    it_assert_code(c, lease_rc, want_lease);
    if (want_lease == 0)
        assert_non_null(next);
    else
        assert_null(next);
    return next;
}

/* Asserts that r holds exactly the items ids[0..n-1], in that order, each
 * with a deadline; fills task_ids (may be NULL). */
static void expect_items(const Labelq__LeaseReply *r, const char *const *ids, size_t n,
                         uint64_t *task_ids)
{
    if (r->n_tasks != n)
        fail_msg("next holds %zu tasks, want %zu", r->n_tasks, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(r->tasks[i]->external_id, ids[i]);
        assert_true(r->tasks[i]->deadline_ms > 0);
        if (task_ids)
            task_ids[i] = r->tasks[i]->task_id;
    }
}

static void status(lq_client *c, const char *p, uint64_t tasks, uint64_t done, uint64_t labels,
                   uint64_t leased, uint64_t pending)
{
    Labelq__ProjectInfo *info = it_project_info(c, p);
    it_assert_status(info, tasks, done, labels, leased, pending);
    labelq__project_info__free_unpacked(info, NULL);
}

/* The label is stored and the next tasks leased in one reply, from the
 * task's project (project "") or a named one; a drained queue gives an
 * empty next, not an error. */
static void stores_then_leases(void **state)
{
    (void)state;
    const char *p = "chain";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    it_import_items(admin, p, p, 5);
    lq_client *a = annotator(admin, "chain-a");

    uint64_t t0 = lease_one(a, p, NULL, 0);
    Labelq__LeaseReply *next = submit_next(a, t0, "x", NULL, 2, false, 0);
    static const char *const two[] = {"chain-00001", "chain-00002"};
    uint64_t ids[2];
    expect_items(next, two, 2, ids);
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 5, 1, 1, 2, 2);

    next = submit_next(a, ids[0], "y", p, 8, false, 0);
    static const char *const rest[] = {"chain-00003", "chain-00004"};
    uint64_t more[2];
    expect_items(next, rest, 2, more);
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 5, 2, 2, 3, 0);

    it_submit(a, ids[1], "x", 10, false);
    it_submit(a, more[0], "x", 10, false);
    next = submit_next(a, more[1], "x", "", 4, false, 0);
    expect_items(next, NULL, 0, NULL); /* nothing left: empty, the label stored */
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 5, 5, 5, 0, 0);
    lq_client_close(a);
    lq_client_close(admin);
}

/* The chained lease never offers a task the annotator labeled or holds,
 * even with a free slot (overlap 2). */
static void distinct_annotators(void **state)
{
    (void)state;
    const char *p = "distinct";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 2, 600);
    it_import_items(admin, p, p, 2);
    lq_client *a = annotator(admin, "distinct-a"), *b = annotator(admin, "distinct-b");

    uint64_t t0 = lease_one(a, p, NULL, 0);
    Labelq__LeaseReply *next = submit_next(a, t0, "x", NULL, 4, false, 0);
    static const char *const second[] = {"distinct-00001"};
    uint64_t t1;
    expect_items(next, second, 1, &t1);
    labelq__lease_reply__free_unpacked(next, NULL);

    Labelq__LeaseReply *r = it_lease(b, p, 4, 0);
    static const char *const both[] = {"distinct-00000", "distinct-00001"};
    uint64_t bt[2];
    expect_items(r, both, 2, bt);
    labelq__lease_reply__free_unpacked(r, NULL);
    next = submit_next(b, bt[0], "y", NULL, 4, false, 0);
    expect_items(next, NULL, 0, NULL); /* item 0 labeled by b, item 1 held by b */
    labelq__lease_reply__free_unpacked(next, NULL);
    next = submit_next(a, t1, "x", NULL, 4, false, 0);
    expect_items(next, NULL, 0, NULL); /* a labeled both */
    labelq__lease_reply__free_unpacked(next, NULL);
    it_submit(b, bt[1], "y", 10, false);
    status(admin, p, 2, 2, 4, 0, 0);
    lq_client_close(a);
    lq_client_close(b);
    lq_client_close(admin);
}

/* A submit that is refused (bad label, conflicting retry) takes no lease;
 * a retry of the stored label is a duplicate and leases again. */
static void refused_submit_takes_no_lease(void **state)
{
    (void)state;
    const char *p = "refused";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    it_import_items(admin, p, p, 4);
    lq_client *a = annotator(admin, "refused-a");

    uint64_t t0 = lease_one(a, p, NULL, 0);
    Labelq__LeaseReply *next = (Labelq__LeaseReply *)&next;
    int lease_rc = 1;
    it_assert_code(a, lq_submit_lease(a, t0, "nope", 10, NULL, 2, NULL, &next, &lease_rc),
                   LQ_EBADREQ);
    assert_null(next);
    assert_int_equal(lease_rc, 0);
    status(admin, p, 4, 0, 0, 1, 3); /* nothing stored, nothing more leased */

    next = submit_next(a, t0, "x", NULL, 1, false, 0);
    static const char *const one[] = {"refused-00001"};
    expect_items(next, one, 1, NULL);
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 4, 1, 1, 1, 2);

    /* The retry whose first reply was lost: stored once, leases again. */
    next = submit_next(a, t0, "x", NULL, 1, true, 0);
    static const char *const another[] = {"refused-00002"};
    expect_items(next, another, 1, NULL);
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 4, 1, 1, 2, 1);

    /* A different label after the stored one: CONFLICT, no lease. */
    it_assert_code(a, lq_submit_lease(a, t0, "y", 10, NULL, 1, NULL, &next, &lease_rc),
                   LQ_ECONFLICT);
    assert_null(next);
    status(admin, p, 4, 1, 1, 2, 1);
    lq_client_close(a);
    lq_client_close(admin);
}

/* The lease part fails after the label was stored: the reply still says
 * "stored", with the lease's error beside it (a gold block, which this
 * very label caused, and an unknown project). */
static void lease_part_refused(void **state)
{
    (void)state;
    const char *p = "blocked";
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)p;
    cfg.labels = (char **)LABELS;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    cfg.min_gold_accuracy = 0.5;
    cfg.min_gold_seen = 1; /* gold_ratio 0: gold items are queued like tasks */
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
    static const char *const lines[] = {
        "{\"id\":\"gold-0\",\"data\":{\"n\":0},\"gold\":\"x\"}",
        "{\"id\":\"item-1\",\"data\":{\"n\":1}}",
        "{\"id\":\"item-2\",\"data\":{\"n\":2}}",
    };
    labelq__import_reply__free_unpacked(it_import_lines(admin, p, lines, 3, 1), NULL);
    lq_client *a = annotator(admin, "blocked-a");

    char ext[64];
    uint64_t gold = lease_one(a, p, ext, sizeof ext);
    assert_string_equal(ext, "gold-0");
    submit_next(a, gold, "y", NULL, 2, false, LQ_EPERM); /* wrong: blocked by it */
    assert_non_null(strstr(lq_client_error(a), "gold"));
    status(admin, p, 3, 1, 1, 0, 2); /* stored; nothing leased */

    submit_next(a, gold, "y", NULL, 2, true, LQ_EPERM); /* the retry alike */
    submit_next(a, gold, "y", "no-such-project", 2, true, LQ_ENOTFOUND);
    assert_non_null(strstr(lq_client_error(a), "no-such-project"));
    lq_client_close(a);
    lq_client_close(admin);
}

/* A paused batch is not served by the chained lease either. */
static void paused_batch_leaves_nothing(void **state)
{
    (void)state;
    const char *p = "paused";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    it_assert_code(admin, lq_batch_create(admin, p, "only", NULL, false, NULL), 0);
    Labelq__ImportLine lines[3], *ptrs[3];
    char text[3][96];
    for (size_t i = 0; i < 3; i++) {
        labelq__import_line__init(&lines[i]);
        it_item_line(text[i], sizeof text[i], p, i);
        lines[i].line_no = i + 1;
        lines[i].json = text[i];
        ptrs[i] = &lines[i];
    }
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = (char *)p;
    chunk.batch = (char *)"only";
    chunk.lines = ptrs;
    chunk.n_lines = 3;
    Labelq__ImportReply *ir = NULL;
    it_assert_code(admin, lq_import_chunk(admin, &chunk, &ir), 0);
    assert_int_equal(ir->imported, 3);
    labelq__import_reply__free_unpacked(ir, NULL);
    lq_client *a = annotator(admin, "paused-a");

    uint64_t t0 = lease_one(a, p, NULL, 0);
    it_assert_code(admin,
                   lq_batch_update(admin, p, "only", LABELQ__UPDATE_BATCH__ACTION__PAUSE, 0, NULL),
                   0);
    Labelq__LeaseReply *next = submit_next(a, t0, "x", NULL, 4, false, 0);
    expect_items(next, NULL, 0, NULL);
    labelq__lease_reply__free_unpacked(next, NULL);
    status(admin, p, 3, 1, 1, 0, 2);

    it_assert_code(admin,
                   lq_batch_update(admin, p, "only", LABELQ__UPDATE_BATCH__ACTION__RESUME, 0, NULL),
                   0);
    uint64_t t1 = lease_one(a, p, NULL, 0);
    next = submit_next(a, t1, "y", NULL, 4, false, 0);
    static const char *const last[] = {"paused-00002"};
    expect_items(next, last, 1, NULL);
    labelq__lease_reply__free_unpacked(next, NULL);
    lq_client_close(a);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stores_then_leases),
        cmocka_unit_test(distinct_annotators),
        cmocka_unit_test(refused_submit_takes_no_lease),
        cmocka_unit_test(lease_part_refused),
        cmocka_unit_test(paused_batch_leaves_nothing),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
