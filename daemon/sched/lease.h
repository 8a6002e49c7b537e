/* Taking tasks for an annotator, and the Lease request (lease.c). Loop
 * thread only.
 *
 * Invariants, per task: leases + labels <= overlap; an annotator holds at
 * most one lease on it and is never offered it again once they held or
 * labeled it; a task is in its batch's ready heaps exactly when it has
 * free slots. */
#ifndef LQ_LEASE_H
#define LQ_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/core/server.h"

/* A LeaseReply made from granted leases. Its strings point into recs, so
 * it lives until lq_lease_build_free. */
typedef struct lq_lease_build {
    Labelq__LeaseReply reply;
    Labelq__LeasedTask *tasks;
    Labelq__LeasedTask **ptrs;
    Labelq__TaskRecord **recs;
} lq_lease_build;

/* Takes up to max tasks of p for c's annotator and builds their reply in
 * b. Returns how many were taken (then free b with lq_lease_build_free),
 * or a negative code with why set and nothing leased: LQ_EPERM (c's
 * account is blocked, or blocked from p by its gold check), LQ_EEXHAUSTED
 * or LQ_EUNAVAIL. */
int lq_lease_tasks(lq_peer *c, lq_project *p, unsigned max, lq_lease_build *b, char *why,
                   size_t len);
void lq_lease_build_free(lq_lease_build *b);

/* A request's max_tasks as served: 0 means 1, capped at max-lease-batch. */
unsigned lq_lease_max(const lq_config *cfg, unsigned requested);

/* Leases up to max tasks of p for c and replies to request id. With none
 * free, replies an empty LeaseReply only when reply_empty. Returns how
 * many tasks it leased, or 1 after replying an error (either way the
 * request is answered when the result is not 0). */
size_t lq_lease_serve(lq_peer *c, uint64_t id, lq_project *p, unsigned max, bool reply_empty);

/* The Lease request: serves it now, or parks it (wait_ms) until tasks
 * come free. */
void lq_sched_lease(lq_peer *c, uint64_t id, const Labelq__Lease *req);

#endif
