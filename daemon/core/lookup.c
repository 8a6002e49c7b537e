/* Request lookups; see lookup.h. The names quoted in the messages are a
 * request's strings, which net/frame_check.c has checked are UTF-8
 * without NUL before any handler runs; lq_peer_error escapes anything
 * else all the same. */
#include "daemon/core/lookup.h"

#include "proto/error.h"

lq_project *lq_lookup_project(lq_peer *c, uint64_t id, const char *name)
{
    lq_project *p = lq_server_project(c->srv, name);
    if (!p)
        lq_peer_error(c, id, LQ_ENOTFOUND, "no project named '%s'", name);
    return p;
}

lq_batch *lq_lookup_batch(lq_peer *c, uint64_t id, const char *project, const char *name)
{
    lq_project *p = lq_lookup_project(c, id, project);
    if (!p)
        return NULL;
    lq_batch *b = lq_batch_find(p, name);
    if (!b)
        lq_peer_error(c, id, LQ_ENOTFOUND, "no batch named '%s' in project %s", name,
                      p->config->name);
    else if (b->pending) /* it may yet vanish, if storing it fails */
        lq_peer_error(c, id, LQ_EUNAVAIL, "batch '%s' is still being created; retry", b->name);
    return b && !b->pending ? b : NULL;
}

lq_task *lq_lookup_task(lq_peer *c, uint64_t id, uint64_t task_id)
{
    lq_task *t = lq_task_table_get(&c->srv->tasks, task_id);
    if (!t)
        lq_peer_error(c, id, LQ_ENOTFOUND, "task %lu does not exist", (unsigned long)task_id);
    return t;
}
