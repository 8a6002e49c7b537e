#include "daemon/model/batch.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/model/project.h"
#include "daemon/model/task.h"
#include "proto/error.h"

static uint32_t *ready_pos(void *e)
{
    return &((lq_task *)e)->ready_pos;
}

/* Serving order: whether a comes before b. */
static bool batch_before(const lq_batch *a, const lq_batch *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return a->id < b->id;
}

/* Moves p->order[i] left or right until the order holds again; the rest of
 * the array is sorted. */
static void settle_order(lq_project *p, uint32_t i)
{
    lq_batch *b = p->order[i];
    while (i > 0 && batch_before(b, p->order[i - 1])) {
        p->order[i] = p->order[i - 1];
        p->order[i]->order_pos = i;
        i--;
    }
    while (i + 1 < p->n_batches && batch_before(p->order[i + 1], b)) {
        p->order[i] = p->order[i + 1];
        p->order[i]->order_pos = i;
        i++;
    }
    p->order[i] = b;
    b->order_pos = i;
}

static int reserve(lq_project *p, uint32_t id)
{
    if (id >= p->n_batch_ids) {
        uint32_t n = p->n_batch_ids ? p->n_batch_ids : 8;
        while (n <= id)
            n *= 2;
        lq_batch **v = realloc(p->batches, n * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        memset(v + p->n_batch_ids, 0, (n - p->n_batch_ids) * sizeof(*v));
        p->batches = v;
        p->n_batch_ids = n;
    }
    if (p->n_batches == p->order_cap) {
        uint32_t cap = p->order_cap ? p->order_cap * 2 : 8;
        lq_batch **v = realloc(p->order, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        p->order = v;
        p->order_cap = cap;
    }
    return 0;
}

lq_batch *lq_batch_add(lq_project *p, const Labelq__BatchRecord *rec)
{
    if (p->n_batches >= LQ_MAX_BATCHES || lq_batch_by_id(p, rec->id) || reserve(p, rec->id) < 0)
        return NULL;
    lq_batch *b = calloc(1, sizeof(*b));
    if (!b || !(b->name = strdup(rec->name))) {
        free(b);
        return NULL;
    }
    b->id = rec->id;
    b->project = p;
    b->priority = rec->priority;
    b->state = rec->state;
    b->created_ms = rec->created_ms;
    lq_heap_init(&b->fresh, lq_task_before, ready_pos);
    lq_heap_init(&b->started, lq_task_before, ready_pos);
    p->batches[b->id] = b;
    p->order[p->n_batches++] = b;
    settle_order(p, p->n_batches - 1);
    if (b->id >= p->next_batch_id)
        p->next_batch_id = b->id + 1;
    return b;
}

void lq_batch_free(lq_batch *b)
{
    if (!b)
        return;
    lq_heap_free(&b->fresh);
    lq_heap_free(&b->started);
    free(b->name);
    free(b);
}

void lq_batch_remove(lq_batch *b)
{
    lq_project *p = b->project;
    for (uint32_t i = b->order_pos; i + 1 < p->n_batches; i++) {
        p->order[i] = p->order[i + 1];
        p->order[i]->order_pos = i;
    }
    p->n_batches--;
    p->batches[b->id] = NULL;
    lq_batch_free(b);
}

lq_batch *lq_batch_find(const lq_project *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_batches; i++)
        if (strcmp(p->order[i]->name, name) == 0)
            return p->order[i];
    return NULL;
}

lq_batch *lq_batch_by_id(const lq_project *p, uint32_t id)
{
    return id < p->n_batch_ids ? p->batches[id] : NULL;
}

void lq_batch_set_priority(lq_batch *b, int32_t priority)
{
    b->priority = priority;
    settle_order(b->project, b->order_pos);
}

bool lq_batch_serving(const lq_batch *b)
{
    return b->state == LABELQ__BATCH_STATE__BATCH_ACTIVE && !b->pending;
}

size_t lq_batch_ready(const lq_batch *b)
{
    return b->fresh.n + b->started.n;
}

/* The heap task is in now, found from its position: no extra state to keep
 * in step. */
static lq_heap *current_heap(lq_batch *b, lq_task *task)
{
    uint32_t pos = task->ready_pos;
    if (pos == 0)
        return NULL;
    return pos <= b->fresh.n && b->fresh.v[pos - 1] == task ? &b->fresh : &b->started;
}

int lq_batch_requeue(lq_task *task)
{
    if (lq_task_pooled(task))
        return 0; /* served from the gold pool, never queued */
    lq_batch *b = task->batch;
    lq_heap *want = NULL;
    if (lq_task_free_slots(task) > 0)
        want = task->seen_n ? &b->started : &b->fresh;
    lq_heap *cur = current_heap(b, task);
    if (cur == want)
        return 0;
    if (cur)
        lq_heap_remove(cur, task);
    return want ? lq_heap_push(want, task) : 0;
}

void lq_batch_record(const lq_batch *b, Labelq__BatchRecord *rec)
{
    labelq__batch_record__init(rec);
    rec->id = b->id;
    rec->project_id = b->project->id;
    rec->name = b->name;
    rec->priority = b->priority;
    rec->state = b->state;
    rec->created_ms = b->created_ms;
}

void lq_batch_info(const lq_batch *b, uint64_t now_ms, uint64_t since_ms, Labelq__BatchInfo *info)
{
    labelq__batch_info__init(info);
    info->project = b->project->config->name;
    info->name = b->name;
    info->state = b->state;
    info->priority = b->priority;
    info->tasks = b->tasks;
    info->leased = b->leased;
    info->done = b->done;
    info->pending = b->tasks - b->done - b->leased;
    info->labels = b->labels;
    info->created_ms = b->created_ms;
    info->has_alpha = b->agreement.has_alpha;
    info->alpha = b->agreement.alpha;
    info->has_percent_agreement = b->agreement.has_percent;
    info->percent_agreement = b->agreement.percent;
    if (since_ms < b->created_ms)
        since_ms = b->created_ms;
    info->labels_per_s = lq_rate_per_s(&b->rate, now_ms, since_ms);
    /* At the base overlap: dynamic overlap may still ask for more. */
    uint64_t want = (b->tasks - b->done) * b->project->overlap;
    uint64_t have = b->labels - b->done_labels;
    info->labels_needed = want > have ? want - have : 0;
    if (b->tasks > 0 && b->done == b->tasks) {
        info->has_eta = true;
        info->eta_s = 0;
    } else if (info->labels_per_s > 0.0 && lq_batch_serving(b)) {
        info->has_eta = true;
        info->eta_s = (uint64_t)((double)info->labels_needed / info->labels_per_s + 0.999);
    }
}

const char *lq_batch_state_name(Labelq__BatchState s)
{
    switch (s) {
    case LABELQ__BATCH_STATE__BATCH_PAUSED: return "paused";
    case LABELQ__BATCH_STATE__BATCH_CANCELED: return "canceled";
    default: return "active";
    }
}
