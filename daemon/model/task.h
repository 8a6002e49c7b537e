/* In-memory task state: what the scheduler needs to hand out work without
 * touching disk. Payloads stay in LMDB; a task here is ~64 bytes plus the
 * annotators who have touched it. */
#ifndef LQ_TASK_H
#define LQ_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lq_batch;
typedef struct lq_lease lq_lease;

/* An annotator the scheduler must not offer the task (again): they hold a
 * lease on it, labeled it, or skipped it. An expired or plainly released
 * lease removes the entry, so the task can come back to them. */
typedef struct lq_seen {
    uint32_t annotator;
    bool labeled;
} lq_seen;

typedef struct lq_task {
    uint64_t id;                /* 0: empty slot */
    struct lq_batch *batch;     /* its batch, and through it its project */
    int32_t priority;
    uint32_t labels;            /* labels stored */
    uint32_t needed;            /* labels it needs now; 0: the project's overlap.
                                 * Dynamic overlap raises it when labels disagree. */
    uint32_t leases;            /* leases out (active or committing) */
    uint32_t ready_pos;         /* position in the project's ready heap, 0 = not queued */
    uint32_t seen_n, seen_cap;
    uint16_t gold;              /* the gold answer's label index + 1; 0: not gold */
    lq_seen *seen;
    lq_lease *lease_list;       /* this task's leases */
} lq_task;

/* A lease lives only in memory: after a restart every lease is expired. */
struct lq_lease {
    lq_task *task;
    uint32_t annotator;
    uint64_t deadline;          /* loop time (uv_now), ms */
    uint32_t heap_pos;          /* in the server's deadline heap; 0 while committing */
    bool committing;            /* a submit for it is with the writer */
    uint32_t gold_index;        /* pool index, when taken from the annotator's gold walk;
                                 * else LQ_NOT_GOLD */
    lq_lease *next;             /* next lease of the same task */
};

#define LQ_NOT_GOLD UINT32_MAX

/* Task storage indexed by id in fixed blocks, so a task's address never
 * changes (leases and heaps point at tasks) while the table grows. */
typedef struct lq_task_table {
    lq_task **blocks;
    size_t n_blocks;
    uint64_t count;
} lq_task_table;

void lq_task_table_init(lq_task_table *t);
void lq_task_table_free(lq_task_table *t);

/* The task with this id, or NULL. Cannot fail. */
lq_task *lq_task_table_get(const lq_task_table *t, uint64_t id);

/* Creates the slot for id (which must be new) and returns it zeroed but for
 * id, or NULL when out of memory. */
lq_task *lq_task_table_add(lq_task_table *t, uint64_t id);

/* The seen entry of annotator on task, or NULL. */
lq_seen *lq_task_seen(lq_task *task, uint32_t annotator);

/* Marks annotator as seen (labeled or not). Returns the entry or NULL (ENOMEM). */
lq_seen *lq_task_mark_seen(lq_task *task, uint32_t annotator);

/* Forgets annotator on task (nothing when absent). Cannot fail. */
void lq_task_unsee(lq_task *task, uint32_t annotator);

/* The lease annotator holds on task, or NULL. */
lq_lease *lq_task_lease(lq_task *task, uint32_t annotator);

/* Takes l out of its task's lease list (not out of any deadline heap). */
void lq_task_unlink_lease(lq_lease *l);

/* Whether task is not done and has a lease out. Cannot fail. */
bool lq_task_leased(const lq_task *task);

/* Moves the leased and done counts of task's batch and project after its
 * labels or leases changed; was_leased and was_done are lq_task_leased
 * and lq_task_done from before the change. Pooled gold counts nowhere.
 * Cannot fail. */
void lq_task_account(lq_task *task, bool was_leased, bool was_done);

/* Labels the task needs now: the project's overlap, or more under dynamic
 * overlap. Cannot fail. */
uint32_t lq_task_needed(const lq_task *task);

/* Slots still open: needed minus labels minus leases out (never negative). */
uint32_t lq_task_free_slots(const lq_task *task);

/* Whether the task has all the labels it needs. A pooled gold task never
 * has: it is served to every annotator once instead. */
bool lq_task_done(const lq_task *task);

/* Whether task is a gold item held in its project's gold pool (the project
 * mixes gold in at a ratio) rather than queued as a regular task. */
bool lq_task_pooled(const lq_task *task);

#endif
