/* Batches as an admin and the annotators see them, against a real labelqd:
 * batches are served by priority then creation, pause stops a batch's
 * leases at the next request while held leases may still be submitted,
 * cancel is final and survives restarts, a priority change reorders the
 * very next lease, export and report can be scoped to a batch, counts and
 * the ETA follow what the annotators did, and bad input changes nothing. */
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
#include <unistd.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define LINE_LEN 256
#define MAX_LINES 16
#define MAX_LEASE 16

static it_daemon D;
static const char *const LABELS[] = {"x", "y"};

#define ACTIVE LABELQ__BATCH_STATE__BATCH_ACTIVE
#define PAUSED LABELQ__BATCH_STATE__BATCH_PAUSED
#define CANCELED LABELQ__BATCH_STATE__BATCH_CANCELED
#define PAUSE LABELQ__UPDATE_BATCH__ACTION__PAUSE
#define RESUME LABELQ__UPDATE_BATCH__ACTION__RESUME
#define CANCEL LABELQ__UPDATE_BATCH__ACTION__CANCEL
#define PRIORITY LABELQ__UPDATE_BATCH__ACTION__PRIORITY

/* ---- helpers ---- */

/* Sends lines[0..n-1] as one ImportChunk into batch ("" or NULL: none
 * named, the project's "default"). Returns the call's code; *out gets the
 * reply on success (caller frees). */
static int try_import(lq_client *admin, const char *project, const char *batch,
                      const char *const *lines, size_t n, Labelq__ImportReply **out)
{
    Labelq__ImportLine storage[MAX_LINES];
    Labelq__ImportLine *ptrs[MAX_LINES];
    assert_true(n <= MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        Labelq__ImportLine l = LABELQ__IMPORT_LINE__INIT;
        l.line_no = i + 1;
        l.json = (char *)lines[i];
        storage[i] = l;
        ptrs[i] = &storage[i];
    }
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = (char *)project;
    chunk.batch = (char *)(batch ? batch : "");
    chunk.lines = ptrs;
    chunk.n_lines = n;
    *out = NULL;
    return lq_import_chunk(admin, &chunk, out);
}

/* Imports lines into batch and asserts every one was new. */
static void import_lines(lq_client *admin, const char *project, const char *batch,
                         const char *const *lines, size_t n)
{
    Labelq__ImportReply *r = NULL;
    it_assert_code(admin, try_import(admin, project, batch, lines, n, &r), 0);
    if (r->n_rejected)
        fail_msg("import into %s rejected line %llu: %s", batch,
                 (unsigned long long)r->rejected[0]->line_no, r->rejected[0]->message);
    assert_int_equal(r->imported, n);
    assert_int_equal(r->skipped, 0);
    labelq__import_reply__free_unpacked(r, NULL);
}

/* Imports generated items PREFIX-<first> .. PREFIX-<first+n-1> into batch. */
static void import_items(lq_client *admin, const char *project, const char *batch,
                         const char *prefix, size_t first, size_t n)
{
    char text[MAX_LINES][LINE_LEN];
    const char *lines[MAX_LINES];
    assert_true(n <= MAX_LINES);
    for (size_t i = 0; i < n; i++) {
        it_item_line(text[i], LINE_LEN, prefix, first + i);
        lines[i] = text[i];
    }
    import_lines(admin, project, batch, lines, n);
}

static Labelq__BatchInfo *create(lq_client *admin, const char *project, const char *name,
                                 const int32_t *priority, bool append)
{
    Labelq__BatchInfo *b = NULL;
    it_assert_code(admin, lq_batch_create(admin, project, name, priority, append, &b), 0);
    assert_non_null(b);
    assert_string_equal(b->name, name);
    assert_string_equal(b->project, project);
    return b;
}

/* Creates batch name with priority and imports n generated items into it. */
static void batch_with_items(lq_client *admin, const char *project, const char *name,
                             int32_t priority, const char *prefix, size_t n)
{
    Labelq__BatchInfo *b = create(admin, project, name, &priority, false);
    assert_int_equal(b->state, ACTIVE);
    assert_int_equal(b->priority, priority);
    assert_int_equal(b->tasks, 0);
    labelq__batch_info__free_unpacked(b, NULL);
    import_items(admin, project, name, prefix, 0, n);
}

static Labelq__BatchInfo *get(lq_client *admin, const char *project, const char *name)
{
    Labelq__BatchInfo *b = NULL;
    it_assert_code(admin, lq_batch_get(admin, project, name, &b), 0);
    assert_non_null(b);
    assert_string_equal(b->name, name);
    return b;
}

/* Asserts the five counts at once, so a failure shows them all. */
static void assert_counts(const Labelq__BatchInfo *b, uint64_t tasks, uint64_t pending,
                          uint64_t leased, uint64_t done, uint64_t labels)
{
    if (b->tasks != tasks || b->pending != pending || b->leased != leased || b->done != done ||
        b->labels != labels)
        fail_msg("batch %s: tasks %llu pending %llu leased %llu done %llu labels %llu; want "
                 "tasks %llu pending %llu leased %llu done %llu labels %llu",
                 b->name, (unsigned long long)b->tasks, (unsigned long long)b->pending,
                 (unsigned long long)b->leased, (unsigned long long)b->done,
                 (unsigned long long)b->labels, (unsigned long long)tasks,
                 (unsigned long long)pending, (unsigned long long)leased, (unsigned long long)done,
                 (unsigned long long)labels);
}

/* Gets batch name and asserts its state, priority and counts. */
static void expect_batch(lq_client *admin, const char *project, const char *name,
                         Labelq__BatchState state, int32_t priority, uint64_t tasks,
                         uint64_t pending, uint64_t leased, uint64_t done, uint64_t labels)
{
    Labelq__BatchInfo *b = get(admin, project, name);
    if (b->state != state || b->priority != priority)
        fail_msg("batch %s: state %d priority %d, want state %d priority %d", name, b->state,
                 b->priority, state, priority);
    assert_counts(b, tasks, pending, leased, done, labels);
    labelq__batch_info__free_unpacked(b, NULL);
}

/* Applies action and asserts it succeeded, leaving the batch in state. */
static void update(lq_client *admin, const char *project, const char *name,
                   Labelq__UpdateBatch__Action action, int32_t priority, Labelq__BatchState state)
{
    Labelq__BatchInfo *b = NULL;
    it_assert_code(admin, lq_batch_update(admin, project, name, action, priority, &b), 0);
    assert_non_null(b);
    assert_string_equal(b->name, name);
    if (b->state != state)
        fail_msg("batch %s after action %d: state %d, want %d", name, action, b->state, state);
    if (action == PRIORITY)
        assert_int_equal(b->priority, priority);
    labelq__batch_info__free_unpacked(b, NULL);
}

/* Asserts that the client's last error message contains want. */
static void assert_error_says(lq_client *c, const char *want)
{
    if (!strstr(lq_client_error(c), want))
        fail_msg("error message \"%s\" does not say \"%s\"", lq_client_error(c), want);
}

/* Adds annotator name and connects as it; *token (may be NULL) keeps the
 * token for a reconnect (caller frees). */
static lq_client *annotator(lq_client *admin, const char *name, char **token)
{
    char *t = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, t);
    if (token)
        *token = t;
    else
        free(t);
    return c;
}

/* Leases up to max tasks and asserts they are want[0..n_want-1] in that
 * order; their task ids go to ids (may be NULL). */
static void lease_expect(lq_client *c, const char *project, unsigned max, const char *const *want,
                         size_t n_want, uint64_t *ids)
{
    Labelq__LeaseReply *r = it_lease(c, project, max, 0);
    char got[MAX_LEASE * 32] = "";
    for (size_t i = 0; i < r->n_tasks; i++) {
        strncat(got, " ", sizeof got - strlen(got) - 1);
        strncat(got, r->tasks[i]->external_id, sizeof got - strlen(got) - 1);
    }
    bool same = r->n_tasks == n_want;
    for (size_t i = 0; same && i < n_want; i++)
        same = strcmp(r->tasks[i]->external_id, want[i]) == 0;
    if (!same) {
        char exp[MAX_LEASE * 32] = "";
        for (size_t i = 0; i < n_want; i++) {
            strncat(exp, " ", sizeof exp - strlen(exp) - 1);
            strncat(exp, want[i], sizeof exp - strlen(exp) - 1);
        }
        fail_msg("lease in %s gave [%s ], want [%s ]", project, got, exp);
    }
    for (size_t i = 0; ids && i < r->n_tasks; i++)
        ids[i] = r->tasks[i]->task_id;
    labelq__lease_reply__free_unpacked(r, NULL);
}

/* Leases one task, asserts it is want and labels it "x". */
static void label_next(lq_client *c, const char *project, const char *want)
{
    uint64_t id;
    lease_expect(c, project, 1, &want, 1, &id);
    it_submit(c, id, "x", 1000, false);
}

/* Leases and labels everything c can get in project. Returns how many. */
static size_t label_all(lq_client *c, const char *project)
{
    size_t total = 0;
    for (;;) {
        Labelq__LeaseReply *r = it_lease(c, project, MAX_LEASE, 0);
        size_t n = r->n_tasks;
        for (size_t i = 0; i < n; i++)
            it_submit(c, r->tasks[i]->task_id, "x", 500, false);
        labelq__lease_reply__free_unpacked(r, NULL);
        if (n == 0)
            return total;
        total += n;
    }
}

/* An export sink that only counts what it is given (ctx: a size_t). */
static int count_bytes(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

/* Exports project with the batch options and asserts the ids, in order,
 * and that each line names its batch right after its id. batches[i] is
 * line i's batch. */
static void export_expect(lq_client *admin, const char *project, const char *batch,
                          bool include_canceled, const char *const *ids, const char *const *batches,
                          size_t n)
{
    lq_export_options o = {.batch = batch, .include_canceled = include_canceled};
    it_export e;
    it_export_fetch_with(admin, project, &o, &e);
    if (e.n != n)
        fail_msg("export of %s (batch '%s', include_canceled %d) has %zu lines, want %zu:\n%s",
                 project, batch ? batch : "", include_canceled, e.n, n, e.raw);
    const char *line = e.raw;
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_object_get(e.lines[i], "id"));
        const char *b = json_string_value(json_object_get(e.lines[i], "batch"));
        if (strcmp(id, ids[i]) != 0)
            fail_msg("export of %s line %zu is %s, want %s:\n%s", project, i + 1, id, ids[i],
                     e.raw);
        if (!b || strcmp(b, batches[i]) != 0)
            fail_msg("export of %s line %zu (%s): batch %s, want %s", project, i + 1, id,
                     b ? b : "(none)", batches[i]);
        char prefix[LINE_LEN];
        snprintf(prefix, sizeof prefix, "{\"id\":\"%s\",\"batch\":\"%s\",", ids[i], batches[i]);
        if (strncmp(line, prefix, strlen(prefix)) != 0)
            fail_msg("export line %zu does not start with %s: %.200s", i + 1, prefix, line);
        line = strchr(line, '\n') + 1;
    }
    it_export_free(&e);
}

/* The index of name in the list, or n_batches when absent. */
static size_t list_index(const Labelq__ListBatchesReply *l, const char *name)
{
    size_t i = 0;
    while (i < l->n_batches && strcmp(l->batches[i]->name, name) != 0)
        i++;
    return i;
}

/* ---- tests ---- */

/* Batches by priority, then creation; inside one, the items' own priority,
 * then import order; a chunk naming no batch lands in "default". */
static void batches_served_in_priority_order(void **state)
{
    (void)state;
    const char *p = "order";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    int32_t one = 1;
    labelq__batch_info__free_unpacked(create(admin, p, "low", &one, false), NULL);
    static const char *const low[] = {
        "{\"id\": \"low-0\", \"data\": 0, \"priority\": 0}",
        "{\"id\": \"low-1\", \"data\": 1, \"priority\": 3}",
        "{\"id\": \"low-2\", \"data\": 2}",
    };
    import_lines(admin, p, "low", low, 3);
    batch_with_items(admin, p, "high", 5, "high", 3);
    batch_with_items(admin, p, "same", 5, "same", 2); /* as high, made later */
    static const char *const dflt[] = {"{\"id\": \"dflt-0\", \"data\": 0}"};
    import_lines(admin, p, NULL, dflt, 1);

    Labelq__ListBatchesReply *l = NULL;
    it_assert_code(admin, lq_batch_list(admin, p, &l), 0);
    static const char *const order[] = {"high", "same", "low", "default"};
    static const int32_t prio[] = {5, 5, 1, 0};
    static const uint64_t tasks[] = {3, 2, 3, 1};
    if (l->n_batches != 4)
        fail_msg("%s has %zu batches, want 4", p, l->n_batches);
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(l->batches[i]->name, order[i]) != 0)
            fail_msg("batch list position %zu is %s, want %s (serving order)", i,
                     l->batches[i]->name, order[i]);
        assert_int_equal(l->batches[i]->priority, prio[i]);
        assert_int_equal(l->batches[i]->state, ACTIVE);
        assert_counts(l->batches[i], tasks[i], tasks[i], 0, 0, 0);
    }
    labelq__list_batches_reply__free_unpacked(l, NULL);

    lq_client *ann = annotator(admin, "order-ann", NULL);
    static const char *const want[] = {"high-00000", "high-00001", "high-00002",
                                       "same-00000", "same-00001", "low-1",
                                       "low-0",      "low-2",      "dflt-0"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        label_next(ann, p, want[i]);
    lease_expect(ann, p, 1, NULL, 0, NULL);
    lq_client_close(ann);
    lq_client_close(admin);
}

/* Counts follow the leases and labels; the ETA appears once labels flow
 * and is labels_needed / labels_per_s; a done batch has none. */
static void counts_and_eta(void **state)
{
    (void)state;
    const char *p = "counts";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "work", 0, "work", 10);
    batch_with_items(admin, p, "other", -1, "other", 2);
    Labelq__BatchInfo *b = get(admin, p, "work");
    assert_counts(b, 10, 10, 0, 0, 0);
    assert_false(b->has_eta);
    assert_true(b->labels_per_s == 0.0);
    assert_int_equal(b->labels_needed, 10);
    labelq__batch_info__free_unpacked(b, NULL);

    lq_client *a = annotator(admin, "counts-a", NULL), *c = annotator(admin, "counts-b", NULL);
    uint64_t ia[3], ib[2];
    static const char *const first3[] = {"work-00000", "work-00001", "work-00002"};
    static const char *const next2[] = {"work-00003", "work-00004"};
    lease_expect(a, p, 3, first3, 3, ia);
    it_submit(a, ia[0], "x", 1000, false);
    it_submit(a, ia[1], "y", 1000, false);
    lease_expect(c, p, 2, next2, 2, ib);
    it_submit(c, ib[0], "x", 1000, false);

    b = get(admin, p, "work");
    assert_counts(b, 10, 5, 2, 3, 3);
    assert_int_equal(b->labels_needed, 7);
    if (!b->has_eta || !(b->labels_per_s > 0.0))
        fail_msg("batch work after 3 labels: has_eta %d, labels_per_s %g; want an estimate",
                 b->has_eta, b->labels_per_s);
    double want_eta = (double)b->labels_needed / b->labels_per_s;
    if (fabs((double)b->eta_s - want_eta) > 1.0 + want_eta * 0.01)
        fail_msg("batch work: eta_s %llu, want labels_needed / labels_per_s = %g",
                 (unsigned long long)b->eta_s, want_eta);
    labelq__batch_info__free_unpacked(b, NULL);

    /* the list says the same, and the other batch is untouched */
    Labelq__ListBatchesReply *l = NULL;
    it_assert_code(admin, lq_batch_list(admin, p, &l), 0);
    size_t w = list_index(l, "work"), o = list_index(l, "other");
    assert_true(w < o && o < l->n_batches);
    assert_counts(l->batches[w], 10, 5, 2, 3, 3);
    assert_true(l->batches[w]->has_eta);
    assert_counts(l->batches[o], 2, 2, 0, 0, 0);
    assert_false(l->batches[o]->has_eta);
    labelq__list_batches_reply__free_unpacked(l, NULL);
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 12, 3, 3, 2, 7);
    labelq__project_info__free_unpacked(info, NULL);

    /* finish the batch: no estimate left to give */
    it_submit(a, ia[2], "x", 1000, false);
    it_submit(c, ib[1], "x", 1000, false);
    static const char *const rest[] = {"work-00005", "work-00006", "work-00007", "work-00008",
                                       "work-00009"};
    uint64_t ir[5];
    lease_expect(a, p, 5, rest, 5, ir);
    for (size_t i = 0; i < 5; i++)
        it_submit(a, ir[i], "x", 1000, false);
    b = get(admin, p, "work");
    assert_counts(b, 10, 0, 0, 10, 10);
    assert_int_equal(b->labels_needed, 0);
    /* BatchInfo.has_eta: "done: eta_s 0" */
    if (!b->has_eta || b->eta_s != 0)
        fail_msg("batch work is done: want has_eta with eta_s 0, got has_eta %d eta_s %llu",
                 b->has_eta, (unsigned long long)b->eta_s);
    labelq__batch_info__free_unpacked(b, NULL);
    lq_client_close(a);
    lq_client_close(c);
    lq_client_close(admin);
}

/* Pausing a batch while an annotator holds one of its tasks: the very next
 * lease gets nothing from it, the held task can still be submitted; resume
 * serves it again. Repeating pause or resume changes nothing. */
static void pause_mid_flight(void **state)
{
    (void)state;
    const char *p = "pause";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "first", 5, "a", 4);
    batch_with_items(admin, p, "second", 0, "b", 4);
    lq_client *ann = annotator(admin, "pause-ann", NULL);
    static const char *const a0[] = {"a-00000"};
    uint64_t held;
    lease_expect(ann, p, 1, a0, 1, &held);

    update(admin, p, "first", PAUSE, 0, PAUSED);
    static const char *const bs[] = {"b-00000", "b-00001", "b-00002", "b-00003"};
    uint64_t bids[4];
    lease_expect(ann, p, 8, bs, 4, bids);
    it_submit(ann, held, "y", 1000, false);
    expect_batch(admin, p, "first", PAUSED, 5, 4, 3, 0, 1, 1);
    lease_expect(ann, p, 8, NULL, 0, NULL);

    update(admin, p, "first", PAUSE, 0, PAUSED); /* again: no change */
    expect_batch(admin, p, "first", PAUSED, 5, 4, 3, 0, 1, 1);
    lease_expect(ann, p, 8, NULL, 0, NULL);

    update(admin, p, "first", RESUME, 0, ACTIVE);
    label_next(ann, p, "a-00001");
    update(admin, p, "first", RESUME, 0, ACTIVE); /* again: no change */
    expect_batch(admin, p, "first", ACTIVE, 5, 4, 2, 0, 2, 2);
    for (size_t i = 0; i < 4; i++)
        it_submit(ann, bids[i], "x", 1000, false);
    expect_batch(admin, p, "second", ACTIVE, 0, 4, 0, 0, 4, 4);
    lq_client_close(ann);
    lq_client_close(admin);
}

/* Cancel: no new leases; submit and extend on held tasks get CONFLICT
 * naming the batch and store nothing; no state change but cancel is
 * accepted afterwards; no more items; out of exports unless asked. */
static void cancel_is_final(void **state)
{
    (void)state;
    const char *p = "cancel";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "doomed", 0, "doomed", 3);
    batch_with_items(admin, p, "kept", -1, "kept", 1);
    lq_client *ann = annotator(admin, "cancel-ann", NULL);
    static const char *const three[] = {"doomed-00000", "doomed-00001", "doomed-00002"};
    uint64_t ids[3];
    lease_expect(ann, p, 3, three, 3, ids);
    it_submit(ann, ids[0], "x", 1000, false);

    update(admin, p, "doomed", CANCEL, 0, CANCELED);
    bool dup = false;
    it_assert_code(ann, lq_submit(ann, ids[1], "x", 1000, &dup), LQ_ECONFLICT);
    assert_error_says(ann, "doomed");
    it_assert_code(ann, lq_extend(ann, ids[2], 60, NULL), LQ_ECONFLICT);
    assert_error_says(ann, "doomed");
    label_next(ann, p, "kept-00000");
    lease_expect(ann, p, 8, NULL, 0, NULL);
    expect_batch(admin, p, "doomed", CANCELED, 0, 3, 2, 0, 1, 1);

    /* a canceled batch stays canceled, its priority too */
    Labelq__BatchInfo *b = NULL;
    it_assert_code(admin, lq_batch_update(admin, p, "doomed", RESUME, 0, &b), LQ_ECONFLICT);
    assert_null(b);
    assert_error_says(admin, "doomed");
    it_assert_code(admin, lq_batch_update(admin, p, "doomed", PAUSE, 0, NULL), LQ_ECONFLICT);
    it_assert_code(admin, lq_batch_update(admin, p, "doomed", PRIORITY, 9, NULL), LQ_ECONFLICT);
    update(admin, p, "doomed", CANCEL, 0, CANCELED); /* again: no change */
    expect_batch(admin, p, "doomed", CANCELED, 0, 3, 2, 0, 1, 1);

    /* and takes no more items */
    it_assert_code(admin, lq_batch_create(admin, p, "doomed", NULL, true, &b), LQ_ECONFLICT);
    assert_null(b);
    it_assert_code(admin, lq_batch_create(admin, p, "doomed", NULL, false, &b), LQ_ECONFLICT);
    char line[LINE_LEN];
    it_item_line(line, sizeof line, "late", 0);
    const char *lines[] = {line};
    Labelq__ImportReply *r = NULL;
    it_assert_code(admin, try_import(admin, p, "doomed", lines, 1, &r), LQ_ECONFLICT);
    assert_null(r);
    expect_batch(admin, p, "doomed", CANCELED, 0, 3, 2, 0, 1, 1);

    static const char *const kept_id[] = {"kept-00000"}, *const kept_b[] = {"kept"};
    static const char *const all_ids[] = {"doomed-00000", "kept-00000"};
    static const char *const all_b[] = {"doomed", "kept"};
    export_expect(admin, p, NULL, false, kept_id, kept_b, 1);
    export_expect(admin, p, NULL, true, all_ids, all_b, 2);
    /* asked for by name without include_canceled: refused, saying how */
    lq_export_options o = {.batch = "doomed"};
    size_t received = 0;
    it_assert_code(admin, lq_export_with(admin, p, &o, count_bytes, &received, NULL), LQ_ECONFLICT);
    assert_error_says(admin, "canceled");
    assert_int_equal(received, 0);
    export_expect(admin, p, "doomed", true, all_ids, all_b, 1);
    lq_client_close(ann);
    lq_client_close(admin);
}

/* Create without append on a taken name is refused and changes nothing;
 * with append it fills the same batch; bad names and unknown batches are
 * refused everywhere; batches are for admins. */
static void create_append_and_bad_input(void **state)
{
    (void)state;
    const char *p = "append";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "main", 2, "m1", 3);

    Labelq__BatchInfo *b = NULL;
    int32_t nine = 9, seven = 7;
    it_assert_code(admin, lq_batch_create(admin, p, "main", &nine, false, &b), LQ_ECONFLICT);
    assert_null(b);
    assert_error_says(admin, "--append");
    expect_batch(admin, p, "main", ACTIVE, 2, 3, 3, 0, 0, 0);

    b = create(admin, p, "main", &seven, true);
    assert_int_equal(b->priority, 7);
    assert_counts(b, 3, 3, 0, 0, 0);
    labelq__batch_info__free_unpacked(b, NULL);
    import_items(admin, p, "main", "m2", 0, 2);
    b = create(admin, p, "main", NULL, true); /* no priority: keeps 7 */
    assert_int_equal(b->priority, 7);
    labelq__batch_info__free_unpacked(b, NULL);
    expect_batch(admin, p, "main", ACTIVE, 7, 5, 5, 0, 0, 0);

    /* names: 1-64 of [A-Za-z0-9_.@-] */
    char longest[66];
    memset(longest, 'n', 65);
    longest[65] = '\0';
    it_assert_code(admin, lq_batch_create(admin, p, longest, NULL, false, &b), LQ_EBADREQ);
    it_assert_code(admin, lq_batch_create(admin, p, "", NULL, false, &b), LQ_EBADREQ);
    it_assert_code(admin, lq_batch_create(admin, p, "has space", NULL, false, &b), LQ_EBADREQ);
    it_assert_code(admin, lq_batch_create(admin, p, "slash/no", NULL, false, &b), LQ_EBADREQ);
    longest[64] = '\0';
    labelq__batch_info__free_unpacked(create(admin, p, longest, NULL, false), NULL);
    labelq__batch_info__free_unpacked(create(admin, p, "A-z_0.9@x", NULL, false), NULL);

    /* an unknown batch, everywhere */
    it_assert_code(admin, lq_batch_get(admin, p, "nosuch", &b), LQ_ENOTFOUND);
    assert_null(b);
    assert_error_says(admin, "no batch named 'nosuch' in project append");
    it_assert_code(admin, lq_batch_update(admin, p, "nosuch", PAUSE, 0, NULL), LQ_ENOTFOUND);
    it_assert_code(admin, lq_batch_update(admin, p, "nosuch", PRIORITY, 3, NULL), LQ_ENOTFOUND);
    Labelq__ReportReply *rep = NULL;
    it_assert_code(admin, lq_report_batch(admin, p, "nosuch", &rep), LQ_ENOTFOUND);
    assert_null(rep);
    lq_export_options o = {.batch = "nosuch"};
    size_t received = 0;
    uint64_t items = 1;
    it_assert_code(admin, lq_export_with(admin, p, &o, count_bytes, &received, &items),
                   LQ_ENOTFOUND);
    assert_int_equal(received, 0);
    assert_int_equal(items, 0);
    char line[LINE_LEN];
    it_item_line(line, sizeof line, "stray", 0);
    const char *lines[] = {line};
    Labelq__ImportReply *r = NULL;
    it_assert_code(admin, try_import(admin, p, "nosuch", lines, 1, &r), LQ_ENOTFOUND);
    assert_error_says(admin, "nosuch");
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    it_assert_status(info, 5, 0, 0, 0, 5); /* the stray item was not stored */
    labelq__project_info__free_unpacked(info, NULL);

    /* an unknown project */
    Labelq__ListBatchesReply *l = NULL;
    it_assert_code(admin, lq_batch_list(admin, "no-project", &l), LQ_ENOTFOUND);
    assert_null(l);
    it_assert_code(admin, lq_batch_create(admin, "no-project", "b", NULL, false, &b), LQ_ENOTFOUND);

    /* admin only */
    lq_client *ann = annotator(admin, "append-ann", NULL);
    it_assert_code(ann, lq_batch_list(ann, p, &l), LQ_EPERM);
    it_assert_code(ann, lq_batch_get(ann, p, "main", &b), LQ_EPERM);
    it_assert_code(ann, lq_batch_update(ann, p, "main", PAUSE, 0, NULL), LQ_EPERM);
    it_assert_code(ann, lq_batch_create(ann, p, "mine", NULL, false, &b), LQ_EPERM);
    expect_batch(admin, p, "main", ACTIVE, 7, 5, 5, 0, 0, 0);
    lq_client_close(ann);
    lq_client_close(admin);
}

/* A priority change decides the very next lease. */
static void priority_change_reorders(void **state)
{
    (void)state;
    const char *p = "reprio";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "x", 0, "x", 3);
    batch_with_items(admin, p, "y", 0, "y", 3);
    lq_client *ann = annotator(admin, "reprio-ann", NULL);
    label_next(ann, p, "x-00000");
    update(admin, p, "y", PRIORITY, 10, ACTIVE);
    label_next(ann, p, "y-00000");
    update(admin, p, "x", PRIORITY, 20, ACTIVE);
    label_next(ann, p, "x-00001");
    update(admin, p, "x", PRIORITY, -1, ACTIVE);
    label_next(ann, p, "y-00001");

    Labelq__ListBatchesReply *l = NULL;
    it_assert_code(admin, lq_batch_list(admin, p, &l), 0);
    size_t x = list_index(l, "x"), y = list_index(l, "y");
    if (!(y < x && x < l->n_batches))
        fail_msg("batch list has y at %zu and x at %zu of %zu; want y (10) before x (-1)", y, x,
                 l->n_batches);
    assert_int_equal(l->batches[x]->priority, -1);
    labelq__list_batches_reply__free_unpacked(l, NULL);
    label_next(ann, p, "y-00002");
    label_next(ann, p, "x-00002");
    lq_client_close(ann);
    lq_client_close(admin);
}

/* Export and report scoped to a batch hold exactly that batch. */
static void batch_export_and_report(void **state)
{
    (void)state;
    const char *p = "exp";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "e1", 0, "e1", 3);
    batch_with_items(admin, p, "e2", 0, "e2", 2);
    char line[LINE_LEN];
    it_item_line(line, sizeof line, "dflt", 0);
    const char *lines[] = {line};
    import_lines(admin, p, "", lines, 1);
    lq_client *ann = annotator(admin, "exp-ann", NULL);
    assert_int_equal(label_all(ann, p), 6);

    static const char *const e1[] = {"e1-00000", "e1-00001", "e1-00002"};
    static const char *const e1b[] = {"e1", "e1", "e1"};
    static const char *const e2[] = {"e2-00000", "e2-00001"}, *const e2b[] = {"e2", "e2"};
    static const char *const all[] = {"e1-00000", "e1-00001", "e1-00002",
                                      "e2-00000", "e2-00001", "dflt-00000"};
    static const char *const allb[] = {"e1", "e1", "e1", "e2", "e2", "default"};
    export_expect(admin, p, "e1", false, e1, e1b, 3);
    export_expect(admin, p, "e2", false, e2, e2b, 2);
    export_expect(admin, p, NULL, false, all, allb, 6);

    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report_batch(admin, p, "e1", &r), 0);
    assert_string_equal(r->batch, "e1");
    assert_int_equal(r->tasks, 3);
    assert_int_equal(r->done, 3);
    assert_int_equal(r->labels, 3);
    uint64_t by_annotators = 0;
    for (size_t i = 0; i < r->n_annotators; i++)
        by_annotators += r->annotators[i]->labels;
    assert_int_equal(by_annotators, 3);
    uint64_t binned = 0;
    for (size_t i = 0; i < r->n_confidence_bins; i++)
        binned += r->confidence_bins[i];
    assert_int_equal(binned, 3);
    labelq__report_reply__free_unpacked(r, NULL);
    it_assert_code(admin, lq_report_batch(admin, p, "e2", &r), 0);
    assert_string_equal(r->batch, "e2");
    assert_int_equal(r->tasks, 2);
    assert_int_equal(r->labels, 2);
    labelq__report_reply__free_unpacked(r, NULL);
    it_assert_code(admin, lq_report(admin, p, &r), 0);
    assert_string_equal(r->batch, "");
    assert_int_equal(r->tasks, 6);
    assert_int_equal(r->labels, 6);
    labelq__report_reply__free_unpacked(r, NULL);

    /* a canceled batch leaves the plain export, not the asked-for one */
    update(admin, p, "e2", CANCEL, 0, CANCELED);
    static const char *const kept[] = {"e1-00000", "e1-00001", "e1-00002", "dflt-00000"};
    static const char *const keptb[] = {"e1", "e1", "e1", "default"};
    export_expect(admin, p, NULL, false, kept, keptb, 4);
    export_expect(admin, p, NULL, true, all, allb, 6);
    export_expect(admin, p, "e2", true, e2, e2b, 2);
    lq_client_close(ann);
    lq_client_close(admin);
}

/* Pause, cancel and a priority survive a kill -9 and a clean restart. */
/* Labels c everything it can lease in project: items of "ag-" (batch
 * agree) by their number's parity, like every annotator; items of "sp-"
 * (batch split) with split_label. */
static void label_live(lq_client *c, const char *project, const char *split_label)
{
    for (;;) {
        Labelq__LeaseReply *r = it_lease(c, project, MAX_LEASE, 0);
        size_t n = r->n_tasks;
        for (size_t i = 0; i < n; i++) {
            const char *ext = r->tasks[i]->external_id;
            const char *dash = strrchr(ext, '-');
            assert_non_null(dash);
            const char *label = strncmp(ext, "ag-", 3) == 0 ? (atoi(dash + 1) % 2 ? "x" : "y")
                                                             : split_label;
            it_submit(c, r->tasks[i]->task_id, label, 500, false);
        }
        labelq__lease_reply__free_unpacked(r, NULL);
        if (n == 0)
            return;
    }
}

/* Agreement per batch is kept live by the background estimate: a batch
 * whose annotators agree and one where they never do are told apart, and
 * the project's figure covers both. */
static void live_agreement_per_batch(void **state)
{
    (void)state;
    const char *p = "live";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 2, 600);
    int32_t zero = 0;
    labelq__batch_info__free_unpacked(create(admin, p, "agree", &zero, false), NULL);
    labelq__batch_info__free_unpacked(create(admin, p, "split", &zero, false), NULL);
    for (size_t i = 0; i < 64; i += 16) {
        import_items(admin, p, "agree", "ag", i, 16);
        import_items(admin, p, "split", "sp", i, 16);
    }
    Labelq__BatchInfo *b = get(admin, p, "agree");
    assert_false(b->has_alpha); /* no estimate before any label */
    assert_false(b->has_percent_agreement);
    labelq__batch_info__free_unpacked(b, NULL);
    lq_client *a1 = annotator(admin, "live-a", NULL), *a2 = annotator(admin, "live-b", NULL);
    label_live(a1, p, "x");
    label_live(a2, p, "y");
    /* The project finished: an estimate runs in the background. An earlier
     * one (after 200 labels) may already have published figures for part
     * of the labels, so wait for the project's final half-and-half. */
    Labelq__BatchInfo *agree = NULL, *split = NULL;
    for (int tries = 0; tries < 200; tries++) {
        if (agree)
            labelq__batch_info__free_unpacked(agree, NULL);
        if (split)
            labelq__batch_info__free_unpacked(split, NULL);
        agree = get(admin, p, "agree");
        split = get(admin, p, "split");
        Labelq__ProjectInfo *pi = it_project_info(admin, p);
        bool final = pi->has_percent_agreement && fabs(pi->percent_agreement - 0.5) < 1e-9;
        labelq__project_info__free_unpacked(pi, NULL);
        if (final)
            break;
        usleep(50 * 1000);
    }
    assert_int_equal(agree->done, 64);
    assert_true(agree->has_percent_agreement);
    assert_true(fabs(agree->percent_agreement - 1.0) < 1e-9);
    assert_true(agree->has_alpha);
    assert_true(fabs(agree->alpha - 1.0) < 1e-9);
    assert_true(split->has_percent_agreement);
    assert_true(fabs(split->percent_agreement) < 1e-9);
    assert_true(split->has_alpha);
    if (!(split->alpha < 0.0))
        fail_msg("batch split: annotators never agree, want alpha < 0, got %g", split->alpha);
    labelq__batch_info__free_unpacked(agree, NULL);
    labelq__batch_info__free_unpacked(split, NULL);
    /* The project's own figure: half of the items agree. */
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    assert_true(info->has_percent_agreement);
    assert_true(fabs(info->percent_agreement - 0.5) < 1e-9);
    assert_true(info->has_alpha);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(a1);
    lq_client_close(a2);
    lq_client_close(admin);
}

static void states_survive_restart(void **state)
{
    (void)state;
    const char *p = "durable";
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 2, 1, 600);
    batch_with_items(admin, p, "c", 0, "c", 2);
    batch_with_items(admin, p, "p", 0, "p", 2);
    batch_with_items(admin, p, "a", 0, "a", 2);
    char *token = NULL;
    lq_client *ann = annotator(admin, "durable-ann", &token);
    label_next(ann, p, "c-00000");
    update(admin, p, "p", PAUSE, 0, PAUSED);
    update(admin, p, "c", CANCEL, 0, CANCELED);
    update(admin, p, "a", PRIORITY, 7, ACTIVE);
    lq_client_close(ann);
    lq_client_close(admin);

    it_daemon_kill(&D); /* each change was stored before its reply */
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    ann = it_daemon_connect(&D, token);
    expect_batch(admin, p, "c", CANCELED, 0, 2, 1, 0, 1, 1);
    expect_batch(admin, p, "p", PAUSED, 0, 2, 2, 0, 0, 0);
    expect_batch(admin, p, "a", ACTIVE, 7, 2, 2, 0, 0, 0);
    Labelq__ListBatchesReply *l = NULL;
    it_assert_code(admin, lq_batch_list(admin, p, &l), 0);
    assert_true(l->n_batches >= 3);
    assert_string_equal(l->batches[0]->name, "a");
    labelq__list_batches_reply__free_unpacked(l, NULL);
    static const char *const as[] = {"a-00000", "a-00001"};
    uint64_t ids[2];
    lease_expect(ann, p, 8, as, 2, ids);
    it_submit(ann, ids[0], "x", 1000, false);
    it_submit(ann, ids[1], "x", 1000, false);
    static const char *const c0[] = {"c-00000"}, *const cb[] = {"c"};
    export_expect(admin, p, NULL, false, as, (const char *const[]){"a", "a"}, 2);
    export_expect(admin, p, "c", true, c0, cb, 1);
    it_assert_code(admin, lq_batch_update(admin, p, "c", RESUME, 0, NULL), LQ_ECONFLICT);
    update(admin, p, "p", RESUME, 0, ACTIVE);
    lq_client_close(ann);
    lq_client_close(admin);

    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    ann = it_daemon_connect(&D, token);
    expect_batch(admin, p, "c", CANCELED, 0, 2, 1, 0, 1, 1);
    expect_batch(admin, p, "p", ACTIVE, 0, 2, 2, 0, 0, 0);
    expect_batch(admin, p, "a", ACTIVE, 7, 2, 0, 0, 2, 2);
    static const char *const ps[] = {"p-00000", "p-00001"};
    lease_expect(ann, p, 8, ps, 2, NULL);
    free(token);
    lq_client_close(ann);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches_served_in_priority_order),
        cmocka_unit_test(counts_and_eta),
        cmocka_unit_test(pause_mid_flight),
        cmocka_unit_test(cancel_is_final),
        cmocka_unit_test(create_append_and_bad_input),
        cmocka_unit_test(priority_change_reorders),
        cmocka_unit_test(batch_export_and_report),
        cmocka_unit_test(live_agreement_per_batch),
        cmocka_unit_test(states_survive_restart),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
