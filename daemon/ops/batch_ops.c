#include "daemon/ops/batch_ops.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/sched/longpoll.h"
#include "proto/error.h"

/* One batch record to store, and what to do once it is durable. */
typedef struct batch_op {
    lq_write_op op;
    lq_peer *conn;
    uint64_t req_id;
    lq_batch *batch;
    Labelq__BatchRecord rec;         /* what is stored; name points into batch */
    Labelq__UpdateBatch__Action action; /* NONE: the batch is being created */
} batch_op;

static int batch_apply(lq_write_op *op, lq_txn *txn)
{
    return lq_store_put_batch(txn, &((batch_op *)op)->rec);
}

static void send_info(lq_peer *c, uint64_t id, const lq_batch *b)
{
    Labelq__BatchInfo info;
    lq_batch_info(b, lq_now_ms(), c->srv->started_ms, &info);
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_BATCH_INFO, &info);
}

static batch_op *batch_op_new(lq_peer *c, uint64_t id, lq_batch *b,
                              void (*done)(lq_write_op *, int))
{
    batch_op *o = calloc(1, sizeof(*o));
    if (!o) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return NULL;
    }
    o->op.apply = batch_apply;
    o->op.done = done;
    o->conn = c;
    o->req_id = id;
    o->batch = b;
    lq_batch_record(b, &o->rec);
    lq_peer_write_begin(c);
    return o;
}

static void batch_op_free(batch_op *o)
{
    lq_peer_write_end(o->conn);
    free(o);
}

void lq_batch_ops_write_ended(lq_batch *b, int status)
{
    b->writes--;
    if (status == 0)
        b->pending = false;
    else if (b->pending && b->writes == 0 && b->tasks == 0 && !b->first_task)
        lq_batch_remove(b);
}

static void batch_created(lq_write_op *op, int status)
{
    batch_op *o = (batch_op *)op;
    lq_batch *b = o->batch;
    if (status == 0) {
        lq_log(LQ_LOG_INFO, "batch created", "project=%s batch=%s priority=%d",
               b->project->config->name, b->name, b->priority);
        lq_batch_ops_write_ended(b, status);
        send_info(o->conn, o->req_id, b);
    } else {
        lq_peer_error(o->conn, o->req_id, status, "batch '%s' not created: %s", b->name,
                           lq_strerror(status));
        lq_batch_ops_write_ended(b, status);
    }
    batch_op_free(o);
}

/* Makes a pending batch in p (durable once a write carrying its record
 * commits). Returns NULL after replying with the error. */
static lq_batch *new_batch(lq_peer *c, uint64_t id, lq_project *p, uint32_t batch_id,
                           const char *name, int32_t priority)
{
    if (!lq_valid_name(name)) {
        lq_peer_error(c, id, LQ_EBADREQ,
                           "batch name must be 1-%d characters of letters, digits, '_', '.', "
                           "'-' or '@'",
                           LQ_MAX_NAME_LEN);
        return NULL;
    }
    if (p->n_batches >= LQ_MAX_BATCHES) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "project %s has %d batches, the most it may have",
                           p->config->name, LQ_MAX_BATCHES);
        return NULL;
    }
    Labelq__BatchRecord rec = LABELQ__BATCH_RECORD__INIT;
    rec.id = batch_id;
    rec.project_id = p->id;
    rec.name = (char *)name;
    rec.priority = priority;
    rec.created_ms = lq_now_ms();
    lq_batch *b = lq_batch_add(p, &rec);
    if (!b) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return NULL;
    }
    b->pending = true;
    return b;
}

static void batch_changed(lq_write_op *op, int status);

/* Stores a change to b: the new state and priority are the record's, set
 * in memory when the write is durable. */
static void change(lq_peer *c, uint64_t id, lq_batch *b, Labelq__UpdateBatch__Action action,
                   int32_t priority)
{
    batch_op *o = batch_op_new(c, id, b, batch_changed);
    if (!o)
        return;
    o->action = action;
    switch (action) {
    case LABELQ__UPDATE_BATCH__ACTION__PAUSE: o->rec.state = LABELQ__BATCH_STATE__BATCH_PAUSED; break;
    case LABELQ__UPDATE_BATCH__ACTION__RESUME: o->rec.state = LABELQ__BATCH_STATE__BATCH_ACTIVE; break;
    case LABELQ__UPDATE_BATCH__ACTION__CANCEL: o->rec.state = LABELQ__BATCH_STATE__BATCH_CANCELED; break;
    default: o->rec.priority = priority; break;
    }
    b->changing = true;
    lq_writer_submit(c->srv->writer, &o->op);
}

static void batch_changed(lq_write_op *op, int status)
{
    batch_op *o = (batch_op *)op;
    lq_batch *b = o->batch;
    lq_server *srv = o->conn->srv;
    b->changing = false;
    if (status < 0) {
        lq_peer_error(o->conn, o->req_id, status,
                           "batch '%s' not changed (nothing was stored): %s; retry", b->name,
                           lq_strerror(status));
        batch_op_free(o);
        return;
    }
    Labelq__BatchState was = b->state;
    b->state = o->rec.state;
    if (b->priority != o->rec.priority)
        lq_batch_set_priority(b, o->rec.priority);
    lq_log(LQ_LOG_INFO, "batch changed", "project=%s batch=%s state=%s priority=%d",
           b->project->config->name, b->name, lq_batch_state_name(b->state), b->priority);
    send_info(o->conn, o->req_id, b);
    /* Parked leases may now find work: resumed, or moved ahead of a batch
     * they had seen everything of. */
    if (lq_batch_serving(b) && (was != b->state || o->action == LABELQ__UPDATE_BATCH__ACTION__PRIORITY))
        lq_sched_wake(srv, b->project);
    batch_op_free(o);
}

/* Refuses new items for b when it was canceled. Returns whether it did. */
static bool refuse_items(lq_peer *c, uint64_t id, const lq_batch *b)
{
    if (b->state != LABELQ__BATCH_STATE__BATCH_CANCELED)
        return false;
    lq_peer_error(c, id, LQ_ECONFLICT,
                       "batch '%s' of project %s was canceled; it takes no more items", b->name,
                       b->project->config->name);
    return true;
}

/* Refuses a change to b while b cannot take one. Returns whether it did. */
static bool busy(lq_peer *c, uint64_t id, const lq_batch *b)
{
    if (b->pending) {
        lq_peer_error(c, id, LQ_EUNAVAIL, "batch '%s' is still being created; retry",
                           b->name);
        return true;
    }
    if (b->changing) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "another change to batch '%s' is being stored; retry", b->name);
        return true;
    }
    return false;
}

void lq_batch_ops_create(lq_peer *c, uint64_t id, const Labelq__CreateBatch *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    lq_batch *b = lq_batch_find(p, req->name);
    if (b && !req->append) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "project %s already has a batch named '%s' (add to it with --append)",
                           p->config->name, req->name);
        return;
    }
    if (b) {
        if (refuse_items(c, id, b))
            return;
        if (busy(c, id, b))
            return;
        if (req->has_priority && req->priority != b->priority)
            change(c, id, b, LABELQ__UPDATE_BATCH__ACTION__PRIORITY, req->priority);
        else
            send_info(c, id, b);
        return;
    }
    b = new_batch(c, id, p, p->next_batch_id, req->name, req->has_priority ? req->priority : 0);
    if (!b)
        return;
    batch_op *o = batch_op_new(c, id, b, batch_created);
    if (!o) {
        lq_batch_remove(b);
        return;
    }
    b->writes++;
    lq_writer_submit(c->srv->writer, &o->op);
}

void lq_batch_ops_list(lq_peer *c, uint64_t id, const Labelq__ListBatches *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    uint32_t n = p->n_batches ? p->n_batches : 1;
    Labelq__BatchInfo *infos = calloc(n, sizeof(*infos));
    Labelq__BatchInfo **ptrs = calloc(n, sizeof(*ptrs));
    if (!infos || !ptrs) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        free(infos);
        free(ptrs);
        return;
    }
    Labelq__ListBatchesReply reply = LABELQ__LIST_BATCHES_REPLY__INIT;
    uint64_t now = lq_now_ms();
    for (uint32_t i = 0; i < p->n_batches; i++) {
        if (p->order[i]->pending)
            continue; /* not durable yet: not there */
        lq_batch_info(p->order[i], now, c->srv->started_ms, &infos[reply.n_batches]);
        ptrs[reply.n_batches] = &infos[reply.n_batches];
        reply.n_batches++;
    }
    reply.batches = ptrs;
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_LIST_BATCHES_REPLY, &reply);
    free(infos);
    free(ptrs);
}

void lq_batch_ops_get(lq_peer *c, uint64_t id, const Labelq__GetBatch *req)
{
    lq_batch *b = lq_lookup_batch(c, id, req->project, req->name);
    if (b)
        send_info(c, id, b);
}

void lq_batch_ops_update(lq_peer *c, uint64_t id, const Labelq__UpdateBatch *req)
{
    lq_batch *b = lq_lookup_batch(c, id, req->project, req->name);
    if (!b || busy(c, id, b))
        return;
    Labelq__BatchState s = b->state;
    bool canceled = s == LABELQ__BATCH_STATE__BATCH_CANCELED, same;
    switch (req->action) {
    case LABELQ__UPDATE_BATCH__ACTION__PAUSE: same = s == LABELQ__BATCH_STATE__BATCH_PAUSED; break;
    case LABELQ__UPDATE_BATCH__ACTION__RESUME: same = s == LABELQ__BATCH_STATE__BATCH_ACTIVE; break;
    case LABELQ__UPDATE_BATCH__ACTION__CANCEL: same = canceled; break;
    case LABELQ__UPDATE_BATCH__ACTION__PRIORITY: same = !canceled && req->priority == b->priority; break;
    default:
        lq_peer_error(c, id, LQ_EBADREQ, "UpdateBatch needs an action (pause, resume, "
                                              "cancel or priority)");
        return;
    }
    if (same) {
        send_info(c, id, b); /* nothing to change */
        return;
    }
    if (canceled) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "batch '%s' of project %s was canceled; a canceled batch cannot be "
                           "resumed, paused or reprioritized (nothing changed)",
                           b->name, b->project->config->name);
        return;
    }
    change(c, id, b, req->action, req->priority);
}

lq_batch *lq_batch_ops_for_import(lq_peer *c, uint64_t id, lq_project *p, const char *name)
{
    const char *want = name[0] ? name : LQ_DEFAULT_BATCH;
    lq_batch *b = lq_batch_find(p, want);
    if (!b && name[0]) {
        lq_peer_error(c, id, LQ_ENOTFOUND,
                           "no batch named '%s' in project %s (create it first: CreateBatch, "
                           "as 'labelq import --batch' does)",
                           name, p->config->name);
        return NULL;
    }
    if (!b) /* id 0 when free: the batch stores made before batches used */
        b = new_batch(c, id, p, lq_batch_by_id(p, 0) ? p->next_batch_id : 0, want, 0);
    return b && !refuse_items(c, id, b) ? b : NULL;
}
