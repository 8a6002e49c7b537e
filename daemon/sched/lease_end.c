/* How a lease ends without a label (release, skip, expiry, revocation, a
 * canceled batch) and how Extend postpones that: the deadline heap and the
 * one timer that drives it. Loop thread only. */
#include "daemon/sched/lease_end.h"

#include <stdlib.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/sched/longpoll.h"
#include "proto/error.h"

static void on_lease_timer(uv_timer_t *t)
{
    lq_sched_expire(t->data);
}

void lq_lease_timer_arm(lq_server *srv)
{
    lq_lease *top = lq_heap_peek(&srv->leases);
    if (!top) {
        uv_timer_stop(&srv->lease_timer);
        return;
    }
    uint64_t now = uv_now(srv->loop);
    srv->lease_timer.data = srv;
    uv_timer_start(&srv->lease_timer, on_lease_timer, top->deadline > now ? top->deadline - now : 0,
                   0);
}

/* Ends a lease without a label (release, skip, expiry, undo). Unless skip,
 * the annotator may be offered the task again later. */
void lq_lease_drop(lq_server *srv, lq_lease *l, bool skip)
{
    lq_task *t = l->task;
    bool was_leased = lq_task_leased(t), was_done = lq_task_done(t);
    lq_heap_remove(&srv->leases, l);
    lq_task_unlink_lease(l);
    t->leases--;
    if (!skip)
        lq_task_unsee(t, l->annotator);
    free(l);
    lq_task_account(t, was_leased, was_done);
    lq_lease_requeue(t);
}

void lq_lease_requeue(lq_task *t)
{
    if (lq_batch_requeue(t) < 0)
        lq_log(LQ_LOG_ERROR, "out of memory requeueing a task; it is served again after a restart",
               "task=%lu", (unsigned long)t->id);
}

/* A lease on a task of a canceled batch ends here: the batch takes no more
 * labels. A submit already being stored was accepted before the cancel and
 * goes on (its retry waits for it as usual). Returns whether l was ended
 * (the error is then sent). */
bool lq_lease_refuse_canceled(lq_peer *c, uint64_t id, lq_lease *l)
{
    lq_batch *b = l->task->batch;
    if (b->state != LABELQ__BATCH_STATE__BATCH_CANCELED || l->committing)
        return false;
    uint64_t task_id = l->task->id;
    lq_lease_drop(c->srv, l, false);
    lq_lease_timer_arm(c->srv);
    lq_peer_error(c, id, LQ_ECONFLICT,
                  "task %lu belongs to batch '%s' of project %s, which was canceled: "
                  "it takes no more labels",
                  (unsigned long)task_id, b->name, b->project->config->name);
    return true;
}

static lq_lease *active_lease(lq_peer *c, uint64_t id, uint64_t task_id)
{
    lq_task *t = lq_lookup_task(c, id, task_id);
    if (!t)
        return NULL;
    lq_lease *l = lq_task_lease(t, c->who->id);
    if (!l) {
        lq_peer_error(c, id, LQ_EEXPIRED,
                      "you hold no lease on task %lu (it expired, was released, or was "
                      "never leased to you)",
                      (unsigned long)task_id);
        return NULL;
    }
    if (l->committing) {
        lq_peer_error(c, id, LQ_ECONFLICT, "task %lu: your submit is being stored",
                      (unsigned long)task_id);
        return NULL;
    }
    return l;
}

void lq_sched_extend(lq_peer *c, uint64_t id, const Labelq__Extend *req)
{
    lq_lease *l = active_lease(c, id, req->task_id);
    if (!l || lq_lease_refuse_canceled(c, id, l))
        return;
    lq_server *srv = c->srv;
    unsigned secs = req->seconds ? req->seconds : l->task->batch->project->config->lease_ttl_s;
    if (secs > LQ_MAX_LEASE_TTL)
        secs = LQ_MAX_LEASE_TTL;
    l->deadline = uv_now(srv->loop) + (uint64_t)secs * 1000;
    lq_heap_update(&srv->leases, l);
    lq_lease_timer_arm(srv);
    Labelq__ExtendReply reply = LABELQ__EXTEND_REPLY__INIT;
    reply.deadline_ms = lq_server_unix_ms(srv, l->deadline);
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_EXTEND_REPLY, &reply);
}

void lq_sched_release(lq_peer *c, uint64_t id, const Labelq__Release *req)
{
    lq_lease *l = active_lease(c, id, req->task_id);
    if (!l)
        return;
    lq_project *p = l->task->batch->project;
    lq_lease_drop(c->srv, l, req->skip);
    lq_lease_timer_arm(c->srv);
    lq_peer_ok(c, id);
    lq_sched_wake(c->srv, p);
}

/* The first lease of annotator in the deadline heap, or NULL. */
static lq_lease *first_lease_of(lq_server *srv, uint32_t annotator)
{
    for (size_t i = 0; i < srv->leases.n; i++) {
        lq_lease *l = srv->leases.v[i];
        if (l->annotator == annotator)
            return l;
    }
    return NULL;
}

/* Ends l as a release and serves the project's parked requests. */
static void give_back(lq_server *srv, lq_lease *l)
{
    lq_project *p = l->task->batch->project;
    lq_lease_drop(srv, l, false);
    if (p->waiters)
        lq_sched_wake(srv, p);
}

unsigned lq_sched_release_all(lq_server *srv, uint32_t annotator)
{
    /* Every lease not being committed is in the deadline heap, and those
     * being committed are left to their commit. Collected first: dropping
     * reorders the heap. */
    unsigned n = 0;
    for (size_t i = 0; i < srv->leases.n; i++)
        n += ((lq_lease *)srv->leases.v[i])->annotator == annotator;
    lq_lease **mine = n ? malloc(n * sizeof(*mine)) : NULL;
    if (mine) {
        size_t k = 0;
        for (size_t i = 0; i < srv->leases.n; i++)
            if (((lq_lease *)srv->leases.v[i])->annotator == annotator)
                mine[k++] = srv->leases.v[i];
        for (size_t i = 0; i < k; i++)
            give_back(srv, mine[i]);
        free(mine);
    } else {
        lq_lease *l;
        while ((l = first_lease_of(srv, annotator)))
            give_back(srv, l);
    }
    lq_lease_timer_arm(srv);
    return n;
}

void lq_sched_expire(lq_server *srv)
{
    uint64_t now = uv_now(srv->loop);
    lq_lease *l;
    unsigned expired = 0;
    while ((l = lq_heap_peek(&srv->leases)) && l->deadline <= now) {
        lq_project *p = l->task->batch->project;
        lq_lease_drop(srv, l, false);
        expired++;
        /* Serve parked requests as tasks come back; cheap when none wait. */
        if (p->waiters)
            lq_sched_wake(srv, p);
    }
    if (expired)
        lq_log(LQ_LOG_DEBUG, "leases expired", "count=%u", expired);
    lq_lease_timer_arm(srv);
}
