/* A project: its label schema, its ready queue and its counters. */
#ifndef LQ_PROJECT_H
#define LQ_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/model/batch.h"
#include "daemon/model/heap.h"
#include "daemon/model/task.h"
#include "proto/labelq.pb-c.h"
#include "schema/label_value.h"

#define LQ_MAX_OVERLAP 100
#define LQ_MAX_INSTRUCTIONS 65536
#define LQ_DEFAULT_OVERLAP 3
#define LQ_DEFAULT_LEASE_TTL 600
#define LQ_MAX_LEASE_TTL 86400

struct lq_waiter;

typedef struct lq_project {
    uint32_t id;
    Labelq__ProjectConfig *config; /* owned (protobuf-c unpacked) */
    uint32_t overlap;              /* == config->overlap, kept hot for the scheduler */
    uint64_t created_ms;
    bool pending;                  /* created, not yet durable: invisible */
    bool estimating;               /* a background consensus estimate is running */
    bool estimate_again;           /* ...and another is wanted when it ends */
    uint64_t labels_since_estimate;
    uint64_t estimate_started;     /* uv_now() when the running estimate began */
    uint64_t estimate_quiet_until; /* uv_now() before which no label starts another */
    uint64_t tasks, done, labels, leased; /* leased: not-done tasks with a lease out */
    /* The ready queue lives in the batches (batch.h). Each keeps its tasks
     * with free slots in two heaps, ordered by priority desc, id asc. A task
     * nobody has touched is "fresh": any annotator may take the top one, so
     * a lease never has to skip it. Once leased it moves to "started", where
     * a lease skips what the annotator has seen. Keeping them apart bounds
     * the skipping by the work in progress, not by the queue's depth. */
    lq_batch **batches;            /* by id; NULL holes */
    uint32_t n_batch_ids;          /* length of batches */
    lq_batch **order;              /* serving order: priority desc, id asc */
    uint32_t n_batches, order_cap;
    uint32_t next_batch_id;        /* 0 is the implicit "default" */
    lq_agreement_summary agreement; /* as of the last background estimate */
    lq_task **gold;                /* the gold pool, import order (gold_ratio > 0) */
    uint32_t n_gold, gold_cap;
    struct lq_waiter *waiters;     /* parked lease requests, oldest first */
    struct lq_waiter *waiters_tail;
} lq_project;

/* Whether s is a usable project or annotator name: 1-64 of [A-Za-z0-9_.@-]. */
bool lq_valid_name(const char *s);

/* Checks a project configuration a client sent and fills in defaults
 * (overlap, lease TTL). Returns 0, or LQ_EBADREQ with the reason in err. */
int lq_project_config_check(Labelq__ProjectConfig *cfg, char *err, size_t errlen);

/* Creates the in-memory project from its stored record (config is copied).
 * Returns NULL when out of memory. */
lq_project *lq_project_new(const Labelq__ProjectRecord *rec);
void lq_project_free(lq_project *p);

/* Whether a task with this many labels, agreeing this much (share of
 * agreeing annotator pairs), has all it needs under cfg: at least overlap
 * labels, and the agreement target met or max_overlap labels reached.
 * Pure: the export's worker threads call it too. */
bool lq_project_enough(const Labelq__ProjectConfig *cfg, uint32_t labels, double agreement);

/* Whether cfg asks for more labels when they disagree. */
bool lq_project_dynamic(const Labelq__ProjectConfig *cfg);

/* Index of label in p's schema, or -1 (LQ_EBADREQ) when it is not one of
 * its labels: lq_label_index on p's labels. */
int lq_project_label_index(const lq_project *p, const char *label);

/* Queue order: whether a should be served before b. */
int lq_task_before(const void *a, const void *b);

/* Takes task (gold field set) into batch b of its project: a gold item
 * into the project's gold pool when it mixes gold in, anything else into
 * the task counts. Queueing is the caller's (lq_batch_requeue), once the
 * task's labels are known. Returns 0 or LQ_ENOMEM. */
int lq_project_adopt(lq_batch *b, lq_task *task);

/* Tasks waiting in the batches being served (O(batches)). Cannot fail. */
size_t lq_project_ready(const lq_project *p);

/* Fills info (pointing into p; valid while p lives) with config and counts;
 * active_annotators comes from lq_project_count_active. Cannot fail. */
void lq_project_info(const lq_project *p, uint32_t active_annotators, Labelq__ProjectInfo *info);

/* Fills info with what an annotator may read of p, pointing into cfg and
 * p (valid while both live): the settings labeling needs (name, type,
 * labels, instructions, lease TTL, the numeric range, the spans or boxes
 * field, the longest text) and created_ms. No counts, no agreement
 * figures, no overlap or gold settings: nothing that moves differently
 * when a gold item is leased or labeled, and nothing of how answers are
 * judged. Cannot fail. */
void lq_project_annotator_info(const lq_project *p, Labelq__ProjectConfig *cfg,
                               Labelq__ProjectInfo *info);

/* Counts the distinct annotators holding a lease in each project, over
 * leases (the server's deadline heap of lq_lease *): active[id] for each
 * project id below n_projects. Computed on request rather than kept per
 * lease: one pass collects (project, annotator) pairs, a sort brings equal
 * pairs together and a second pass counts the runs, so a request costs
 * O(L log L) time and O(L) memory for L leases, however many projects there
 * are. A lease whose submit is being committed has left the heap and is not
 * counted. Returns 0 or LQ_ENOMEM. */
int lq_project_count_active(const lq_heap *leases, uint32_t *active, uint32_t n_projects);

/* The same count for p alone, into *out: O(L + Lp log Lp) for the Lp leases
 * in p. Returns 0 or LQ_ENOMEM. */
int lq_project_active(const lq_heap *leases, const lq_project *p, uint32_t *out);

#endif
