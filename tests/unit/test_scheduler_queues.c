/* The ready queue (priority desc, import order asc) and the lease deadline
 * heap, both on the indexed heap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/model/heap.h"
#include "daemon/model/project.h"
#include "daemon/model/task.h"

static lq_project *make_project(uint32_t overlap)
{
    char *labels[] = {"a", "b"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "p";
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = overlap;
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.id = 1;
    rec.config = &cfg;
    lq_project *p = lq_project_new(&rec);
    assert_non_null(p);
    Labelq__BatchRecord brec = LABELQ__BATCH_RECORD__INIT;
    brec.id = 1;
    brec.project_id = 1;
    brec.name = "b";
    assert_non_null(lq_batch_add(p, &brec));
    return p;
}

static void ready_order(void **state)
{
    (void)state;
    lq_project *p = make_project(1);
    lq_batch *b = lq_batch_by_id(p, 1);
    lq_task_table tt;
    lq_task_table_init(&tt);
    /* ids 1..6 with priorities: 0, 5, 0, 5, -1, 9 */
    int prio[] = {0, 5, 0, 5, -1, 9};
    for (uint64_t id = 1; id <= 6; id++) {
        lq_task *t = lq_task_table_add(&tt, id);
        t->priority = prio[id - 1];
        assert_int_equal(lq_project_adopt(b, t), 0);
        assert_int_equal(lq_batch_requeue(t), 0);
    }
    uint64_t want[] = {6, 2, 4, 1, 3, 5};
    assert_int_equal(b->started.n, 0);
    for (int i = 0; i < 6; i++) {
        lq_task *t = lq_heap_pop(&b->fresh);
        assert_non_null(t);
        assert_int_equal(t->id, want[i]);
    }
    assert_null(lq_heap_pop(&b->fresh));
    lq_project_free(p);
    lq_task_table_free(&tt);
}

/* A task is queued exactly while it has free slots: in "fresh" until
 * someone has seen it, in "started" after. */
static void requeue_follows_slots(void **state)
{
    (void)state;
    lq_project *p = make_project(2);
    lq_batch *b = lq_batch_by_id(p, 1);
    lq_task_table tt;
    lq_task_table_init(&tt);
    lq_task *other = lq_task_table_add(&tt, 3);
    lq_project_adopt(b, other);
    lq_batch_requeue(other);
    lq_task *t = lq_task_table_add(&tt, 7);
    lq_project_adopt(b, t);
    lq_batch_requeue(t);
    assert_int_equal(b->fresh.n, 2);
    lq_task_mark_seen(t, 11);
    t->leases = 1;
    lq_batch_requeue(t);
    assert_int_equal(b->fresh.n, 1);
    assert_int_equal(b->started.n, 1);
    assert_int_equal(lq_project_ready(p), 2);
    t->labels = 1;
    assert_int_equal(lq_task_free_slots(t), 0);
    lq_batch_requeue(t);
    assert_int_equal(b->started.n, 0);
    t->leases = 0;
    lq_batch_requeue(t);
    assert_int_equal(b->started.n, 1);
    t->labels = 2;
    assert_true(lq_task_done(t));
    lq_batch_requeue(t);
    assert_int_equal(b->started.n, 0);
    assert_int_equal(b->fresh.n, 1);
    assert_ptr_equal(lq_heap_peek(&b->fresh), other);
    lq_project_free(p);
    lq_task_table_free(&tt);
}

static int lease_less(const void *a, const void *b)
{
    return ((const lq_lease *)a)->deadline < ((const lq_lease *)b)->deadline;
}

static uint32_t *lease_pos(void *e)
{
    return &((lq_lease *)e)->heap_pos;
}

/* Random pushes, removals and re-keys keep the heap ordered. */
static void lease_heap_random(void **state)
{
    (void)state;
    enum { N = 2000 };
    lq_lease *v = calloc(N, sizeof(*v));
    lq_heap h;
    lq_heap_init(&h, lease_less, lease_pos);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v[i].deadline = x % 100000;
        assert_int_equal(lq_heap_push(&h, &v[i]), 0);
    }
    for (int i = 0; i < N; i += 3)
        lq_heap_remove(&h, &v[i]);
    for (int i = 1; i < N; i += 3) {
        v[i].deadline = (v[i].deadline * 7) % 100000; /* extend or shorten */
        lq_heap_update(&h, &v[i]);
    }
    size_t left = h.n;
    assert_int_equal(left, N - (N + 2) / 3);
    uint64_t last = 0;
    for (size_t i = 0; i < left; i++) {
        lq_lease *l = lq_heap_pop(&h);
        assert_true(l->deadline >= last);
        assert_int_equal(l->heap_pos, 0);
        last = l->deadline;
    }
    for (int i = 0; i < N; i += 3)
        assert_int_equal(v[i].heap_pos, 0);
    lq_heap_free(&h);
    free(v);
}

static void task_table_sparse(void **state)
{
    (void)state;
    lq_task_table tt;
    lq_task_table_init(&tt);
    lq_task *a = lq_task_table_add(&tt, 3);
    lq_task *b = lq_task_table_add(&tt, 1000000);
    assert_ptr_equal(lq_task_table_get(&tt, 3), a);
    /* Growing the table must not move existing tasks: leases point at them. */
    assert_ptr_equal(lq_task_table_get(&tt, 1000000), b);
    assert_null(lq_task_table_get(&tt, 4));
    assert_null(lq_task_table_get(&tt, 0));
    assert_null(lq_task_table_get(&tt, 99999999));
    assert_non_null(lq_task_mark_seen(a, 5));
    assert_non_null(lq_task_seen(a, 5));
    assert_null(lq_task_seen(a, 6));
    lq_task_table_free(&tt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ready_order),
        cmocka_unit_test(requeue_follows_slots),
        cmocka_unit_test(lease_heap_random),
        cmocka_unit_test(task_table_sparse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
