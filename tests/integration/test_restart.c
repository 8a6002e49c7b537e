/* A restart keeps projects, annotators (their tokens still work), tasks and
 * labels; open leases are gone as if expired. */
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

#define N_ITEMS 30
#define N_ANN 3
#define MAX_HELD 32

static it_daemon D;
static const char *const LABELS[] = {"a", "b", "c"};
static const char *const LABELS2[] = {"x", "y"};
static const char *const NAMES[N_ANN] = {"keep-1", "keep-2", "keep-3"};

typedef struct ann {
    char *token;
    lq_client *c;
    uint64_t labeled[N_ITEMS];
    size_t n_labeled;
} ann;

static ann A[N_ANN];

static const char *label_for(uint64_t task, size_t j)
{
    return LABELS[(task + j) % 3];
}

static bool labeled(const ann *a, uint64_t task)
{
    for (size_t i = 0; i < a->n_labeled; i++)
        if (a->labeled[i] == task)
            return true;
    return false;
}

/* Leases up to max, submits them all unless hold; held ids go to held[]. */
static size_t work(size_t j, const char *project, unsigned max, bool hold, uint64_t *held)
{
    Labelq__LeaseReply *r = it_lease(A[j].c, project, max, 0);
    size_t n = r->n_tasks;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = r->tasks[i]->task_id;
        if (labeled(&A[j], t))
            fail_msg("%s was leased task %llu it had labeled", NAMES[j], (unsigned long long)t);
        if (hold) {
            held[i] = t;
            continue;
        }
        it_submit(A[j].c, t, label_for(t, j), (uint32_t)(1000 + 1000 * j), false);
        A[j].labeled[A[j].n_labeled++] = t;
    }
    labelq__lease_reply__free_unpacked(r, NULL);
    return n;
}

typedef struct snapshot {
    Labelq__ProjectInfo *info[2];
    it_export exp[2];
} snapshot;

static const char *const PROJECTS[2] = {"keep", "keep-other"};

static void take(lq_client *admin, snapshot *s)
{
    for (size_t p = 0; p < 2; p++) {
        s->info[p] = it_project_info(admin, PROJECTS[p]);
        it_export_fetch(admin, PROJECTS[p], &s->exp[p]);
    }
}

static void release_snapshot(snapshot *s)
{
    for (size_t p = 0; p < 2; p++) {
        labelq__project_info__free_unpacked(s->info[p], NULL);
        it_export_free(&s->exp[p]);
    }
}

/* Same config, tasks, done and labels; no leases after the restart; the
 * export byte for byte. */
static void assert_same(const snapshot *before, const snapshot *after)
{
    for (size_t p = 0; p < 2; p++) {
        const Labelq__ProjectInfo *b = before->info[p], *a = after->info[p];
        assert_string_equal(a->config->name, b->config->name);
        assert_int_equal(a->config->n_labels, b->config->n_labels);
        for (size_t i = 0; i < b->config->n_labels; i++)
            assert_string_equal(a->config->labels[i], b->config->labels[i]);
        assert_int_equal(a->config->overlap, b->config->overlap);
        assert_int_equal(a->config->lease_ttl_s, b->config->lease_ttl_s);
        it_assert_status(a, b->tasks, b->done, b->labels, 0, b->tasks - b->done);
        if (before->exp[p].len != after->exp[p].len ||
            memcmp(before->exp[p].raw, after->exp[p].raw, before->exp[p].len) != 0)
            fail_msg("export of %s differs after restart:\n--- before\n%s--- after\n%s",
                     PROJECTS[p], before->exp[p].raw, after->exp[p].raw);
    }
}

static void reconnect_all(void)
{
    for (size_t j = 0; j < N_ANN; j++) {
        lq_client_close(A[j].c);
        A[j].c = it_daemon_connect(&D, A[j].token);
        assert_string_equal(lq_client_annotator(A[j].c), NAMES[j]);
    }
}

static void restart_keeps_everything(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "keep", LABELS, 3, 2, 600);
    it_import_items(admin, "keep", "keep", N_ITEMS);
    it_project_create(admin, "keep-other", LABELS2, 2, 1, 30);
    it_import_items(admin, "keep-other", "keep-other", 5);
    for (size_t j = 0; j < N_ANN; j++) {
        A[j].token = it_annotator_add(admin, NAMES[j]);
        A[j].c = it_daemon_connect(&D, A[j].token);
    }
    /* 10 tasks done, 10 with one label, 10 untouched; 5 leases open */
    assert_int_equal(work(0, "keep", 20, false, NULL), 20);
    assert_int_equal(work(1, "keep", 10, false, NULL), 10);
    uint64_t held[MAX_HELD];
    assert_int_equal(work(2, "keep", 5, true, held), 5);
    Labelq__LeaseReply *r = it_lease(A[0].c, "keep-other", 2, 0);
    assert_int_equal(r->n_tasks, 2);
    it_submit(A[0].c, r->tasks[0]->task_id, "y", 700, false);
    labelq__lease_reply__free_unpacked(r, NULL);

    snapshot before;
    take(admin, &before);
    it_assert_status(before.info[0], N_ITEMS, 10, 30, 5, N_ITEMS - 10 - 5);
    assert_int_equal(before.exp[0].n, 10);
    assert_int_equal(before.exp[1].n, 1);
    char old_admin[sizeof D.admin_token];
    memcpy(old_admin, D.admin_token, sizeof old_admin);
    lq_client_close(admin);

    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    assert_string_equal(D.admin_token, old_admin);
    admin = it_daemon_admin(&D);
    reconnect_all();

    snapshot after;
    take(admin, &after);
    assert_same(&before, &after);

    Labelq__ListAnnotatorsReply *list = NULL;
    it_assert_code(admin, lq_annotator_list(admin, &list), 0);
    size_t found = 0;
    for (size_t i = 0; i < list->n_annotators; i++)
        for (size_t j = 0; j < N_ANN; j++)
            found += strcmp(list->annotators[i]->name, NAMES[j]) == 0;
    assert_int_equal(found, N_ANN);
    labelq__list_annotators_reply__free_unpacked(list, NULL);

    /* the open lease died with the old process */
    bool dup = false;
    it_assert_code(A[2].c, lq_submit(A[2].c, held[0], "a", 10, &dup), LQ_EEXPIRED);
    /* an acknowledged submit is still acknowledged */
    uint64_t t = A[0].labeled[0];
    it_submit(A[0].c, t, label_for(t, 0), 1000, true);
    it_assert_code(A[0].c, lq_submit(A[0].c, t, label_for(t, 1), 1000, &dup), LQ_ECONFLICT);

    /* labeled tasks are remembered: keep-1 only gets the 10 it never saw */
    assert_int_equal(work(0, "keep", 30, false, NULL), 10);
    assert_int_equal(work(0, "keep", 30, false, NULL), 0);
    for (size_t round = 0; round < 10; round++) {
        size_t got = work(1, "keep", 30, false, NULL) + work(2, "keep", 30, false, NULL);
        if (!got)
            break;
    }
    Labelq__ProjectInfo *info = it_project_info(admin, "keep");
    it_assert_status(info, N_ITEMS, N_ITEMS, 2 * N_ITEMS, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    /* and once more, the hard way */
    release_snapshot(&before);
    release_snapshot(&after);
    take(admin, &before);
    assert_int_equal(before.exp[0].n, N_ITEMS);
    for (size_t i = 0; i < before.exp[0].n; i++)
        it_export_check_consensus(before.exp[0].lines[i], LABELS, 3);
    lq_client_close(admin);
    it_daemon_kill(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    reconnect_all();
    take(admin, &after);
    assert_same(&before, &after);
    release_snapshot(&before);
    release_snapshot(&after);

    for (size_t j = 0; j < N_ANN; j++) {
        lq_client_close(A[j].c);
        free(A[j].token);
    }
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restart_keeps_everything),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
