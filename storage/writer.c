/* The group-commit writer thread (contract in writer.h).
 *
 * Two singly linked lists under one mutex: `queue` (submitted, not yet taken
 * by the thread) and `completed` (applied and committed or failed, waiting
 * for lq_writer_drain). The thread takes the whole queue at once, so every op
 * submitted while a commit was running joins the next commit.
 *
 * A batch is first applied without a nested transaction per op, which costs
 * LMDB a dirty-page list and page copies per op; only when some op fails, or
 * LMDB runs out of room, is it aborted and applied again op by op in nested
 * transactions (apply may run more than once: writer.h). */
/* pthread_setname_np */
#define _GNU_SOURCE
#include "storage/writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "proto/error.h"
#include "storage/store_internal.h"

typedef struct op_list {
    lq_write_op *head, *tail;
} op_list;

struct lq_writer {
    lq_store *st;
    lq_writer_notify_fn notify;
    void *notify_arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    op_list queue;
    op_list completed;
    bool stopping;
    lq_writer_stats stats;
};

/* What one batch did, added to the stats under the mutex afterwards. */
typedef struct batch_result {
    uint64_t commits, grows, max_batch;
} batch_result;

static void list_append(op_list *l, lq_write_op *first, lq_write_op *last)
{
    if (l->tail)
        l->tail->next = first;
    else
        l->head = first;
    l->tail = last;
}

/* Applies op in a nested transaction of parent. Returns 0 when op has its
 * final status, or MDB_MAP_FULL / MDB_TXN_FULL when LMDB ran out of room:
 * then op left no trace and must be retried in a fresh transaction. */
static int apply_one(lq_txn *parent, lq_write_op *op)
{
    lq_txn child;
    int rc = lq__store_child_begin(parent, &child);

    if (rc) {
        op->status = rc;
        return 0;
    }
    rc = op->apply(op, &child);
    /* Checked before rc: an op may swallow a put's error, but its
     * transaction is unusable either way. */
    if (child.full || rc) {
        lq__store_child_abort(&child);
        if (child.full)
            return child.full;
        op->status = rc;
        return 0;
    }
    rc = lq__store_child_commit(&child);
    if (rc && child.full)
        return child.full;
    op->status = rc;
    return 0;
}

static void set_status(lq_write_op *from, lq_write_op *to, int status)
{
    for (lq_write_op *op = from; op != to; op = op->next)
        op->status = status;
}

/* Handles an op that found LMDB full at the start of a transaction or after
 * others. Returns the op to continue with: the same op when a retry may
 * succeed (after growing the map), else the next op, this one having failed
 * with LQ_EUNAVAIL. */
static lq_write_op *handle_full(lq_writer *w, lq_write_op *op, int full, bool was_first,
                                batch_result *res)
{
    if (full == MDB_MAP_FULL) {
        if (lq__store_grow(w->st) == 0) {
            res->grows++;
            return op;
        }
    } else if (!was_first) {
        /* Too many dirty pages: a transaction of its own may fit. */
        return op;
    }
    op->status = LQ_EUNAVAIL;
    return op->next;
}

/* Applies the ops from `pending` on, committing once unless LMDB fills up.
 * Room can run out in two places: in an op (its nested transaction is
 * dropped; the ops before it are committed, the map grows and the op is
 * retried) or in the commit itself (nothing of the transaction is stored; the
 * map grows and all its ops are applied again, so apply may run more than
 * once for an op and only its last run counts). At map_max a commit that
 * does not fit is retried with half as many ops per transaction until the
 * op that does not fit is alone and fails with LQ_EUNAVAIL. */
static void run_batch(lq_writer *w, lq_write_op *pending, batch_result *res)
{
    uint64_t cap = UINT64_MAX; /* ops per transaction */

    while (pending) {
        lq_txn txn;
        lq_write_op *first = pending, *op;
        uint64_t n = 0;
        int full = 0;

        if (lq__store_write_begin(w->st, &txn)) {
            set_status(pending, NULL, LQ_EUNAVAIL);
            return;
        }
        for (op = pending; op && n < cap; op = op->next, n++) {
            full = apply_one(&txn, op);
            if (full)
                break;
        }
        if (n == 0) {
            lq__store_write_abort(&txn);
        } else if (lq__store_write_commit(&txn) == 0) {
            res->commits++;
            if (n > res->max_batch)
                res->max_batch = n;
        } else if (txn.full) {
            if (lq__store_grow(w->st) == 0) {
                res->grows++;
            } else if (n == 1) {
                first->status = LQ_EUNAVAIL;
                first = first->next;
            } else {
                cap = n / 2;
            }
            pending = first;
            continue;
        } else {
            set_status(first, op, LQ_EUNAVAIL);
        }
        pending = full ? handle_full(w, op, full, op == first, res) : op;
    }
}

/* The common case, cheaply: applies every op of the list straight in one
 * write transaction (no nested transaction per op) and commits. Returns true
 * when every op applied and the commit succeeded: each op then has status 0.
 * Returns false, having stored nothing, when any op failed or LMDB ran out of
 * room; run_batch then applies the list again, isolating each op. */
static bool run_batch_direct(lq_writer *w, lq_write_op *pending, batch_result *res)
{
    lq_txn txn;
    uint64_t n = 0;

    if (lq__store_write_begin(w->st, &txn))
        return false;
    for (lq_write_op *op = pending; op; op = op->next, n++) {
        /* txn.full as in apply_one: an op may swallow a put's error. */
        if (op->apply(op, &txn) || txn.full) {
            lq__store_write_abort(&txn);
            return false;
        }
    }
    if (lq__store_write_commit(&txn))
        return false;
    set_status(pending, NULL, 0);
    res->commits++;
    if (n > res->max_batch)
        res->max_batch = n;
    return true;
}

static void *writer_main(void *arg)
{
    lq_writer *w = arg;

    /* Named so that top -H, perf and taskset can tell it from the event
     * loop (at most 15 characters). Only a diagnostic aid: ignore failure. */
    (void)pthread_setname_np(pthread_self(), "labelqd-writer");
    pthread_mutex_lock(&w->mu);
    for (;;) {
        op_list batch;
        batch_result res = {0, 0, 0};
        uint64_t n = 0, failed = 0;

        while (!w->queue.head && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->queue.head)
            break;
        batch = w->queue;
        w->queue = (op_list){NULL, NULL};
        pthread_mutex_unlock(&w->mu);

        if (!run_batch_direct(w, batch.head, &res))
            run_batch(w, batch.head, &res);
        for (lq_write_op *op = batch.head; op; op = op->next) {
            n++;
            failed += op->status != 0;
        }

        pthread_mutex_lock(&w->mu);
        list_append(&w->completed, batch.head, batch.tail);
        w->stats.commits += res.commits;
        w->stats.map_grows += res.grows;
        w->stats.ops += n;
        w->stats.failed += failed;
        if (res.max_batch > w->stats.max_batch)
            w->stats.max_batch = res.max_batch;
        pthread_mutex_unlock(&w->mu);
        /* Outside the mutex: notify may take locks of its own. */
        if (w->notify)
            w->notify(w->notify_arg);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int label_write_apply(lq_write_op *op, lq_txn *txn)
{
    lq_label_write *w = (lq_label_write *)op;
    return w->barrier ? 0 : lq_store_put_label(txn, &w->rec);
}

void lq_label_write_init(lq_label_write *w, void (*done)(lq_write_op *op, int status))
{
    labelq__label_record__init(&w->rec);
    w->barrier = false;
    w->op.apply = label_write_apply;
    w->op.done = done;
}

int lq_writer_start(lq_store *st, lq_writer_notify_fn notify, void *arg, lq_writer **out)
{
    lq_writer *w = calloc(1, sizeof(*w));

    *out = NULL;
    if (!w)
        return LQ_EINTERNAL;
    w->st = st;
    w->notify = notify;
    w->notify_arg = arg;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w)) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return LQ_EINTERNAL;
    }
    *out = w;
    return 0;
}

void lq_writer_submit(lq_writer *w, lq_write_op *op)
{
    op->next = NULL;
    op->status = 0;
    pthread_mutex_lock(&w->mu);
    list_append(&w->queue, op, op);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void lq_writer_drain(lq_writer *w)
{
    lq_write_op *op, *next;

    pthread_mutex_lock(&w->mu);
    op = w->completed.head;
    w->completed = (op_list){NULL, NULL};
    pthread_mutex_unlock(&w->mu);
    /* Unlocked: done may free op (hence next is read first) or submit more. */
    for (; op; op = next) {
        next = op->next;
        op->done(op, op->status);
    }
}

void lq_writer_stop(lq_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
}

void lq_writer_free(lq_writer *w)
{
    if (!w)
        return;
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

void lq_writer_get_stats(lq_writer *w, lq_writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
