/* Finding what a request names, or telling the peer why not: the one
 * place that words "no project named" and "no batch named". Loop thread
 * only. */
#ifndef LQ_LOOKUP_H
#define LQ_LOOKUP_H

#include "daemon/core/server.h"

/* The durable project called name, or NULL after replying NOT_FOUND to
 * request id. */
lq_project *lq_lookup_project(lq_peer *c, uint64_t id, const char *name);

/* The durable batch called name in the project called project, or NULL
 * after replying NOT_FOUND (no such project or batch) or UNAVAILABLE (the
 * batch is still being created). */
lq_batch *lq_lookup_batch(lq_peer *c, uint64_t id, const char *project, const char *name);

/* The task with this id, or NULL after replying NOT_FOUND. */
lq_task *lq_lookup_task(lq_peer *c, uint64_t id, uint64_t task_id);

#endif
