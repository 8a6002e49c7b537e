/* Gold items: mixed into each annotator's stream at the project's ratio,
 * never twice to one annotator, kept out of the task counts and the export;
 * an annotator whose gold accuracy falls below the minimum is blocked from
 * the project, and stays blocked across a restart. */
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

#define N_GOLD 4
#define N_REGULAR 10

static it_daemon D;
static const char *const LABELS[] = {"a", "b"};
static const char *P = "gold";

static void create_project(lq_client *admin)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)P;
    cfg.labels = (char **)LABELS;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    cfg.gold_ratio = 0.5;
    cfg.min_gold_accuracy = 0.6;
    cfg.min_gold_seen = 2;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
}

static void import(lq_client *admin)
{
    char buf[N_GOLD + N_REGULAR][128];
    const char *lines[N_GOLD + N_REGULAR];
    for (int i = 0; i < N_GOLD + N_REGULAR; i++) {
        if (i < N_GOLD)
            snprintf(buf[i], sizeof buf[i], "{\"id\":\"gold-%d\",\"data\":{\"n\":%d},\"gold\":\"a\"}",
                     i, i);
        else
            snprintf(buf[i], sizeof buf[i], "{\"id\":\"item-%d\",\"data\":{\"n\":%d}}", i, i);
        lines[i] = buf[i];
    }
    Labelq__ImportReply *r = it_import_lines(admin, P, lines, N_GOLD + N_REGULAR, 1);
    assert_int_equal(r->imported, N_GOLD + N_REGULAR);
    labelq__import_reply__free_unpacked(r, NULL);
    Labelq__ProjectInfo *info = it_project_info(admin, P);
    assert_int_equal(info->tasks, N_REGULAR);
    assert_int_equal(info->gold, N_GOLD);
    labelq__project_info__free_unpacked(info, NULL);
}

static bool is_gold(const Labelq__LeasedTask *t)
{
    return strncmp(t->external_id, "gold-", 5) == 0;
}

/* Leases one task for c and answers it: gold with gold_answer, others "a".
 * Returns 1 for gold, 0 for a regular task, -1 for nothing. */
static int work_one(lq_client *c, const char *gold_answer, char seen[N_GOLD])
{
    Labelq__LeaseReply *r = it_lease(c, P, 1, 0);
    if (r->n_tasks == 0) {
        labelq__lease_reply__free_unpacked(r, NULL);
        return -1;
    }
    const Labelq__LeasedTask *t = r->tasks[0];
    int gold = is_gold(t);
    if (gold) {
        int k = atoi(t->external_id + 5);
        if (seen[k])
            fail_msg("%s was served gold item %s twice", lq_client_annotator(c), t->external_id);
        seen[k] = 1;
        assert_null(strstr(t->data_json, "gold")); /* the answer is never revealed */
    }
    it_submit(c, t->task_id, gold ? gold_answer : "a", 10, false);
    labelq__lease_reply__free_unpacked(r, NULL);
    return gold;
}

static void gold_mixed_and_scored(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    create_project(admin);
    import(admin);
    char *good_token = it_annotator_add(admin, "good");
    char *bad_token = it_annotator_add(admin, "bad");
    lq_client *good = it_daemon_connect(&D, good_token);
    lq_client *bad = it_daemon_connect(&D, bad_token);

    /* Ratio 0.5, one item at a time: regular, gold, regular, gold, ... */
    char good_seen[N_GOLD] = {0}, bad_seen[N_GOLD] = {0};
    int pattern[4];
    for (int i = 0; i < 4; i++)
        pattern[i] = work_one(good, "a", good_seen);
    assert_int_equal(pattern[0], 0);
    assert_int_equal(pattern[1], 1);
    assert_int_equal(pattern[2], 0);
    assert_int_equal(pattern[3], 1);

    /* Two wrong gold answers: blocked from the project at once. */
    int gold_answers = 0;
    while (gold_answers < 2) {
        int g = work_one(bad, "b", bad_seen);
        assert_true(g >= 0);
        gold_answers += g;
    }
    Labelq__LeaseReply *r = NULL;
    it_assert_code(bad, lq_lease(bad, P, 1, 0, &r), LQ_EPERM);
    assert_non_null(strstr(lq_client_error(bad), "gold"));

    /* The good annotator goes on; it gets the remaining gold once each. */
    int more;
    while ((more = work_one(good, "a", good_seen)) >= 0)
        ;
    for (int k = 0; k < N_GOLD; k++)
        assert_true(good_seen[k]);

    /* A restart rebuilds standings from the labels. */
    lq_client_close(good);
    lq_client_close(bad);
    lq_client_close(admin);
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    bad = it_daemon_connect(&D, bad_token);
    it_assert_code(bad, lq_lease(bad, P, 1, 0, &r), LQ_EPERM);

    Labelq__ProjectInfo *info = it_project_info(admin, P);
    assert_int_equal(info->tasks, N_REGULAR);
    assert_int_equal(info->done, N_REGULAR);
    assert_int_equal(info->labels, N_REGULAR); /* gold answers are not dataset labels */
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, P, &e);
    assert_int_equal(e.n, N_REGULAR);
    for (size_t i = 0; i < e.n; i++)
        assert_null(strstr(json_string_value(json_object_get(e.lines[i], "id")), "gold"));
    it_export_free(&e);
    lq_client_close(bad);
    lq_client_close(admin);
    free(good_token);
    free(bad_token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gold_mixed_and_scored),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
