/* The Submit request (submit.c). Loop thread only. */
#ifndef LQ_SUBMIT_H
#define LQ_SUBMIT_H

#include "daemon/core/server.h"

/* Checks the label against the task's project, finds the annotator's lease
 * and hands the label to the writer; the reply comes once it is stored
 * (label_stored.c). Errors are replied. Idempotent per (task, annotator):
 * a retried submit gets the same answer. */
void lq_sched_submit(lq_peer *c, uint64_t id, const Labelq__Submit *req);

#endif
