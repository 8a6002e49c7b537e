#include "daemon/model/task.h"

#include <stdlib.h>

#include "daemon/model/project.h"

#define BLOCK_BITS 14
#define BLOCK_SIZE ((uint64_t)1 << BLOCK_BITS)

void lq_task_table_init(lq_task_table *t)
{
    t->blocks = NULL;
    t->n_blocks = 0;
    t->count = 0;
}

void lq_task_table_free(lq_task_table *t)
{
    for (size_t b = 0; b < t->n_blocks; b++) {
        if (!t->blocks[b])
            continue;
        for (uint64_t i = 0; i < BLOCK_SIZE; i++) {
            lq_task *task = &t->blocks[b][i];
            free(task->seen);
            while (task->lease_list) {
                lq_lease *l = task->lease_list;
                task->lease_list = l->next;
                free(l);
            }
        }
        free(t->blocks[b]);
    }
    free(t->blocks);
    lq_task_table_init(t);
}

lq_task *lq_task_table_get(const lq_task_table *t, uint64_t id)
{
    uint64_t b = id >> BLOCK_BITS;
    if (id == 0 || b >= t->n_blocks || !t->blocks[b])
        return NULL;
    lq_task *task = &t->blocks[b][id & (BLOCK_SIZE - 1)];
    return task->id ? task : NULL;
}

lq_task *lq_task_table_add(lq_task_table *t, uint64_t id)
{
    uint64_t b = id >> BLOCK_BITS;
    if (b >= t->n_blocks) {
        size_t n = t->n_blocks ? t->n_blocks : 16;
        while (n <= b)
            n *= 2;
        lq_task **blocks = realloc(t->blocks, n * sizeof(*blocks));
        if (!blocks)
            return NULL;
        for (size_t i = t->n_blocks; i < n; i++)
            blocks[i] = NULL;
        t->blocks = blocks;
        t->n_blocks = n;
    }
    if (!t->blocks[b]) {
        t->blocks[b] = calloc(BLOCK_SIZE, sizeof(lq_task));
        if (!t->blocks[b])
            return NULL;
    }
    lq_task *task = &t->blocks[b][id & (BLOCK_SIZE - 1)];
    task->id = id;
    t->count++;
    return task;
}

lq_seen *lq_task_seen(lq_task *task, uint32_t annotator)
{
    for (uint32_t i = 0; i < task->seen_n; i++)
        if (task->seen[i].annotator == annotator)
            return &task->seen[i];
    return NULL;
}

lq_seen *lq_task_mark_seen(lq_task *task, uint32_t annotator)
{
    lq_seen *s = lq_task_seen(task, annotator);
    if (s)
        return s;
    if (task->seen_n == task->seen_cap) {
        uint32_t cap = task->seen_cap ? task->seen_cap * 2 : 4;
        lq_seen *v = realloc(task->seen, cap * sizeof(*v));
        if (!v)
            return NULL;
        task->seen = v;
        task->seen_cap = cap;
    }
    s = &task->seen[task->seen_n++];
    s->annotator = annotator;
    s->labeled = false;
    return s;
}

void lq_task_unsee(lq_task *task, uint32_t annotator)
{
    lq_seen *s = lq_task_seen(task, annotator);
    if (s)
        *s = task->seen[--task->seen_n];
}

lq_lease *lq_task_lease(lq_task *task, uint32_t annotator)
{
    for (lq_lease *l = task->lease_list; l; l = l->next)
        if (l->annotator == annotator)
            return l;
    return NULL;
}

void lq_task_unlink_lease(lq_lease *l)
{
    lq_lease **pp = &l->task->lease_list;
    while (*pp != l)
        pp = &(*pp)->next;
    *pp = l->next;
}

bool lq_task_leased(const lq_task *t)
{
    return t->leases > 0 && !lq_task_done(t);
}

void lq_task_account(lq_task *t, bool was_leased, bool was_done)
{
    if (lq_task_pooled(t))
        return; /* gold in the pool is not among the project's tasks */
    lq_batch *b = t->batch;
    lq_project *p = b->project;
    bool leased = lq_task_leased(t), done = lq_task_done(t);
    if (leased != was_leased) {
        leased ? p->leased++ : p->leased--;
        leased ? b->leased++ : b->leased--;
    }
    if (done != was_done) {
        done ? p->done++ : p->done--;
        done ? b->done++ : b->done--;
        if (done)
            b->done_labels += t->labels;
        else
            b->done_labels -= t->labels;
    }
}

uint32_t lq_task_needed(const lq_task *task)
{
    return task->needed ? task->needed : task->batch->project->overlap;
}

uint32_t lq_task_free_slots(const lq_task *task)
{
    uint32_t used = task->labels + task->leases;
    uint32_t k = lq_task_needed(task);
    return used >= k ? 0 : k - used;
}

bool lq_task_pooled(const lq_task *task)
{
    return task->gold && task->batch->project->config->gold_ratio > 0.0;
}

bool lq_task_done(const lq_task *task)
{
    return !lq_task_pooled(task) && task->labels >= lq_task_needed(task);
}
