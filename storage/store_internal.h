/* What store.c, the record/iteration files and writer.c share, and nobody
 * outside storage/ may use. Internal names carry the lq__ prefix.
 *
 * The map gate: LMDB's mdb_env_set_mapsize remaps the file, so it may run only
 * while no transaction of this process is open (readers would be left
 * pointing into the old mapping). Every transaction therefore holds a shared
 * entry on the gate for its whole life, and growth holds it exclusively.
 * The gate is a mutex + condvar counter rather than a pthread_rwlock because
 * with MDB_NOTLS a read transaction may be ended on another thread than the
 * one that began it (e.g. a libuv work_cb/after_work_cb pair), and unlocking
 * an rwlock from a thread that did not lock it is undefined. New transactions
 * do not queue behind a pending growth (only behind a growth in progress):
 * the event loop must never wait for a long export to finish, and a thread
 * that already holds a read transaction may open another without
 * deadlocking. The price is that growth waits until no transaction is open. */
#ifndef LQ_STORE_INTERNAL_H
#define LQ_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>

#include "storage/store.h"

struct lq_store {
    MDB_env *env;
    MDB_dbi projects, annotators, tasks, task_ext, labels, results, batches;
    lq_store_config cfg;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    unsigned gate_active; /* open transactions */
    bool gate_growing;    /* a remap is in progress */
    /* A reset read transaction kept for the next lq_store_read_begin (under
     * gate_mu): renewing it skips the allocation and LMDB's reader-table
     * lock. Reset, it holds a reader slot but no snapshot and no gate
     * entry, so growth does not wait for it. NULL when none is parked. */
    struct lq_txn *spare;
};

struct lq_txn {
    lq_store *st;
    MDB_txn *mdb;
    bool read_only;
    /* MDB_MAP_FULL or MDB_TXN_FULL when a put in this transaction hit it, else
     * 0. The writer reads it to tell "LMDB ran out of room, commit and grow"
     * apart from an op that returns LQ_EEXHAUSTED for its own reasons. */
    int full;
};

/* Begins the top-level write transaction into *txn (caller's storage) under a
 * shared gate entry. Writer thread only. Returns 0 or LQ_EUNAVAIL. */
int lq__store_write_begin(lq_store *st, lq_txn *txn);

/* Commits txn and leaves the gate. Returns 0, LQ_EEXHAUSTED (txn->full is
 * MDB_MAP_FULL: the commit needed more room than the map has) or
 * LQ_EUNAVAIL; on failure nothing of txn is stored. Either way the
 * transaction is over. */
int lq__store_write_commit(lq_txn *txn);

/* Aborts txn and leaves the gate. Cannot fail. */
void lq__store_write_abort(lq_txn *txn);

/* Begins a nested transaction of parent into *child. Returns 0 or LQ_EUNAVAIL. */
int lq__store_child_begin(lq_txn *parent, lq_txn *child);

/* Merges child into its parent. Returns 0, LQ_EEXHAUSTED (child->full says
 * which limit) or LQ_EUNAVAIL; on failure the child's writes are gone. */
int lq__store_child_commit(lq_txn *child);

/* Discards child's writes. Cannot fail. */
void lq__store_child_abort(lq_txn *child);

/* Doubles the map (capped at cfg.map_max), waiting until no transaction is
 * open. The caller must hold none. Returns 0, LQ_EEXHAUSTED when the map is
 * already at map_max, or LQ_EUNAVAIL when LMDB refused the new size. */
int lq__store_grow(lq_store *st);

/* Maps an mdb_put result to the store's codes (see store.h's puts) and
 * records map/txn exhaustion in txn->full. */
int lq__store_put_status(lq_txn *txn, int mdb_rc);

#endif
