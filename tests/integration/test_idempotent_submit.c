/* Submit is idempotent per (task, annotator): a retry with the same label is
 * acknowledged as a duplicate, a different label is a conflict, and the
 * label is counted once. Also the submit errors a client must tell apart. */
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

static it_daemon D;
static const char *const LABELS[] = {"spam", "ham"};

static lq_client *new_annotator(lq_client *admin, const char *name)
{
    char *token = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    return c;
}

static uint64_t lease_one(lq_client *c, const char *project)
{
    Labelq__LeaseReply *r = it_lease(c, project, 1, 0);
    assert_int_equal(r->n_tasks, 1);
    uint64_t id = r->tasks[0]->task_id;
    labelq__lease_reply__free_unpacked(r, NULL);
    return id;
}

static void same_label_is_duplicate_other_is_conflict(void **state)
{
    (void)state;
    const char *p = "idem";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 2, 600);
    it_import_items(admin, p, p, 1);
    lq_client *a = new_annotator(admin, "idem-a");
    lq_client *b = new_annotator(admin, "idem-b");

    uint64_t task = lease_one(a, p);
    it_submit(a, task, "spam", 1500, false);
    it_submit(a, task, "spam", 1500, true);
    it_submit(a, task, "spam", 9999, true);
    bool dup = false;
    it_assert_code(a, lq_submit(a, task, "ham", 1500, &dup), LQ_ECONFLICT);
    it_submit(a, task, "spam", 1500, true); /* the conflict changed nothing */

    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 1, 0, 1, 0, 1);
    labelq__project_info__free_unpacked(info, NULL);

    assert_int_equal(lease_one(b, p), task);
    it_submit(b, task, "ham", 500, false);
    info = it_project_info(admin, p);
    it_assert_status(info, 1, 1, 2, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);
    it_submit(a, task, "spam", 1500, true); /* still a duplicate once done */

    it_export e;
    it_export_fetch(admin, p, &e);
    assert_int_equal(e.n, 1);
    json_t *anns = json_object_get(e.lines[0], "annotations");
    assert_int_equal(json_array_size(anns), 2);
    json_t *mine = it_export_annotation(e.lines[0], "idem-a");
    assert_non_null(mine);
    assert_string_equal(json_string_value(json_object_get(mine, "label")), "spam");
    it_export_check_consensus(e.lines[0], LABELS, 2);
    it_export_free(&e);
    lq_client_close(a);
    lq_client_close(b);
    lq_client_close(admin);
}

static void submit_errors(void **state)
{
    (void)state;
    const char *p = "submit-errors";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 3, 600);
    it_import_items(admin, p, p, 2);
    lq_client *a = new_annotator(admin, "errs-a");
    lq_client *b = new_annotator(admin, "errs-b");
    bool dup = false;

    uint64_t task = lease_one(a, p);
    it_assert_code(a, lq_submit(a, task, "eggs", 10, &dup), LQ_EBADREQ);
    it_assert_code(a, lq_submit(a, task, "", 10, &dup), LQ_EBADREQ);
    it_assert_code(a, lq_submit(a, 0xFFFFFFFFFFull, "spam", 10, &dup), LQ_ENOTFOUND);
    /* b holds no lease on the task */
    it_assert_code(b, lq_submit(b, task, "spam", 10, &dup), LQ_EEXPIRED);
    /* the refused submits left a's lease intact and counted nothing */
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 2, 0, 0, 1, 1);
    labelq__project_info__free_unpacked(info, NULL);
    it_submit(a, task, "ham", 10, false);
    /* a released lease is no lease */
    uint64_t other = lease_one(a, p);
    it_assert_code(a, lq_release(a, other), 0);
    it_assert_code(a, lq_submit(a, other, "ham", 10, &dup), LQ_EEXPIRED);
    info = it_project_info(admin, p);
    it_assert_status(info, 2, 0, 1, 0, 2);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(a);
    lq_client_close(b);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_label_is_duplicate_other_is_conflict),
        cmocka_unit_test(submit_errors),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
