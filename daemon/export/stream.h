/* Streaming export of a project's done tasks as JSONL.
 *
 * Chunks are built from read transactions on libuv's thread pool, one chunk
 * at a time; the next chunk is only read once the connection's write queue
 * is below its bound, so memory stays flat for any dataset size. */
#ifndef LQ_EXPORT_H
#define LQ_EXPORT_H

#include "daemon/core/server.h"

void lq_export_start(lq_peer *c, uint64_t id, const Labelq__Export *req);

#endif
