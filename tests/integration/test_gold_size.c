/* A gold item leased but cut from its lease reply for size comes to that
 * annotator again: the reply holds items up to half of max-frame, so with
 * 20 KiB items and a 64 KiB max-frame a lease of two sends one. The first
 * lease of two (a regular item, then gold at the project's ratio of 1/2)
 * cuts the gold item, which the annotator's own walk over the gold pool
 * has passed; it must still reach them, so labeling until the project is
 * done shows them both gold items. */
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

#define ITEM_BYTES 20000
#define PROJECT "goldsize"

static it_daemon D;
static const char *const ARGS[] = {"--max-frame", "65536", NULL};

static void cut_gold_comes_back(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_connect(&D, D.admin_token);
    char *labels[] = {"a", "b"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = PROJECT;
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    cfg.gold_ratio = 0.5;
    cfg.min_gold_accuracy = 0.5;
    cfg.min_gold_seen = 100;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
    char *big = malloc(ITEM_BYTES + 1), *lines[5];
    assert_non_null(big);
    memset(big, 'x', ITEM_BYTES);
    big[ITEM_BYTES] = '\0';
    for (int i = 0; i < 5; i++) {
        lines[i] = malloc(ITEM_BYTES + 64);
        if (i < 2)
            snprintf(lines[i], ITEM_BYTES + 64, "{\"id\":\"g%d\",\"data\":\"%s\",\"gold\":\"a\"}",
                     i, big);
        else
            snprintf(lines[i], ITEM_BYTES + 64, "{\"id\":\"r%d\",\"data\":\"%s\"}", i, big);
    }
    for (int i = 0; i < 5; i++) { /* one a chunk: two would not fit in max-frame */
        Labelq__ImportReply *ir =
            it_import_lines(admin, PROJECT, (const char *const *)&lines[i], 1, 1);
        assert_int_equal(ir->imported, 1);
        labelq__import_reply__free_unpacked(ir, NULL);
    }
    char *token = it_annotator_add(admin, "ann");
    lq_client *ann = it_daemon_connect(&D, token);

    Labelq__LeaseReply *lr = it_lease(ann, PROJECT, 2, 0);
    assert_int_equal(lr->n_tasks, 1); /* the second did not fit */
    bool gold_seen[2] = {false, false};
    for (int round = 0; lr->n_tasks > 0 && round < 20; round++) {
        const char *ext = lr->tasks[0]->external_id;
        if (ext[0] == 'g')
            gold_seen[ext[1] - '0'] = true;
        it_submit(ann, lr->tasks[0]->task_id, "a", 5, false);
        labelq__lease_reply__free_unpacked(lr, NULL);
        lr = it_lease(ann, PROJECT, 1, 0);
    }
    labelq__lease_reply__free_unpacked(lr, NULL);
    if (!gold_seen[0] || !gold_seen[1])
        fail_msg("gold item g%d, cut from a lease reply, never reached the annotator",
                 gold_seen[0] ? 1 : 0);
    for (int i = 0; i < 5; i++)
        free(lines[i]);

    lq_client_close(ann);
    lq_client_close(admin);
    free(token);
    free(big);
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static int start(void **state)
{
    (void)state;
    it_daemon_start_args(&D, ARGS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_gold_comes_back),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start, NULL);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return it_exit_status(failed);
}
