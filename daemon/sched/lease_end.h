/* Ending leases without a label, and postponing that end (lease_end.c).
 * Loop thread only. */
#ifndef LQ_LEASE_END_H
#define LQ_LEASE_END_H

#include <stdbool.h>

#include "daemon/core/server.h"

/* Re-arms the server's lease timer for the earliest deadline. */
void lq_lease_timer_arm(lq_server *srv);

/* Ends a lease without a label (release, skip, expiry, undo); unless skip,
 * the annotator may be offered the task again later. Frees l. The caller
 * re-arms the lease timer. */
void lq_lease_drop(lq_server *srv, lq_lease *l, bool skip);

/* Puts t back in its batch's queue as its state says (lq_batch_requeue).
 * Out of memory for the queue, t is left out of it until a restart
 * rebuilds the queues; that is logged. Cannot fail otherwise. */
void lq_lease_requeue(lq_task *t);

/* Ends l when its task's batch was canceled and replies CONFLICT (a submit
 * already being stored goes on). Returns whether it did. */
bool lq_lease_refuse_canceled(lq_peer *c, uint64_t id, lq_lease *l);

void lq_sched_extend(lq_peer *c, uint64_t id, const Labelq__Extend *req);
void lq_sched_release(lq_peer *c, uint64_t id, const Labelq__Release *req);

/* Ends every lease annotator holds as a Release would (the tasks may come
 * back to them later), except leases whose submit is being committed, and
 * serves parked lease requests from the freed tasks. Returns how many
 * leases were ended. Cannot fail: without memory for its list it searches
 * the leases once per lease. Costs O(L) for L leases out. */
unsigned lq_sched_release_all(lq_server *srv, uint32_t annotator);

/* Expires every lease whose deadline passed and re-arms the lease timer. */
void lq_sched_expire(lq_server *srv);

#endif
