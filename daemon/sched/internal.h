/* What the scheduler's files share (scheduler.c: leases, queues, long
 * polls, expiry; submit.c: the submit path) and nobody else uses. Internal
 * names carry the lq__ prefix. Loop thread only. */
#ifndef LQ_SCHED_INTERNAL_H
#define LQ_SCHED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/core/server.h"

/* A LeaseReply made from granted leases. Its strings point into recs, so
 * it lives until lq__lease_build_free. */
typedef struct lease_build {
    Labelq__LeaseReply reply;
    Labelq__LeasedTask *tasks;
    Labelq__LeasedTask **ptrs;
    Labelq__TaskRecord **recs;
} lease_build;

/* Whether t is not done and has a lease out. */
bool lq__task_leased(const lq_task *t);

/* Re-arms the server's lease timer for the earliest deadline. */
void lq__arm_lease_timer(lq_server *srv);

/* Takes l out of its task's lease list (not out of the deadline heap). */
void lq__unlink_lease(lq_lease *l);

/* Ends a lease without a label (release, skip, expiry, undo); unless skip,
 * the annotator may be offered the task again later. Frees l. */
void lq__drop_lease(lq_server *srv, lq_lease *l, bool skip);

/* Takes up to max tasks of p for c's annotator and builds their reply in
 * b. Returns how many were taken (then free b with lq__lease_build_free),
 * or a negative code with why set and nothing leased: LQ_EPERM (blocked
 * from p by its gold check), LQ_EEXHAUSTED or LQ_EUNAVAIL. */
int lq__lease_tasks(lq_peer *c, lq_project *p, unsigned max, lease_build *b, char *why,
                    size_t len);
void lq__lease_build_free(lease_build *b);

/* A request's max_tasks as served: 0 means 1, capped at max-lease-batch. */
unsigned lq__lease_max(const lq_config *cfg, unsigned requested);

/* The task with this id, or NULL after replying NOT_FOUND. */
lq_task *lq__task_for(lq_peer *c, uint64_t id, uint64_t task_id);

/* Ends l when its task's batch was canceled and replies CONFLICT (a submit
 * already being stored goes on). Returns whether it did. */
bool lq__refuse_canceled(lq_peer *c, uint64_t id, lq_lease *l);

#endif
