/* The whole life of a project as a user sees it: create, import, three
 * annotators label everything, status and export agree with what they did. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define N_ITEMS 50
#define N_ANN 3
#define LEASE_BATCH 5
#define MAX_ROUNDS 200

static it_daemon D;
static const char *const LABELS[] = {"pos", "neg", "neutral"};
static const char *const ANN_NAMES[N_ANN] = {"flow-ann-a", "flow-ann-b", "flow-ann-c"};

/* Item i gets: i%3==0 unanimous pos; i%3==1 neg,neg,pos (2 of 3);
 * i%3==2 neutral,pos,neg (a three-way tie the schema order must break:
 * neither the first nor the last vote is the schema's first label). */
static const char *label_for(size_t i, size_t j)
{
    switch (i % 3) {
    case 0:
        return "pos";
    case 1:
        return j < 2 ? "neg" : "pos";
    default:
        return j == 0 ? "neutral" : j == 1 ? "pos" : "neg";
    }
}

static uint32_t duration_for(size_t i, size_t j)
{
    return (uint32_t)(1 + (i + j) % 5) * 1000;
}

static size_t item_index(const char *external_id)
{
    const char *dash = strrchr(external_id, '-');
    assert_non_null(dash);
    return (size_t)strtoul(dash + 1, NULL, 10);
}

static void project_create_defaults_and_validation(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *info = NULL;
    static const char *const two[] = {"yes", "no"};
    it_assert_code(admin, it_project_try_create(admin, "defaults", two, 2, 0, 0, &info), 0);
    assert_int_equal(info->config->overlap, 3);
    assert_int_equal(info->config->lease_ttl_s, 600);
    labelq__project_info__free_unpacked(info, NULL);

    it_assert_code(admin, it_project_try_create(admin, "defaults", two, 2, 1, 60, NULL),
                   LQ_ECONFLICT);
    it_assert_code(admin, it_project_try_create(admin, "no-labels", NULL, 0, 1, 60, NULL),
                   LQ_EBADREQ);
    static const char *const dup[] = {"yes", "no", "yes"};
    it_assert_code(admin, it_project_try_create(admin, "dup-labels", dup, 3, 1, 60, NULL),
                   LQ_EBADREQ);

    /* the refused ones were not created; the first one is listed once */
    Labelq__ListProjectsReply *list = NULL;
    it_assert_code(admin, lq_project_list(admin, &list), 0);
    size_t defaults = 0;
    for (size_t i = 0; i < list->n_projects; i++) {
        const char *name = list->projects[i]->config->name;
        assert_string_not_equal(name, "no-labels");
        assert_string_not_equal(name, "dup-labels");
        defaults += strcmp(name, "defaults") == 0;
    }
    assert_int_equal(defaults, 1);
    labelq__list_projects_reply__free_unpacked(list, NULL);
    lq_client_close(admin);
}

static void check_leased_data(const Labelq__LeasedTask *t, size_t i)
{
    char want_id[64];
    it_item_id(want_id, sizeof want_id, "flow", i);
    assert_string_equal(t->external_id, want_id);
    json_t *data = json_loads(t->data_json, 0, NULL);
    if (!data)
        fail_msg("leased task %s: data_json is not JSON: %s", t->external_id, t->data_json);
    assert_int_equal(json_integer_value(json_object_get(data, "n")), i);
    json_decref(data);
}

/* Annotator j labels leased task t, which must be new to it. */
static void label_task(lq_client *c, size_t j, const Labelq__LeasedTask *t, bool seen[][N_ANN])
{
    size_t i = item_index(t->external_id);
    assert_true(i < N_ITEMS);
    if (seen[i][j])
        fail_msg("%s was given %s twice", ANN_NAMES[j], t->external_id);
    seen[i][j] = true;
    check_leased_data(t, i);
    it_submit(c, t->task_id, label_for(i, j), duration_for(i, j), false);
}

/* One lease-and-submit round for annotator j; returns how many it got. */
static size_t work_round(lq_client *c, const char *project, size_t j, bool seen[][N_ANN])
{
    Labelq__LeaseReply *r = it_lease(c, project, LEASE_BATCH, 0);
    assert_true(r->n_tasks <= LEASE_BATCH);
    size_t got = r->n_tasks;
    for (size_t k = 0; k < r->n_tasks; k++)
        label_task(c, j, r->tasks[k], seen);
    labelq__lease_reply__free_unpacked(r, NULL);
    return got;
}

static void check_export_line(const json_t *line, size_t i)
{
    char want_id[64];
    it_item_id(want_id, sizeof want_id, "flow", i);
    const char *id = json_string_value(json_object_get(line, "id"));
    if (strcmp(id, want_id) != 0)
        fail_msg("export line %zu is %s, want %s (import order)", i + 1, id, want_id);
    json_t *data = json_object_get(line, "data");
    assert_int_equal(json_integer_value(json_object_get(data, "n")), i);
    json_t *anns = json_object_get(line, "annotations");
    assert_int_equal(json_array_size(anns), N_ANN);
    for (size_t j = 0; j < N_ANN; j++) {
        json_t *a = it_export_annotation(line, ANN_NAMES[j]);
        if (!a)
            fail_msg("export %s: no annotation by %s", id, ANN_NAMES[j]);
        assert_string_equal(json_string_value(json_object_get(a, "label")), label_for(i, j));
        double secs = json_number_value(json_object_get(a, "seconds"));
        if (fabs(secs - duration_for(i, j) / 1000.0) > 1e-3)
            fail_msg("export %s: %s seconds %g, want %g", id, ANN_NAMES[j], secs,
                     duration_for(i, j) / 1000.0);
    }
    it_export_check_consensus(line, LABELS, 3);
    static const char *const want_label[] = {"pos", "neg", "pos"};
    static const double want_conf[] = {1.0, 2.0 / 3.0, 1.0 / 3.0};
    static const double want_agree[] = {1.0, 1.0 / 3.0, 0.0};
    assert_true(fabs(json_number_value(json_object_get(line, "agreement")) - want_agree[i % 3]) <
                1e-6);
    /* The project finishes with 150 labels, enough for the server to
     * re-estimate by Dawid-Skene in the background; until that lands the
     * export says "majority", whose values are known exactly here. */
    if (strcmp(json_string_value(json_object_get(line, "method")), "majority") != 0)
        return;
    assert_string_equal(json_string_value(json_object_get(line, "label")), want_label[i % 3]);
    assert_true(fabs(json_number_value(json_object_get(line, "confidence")) - want_conf[i % 3]) <
                1e-6);
}

static void full_project_flow(void **state)
{
    (void)state;
    const char *project = "flow";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, project, LABELS, 3, 3, 600);
    lq_client *ann[N_ANN];
    for (size_t j = 0; j < N_ANN; j++) {
        char *token = it_annotator_add(admin, ANN_NAMES[j]);
        ann[j] = it_daemon_connect(&D, token);
        assert_string_equal(lq_client_annotator(ann[j]), ANN_NAMES[j]);
        assert_int_equal(lq_client_role(ann[j]), LABELQ__ROLE__ANNOTATOR);
        free(token);
    }
    it_import_items(admin, project, project, N_ITEMS);

    /* Annotators may ask, for the labels; the counts are the admin's. */
    Labelq__ProjectInfo *info = it_project_info(ann[0], project);
    it_assert_status(info, 0, 0, 0, 0, 0);
    assert_int_equal(info->config->n_labels, 3);
    labelq__project_info__free_unpacked(info, NULL);
    info = it_project_info(admin, project);
    it_assert_status(info, N_ITEMS, 0, 0, 0, N_ITEMS);
    labelq__project_info__free_unpacked(info, NULL);

    /* status while five tasks are out, then with five labels in */
    static bool seen[N_ITEMS][N_ANN];
    Labelq__LeaseReply *first = it_lease(ann[0], project, LEASE_BATCH, 0);
    assert_int_equal(first->n_tasks, LEASE_BATCH);
    info = it_project_info(admin, project);
    it_assert_status(info, N_ITEMS, 0, 0, LEASE_BATCH, N_ITEMS - LEASE_BATCH);
    labelq__project_info__free_unpacked(info, NULL);
    for (size_t k = 0; k < first->n_tasks; k++)
        label_task(ann[0], 0, first->tasks[k], seen);
    labelq__lease_reply__free_unpacked(first, NULL);
    info = it_project_info(admin, project);
    it_assert_status(info, N_ITEMS, 0, LEASE_BATCH, 0, N_ITEMS);
    labelq__project_info__free_unpacked(info, NULL);

    size_t rounds = 0;
    for (bool busy = true; busy; rounds++) {
        assert_true(rounds < MAX_ROUNDS);
        busy = false;
        for (size_t j = 0; j < N_ANN; j++)
            busy |= work_round(ann[j], project, j, seen) > 0;
    }
    for (size_t i = 0; i < N_ITEMS; i++)
        for (size_t j = 0; j < N_ANN; j++)
            if (!seen[i][j])
                fail_msg("%s never got item %zu though it had work left", ANN_NAMES[j], i);

    info = it_project_info(admin, project);
    it_assert_status(info, N_ITEMS, N_ITEMS, N_ITEMS * N_ANN, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, project, &e);
    assert_int_equal(e.n, N_ITEMS);
    for (size_t i = 0; i < e.n; i++)
        check_export_line(e.lines[i], i);
    it_export_free(&e);

    for (size_t j = 0; j < N_ANN; j++)
        lq_client_close(ann[j]);
    lq_client_close(admin);
}

/* Queue order: priority descending, then import order. A chunk's
 * has_priority overrides the lines' own. */
static void lease_order_priority_then_import(void **state)
{
    (void)state;
    const char *project = "order";
    lq_client *admin = it_daemon_admin(&D);
    static const char *const two[] = {"x", "y"};
    it_project_create(admin, project, two, 2, 1, 600);
    static const char *const lines[] = {
        "{\"id\": \"a\", \"data\": 1, \"priority\": 0}",
        "{\"id\": \"b\", \"data\": 2, \"priority\": 5}",
        "{\"id\": \"c\", \"data\": 3}",
        "{\"id\": \"d\", \"data\": 4, \"priority\": 5}",
        "{\"id\": \"e\", \"data\": 5, \"priority\": -2}",
    };
    Labelq__ImportReply *r = it_import_lines(admin, project, lines, 5, 1);
    assert_int_equal(r->imported, 5);
    labelq__import_reply__free_unpacked(r, NULL);

    static const char *const urgent[] = {
        "{\"id\": \"f\", \"data\": 6, \"priority\": 0}",
        "{\"id\": \"g\", \"data\": 7}",
    };
    Labelq__ImportLine l1 = LABELQ__IMPORT_LINE__INIT, l2 = LABELQ__IMPORT_LINE__INIT;
    l1.line_no = 1;
    l1.json = (char *)urgent[0];
    l2.line_no = 2;
    l2.json = (char *)urgent[1];
    Labelq__ImportLine *ptrs[] = {&l1, &l2};
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = (char *)project;
    chunk.lines = ptrs;
    chunk.n_lines = 2;
    chunk.has_priority = true;
    chunk.priority = 10;
    it_assert_code(admin, lq_import_chunk(admin, &chunk, &r), 0);
    assert_int_equal(r->imported, 2);
    labelq__import_reply__free_unpacked(r, NULL);

    char *token = it_annotator_add(admin, "order-ann");
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    static const char *const want[] = {"f", "g", "b", "d", "a", "c", "e"};
    for (size_t k = 0; k < 7; k++) {
        Labelq__LeaseReply *lr = it_lease(c, project, 1, 0);
        assert_int_equal(lr->n_tasks, 1);
        if (strcmp(lr->tasks[0]->external_id, want[k]) != 0)
            fail_msg("lease %zu gave %s, want %s (priority desc, then import order)", k + 1,
                     lr->tasks[0]->external_id, want[k]);
        it_submit(c, lr->tasks[0]->task_id, "x", 10, false);
        labelq__lease_reply__free_unpacked(lr, NULL);
    }
    Labelq__LeaseReply *lr = it_lease(c, project, 1, 0);
    assert_int_equal(lr->n_tasks, 0);
    labelq__lease_reply__free_unpacked(lr, NULL);
    lq_client_close(c);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(project_create_defaults_and_validation),
        cmocka_unit_test(full_project_flow),
        cmocka_unit_test(lease_order_priority_then_import),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
