/* Admin requests on batches: create, list, get, pause/resume/cancel/
 * reprioritize; and the batch an import chunk goes to. Every change is
 * stored before it takes effect and before the reply. Loop thread only. */
#ifndef LQ_BATCH_OPS_H
#define LQ_BATCH_OPS_H

#include "daemon/core/server.h"

void lq_batch_ops_create(lq_peer *c, uint64_t id, const Labelq__CreateBatch *req);
void lq_batch_ops_list(lq_peer *c, uint64_t id, const Labelq__ListBatches *req);
void lq_batch_ops_get(lq_peer *c, uint64_t id, const Labelq__GetBatch *req);
void lq_batch_ops_update(lq_peer *c, uint64_t id, const Labelq__UpdateBatch *req);

/* The batch an import chunk naming name joins: that batch, or for an empty
 * name the project's "default", made (pending) when it does not exist yet.
 * Returns NULL after replying with the error: unknown batch, canceled batch,
 * out of memory. */
lq_batch *lq_batch_ops_for_import(lq_peer *c, uint64_t id, lq_project *p, const char *name);

/* A write carrying pending batch b's record (b->writes counted it) ended
 * with status: the first success makes the batch durable and visible; when
 * every such write failed and no task joined it, it is removed as if it
 * never was (b is then freed). Cannot fail. */
void lq_batch_ops_write_ended(lq_batch *b, int status);

#endif
