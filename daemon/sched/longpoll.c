/* Long polls: Lease requests with wait_ms that found nothing park on
 * their project, in arrival order, until tasks come free (an import, a
 * release, an expiry, a resumed batch) or their wait ends, or are refused
 * when their account is blocked. Loop thread only. */
#include "daemon/sched/longpoll.h"

#include <stdlib.h>

#include "daemon/sched/lease.h"
#include "proto/error.h"

typedef struct lq_waiter {
    uv_timer_t timer;
    lq_peer *conn;
    uint64_t req_id;
    lq_project *project;
    unsigned max_tasks;
    uint64_t arrived; /* lq_metrics_clock() when the request came */
    struct lq_waiter *prev, *next;
} lq_waiter;

static void waiter_closed(uv_handle_t *h)
{
    lq_waiter *w = h->data;
    w->conn->parked--;
    lq_peer_unref(w->conn);
    free(w);
}

static void waiter_remove(lq_waiter *w)
{
    lq_project *p = w->project;
    if (w->prev)
        w->prev->next = w->next;
    else
        p->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        p->waiters_tail = w->prev;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, waiter_closed);
}

static void waiter_timeout(uv_timer_t *t)
{
    lq_waiter *w = t->data;
    Labelq__LeaseReply reply = LABELQ__LEASE_REPLY__INIT;
    lq_peer_reply(w->conn, w->req_id, LABELQ__ENVELOPE__BODY_LEASE_REPLY, &reply);
    lq_metrics_observe(w->conn->srv, LQ_H_LEASE, w->arrived);
    waiter_remove(w);
}

void lq_longpoll_park(lq_peer *c, uint64_t id, lq_project *p, unsigned max, unsigned wait_ms,
                      uint64_t arrived)
{
    if (!lq_peer_may_park(c)) {
        lq_peer_error(c, id, LQ_EEXHAUSTED,
                      "this connection has %u lease requests waiting for work, the most it may "
                      "have; wait for one to be answered",
                      c->parked);
        return;
    }
    lq_waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    c->parked++;
    w->conn = c;
    w->req_id = id;
    w->project = p;
    w->max_tasks = max;
    w->arrived = arrived;
    w->timer.data = w;
    lq_peer_ref(c);
    uv_timer_init(c->srv->loop, &w->timer);
    uv_timer_start(&w->timer, waiter_timeout, wait_ms, 0);
    w->prev = p->waiters_tail;
    if (p->waiters_tail)
        p->waiters_tail->next = w;
    else
        p->waiters = w;
    p->waiters_tail = w;
}

void lq_sched_wake(lq_server *srv, lq_project *p)
{
    lq_waiter *w = p->waiters;
    while (w && lq_project_ready(p) > 0) {
        lq_waiter *next = w->next;
        if (w->conn->closing) {
            waiter_remove(w);
        } else if (lq_lease_serve(w->conn, w->req_id, p, w->max_tasks, false) > 0) {
            lq_metrics_observe(srv, LQ_H_LEASE, w->arrived);
            waiter_remove(w);
        }
        w = next;
    }
}

unsigned lq_longpoll_refuse(lq_server *srv, const lq_annotator *a)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < srv->n_projects; i++) {
        lq_project *p = srv->projects[i];
        lq_waiter *next;
        for (lq_waiter *w = p ? p->waiters : NULL; w; w = next) {
            next = w->next;
            if (w->conn->who != a)
                continue;
            /* A second waiter on a peer closed here gets nothing: the
             * peer is closing. */
            lq_peer_error(w->conn, w->req_id, LQ_EPERM, "annotator '%s' is blocked", a->name);
            lq_peer_close(w->conn, "blocked");
            lq_metrics_observe(srv, LQ_H_LEASE, w->arrived);
            waiter_remove(w);
            n++;
        }
    }
    return n;
}

void lq_sched_cancel_waiters(lq_server *srv)
{
    for (uint32_t i = 0; i < srv->n_projects; i++) {
        lq_project *p = srv->projects[i];
        while (p && p->waiters)
            waiter_timeout(&p->waiters->timer);
    }
}
