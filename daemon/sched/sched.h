/* The scheduler: leases, submits, extensions, releases, expiry and long
 * polls. Loop thread only.
 *
 * Invariants, per task: leases + labels <= overlap; an annotator holds at most
 * one lease on it and is never offered it again once they held or labeled
 * it; a task is in its project's ready heap exactly when it has free slots. */
#ifndef LQ_SCHEDULER_H
#define LQ_SCHEDULER_H

#include "daemon/core/server.h"

void lq_sched_lease(lq_peer *c, uint64_t id, const Labelq__Lease *req);
void lq_sched_submit(lq_peer *c, uint64_t id, const Labelq__Submit *req);
void lq_sched_extend(lq_peer *c, uint64_t id, const Labelq__Extend *req);
void lq_sched_release(lq_peer *c, uint64_t id, const Labelq__Release *req);

/* Serves parked lease requests of p now that tasks may be free. */
void lq_sched_wake(lq_server *srv, lq_project *p);

/* Expires every lease whose deadline passed and re-arms the lease timer. */
void lq_sched_expire(lq_server *srv);

/* Ends every lease annotator holds as a Release would (the tasks may come
 * back to them later), except leases whose submit is being committed, and
 * serves parked lease requests from the freed tasks. Returns how many
 * leases were ended. Cannot fail: without memory for its list it searches
 * the leases once per lease. Costs O(L) for L leases out. */
unsigned lq_sched_release_all(lq_server *srv, uint32_t annotator);

/* Answers every parked lease request (empty) and frees them; for shutdown. */
void lq_sched_cancel_waiters(lq_server *srv);

/* Moves task's done/leased accounting after its labels or leases changed.
 * was_leased/was_done: the task's state before the change. */
void lq_sched_account(lq_task *t, bool was_leased, bool was_done);

#endif
