/* Dynamic overlap: a task whose labels disagree asks for more, up to the
 * project's max overlap; one whose labels agree is done at the overlap. The
 * rule holds across a restart, and the export follows it. */
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

#define N_ANN 5

static it_daemon D;
static const char *const LABELS[] = {"a", "b", "c"};

/* overlap 2, up to 4 labels, until every pair agrees */
static void create_dynamic(lq_client *admin, const char *name)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)name;
    cfg.labels = (char **)LABELS;
    cfg.n_labels = 3;
    cfg.overlap = 2;
    cfg.max_overlap = 4;
    cfg.agreement_target = 1.0;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    assert_int_equal(info->config->max_overlap, 4);
    labelq__project_info__free_unpacked(info, NULL);
}

/* Leases the only task of the project for c and labels it; asserts it got it. */
static void label_it(lq_client *c, const char *project, const char *label)
{
    Labelq__LeaseReply *r = it_lease(c, project, 1, 0);
    if (r->n_tasks != 1)
        fail_msg("%s: wanted the task, got %zu tasks", lq_client_annotator(c), r->n_tasks);
    it_submit(c, r->tasks[0]->task_id, label, 10, false);
    labelq__lease_reply__free_unpacked(r, NULL);
}

static void assert_no_work(lq_client *c, const char *project)
{
    Labelq__LeaseReply *r = it_lease(c, project, 1, 0);
    if (r->n_tasks)
        fail_msg("%s was offered task %s; it should need no more labels",
                 lq_client_annotator(c), r->tasks[0]->external_id);
    labelq__lease_reply__free_unpacked(r, NULL);
}

static void status(lq_client *admin, const char *project, uint64_t done, uint64_t labels)
{
    Labelq__ProjectInfo *info = it_project_info(admin, project);
    if (info->done != done || info->labels != labels)
        fail_msg("%s: done %llu labels %llu, want done %llu labels %llu", project,
                 (unsigned long long)info->done, (unsigned long long)info->labels,
                 (unsigned long long)done, (unsigned long long)labels);
    labelq__project_info__free_unpacked(info, NULL);
}

/* Adds N_ANN annotators and connects each; tokens[i] keeps their tokens
 * (free them) so they can reconnect after a restart. */
static void connect_annotators(lq_client *admin, const char *prefix, lq_client **c, char **tokens)
{
    for (size_t i = 0; i < N_ANN; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s-%zu", prefix, i);
        tokens[i] = it_annotator_add(admin, name);
        c[i] = it_daemon_connect(&D, tokens[i]);
    }
}

static void close_all(lq_client **c, char **tokens)
{
    for (size_t i = 0; i < N_ANN; i++) {
        lq_client_close(c[i]);
        if (tokens)
            free(tokens[i]);
    }
}

static void agreeing_labels_finish_at_overlap(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    create_dynamic(admin, "agree");
    it_import_items(admin, "agree", "g", 1);
    lq_client *c[N_ANN];
    char *tokens[N_ANN];
    connect_annotators(admin, "agree", c, tokens);
    label_it(c[0], "agree", "a");
    label_it(c[1], "agree", "a");
    status(admin, "agree", 1, 2);
    assert_no_work(c[2], "agree");
    close_all(c, tokens);
    lq_client_close(admin);
}

static void disagreement_asks_for_more_up_to_max(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    create_dynamic(admin, "split");
    it_import_items(admin, "split", "s", 1);
    lq_client *c[N_ANN];
    char *tokens[N_ANN];
    connect_annotators(admin, "split", c, tokens);
    label_it(c[0], "split", "a");
    label_it(c[1], "split", "b"); /* disagree: a third label is wanted */
    status(admin, "split", 0, 2);
    label_it(c[2], "split", "a"); /* 2 of 3 agree: agreeing pairs 1/3 < 1 */
    status(admin, "split", 0, 3);

    /* The rule survives a restart: the task still wants its fourth label. */
    close_all(c, NULL);
    lq_client_close(admin);
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    for (size_t i = 0; i < N_ANN; i++)
        c[i] = it_daemon_connect(&D, tokens[i]);
    status(admin, "split", 0, 3);
    it_export e;
    it_export_fetch(admin, "split", &e);
    assert_int_equal(e.n, 0); /* not done, so not exported */
    it_export_free(&e);
    assert_no_work(c[0], "split"); /* labeled it already */

    label_it(c[3], "split", "a"); /* 4 labels: the max, done whatever they say */
    status(admin, "split", 1, 4);
    assert_no_work(c[4], "split");
    it_export_fetch(admin, "split", &e);
    assert_int_equal(e.n, 1);
    json_t *line = e.lines[0];
    assert_string_equal(json_string_value(json_object_get(line, "label")), "a");
    assert_int_equal(json_array_size(json_object_get(line, "annotations")), 4);
    assert_true(json_real_value(json_object_get(line, "confidence")) > 0.74);
    assert_true(json_real_value(json_object_get(line, "confidence")) < 0.76);
    it_export_free(&e);
    close_all(c, tokens);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agreeing_labels_finish_at_overlap),
        cmocka_unit_test(disagreement_asks_for_more_up_to_max),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
