/* The LMDB store and its group-commit writer, on a real environment in a
 * temporary directory: what is written is read back in the order the
 * scheduler relies on, conflicts leave no trace, ids survive a restart, many
 * ops share one commit, and a full map grows instead of failing users. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/error.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "storage/writer.h"

/* ---- harness: a store, a writer, and a notify the test thread waits on ---- */

typedef struct harness {
    char dir[64];
    lq_store_config cfg;
    lq_store *st;
    lq_writer *w;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t notified;
} harness;

static void on_notify(void *arg)
{
    harness *h = arg;

    pthread_mutex_lock(&h->mu);
    h->notified++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void open_store(harness *h)
{
    char err[256] = "";

    assert_int_equal(lq_store_open(h->dir, &h->cfg, &h->st, err, sizeof(err)), 0);
    assert_non_null(h->st);
}

static void close_store(harness *h)
{
    lq_store_close(h->st);
    h->st = NULL;
}

static void start_writer(harness *h)
{
    assert_int_equal(lq_writer_start(h->st, on_notify, h, &h->w), 0);
}

static void stop_writer(harness *h)
{
    lq_writer_stop(h->w);
    lq_writer_drain(h->w);
    lq_writer_free(h->w);
    h->w = NULL;
}

static harness *harness_new(size_t map_size, size_t map_max)
{
    harness *h = calloc(1, sizeof(*h));

    assert_non_null(h);
    snprintf(h->dir, sizeof(h->dir), "/tmp/lq_store_test.XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    lq_store_config_default(&h->cfg);
    h->cfg.map_size = map_size;
    h->cfg.map_max = map_max;
    h->cfg.no_sync = true;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    open_store(h);
    start_writer(h);
    return h;
}

static void harness_free(harness *h)
{
    char path[128];

    if (h->w)
        stop_writer(h);
    if (h->st)
        close_store(h);
    snprintf(path, sizeof(path), "%s/data.mdb", h->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", h->dir);
    unlink(path);
    rmdir(h->dir);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

static int setup_default(void **state)
{
    *state = harness_new((size_t)16 << 20, 0);
    return 0;
}

static int setup_small_map(void **state);

static int teardown(void **state)
{
    harness_free(*state);
    return 0;
}

/* ---- write ops the tests submit ---- */

typedef enum {
    OP_PROJECT,
    OP_ANNOTATOR,
    OP_TASK,
    OP_LABEL,
    OP_RESULT,
    OP_TASK_THEN_CONFLICT, /* puts its task, then a duplicate ext id: must vanish */
    OP_BLOCK,              /* waits in apply until released: holds the batch open */
} op_kind;

typedef struct blocker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered, released;
} blocker;

typedef struct done_log {
    int *order;
    size_t n;
} done_log;

typedef struct test_op {
    lq_write_op op; /* first: apply/done cast back to test_op */
    op_kind kind;
    Labelq__ProjectConfig config;
    Labelq__ProjectRecord project;
    Labelq__AnnotatorRecord annotator;
    Labelq__TaskRecord task;
    Labelq__LabelRecord label;
    Labelq__ResultRecord result;
    char ext[32], dup_ext[32], name[32];
    blocker *block;
    done_log *log;
    int seq;
    int status;
    bool done;
} test_op;

static int op_apply(lq_write_op *wop, lq_txn *txn)
{
    test_op *t = (test_op *)wop;
    int rc;

    switch (t->kind) {
    case OP_PROJECT:
        return lq_store_put_project(txn, &t->project);
    case OP_ANNOTATOR:
        return lq_store_put_annotator(txn, &t->annotator);
    case OP_TASK:
        return lq_store_put_task(txn, &t->task);
    case OP_LABEL:
        return lq_store_put_label(txn, &t->label);
    case OP_RESULT:
        return lq_store_put_result(txn, &t->result);
    case OP_TASK_THEN_CONFLICT:
        rc = lq_store_put_task(txn, &t->task);
        if (rc)
            return rc;
        t->task.id++;
        t->task.external_id = t->dup_ext;
        return lq_store_put_task(txn, &t->task);
    case OP_BLOCK:
        pthread_mutex_lock(&t->block->mu);
        t->block->entered = true;
        pthread_cond_broadcast(&t->block->cv);
        while (!t->block->released)
            pthread_cond_wait(&t->block->cv, &t->block->mu);
        pthread_mutex_unlock(&t->block->mu);
        return 0;
    }
    return LQ_EINTERNAL;
}

static void op_done(lq_write_op *wop, int status)
{
    test_op *t = (test_op *)wop;

    t->status = status;
    t->done = true;
    if (t->log)
        t->log->order[t->log->n++] = t->seq;
}

static void op_init(test_op *t, op_kind kind)
{
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->op.apply = op_apply;
    t->op.done = op_done;
    t->status = 1; /* not a status any op returns: proves done ran */
}

static void op_project(test_op *t, uint32_t id, const char *name)
{
    op_init(t, OP_PROJECT);
    labelq__project_config__init(&t->config);
    labelq__project_record__init(&t->project);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->config.name = t->name;
    t->config.overlap = 3;
    t->project.id = id;
    t->project.config = &t->config;
    t->project.created_ms = 1000 + id;
}

static void op_annotator(test_op *t, uint32_t id, const char *name)
{
    op_init(t, OP_ANNOTATOR);
    labelq__annotator_record__init(&t->annotator);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->annotator.id = id;
    t->annotator.name = t->name;
    t->annotator.role = LABELQ__ROLE__ANNOTATOR;
}

/* payload is borrowed: it must outlive the op. */
static void op_task(test_op *t, uint32_t project, uint64_t id, const char *ext, char *payload)
{
    op_init(t, OP_TASK);
    labelq__task_record__init(&t->task);
    snprintf(t->ext, sizeof(t->ext), "%s", ext);
    t->task.id = id;
    t->task.project_id = project;
    t->task.external_id = t->ext;
    if (payload)
        t->task.data_json = payload;
    t->task.priority = -(int32_t)(id % 7);
}

static void op_label(test_op *t, uint64_t task, uint32_t annotator, const char *value)
{
    op_init(t, OP_LABEL);
    labelq__label_record__init(&t->label);
    snprintf(t->name, sizeof(t->name), "%s", value);
    t->label.task_id = task;
    t->label.annotator_id = annotator;
    t->label.value = t->name;
    t->label.duration_ms = 1234;
}

static void op_result(test_op *t, uint64_t task, uint32_t label, const char *method)
{
    op_init(t, OP_RESULT);
    labelq__result_record__init(&t->result);
    snprintf(t->name, sizeof(t->name), "%s", method);
    t->result.task_id = task;
    t->result.label = label;
    t->result.confidence = 0.5 + (double)label / 10.0;
    t->result.method = t->name;
}

static void op_block(test_op *t, blocker *b)
{
    op_init(t, OP_BLOCK);
    t->block = b;
}

static void blocker_init(blocker *b)
{
    memset(b, 0, sizeof(*b));
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
}

static void blocker_wait_entered(blocker *b)
{
    pthread_mutex_lock(&b->mu);
    while (!b->entered)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

static void blocker_release(blocker *b)
{
    pthread_mutex_lock(&b->mu);
    b->released = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void blocker_destroy(blocker *b)
{
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
}

/* Drains until every op in ops[0..n-1] has run done, like the event loop
 * would on each notify. Fails the test after 60 s without progress. */
static void wait_done(harness *h, test_op *ops, size_t n)
{
    for (;;) {
        uint64_t seen;
        size_t pending = 0;

        pthread_mutex_lock(&h->mu);
        seen = h->notified;
        pthread_mutex_unlock(&h->mu);
        lq_writer_drain(h->w);
        for (size_t i = 0; i < n; i++)
            pending += !ops[i].done;
        if (!pending)
            return;
        pthread_mutex_lock(&h->mu);
        while (h->notified == seen) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 60;
            if (pthread_cond_timedwait(&h->cv, &h->mu, &ts)) {
                pthread_mutex_unlock(&h->mu);
                fail_msg("writer made no progress with %zu ops pending", pending);
            }
        }
        pthread_mutex_unlock(&h->mu);
    }
}

static void submit_all(harness *h, test_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lq_writer_submit(h->w, &ops[i].op);
}

static void run_ops(harness *h, test_op *ops, size_t n)
{
    submit_all(h, ops, n);
    wait_done(h, ops, n);
}

/* ---- collectors for the each_* callbacks ---- */

typedef struct ids {
    uint64_t v[4096];
    uint32_t aux[4096];
    size_t n;
    size_t stop_at; /* 0: never stop */
} ids;

static int collect_task(void *ctx, const Labelq__TaskRecord *rec)
{
    ids *c = ctx;

    c->aux[c->n] = rec->project_id;
    c->v[c->n++] = rec->id;
    return c->stop_at && c->n == c->stop_at ? 42 : 0;
}

static int collect_label(void *ctx, const Labelq__LabelRecord *rec)
{
    ids *c = ctx;

    c->v[c->n] = rec->task_id;
    c->aux[c->n++] = rec->annotator_id;
    return 0;
}

static int collect_project(void *ctx, const Labelq__ProjectRecord *rec)
{
    ids *c = ctx;

    c->v[c->n] = rec->id;
    c->aux[c->n++] = rec->config ? (uint32_t)strlen(rec->config->name) : 0;
    return 0;
}

static int collect_annotator(void *ctx, const Labelq__AnnotatorRecord *rec)
{
    ids *c = ctx;

    c->v[c->n++] = rec->id;
    return 0;
}

/* ---- store ---- */

static void test_put_get_each_kind(void **state)
{
    harness *h = *state;
    test_op ops[4];
    char payload[] = "{\"text\":\"great movie\"}";
    lq_txn *txn;
    Labelq__TaskRecord *task;
    Labelq__LabelRecord *label;
    uint64_t id = 0;
    ids c = {0};

    op_project(&ops[0], 1, "sentiment");
    op_annotator(&ops[1], 9, "alice");
    op_task(&ops[2], 1, 100, "item-1", payload);
    op_label(&ops[3], 100, 9, "pos");
    run_ops(h, ops, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ops[i].status, 0);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_get_task(txn, 1, 100, &task), 0);
    assert_true(task->id == 100);
    assert_int_equal(task->project_id, 1);
    assert_string_equal(task->external_id, "item-1");
    assert_string_equal(task->data_json, payload);
    assert_int_equal(task->priority, -(100 % 7));
    labelq__task_record__free_unpacked(task, NULL);

    assert_int_equal(lq_store_find_task(txn, 1, "item-1", &id), 0);
    assert_true(id == 100);
    assert_int_equal(lq_store_find_task(txn, 2, "item-1", &id), LQ_ENOTFOUND);
    assert_int_equal(lq_store_find_task(txn, 1, "item-2", &id), LQ_ENOTFOUND);
    assert_int_equal(lq_store_get_task(txn, 2, 100, &task), LQ_ENOTFOUND);
    assert_null(task);

    assert_int_equal(lq_store_get_label(txn, 100, 9, &label), 0);
    assert_string_equal(label->value, "pos");
    assert_int_equal(label->duration_ms, 1234);
    labelq__label_record__free_unpacked(label, NULL);
    assert_int_equal(lq_store_get_label(txn, 100, 8, &label), LQ_ENOTFOUND);

    assert_int_equal(lq_store_each_project(txn, collect_project, &c), 0);
    assert_int_equal(c.n, 1);
    assert_true(c.v[0] == 1);
    assert_int_equal(c.aux[0], strlen("sentiment"));
    c.n = 0;
    assert_int_equal(lq_store_each_annotator(txn, collect_annotator, &c), 0);
    assert_int_equal(c.n, 1);
    assert_true(c.v[0] == 9);
    lq_store_read_end(txn);
}

static void test_conflicts_leave_no_trace(void **state)
{
    harness *h = *state;
    test_op ops[7];
    char long_id[LQ_KEY_EXT_ID_MAX + 2];
    lq_txn *txn;
    Labelq__TaskRecord *task;
    uint64_t id;
    ids c = {0};

    op_task(&ops[0], 1, 1, "a", NULL);
    op_task(&ops[1], 1, 1, "b", NULL); /* same task id */
    op_task(&ops[2], 1, 2, "a", NULL); /* same external id */
    op_task(&ops[3], 2, 3, "a", NULL); /* same external id, other project: fine */
    op_label(&ops[4], 1, 7, "x");
    op_label(&ops[5], 1, 7, "y"); /* same (task, annotator) */
    op_task(&ops[6], 1, 4, "", NULL);
    memset(long_id, 'z', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    ops[6].task.external_id = long_id; /* too long for an LMDB key */
    run_ops(h, ops, 7);
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(ops[1].status, LQ_ECONFLICT);
    assert_int_equal(ops[2].status, LQ_ECONFLICT);
    assert_int_equal(ops[3].status, 0);
    assert_int_equal(ops[4].status, 0);
    assert_int_equal(ops[5].status, LQ_ECONFLICT);
    assert_int_equal(ops[6].status, LQ_EBADREQ);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_find_task(txn, 1, "b", &id), LQ_ENOTFOUND);
    assert_int_equal(lq_store_find_task(txn, 1, "a", &id), 0);
    assert_true(id == 1);
    assert_int_equal(lq_store_find_task(txn, 2, "a", &id), 0);
    assert_true(id == 3);
    assert_int_equal(lq_store_get_task(txn, 1, 2, &task), LQ_ENOTFOUND);
    assert_int_equal(lq_store_get_task(txn, 1, 4, &task), LQ_ENOTFOUND);
    assert_int_equal(lq_store_find_task(txn, 1, long_id, &id), LQ_EBADREQ);
    assert_int_equal(lq_store_each_task_all(txn, collect_task, &c), 0);
    assert_int_equal(c.n, 2);
    lq_store_read_end(txn);

    /* Projects and annotators are upserts: the second put wins. */
    op_project(&ops[0], 5, "old");
    op_project(&ops[1], 5, "renamed");
    run_ops(h, ops, 2);
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(ops[1].status, 0);
    c.n = 0;
    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_each_project(txn, collect_project, &c), 0);
    lq_store_read_end(txn);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.aux[0], strlen("renamed"));
}

static void test_iteration_order_and_prefixes(void **state)
{
    harness *h = *state;
    /* Inserted out of order; ids straddle the 255/256 byte boundary. */
    static const struct {
        uint32_t project;
        uint64_t id;
    } tasks[] = {{2, 300}, {1, 256}, {1, 5}, {3, 1}, {1, 255}, {2, 6}, {1, 1000}, {1, 6}};
    static const struct {
        uint64_t task;
        uint32_t annotator;
    } labels[] = {{6, 1}, {5, 256}, {5, 1}, {1000, 2}, {5, 255}, {6, 300}, {4, 9}};
    enum { NT = sizeof(tasks) / sizeof(tasks[0]), NL = sizeof(labels) / sizeof(labels[0]) };
    test_op ops[NT + NL];
    lq_txn *txn;
    ids c = {0};

    for (size_t i = 0; i < NT; i++) {
        char ext[32];

        snprintf(ext, sizeof(ext), "e%llu", (unsigned long long)tasks[i].id);
        op_task(&ops[i], tasks[i].project, tasks[i].id, ext, NULL);
    }
    for (size_t i = 0; i < NL; i++)
        op_label(&ops[NT + i], labels[i].task, labels[i].annotator, "v");
    run_ops(h, ops, NT + NL);
    for (size_t i = 0; i < NT + NL; i++)
        assert_int_equal(ops[i].status, 0);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);

    /* Project 1 only, in id order. */
    assert_int_equal(lq_store_each_task(txn, 1, 0, collect_task, &c), 0);
    assert_int_equal(c.n, 5);
    const uint64_t p1[] = {5, 6, 255, 256, 1000};
    for (size_t i = 0; i < 5; i++) {
        assert_true(c.v[i] == p1[i]);
        assert_int_equal(c.aux[i], 1);
    }
    /* after_id is exclusive and may fall between ids. */
    c.n = 0;
    assert_int_equal(lq_store_each_task(txn, 1, 255, collect_task, &c), 0);
    assert_int_equal(c.n, 2);
    assert_true(c.v[0] == 256 && c.v[1] == 1000);
    c.n = 0;
    assert_int_equal(lq_store_each_task(txn, 1, 1000, collect_task, &c), 0);
    assert_int_equal(c.n, 0);
    c.n = 0;
    assert_int_equal(lq_store_each_task(txn, 1, UINT64_MAX, collect_task, &c), 0);
    assert_int_equal(c.n, 0);
    /* Project 2 does not leak into 1's scan, nor 3 into 2's. */
    c.n = 0;
    assert_int_equal(lq_store_each_task(txn, 2, 0, collect_task, &c), 0);
    assert_int_equal(c.n, 2);
    assert_true(c.v[0] == 6 && c.v[1] == 300);
    c.n = 0;
    assert_int_equal(lq_store_each_task(txn, 4, 0, collect_task, &c), 0);
    assert_int_equal(c.n, 0);

    /* All tasks: grouped by project, then id. */
    c.n = 0;
    assert_int_equal(lq_store_each_task_all(txn, collect_task, &c), 0);
    assert_int_equal(c.n, NT);
    for (size_t i = 1; i < c.n; i++)
        assert_true(c.aux[i - 1] < c.aux[i] || (c.aux[i - 1] == c.aux[i] && c.v[i - 1] < c.v[i]));

    /* Stopping early returns fn's value. */
    c.n = 0;
    c.stop_at = 3;
    assert_int_equal(lq_store_each_task_all(txn, collect_task, &c), 42);
    assert_int_equal(c.n, 3);
    c.stop_at = 0;

    /* Labels of task 5, in annotator order, none of task 4's or 6's. */
    c.n = 0;
    assert_int_equal(lq_store_each_task_label(txn, 5, collect_label, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.aux[0], 1);
    assert_int_equal(c.aux[1], 255);
    assert_int_equal(c.aux[2], 256);
    for (size_t i = 0; i < 3; i++)
        assert_true(c.v[i] == 5);
    c.n = 0;
    assert_int_equal(lq_store_each_task_label(txn, 6, collect_label, &c), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.aux[0], 1);
    assert_int_equal(c.aux[1], 300);
    c.n = 0;
    assert_int_equal(lq_store_each_task_label(txn, 7, collect_label, &c), 0);
    assert_int_equal(c.n, 0);

    c.n = 0;
    assert_int_equal(lq_store_each_label(txn, collect_label, &c), 0);
    assert_int_equal(c.n, NL);
    for (size_t i = 1; i < c.n; i++)
        assert_true(c.v[i - 1] < c.v[i] || (c.v[i - 1] == c.v[i] && c.aux[i - 1] < c.aux[i]));
    lq_store_read_end(txn);
}

/* The merge cursors follow a task scan: each task gets exactly its own
 * labels (none when it has none, whatever its neighbours have) and its own
 * result, also when the scan skips tasks, when another project's tasks sit
 * between (their labels are in the same database), when a task's labels
 * outnumber the cursor's first allocation, and when ids go back. */
static void test_merge_cursors_follow_task_scan(void **state)
{
    harness *h = *state;
    /* Project 1: 10, 11, 13, 20, 21; project 2 (interleaved ids): 12, 14, 22. */
    static const struct {
        uint32_t project;
        uint64_t id;
    } tasks[] = {{1, 10}, {1, 11}, {2, 12}, {1, 13}, {2, 14}, {1, 20}, {1, 21}, {2, 22}};
    enum { NT = sizeof(tasks) / sizeof(tasks[0]), MANY = 40 };
    /* Labels: 10 has 2, 11 none, 12 (project 2) 3, 13 MANY, 14 1, 20 none,
     * 21 1, 22 2. Results: 10, 12, 14, 21, 22 (13, 11, 20 have none). */
    static const struct {
        uint64_t task;
        uint32_t annotator;
    } labels[] = {{10, 7}, {10, 3}, {12, 1}, {12, 2}, {12, 3}, {14, 9}, {21, 4}, {22, 1}, {22, 2}};
    enum { NL = sizeof(labels) / sizeof(labels[0]) };
    static const uint64_t results[] = {10, 12, 14, 21, 22};
    enum { NR = sizeof(results) / sizeof(results[0]) };
    test_op ops[NT + NL + MANY + NR];
    size_t n = 0;
    for (size_t i = 0; i < NT; i++) {
        char ext[32];
        snprintf(ext, sizeof(ext), "e%llu", (unsigned long long)tasks[i].id);
        op_task(&ops[n++], tasks[i].project, tasks[i].id, ext, NULL);
    }
    for (size_t i = 0; i < NL; i++)
        op_label(&ops[n++], labels[i].task, labels[i].annotator, "v");
    for (uint32_t a = 0; a < MANY; a++) {
        char v[16];
        snprintf(v, sizeof(v), "value-%u", a);
        op_label(&ops[n++], 13, 1000 - a, v);
    }
    for (size_t i = 0; i < NR; i++)
        op_result(&ops[n++], results[i], (uint32_t)(results[i] % 3), "dawid-skene");
    run_ops(h, ops, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ops[i].status, 0);

    lq_txn *txn;
    lq_store_cursor *lc, *rc;
    Labelq__LabelRecord *const *v;
    const Labelq__ResultRecord *res;
    size_t nv;
    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_cursor_open_labels(txn, &lc), 0);
    assert_int_equal(lq_store_cursor_open_results(txn, &rc), 0);

    /* Project 1's scan, in id order: 10, 11, 13, 20, 21. */
    assert_int_equal(lq_store_cursor_labels(lc, 10, &v, &nv), 0);
    assert_int_equal(nv, 2);
    assert_int_equal(v[0]->annotator_id, 3);
    assert_int_equal(v[1]->annotator_id, 7);
    assert_true(v[0]->task_id == 10 && v[1]->task_id == 10);
    assert_int_equal(lq_store_cursor_result(rc, 10, &res), 0);
    assert_true(res->task_id == 10 && res->label == 1);
    assert_string_equal(res->method, "dawid-skene");

    assert_int_equal(lq_store_cursor_labels(lc, 11, &v, &nv), 0);
    assert_int_equal(nv, 0);
    assert_int_equal(lq_store_cursor_result(rc, 11, &res), LQ_ENOTFOUND);
    assert_null(res);

    /* 12 is project 2's: its labels and result must not show up as 13's. */
    assert_int_equal(lq_store_cursor_labels(lc, 13, &v, &nv), 0);
    assert_int_equal(nv, MANY);
    for (size_t i = 0; i < MANY; i++) {
        char want[16];
        snprintf(want, sizeof(want), "value-%zu", MANY - 1 - i);
        assert_true(v[i]->task_id == 13);
        assert_int_equal(v[i]->annotator_id, 1000 - (MANY - 1 - i));
        assert_string_equal(v[i]->value, want);
    }
    assert_int_equal(lq_store_cursor_result(rc, 13, &res), LQ_ENOTFOUND);

    /* 20: no labels, no result, though 14 (before) and 21 (after) have. */
    assert_int_equal(lq_store_cursor_labels(lc, 20, &v, &nv), 0);
    assert_int_equal(nv, 0);
    assert_int_equal(lq_store_cursor_result(rc, 20, &res), LQ_ENOTFOUND);

    /* 21: the result without asking for its labels first. */
    assert_int_equal(lq_store_cursor_result(rc, 21, &res), 0);
    assert_true(res->task_id == 21 && res->label == 0);
    assert_int_equal(lq_store_cursor_labels(lc, 21, &v, &nv), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0]->annotator_id, 4);

    /* Past the last key of both databases. */
    assert_int_equal(lq_store_cursor_labels(lc, 23, &v, &nv), 0);
    assert_int_equal(nv, 0);
    assert_int_equal(lq_store_cursor_result(rc, 23, &res), LQ_ENOTFOUND);

    /* Back to project 2's scan (ids go back: a seek), 12, 14, 22. */
    assert_int_equal(lq_store_cursor_labels(lc, 12, &v, &nv), 0);
    assert_int_equal(nv, 3);
    assert_int_equal(lq_store_cursor_result(rc, 12, &res), 0);
    assert_true(res->task_id == 12);
    assert_int_equal(lq_store_cursor_labels(lc, 14, &v, &nv), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0]->annotator_id, 9);
    assert_int_equal(lq_store_cursor_result(rc, 14, &res), 0);
    assert_true(res->task_id == 14 && res->label == 2);
    assert_int_equal(lq_store_cursor_labels(lc, 22, &v, &nv), 0);
    assert_int_equal(nv, 2);
    assert_int_equal(lq_store_cursor_result(rc, 22, &res), 0);
    assert_true(res->task_id == 22);

    lq_store_cursor_close(lc);
    lq_store_cursor_close(rc);
    lq_store_cursor_close(NULL);
    lq_store_read_end(txn);
}

static void read_max_ids(harness *h, uint32_t *p, uint32_t *a, uint64_t *t)
{
    lq_txn *txn;

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_max_ids(txn, p, a, t), 0);
    lq_store_read_end(txn);
}

static void test_max_ids_survive_reopen(void **state)
{
    harness *h = *state;
    test_op ops[8];
    uint32_t p = 99, a = 99;
    uint64_t t = 99;

    read_max_ids(h, &p, &a, &t);
    assert_int_equal(p, 0);
    assert_int_equal(a, 0);
    assert_true(t == 0);

    /* The largest task id is in a project that is neither first nor last. */
    op_project(&ops[0], 3, "c");
    op_project(&ops[1], 256, "b");
    op_annotator(&ops[2], 255, "x");
    op_annotator(&ops[3], 7, "y");
    op_task(&ops[4], 1, 10, "a", NULL);
    op_task(&ops[5], 2, 900, "b", NULL);
    op_task(&ops[6], 2, 20, "c", NULL);
    op_task(&ops[7], 256, 500, "d", NULL);
    run_ops(h, ops, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(ops[i].status, 0);

    read_max_ids(h, &p, &a, &t);
    assert_int_equal(p, 256);
    assert_int_equal(a, 255);
    assert_true(t == 900);

    stop_writer(h);
    close_store(h);
    open_store(h);
    read_max_ids(h, &p, &a, &t);
    assert_int_equal(p, 256);
    assert_int_equal(a, 255);
    assert_true(t == 900);
    start_writer(h);
}

static void test_open_missing_dir_fails(void **state)
{
    harness *h = *state;
    char dir[96], err[256] = "";
    lq_store *st = (lq_store *)h; /* must be reset to NULL */

    snprintf(dir, sizeof(dir), "%s/does-not-exist", h->dir);
    assert_int_equal(lq_store_open(dir, &h->cfg, &st, err, sizeof(err)), LQ_EIO);
    assert_null(st);
    assert_non_null(strstr(err, "does-not-exist"));
}

static void *end_read(void *arg)
{
    lq_store_read_end(arg);
    return NULL;
}

/* Read transactions may end on another thread than the one that began them
 * (libuv's work_cb / after_work_cb), and the map must still be able to grow
 * afterwards. */
static void test_read_txn_ends_on_other_thread(void **state)
{
    harness *h = *state;
    test_op op;
    lq_txn *txn;
    pthread_t t;
    uint64_t id;

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_find_task(txn, 1, "x", &id), LQ_ENOTFOUND);
    assert_int_equal(pthread_create(&t, NULL, end_read, txn), 0);
    assert_int_equal(pthread_join(t, NULL), 0);

    /* A write that needs growth completes only if no read is left open. */
    char *big = malloc(1 << 20);
    assert_non_null(big);
    memset(big, 'q', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    op_task(&op, 1, 1, "x", big);
    run_ops(h, &op, 1);
    assert_int_equal(op.status, 0);
    free(big);
}

/* lq_store_read_begin reuses the last ended read transaction: a reused one
 * must see the commits made since it was parked, two may be open at once
 * (one reused, one new), and a parked one must not hold up map growth. */
static void test_read_txn_reuse_sees_new_commits(void **state)
{
    harness *h = *state;
    test_op op;
    lq_txn *a, *b;
    uint64_t id;

    assert_int_equal(lq_store_read_begin(h->st, &a), 0);
    assert_int_equal(lq_store_find_task(a, 1, "x", &id), LQ_ENOTFOUND);
    lq_store_read_end(a); /* parked */

    char *big = malloc(1 << 20); /* outgrows the small map: growth with one parked */
    assert_non_null(big);
    memset(big, 'q', (1 << 20) - 1);
    big[(1 << 20) - 1] = '\0';
    op_task(&op, 1, 7, "x", big);
    run_ops(h, &op, 1);
    assert_int_equal(op.status, 0);
    free(big);

    assert_int_equal(lq_store_read_begin(h->st, &a), 0); /* the parked one */
    assert_int_equal(lq_store_read_begin(h->st, &b), 0); /* a new one */
    assert_ptr_not_equal(a, b);
    assert_int_equal(lq_store_find_task(a, 1, "x", &id), 0);
    assert_int_equal(id, 7);
    assert_int_equal(lq_store_find_task(b, 1, "x", &id), 0);
    lq_store_read_end(a);
    lq_store_read_end(b); /* the spare slot is taken: freed */
}

/* ---- writer ---- */

enum { GROUP_OPS = 1000 };

static void test_writer_group_commit_in_order(void **state)
{
    harness *h = *state;
    test_op *ops = calloc(GROUP_OPS, sizeof(*ops));
    int *order = calloc(GROUP_OPS, sizeof(*order));
    done_log log = {order, 0};
    blocker b;
    lq_writer_stats s;
    lq_txn *txn;
    ids c = {0};

    assert_non_null(ops);
    assert_non_null(order);
    /* The first op holds the writer inside its batch until the other 999
     * are queued, so they must all share the next commit. */
    blocker_init(&b);
    op_block(&ops[0], &b);
    for (int i = 1; i < GROUP_OPS; i++) {
        char ext[32];

        snprintf(ext, sizeof(ext), "g%d", i);
        op_task(&ops[i], 1, (uint64_t)i, ext, NULL);
    }
    for (int i = 0; i < GROUP_OPS; i++) {
        ops[i].seq = i;
        ops[i].log = &log;
    }
    lq_writer_submit(h->w, &ops[0].op);
    blocker_wait_entered(&b);
    for (int i = 1; i < GROUP_OPS; i++)
        lq_writer_submit(h->w, &ops[i].op);
    blocker_release(&b);
    wait_done(h, ops, GROUP_OPS);

    assert_int_equal(log.n, GROUP_OPS);
    for (int i = 0; i < GROUP_OPS; i++) {
        assert_int_equal(order[i], i);
        assert_int_equal(ops[i].status, 0);
    }
    lq_writer_get_stats(h->w, &s);
    assert_true(s.ops == GROUP_OPS);
    assert_true(s.failed == 0);
    assert_true(s.commits == 2);
    assert_true(s.max_batch == GROUP_OPS - 1);
    assert_true(s.map_grows == 0);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_each_task(txn, 1, 0, collect_task, &c), 0);
    lq_store_read_end(txn);
    assert_int_equal(c.n, GROUP_OPS - 1);

    blocker_destroy(&b);
    free(order);
    free(ops);
}

static void test_failing_op_is_undone_alone(void **state)
{
    harness *h = *state;
    test_op ops[4];
    blocker b;
    lq_writer_stats s;
    lq_txn *txn;
    Labelq__TaskRecord *task;
    uint64_t id;

    blocker_init(&b);
    op_block(&ops[0], &b);
    op_task(&ops[1], 1, 1, "first", NULL);
    /* Writes task 2 "middle", then task 3 with "first"'s id: conflict. */
    op_task(&ops[2], 1, 2, "middle", NULL);
    ops[2].kind = OP_TASK_THEN_CONFLICT;
    snprintf(ops[2].dup_ext, sizeof(ops[2].dup_ext), "first");
    op_task(&ops[3], 1, 4, "last", NULL);
    lq_writer_submit(h->w, &ops[0].op);
    blocker_wait_entered(&b);
    submit_all(h, ops + 1, 3);
    blocker_release(&b);
    wait_done(h, ops, 4);

    assert_int_equal(ops[1].status, 0);
    assert_int_equal(ops[2].status, LQ_ECONFLICT);
    assert_int_equal(ops[3].status, 0);
    lq_writer_get_stats(h->w, &s);
    assert_true(s.commits == 2); /* the three shared one commit */
    assert_true(s.failed == 1);
    assert_true(s.max_batch == 3);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_get_task(txn, 1, 2, &task), LQ_ENOTFOUND);
    assert_int_equal(lq_store_find_task(txn, 1, "middle", &id), LQ_ENOTFOUND);
    assert_int_equal(lq_store_get_task(txn, 1, 3, &task), LQ_ENOTFOUND);
    assert_int_equal(lq_store_find_task(txn, 1, "first", &id), 0);
    assert_true(id == 1);
    assert_int_equal(lq_store_find_task(txn, 1, "last", &id), 0);
    assert_true(id == 4);
    lq_store_read_end(txn);
    blocker_destroy(&b);
}

static void test_stop_flushes_queue(void **state)
{
    harness *h = *state;
    test_op ops[50];
    lq_txn *txn;
    ids c = {0};

    for (int i = 0; i < 50; i++) {
        char ext[32];

        snprintf(ext, sizeof(ext), "s%d", i);
        op_task(&ops[i], 4, (uint64_t)i + 1, ext, NULL);
    }
    submit_all(h, ops, 50);
    stop_writer(h); /* stop, drain once, free: every op must have run done */
    for (int i = 0; i < 50; i++) {
        assert_true(ops[i].done);
        assert_int_equal(ops[i].status, 0);
    }
    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_each_task(txn, 4, 0, collect_task, &c), 0);
    lq_store_read_end(txn);
    assert_int_equal(c.n, 50);
}

/* ---- map growth ---- */

enum {
    SMALL_MAP = 64 << 10,
    PAYLOAD = 2000,
    GROW_TASKS = 2000, /* ~4 MB of payload into a 64 KiB map */
    BURST = 100,
};

enum { BIG_PAYLOAD = 1 << 20 }; /* one op larger than the whole small map */

static char *make_payload_n(size_t n)
{
    char *p = malloc(n + 1);

    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + i % 26);
    p[n] = '\0';
    return p;
}

static char *make_payload(void)
{
    return make_payload_n(PAYLOAD);
}

/* Reads while the writer grows the map, to exercise the gate. */
typedef struct reader {
    harness *h;
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    unsigned rounds;
    int error;
} reader;

static int count_task(void *ctx, const Labelq__TaskRecord *rec)
{
    size_t *n = ctx;

    if (strlen(rec->data_json) != PAYLOAD)
        return LQ_EINTERNAL;
    (*n)++;
    return 0;
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    size_t last = 0;

    for (;;) {
        lq_txn *txn;
        size_t n = 0;
        bool stop;

        pthread_mutex_lock(&r->mu);
        stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        if (lq_store_read_begin(r->h->st, &txn)) {
            r->error = 1;
            break;
        }
        if (lq_store_each_task_all(txn, count_task, &n))
            r->error = 2;
        lq_store_read_end(txn);
        if (r->error || n < last) { /* committed tasks never disappear */
            r->error = r->error ? r->error : 3;
            break;
        }
        last = n;
        r->rounds++;
    }
    return NULL;
}

static int setup_small_map(void **state)
{
    *state = harness_new(SMALL_MAP, 0);
    return 0;
}

static size_t count_all_tasks(harness *h)
{
    lq_txn *txn;
    size_t n = 0;

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    assert_int_equal(lq_store_each_task_all(txn, count_task, &n), 0);
    lq_store_read_end(txn);
    return n;
}

/* Writes one task with a BIG_PAYLOAD payload and checks its status (0 or
 * LQ_EUNAVAIL, as want says) and that it is readable exactly when stored.
 * A small op queued right behind it must succeed either way. */
static void big_task_round_trip(harness *h, int want)
{
    char *big = make_payload_n(BIG_PAYLOAD);
    blocker b;
    test_op t[3];
    Labelq__TaskRecord *task;
    lq_txn *txn;

    blocker_init(&b);
    op_block(&t[0], &b);
    op_task(&t[1], 77, 1u << 30, "big", big);
    op_annotator(&t[2], 77, "after-big");
    lq_writer_submit(h->w, &t[0].op);
    blocker_wait_entered(&b);
    submit_all(h, t + 1, 2);
    blocker_release(&b);
    wait_done(h, t, 3);
    assert_int_equal(t[1].status, want);
    assert_int_equal(t[2].status, 0);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    if (want == 0) {
        assert_int_equal(lq_store_get_task(txn, 77, 1u << 30, &task), 0);
        assert_int_equal(strlen(task->data_json), BIG_PAYLOAD);
        labelq__task_record__free_unpacked(task, NULL);
    } else {
        assert_int_equal(lq_store_get_task(txn, 77, 1u << 30, &task), LQ_ENOTFOUND);
    }
    lq_store_read_end(txn);
    blocker_destroy(&b);
    free(big);
}

static void test_map_grows_when_full(void **state)
{
    harness *h = *state;
    test_op *ops = calloc(GROW_TASKS, sizeof(*ops));
    char *payload = make_payload();
    reader r = {.h = h};
    lq_writer_stats s;
    size_t map_size, used;

    assert_non_null(ops);
    pthread_mutex_init(&r.mu, NULL);
    assert_int_equal(pthread_create(&r.thread, NULL, reader_main, &r), 0);
    for (int i = 0; i < GROW_TASKS; i++) {
        char ext[32];

        snprintf(ext, sizeof(ext), "m%d", i);
        op_task(&ops[i], 1 + (uint32_t)(i % 3), (uint64_t)i + 1, ext, payload);
    }
    for (int i = 0; i < GROW_TASKS; i += BURST)
        run_ops(h, ops + i, BURST);
    pthread_mutex_lock(&r.mu);
    r.stop = true;
    pthread_mutex_unlock(&r.mu);
    pthread_join(r.thread, NULL);
    pthread_mutex_destroy(&r.mu);
    assert_int_equal(r.error, 0);
    assert_true(r.rounds > 0);

    for (int i = 0; i < GROW_TASKS; i++)
        assert_int_equal(ops[i].status, 0);
    lq_writer_get_stats(h->w, &s);
    assert_true(s.map_grows > 0);
    assert_true(s.failed == 0);
    assert_true(s.ops == GROW_TASKS);
    lq_store_usage(h->st, &map_size, &used);
    assert_true(map_size > SMALL_MAP);
    assert_true(used >= (size_t)GROW_TASKS * PAYLOAD);
    assert_true(used <= map_size);

    /* Reopen with the small configured size: the data is all there, the map
     * keeps its grown size, and the store still accepts writes. */
    stop_writer(h);
    close_store(h);
    open_store(h);
    assert_int_equal(count_all_tasks(h), GROW_TASKS);
    {
        size_t reopened, used2;

        lq_store_usage(h->st, &reopened, &used2);
        assert_true(reopened >= map_size);
    }
    start_writer(h);
    op_task(&ops[0], 9, GROW_TASKS + 1, "after-reopen", payload);
    run_ops(h, ops, 1);
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(count_all_tasks(h), GROW_TASKS + 1);

    /* One op that needs several doublings by itself. */
    big_task_round_trip(h, 0);
    free(payload);
    free(ops);
}

enum { LIMIT_MAP = 256 << 10, LIMIT_TASKS = 500 };

static int setup_limited_map(void **state)
{
    *state = harness_new(SMALL_MAP, LIMIT_MAP);
    return 0;
}

static void test_map_limit_fails_ops_not_store(void **state)
{
    harness *h = *state;
    test_op *ops = calloc(LIMIT_TASKS, sizeof(*ops));
    char *payload = make_payload();
    size_t ok = 0, unavail = 0, map_size, used;
    lq_writer_stats s;
    lq_txn *txn;

    assert_non_null(ops);
    for (int i = 0; i < LIMIT_TASKS; i++) {
        char ext[32];

        snprintf(ext, sizeof(ext), "l%d", i);
        op_task(&ops[i], 1, (uint64_t)i + 1, ext, payload);
    }
    for (int i = 0; i < LIMIT_TASKS; i += BURST)
        run_ops(h, ops + i, BURST);

    assert_int_equal(lq_store_read_begin(h->st, &txn), 0);
    for (int i = 0; i < LIMIT_TASKS; i++) {
        Labelq__TaskRecord *task;
        int rc = lq_store_get_task(txn, 1, (uint64_t)i + 1, &task);

        if (ops[i].status == 0) {
            ok++;
            assert_int_equal(rc, 0);
            assert_string_equal(task->data_json, payload);
            labelq__task_record__free_unpacked(task, NULL);
        } else {
            unavail++;
            assert_int_equal(ops[i].status, LQ_EUNAVAIL);
            assert_int_equal(rc, LQ_ENOTFOUND);
        }
    }
    lq_store_read_end(txn);
    assert_true(ok > 0);
    assert_true(unavail > 0);
    /* The first op to hit the limit is not the first op. */
    assert_int_equal(ops[0].status, 0);
    lq_writer_get_stats(h->w, &s);
    assert_true(s.failed == unavail);
    assert_true(s.map_grows > 0);
    lq_store_usage(h->st, &map_size, &used);
    assert_true(map_size <= LIMIT_MAP);

    /* Small writes that fit still go through, and a restart keeps exactly
     * what was acknowledged. */
    op_project(&ops[0], 1, "p");
    run_ops(h, ops, 1);
    assert_int_equal(ops[0].status, 0);
    big_task_round_trip(h, LQ_EUNAVAIL);
    stop_writer(h);
    close_store(h);
    open_store(h);
    assert_int_equal(count_all_tasks(h), ok);
    free(payload);
    free(ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_each_kind, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts_leave_no_trace, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_iteration_order_and_prefixes, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_merge_cursors_follow_task_scan, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_max_ids_survive_reopen, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_open_missing_dir_fails, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_ends_on_other_thread, setup_small_map,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_reuse_sees_new_commits, setup_small_map,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_group_commit_in_order, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_failing_op_is_undone_alone, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_stop_flushes_queue, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_map_grows_when_full, setup_small_map, teardown),
        cmocka_unit_test_setup_teardown(test_map_limit_fails_ops_not_store, setup_limited_map,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
