/* A batch: the admin's unit of work inside a project ("the 40k reviews we
 * sent on Monday"). Every task belongs to one. A batch owns its part of the
 * project's ready queue, so pausing, canceling or reprioritizing it is O(1)
 * or O(batches) and never a scan of the tasks.
 *
 * A project serves its batches in a fixed order, priority desc then id asc
 * (creation order), kept sorted in p->order; inside a batch, tasks come by
 * their own priority, then import order (lq_task_before). Loop thread only. */
#ifndef LQ_BATCH_H
#define LQ_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "quality/batch_agreement.h"
#include "daemon/model/heap.h"
#include "daemon/model/rate.h"
#include "proto/labelq.pb-c.h"

#define LQ_MAX_BATCHES 4096        /* per project: a lease walks the serving order */
#define LQ_DEFAULT_BATCH "default" /* where imports that name no batch go (id 0) */

struct lq_project;
struct lq_task;

typedef struct lq_batch {
    uint32_t id;                   /* per project; 0 is the implicit "default" */
    struct lq_project *project;
    char *name;
    int32_t priority;
    Labelq__BatchState state;
    uint64_t created_ms;
    bool pending;                  /* created, record not yet durable */
    unsigned writes;               /* writes in flight that store its record while pending */
    bool changing;                 /* a state or priority change is being stored */
    uint32_t order_pos;            /* index in the project's serving order */
    uint64_t tasks, done, labels, leased;
    uint64_t done_labels;          /* labels on its done tasks (for labels still needed) */
    uint64_t first_task, last_task; /* smallest and largest task id in it; 0: none */
    /* Tasks with free slots, as lq_project describes: "fresh" ones nobody
     * touched, "started" ones a lease may have to skip. */
    lq_heap fresh, started;
    lq_rate rate;                  /* labels, recently */
    lq_agreement_summary agreement; /* as of the project's last background estimate */
} lq_batch;

/* Creates the batch described by rec (its id must be free in p) and puts it
 * in p's by-id table and serving order. Returns NULL when out of memory or
 * p has LQ_MAX_BATCHES batches. */
lq_batch *lq_batch_add(struct lq_project *p, const Labelq__BatchRecord *rec);

/* Takes a batch that never held a task out of its project and frees it
 * (a creation whose write failed). Cannot fail. */
void lq_batch_remove(lq_batch *b);

/* Frees b (project teardown). */
void lq_batch_free(lq_batch *b);

/* Lookups: NULL when absent. by name is O(batches). */
lq_batch *lq_batch_find(const struct lq_project *p, const char *name);
lq_batch *lq_batch_by_id(const struct lq_project *p, uint32_t id);

/* Changes b's priority and moves it in the serving order: O(batches), no
 * task is touched. Cannot fail. */
void lq_batch_set_priority(lq_batch *b, int32_t priority);

/* Whether leases may take b's tasks now. */
bool lq_batch_serving(const lq_batch *b);

/* Tasks waiting in b's heaps (served or not). */
size_t lq_batch_ready(const lq_batch *b);

/* Puts task in the heap of its batch it belongs in (fresh, started or none,
 * when it has no free slot), moving it if needed. Returns 0 or LQ_ENOMEM. */
int lq_batch_requeue(struct lq_task *task);

/* Fills rec (pointing into b) with what is stored of b. Cannot fail. */
void lq_batch_record(const lq_batch *b, Labelq__BatchRecord *rec);

/* Fills info (pointing into b; valid while b lives) with b's state, counts,
 * recent label rate and estimated time to completion (none while b is not
 * being served). The rate counts from
 * since_ms at the earliest (the daemon's start: rates are not stored).
 * Cannot fail. */
void lq_batch_info(const lq_batch *b, uint64_t now_ms, uint64_t since_ms, Labelq__BatchInfo *info);

/* "active", "paused" or "canceled". */
const char *lq_batch_state_name(Labelq__BatchState s);

#endif
