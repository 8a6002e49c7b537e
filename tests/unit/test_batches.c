/* Batches in memory: the serving order (priority desc, creation asc), what
 * reprioritizing and removing do to it, which batches count as ready, the
 * per-batch counts behind ETA, and the recent-rate ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/model/batch.h"
#include "daemon/model/project.h"
#include "daemon/model/rate.h"
#include "daemon/model/task.h"

static lq_project *make_project(void)
{
    char *labels[] = {"a", "b"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "p";
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 2;
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.id = 1;
    rec.config = &cfg;
    lq_project *p = lq_project_new(&rec);
    assert_non_null(p);
    return p;
}

static lq_batch *add(lq_project *p, uint32_t id, const char *name, int32_t prio)
{
    Labelq__BatchRecord rec = LABELQ__BATCH_RECORD__INIT;
    rec.id = id;
    rec.project_id = p->id;
    rec.name = (char *)name;
    rec.priority = prio;
    lq_batch *b = lq_batch_add(p, &rec);
    assert_non_null(b);
    return b;
}

/* The names in serving order, joined by spaces. */
static const char *order_of(const lq_project *p)
{
    static char buf[256];
    buf[0] = '\0';
    for (uint32_t i = 0; i < p->n_batches; i++) {
        assert_int_equal(p->order[i]->order_pos, i);
        if (i)
            strcat(buf, " ");
        strcat(buf, p->order[i]->name);
    }
    return buf;
}

static void serving_order(void **state)
{
    (void)state;
    lq_project *p = make_project();
    add(p, 1, "mon", 0);
    add(p, 2, "tue", 5);
    add(p, 3, "wed", 0);
    add(p, 0, "default", 0); /* id 0 comes first among equals */
    add(p, 4, "thu", -1);
    assert_string_equal(order_of(p), "tue default mon wed thu");
    assert_int_equal(p->next_batch_id, 5);
    lq_batch_set_priority(lq_batch_find(p, "wed"), 9);
    assert_string_equal(order_of(p), "wed tue default mon thu");
    lq_batch_set_priority(lq_batch_find(p, "wed"), -5);
    assert_string_equal(order_of(p), "tue default mon thu wed");
    lq_batch_set_priority(lq_batch_find(p, "tue"), 0);
    assert_string_equal(order_of(p), "default mon tue thu wed");
    lq_batch_remove(lq_batch_find(p, "mon"));
    assert_string_equal(order_of(p), "default tue thu wed");
    assert_null(lq_batch_find(p, "mon"));
    assert_null(lq_batch_by_id(p, 1));
    assert_ptr_equal(lq_batch_by_id(p, 4), lq_batch_find(p, "thu"));
    assert_null(lq_batch_by_id(p, 1000));
    /* An id in use cannot be added twice. */
    Labelq__BatchRecord dup = LABELQ__BATCH_RECORD__INIT;
    dup.id = 2;
    dup.name = "again";
    assert_null(lq_batch_add(p, &dup));
    lq_project_free(p);
}

/* Only active, durable batches count as ready work. */
static void ready_counts_serving_batches(void **state)
{
    (void)state;
    lq_project *p = make_project();
    lq_batch *a = add(p, 1, "a", 0), *b = add(p, 2, "b", 0);
    lq_task_table tt;
    lq_task_table_init(&tt);
    for (uint64_t id = 1; id <= 5; id++) {
        lq_task *t = lq_task_table_add(&tt, id);
        assert_int_equal(lq_project_adopt(id <= 3 ? a : b, t), 0);
        assert_int_equal(lq_batch_requeue(t), 0);
    }
    assert_int_equal(a->tasks, 3);
    assert_int_equal(a->first_task, 1);
    assert_int_equal(a->last_task, 3);
    assert_int_equal(b->first_task, 4);
    assert_int_equal(p->tasks, 5);
    assert_int_equal(lq_project_ready(p), 5);
    a->state = LABELQ__BATCH_STATE__BATCH_PAUSED;
    assert_false(lq_batch_serving(a));
    assert_int_equal(lq_project_ready(p), 2);
    b->pending = true;
    assert_int_equal(lq_project_ready(p), 0);
    b->pending = false;
    b->state = LABELQ__BATCH_STATE__BATCH_CANCELED;
    assert_int_equal(lq_project_ready(p), 0);
    a->state = LABELQ__BATCH_STATE__BATCH_ACTIVE;
    assert_int_equal(lq_project_ready(p), 3);
    lq_project_free(p);
    lq_task_table_free(&tt);
}

/* Labels still needed: open tasks times the overlap, minus the labels they
 * already have; ETA only while the batch is served and labels come in. */
static void info_counts_and_eta(void **state)
{
    (void)state;
    lq_project *p = make_project(); /* overlap 2 */
    lq_batch *b = add(p, 1, "b", 3);
    b->created_ms = 1000000;
    b->tasks = 10;
    b->done = 4;
    b->leased = 2;
    b->labels = 11;       /* 8 on the done tasks, 3 on open ones */
    b->done_labels = 8;
    Labelq__BatchInfo info;
    lq_batch_info(b, 1000000 + 60000, 0, &info);
    assert_string_equal(info.name, "b");
    assert_int_equal(info.priority, 3);
    assert_int_equal(info.pending, 4);
    assert_int_equal(info.labels_needed, 6 * 2 - 3);
    assert_false(info.has_eta); /* no labels lately */
    /* 90 labels in the last minute, counted from the batch's creation. */
    lq_rate_add(&b->rate, 1000000 + 30000, 90);
    lq_batch_info(b, 1000000 + 60000, 0, &info);
    assert_true(info.labels_per_s > 1.49 && info.labels_per_s < 1.51);
    assert_true(info.has_eta);
    assert_int_equal(info.eta_s, 6); /* 9 labels at 1.5/s */
    b->state = LABELQ__BATCH_STATE__BATCH_PAUSED;
    lq_batch_info(b, 1000000 + 60000, 0, &info);
    assert_false(info.has_eta);
    b->state = LABELQ__BATCH_STATE__BATCH_ACTIVE;
    b->done = 10;
    b->leased = 0;
    b->done_labels = b->labels = 20;
    lq_batch_info(b, 1000000 + 60000, 0, &info);
    assert_int_equal(info.labels_needed, 0);
    assert_true(info.has_eta);
    assert_int_equal(info.eta_s, 0);
    assert_string_equal(lq_batch_state_name(LABELQ__BATCH_STATE__BATCH_CANCELED), "canceled");
    lq_project_free(p);
}

static void rate_window(void **state)
{
    (void)state;
    lq_rate r;
    memset(&r, 0, sizeof(r));
    uint64_t t0 = 5000000; /* a slot boundary: 500 x 10 s */
    assert_true(lq_rate_per_s(&r, t0, 0) == 0.0);
    /* 300 events spread over the first 5 minutes, counted from t0. */
    for (int i = 0; i < 300; i++)
        lq_rate_add(&r, t0 + (uint64_t)i * 1000, 1);
    double full = lq_rate_per_s(&r, t0 + 299000, t0);
    assert_true(full > 0.99 && full < 1.01);
    /* Ten minutes later with nothing new, the window is empty. */
    assert_true(lq_rate_per_s(&r, t0 + 900000, t0) == 0.0);
    /* Half the window later, only the newer half still counts. */
    double half = lq_rate_per_s(&r, t0 + 450000, t0);
    assert_true(half > 0.4 && half < 0.6);
    /* A young counter is not diluted by time it did not watch. */
    lq_rate young;
    memset(&young, 0, sizeof(young));
    lq_rate_add(&young, t0 + 100, 20);
    double y = lq_rate_per_s(&young, t0 + 2000, t0);
    assert_true(y > 9.99 && y < 10.01);
    /* Less than a second counts as one. */
    assert_true(lq_rate_per_s(&young, t0 + 200, t0) == 20.0);
    /* Adding after a long gap clears the stale slots. */
    lq_rate_add(&r, t0 + 3600000, 5);
    double late = lq_rate_per_s(&r, t0 + 3600000 + 1000, t0);
    assert_true(late > 0.0 && late < 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serving_order),
        cmocka_unit_test(ready_counts_serving_batches),
        cmocka_unit_test(info_counts_and_eta),
        cmocka_unit_test(rate_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
