/* Parked Lease requests (longpoll.c). Loop thread only. */
#ifndef LQ_LONGPOLL_H
#define LQ_LONGPOLL_H

#include <stdint.h>

#include "daemon/core/server.h"

/* Parks request id of c for up to max tasks of p, answered by
 * lq_sched_wake or with an empty LeaseReply after wait_ms. arrived is the
 * request's lq_metrics_clock(). Replies RESOURCE_EXHAUSTED when c has
 * max-parked-per-connection requests parked already, or out of memory. */
void lq_longpoll_park(lq_peer *c, uint64_t id, lq_project *p, unsigned max, unsigned wait_ms,
                      uint64_t arrived);

/* Serves parked lease requests of p, oldest first, while p has tasks free. */
void lq_sched_wake(lq_server *srv, lq_project *p);

/* Answers every lease request of a's peers parked in any project with
 * PERMISSION_DENIED and closes those peers, as a blocked account's
 * requests are answered (dispatch.c). Returns how many were parked. Cannot
 * fail. */
unsigned lq_longpoll_refuse(lq_server *srv, const lq_annotator *a);

/* Answers every parked lease request (empty) and frees them; for shutdown. */
void lq_sched_cancel_waiters(lq_server *srv);

#endif
