/* The group-commit writer: one thread that owns every LMDB write.
 *
 * The event loop queues operations and never waits on disk. The writer takes
 * everything queued since its last commit, applies the operations in one write
 * transaction (an operation that fails leaves no trace while its neighbours
 * commit: the batch is then applied again with each operation in a nested
 * transaction of its own), commits once, and then tells the loop
 * (notify) that completed operations are ready. The loop calls
 * lq_writer_drain, which runs each operation's done callback in submit order.
 * An acknowledgement sent from done is therefore sent only after its commit.
 *
 * When the map is full the writer commits what it has, grows the map and
 * retries; if an operation still cannot be written it completes with
 * LQ_EUNAVAIL and nothing of it is stored. */
#ifndef LQ_WRITER_H
#define LQ_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/store.h"

typedef struct lq_writer lq_writer;
typedef struct lq_write_op lq_write_op;

struct lq_write_op {
    /* Writer thread, inside the batch's write transaction. Returns 0, or a
     * negative code that becomes the op's status (its writes are undone).
     * May run more than once for one op (after the map grew, the whole
     * transaction is applied again): only the last run counts, so apply
     * touches nothing but the transaction and its own op's fields. */
    int (*apply)(lq_write_op *op, lq_txn *txn);
    /* Loop thread, from lq_writer_drain, after the commit (or failure).
     * status is apply's result, or LQ_EUNAVAIL when the commit failed. The op
     * may be freed here. */
    void (*done)(lq_write_op *op, int status);
    int status;        /* private to the writer */
    lq_write_op *next; /* private to the writer */
};

/* The write a Submit makes: one label record, put in the batch's
 * transaction. With barrier set it writes nothing and completes after the
 * commit of everything queued before it (a retry waiting on a submit in
 * flight). Fill rec (its strings must live until done) and done, then
 * lq_writer_submit &op. */
typedef struct lq_label_write {
    lq_write_op op;
    Labelq__LabelRecord rec;
    bool barrier;
} lq_label_write;

/* Sets w's apply to put w->rec (or nothing, for a barrier) and done to
 * done; rec is initialized empty. Cannot fail. */
void lq_label_write_init(lq_label_write *w, void (*done)(lq_write_op *op, int status));

/* Called on the writer thread after a batch completes; must be thread-safe
 * and quick (uv_async_send is the intended use). */
typedef void (*lq_writer_notify_fn)(void *arg);

typedef struct lq_writer_stats {
    uint64_t commits;    /* write transactions committed (each is one fsync round) */
    uint64_t ops;        /* operations completed */
    uint64_t failed;     /* operations completed with a non-zero status */
    uint64_t map_grows;  /* times the map was grown */
    uint64_t max_batch;  /* largest number of ops in one commit */
} lq_writer_stats;

/* Starts the writer thread. Returns 0 or LQ_EINTERNAL. */
int lq_writer_start(lq_store *st, lq_writer_notify_fn notify, void *arg, lq_writer **out);

/* Queues op. Any thread; never blocks on disk (takes a mutex only). */
void lq_writer_submit(lq_writer *w, lq_write_op *op);

/* Runs done() for every completed op, in submit order. Call on the loop
 * thread when notified. Cannot fail. */
void lq_writer_drain(lq_writer *w);

/* Applies and commits everything queued, then joins the thread. Call
 * lq_writer_drain once more afterwards, then lq_writer_free. */
void lq_writer_stop(lq_writer *w);

void lq_writer_free(lq_writer *w);

/* A snapshot of the counters. Any thread. */
void lq_writer_get_stats(lq_writer *w, lq_writer_stats *out);

#endif
