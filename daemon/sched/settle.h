/* A task's current consensus, computed from its stored labels. Used where
 * the scheduler must judge agreement (dynamic overlap) and at start-up. */
#ifndef LQ_CONSENSUS_H
#define LQ_CONSENSUS_H

#include "daemon/model/project.h"
#include "quality/majority.h"
#include "storage/store.h"

/* Majority vote over the labels of task_id stored in txn, under p's schema.
 * Returns 0 and *out, or an LQ_E* code from storage. */
int lq_consensus_of(lq_txn *txn, const lq_project *p, uint64_t task_id, lq_vote *out);

/* Sets what task still needs after its labels changed, judging agreement
 * from the store when dynamic overlap may ask for more. Call with a read
 * transaction that sees the task's labels. Returns 0 or a storage error
 * (the task then keeps what it needed). */
int lq_consensus_settle(lq_txn *txn, lq_task *task);

#endif
