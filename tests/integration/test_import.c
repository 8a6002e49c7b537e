/* Import is idempotent by item id, skips duplicates within a chunk, and
 * rejects bad lines by line number while the rest of the chunk commits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "project_fixture.h"

static it_daemon D;
static const char *const LABELS[] = {"red", "green", "blue"};

static void assert_tasks(lq_client *c, const char *project, uint64_t tasks)
{
    Labelq__ProjectInfo *info = it_project_info(c, project);
    if (info->tasks != tasks)
        fail_msg("project %s has %llu tasks, want %llu", project, (unsigned long long)info->tasks,
                 (unsigned long long)tasks);
    labelq__project_info__free_unpacked(info, NULL);
}

static void reimport_skips_everything(void **state)
{
    (void)state;
    const char *p = "reimport";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 3, 1, 600);
    enum { N = 20 };
    char text[N][128];
    const char *lines[N];
    for (size_t i = 0; i < N; i++) {
        it_item_line(text[i], sizeof text[i], p, i);
        lines[i] = text[i];
    }
    Labelq__ImportReply *r = it_import_lines(admin, p, lines, N, 1);
    assert_int_equal(r->imported, N);
    assert_int_equal(r->skipped, 0);
    assert_int_equal(r->n_rejected, 0);
    labelq__import_reply__free_unpacked(r, NULL);

    r = it_import_lines(admin, p, lines, N, 1);
    assert_int_equal(r->imported, 0);
    assert_int_equal(r->skipped, N);
    assert_int_equal(r->n_rejected, 0);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, N);

    /* the same ids in another project are new there */
    it_project_create(admin, "reimport-other", LABELS, 3, 1, 600);
    r = it_import_lines(admin, "reimport-other", lines, N, 1);
    assert_int_equal(r->imported, N);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, N);
    lq_client_close(admin);
}

static void duplicates_within_chunk(void **state)
{
    (void)state;
    const char *p = "chunk-dups";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 3, 1, 600);
    static const char *const lines[] = {
        "{\"id\": \"x1\", \"data\": {\"v\": \"first\"}}",
        "{\"id\": \"x2\", \"data\": {\"v\": \"x2\"}}",
        "{\"id\": \"x1\", \"data\": {\"v\": \"second\"}}",
        "{\"id\": \"x3\", \"data\": {\"v\": \"x3\"}}",
        "{\"id\": \"x2\", \"data\": {\"v\": \"again\"}}",
    };
    Labelq__ImportReply *r = it_import_lines(admin, p, lines, 5, 1);
    assert_int_equal(r->imported, 3);
    assert_int_equal(r->skipped, 2);
    assert_int_equal(r->n_rejected, 0);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, 3);

    /* the first occurrence is the one kept */
    char *token = it_annotator_add(admin, "chunk-dups-a");
    lq_client *a = it_daemon_connect(&D, token);
    free(token);
    Labelq__LeaseReply *lr = it_lease(a, p, 10, 0);
    assert_int_equal(lr->n_tasks, 3);
    for (size_t i = 0; i < lr->n_tasks; i++) {
        json_t *data = json_loads(lr->tasks[i]->data_json, 0, NULL);
        assert_non_null(data);
        const char *v = json_string_value(json_object_get(data, "v"));
        assert_non_null(v);
        if (strcmp(lr->tasks[i]->external_id, "x1") == 0)
            assert_string_equal(v, "first");
        else
            assert_string_equal(v, lr->tasks[i]->external_id);
        json_decref(data);
    }
    labelq__lease_reply__free_unpacked(lr, NULL);
    lq_client_close(a);
    lq_client_close(admin);
}

#define FIRST_LINE 101 /* line numbers are the file's, not the chunk's indexes */

static void check_rejected(const Labelq__ImportReply *r)
{
    /* the indexes of the bad lines in bad_lines_rejected_rest_commit */
    static const uint64_t want[] = {FIRST_LINE + 1, FIRST_LINE + 2, FIRST_LINE + 3,
                                    FIRST_LINE + 4, FIRST_LINE + 7, FIRST_LINE + 9};
    enum { N_WANT = sizeof want / sizeof want[0] };
    bool found[N_WANT] = {false};
    for (size_t i = 0; i < r->n_rejected; i++) {
        size_t k = 0;
        while (k < N_WANT && want[k] != r->rejected[i]->line_no)
            k++;
        if (k == N_WANT)
            fail_msg("line %llu rejected (%s) but it is valid",
                     (unsigned long long)r->rejected[i]->line_no, r->rejected[i]->message);
        if (found[k])
            fail_msg("line %llu rejected twice", (unsigned long long)want[k]);
        found[k] = true;
        if (!r->rejected[i]->message || !r->rejected[i]->message[0])
            fail_msg("line %llu rejected without a message", (unsigned long long)want[k]);
    }
    for (size_t k = 0; k < N_WANT; k++)
        if (!found[k])
            fail_msg("bad line %llu was not rejected", (unsigned long long)want[k]);
}

static void bad_lines_rejected_rest_commit(void **state)
{
    (void)state;
    const char *p = "bad-lines";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 3, 1, 600);
    static const char *const lines[] = {
        "{\"id\": \"ok-1\", \"data\": {\"t\": 1}}",
        "{\"id\": \"broken\", \"data\": ",   /* invalid JSON */
        "{\"data\": {\"t\": 2}}",            /* no id */
        "{\"id\": {\"n\": 7}, \"data\": 3}", /* id neither string nor integer */
        "{\"id\": \"no-data\"}",             /* no data */
        "{\"id\": \"ok-2\", \"data\": [1, 2], \"gold\": \"green\"}",
        "{\"id\": \"ok-3\", \"data\": \"just text\", \"priority\": 3}",
        "{\"id\": \"bad-gold\", \"data\": 1, \"gold\": \"purple\"}", /* gold not a label */
        "{\"id\": \"ok-4\", \"data\": 0}",
        "[\"not\", \"an\", \"object\"]",
    };
    enum { N = sizeof lines / sizeof lines[0] };
    Labelq__ImportReply *r = it_import_lines(admin, p, lines, N, FIRST_LINE);
    check_rejected(r);
    assert_int_equal(r->imported, 4);
    assert_int_equal(r->skipped, 0);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, 4);

    /* again: the good ones are skipped, the bad ones rejected again */
    r = it_import_lines(admin, p, lines, N, FIRST_LINE);
    check_rejected(r);
    assert_int_equal(r->imported, 0);
    assert_int_equal(r->skipped, 4);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, 4);

    /* a rejected id was not stored: it imports now that its line is fixed */
    static const char *const fixed[] = {"{\"id\": \"no-data\", \"data\": {}}"};
    r = it_import_lines(admin, p, fixed, 1, 1);
    assert_int_equal(r->imported, 1);
    assert_int_equal(r->n_rejected, 0);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, 5);

    /* an integer id is kept as its text: 7 and "7" are the same item */
    static const char *const numeric[] = {"{\"id\": 7, \"data\": 1}", "{\"id\": \"7\", \"data\": 2}"};
    r = it_import_lines(admin, p, numeric, 2, 1);
    assert_int_equal(r->imported, 1);
    assert_int_equal(r->skipped, 1);
    assert_int_equal(r->n_rejected, 0);
    labelq__import_reply__free_unpacked(r, NULL);
    assert_tasks(admin, p, 6);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reimport_skips_everything),
        cmocka_unit_test(duplicates_within_chunk),
        cmocka_unit_test(bad_lines_rejected_rest_commit),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
