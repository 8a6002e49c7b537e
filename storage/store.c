/* The LMDB environment: opening, the map gate, transactions and map growth.
 * Records live in store_records.c, scans in store_iter.c. */
#include "storage/store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proto/error.h"
#include "storage/keys.h"
#include "storage/store_internal.h"

enum { STORE_DBS = 7 };

void lq_store_config_default(lq_store_config *cfg)
{
    cfg->map_size = (size_t)1 << 30;
    cfg->map_max = 0;
    cfg->no_sync = false;
}

/* ---- the map gate (why: see store_internal.h) ---- */

static void gate_enter_shared(lq_store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    while (st->gate_growing)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->gate_active++;
    pthread_mutex_unlock(&st->gate_mu);
}

static void gate_leave_shared(lq_store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    if (--st->gate_active == 0)
        pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
}

static void gate_enter_exclusive(lq_store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    while (st->gate_active > 0 || st->gate_growing)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->gate_growing = true;
    pthread_mutex_unlock(&st->gate_mu);
}

static void gate_leave_exclusive(lq_store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    st->gate_growing = false;
    pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
}

/* ---- open / close ---- */

/* Frees a read transaction that is reset or was never begun. */
static void read_txn_free(lq_txn *txn)
{
    if (!txn)
        return;
    if (txn->mdb)
        mdb_txn_abort(txn->mdb);
    free(txn);
}

static void set_err(char *errbuf, size_t errlen, const char *what, const char *dir, int rc)
{
    if (errbuf && errlen)
        snprintf(errbuf, errlen, "store %s: %s: %s", dir, what, mdb_strerror(rc));
}

/* Creates the named databases once, in one write transaction, so that every
 * later transaction can use the handles without opening them. */
static int open_dbs(lq_store *st, char *errbuf, size_t errlen, const char *dir)
{
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[STORE_DBS] = {
        {"projects", &st->projects}, {"annotators", &st->annotators}, {"tasks", &st->tasks},
        {"task_ext", &st->task_ext}, {"labels", &st->labels}, {"results", &st->results},
        {"batches", &st->batches},
    };
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);

    if (rc) {
        set_err(errbuf, errlen, "begin", dir, rc);
        return LQ_EIO;
    }
    for (size_t i = 0; i < STORE_DBS; i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE, dbs[i].dbi);
        if (rc) {
            set_err(errbuf, errlen, dbs[i].name, dir, rc);
            mdb_txn_abort(txn);
            return LQ_EINTERNAL;
        }
    }
    rc = mdb_txn_commit(txn);
    if (rc) {
        set_err(errbuf, errlen, "create databases", dir, rc);
        return LQ_EIO;
    }
    return 0;
}

static size_t initial_map_size(const lq_store_config *cfg)
{
    if (cfg->map_max && cfg->map_size > cfg->map_max)
        return cfg->map_max;
    return cfg->map_size;
}

/* LMDB opens an existing file at the configured size (or the used size, if
 * larger), forgetting an earlier growth; take the size the last commit
 * recorded instead, so a restart does not redo every growth step. Returns 0
 * or an LMDB error. */
static int adopt_map_size(lq_store *st)
{
    MDB_envinfo info;
    size_t want = initial_map_size(&st->cfg);
    int rc = mdb_env_set_mapsize(st->env, 0);

    if (rc)
        return rc;
    mdb_env_info(st->env, &info);
    if (info.me_mapsize >= want)
        return 0;
    return mdb_env_set_mapsize(st->env, want);
}

int lq_store_open(const char *dir, const lq_store_config *cfg, lq_store **out, char *errbuf,
                  size_t errlen)
{
    lq_store *st = calloc(1, sizeof(*st));
    unsigned flags = MDB_NOTLS;
    int rc;

    *out = NULL;
    if (!st) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "store %s: out of memory", dir);
        return LQ_EINTERNAL;
    }
    if (cfg)
        st->cfg = *cfg;
    else
        lq_store_config_default(&st->cfg);
    pthread_mutex_init(&st->gate_mu, NULL);
    pthread_cond_init(&st->gate_cv, NULL);

    rc = mdb_env_create(&st->env);
    if (rc) {
        set_err(errbuf, errlen, "create", dir, rc);
        rc = LQ_EINTERNAL;
        goto out;
    }
    if (mdb_env_get_maxkeysize(st->env) < LQ_KEY_MAX) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "store %s: LMDB max key size %d < %d", dir,
                     mdb_env_get_maxkeysize(st->env), LQ_KEY_MAX);
        rc = LQ_EINTERNAL;
        goto out;
    }
    rc = mdb_env_set_maxdbs(st->env, STORE_DBS);
    if (!rc)
        rc = mdb_env_set_mapsize(st->env, initial_map_size(&st->cfg));
    if (rc) {
        set_err(errbuf, errlen, "configure", dir, rc);
        rc = LQ_EINTERNAL;
        goto out;
    }
    /* MDB_NOTLS: read transactions are not tied to threads (libuv's pool). */
    if (st->cfg.no_sync)
        flags |= MDB_NOSYNC;
    rc = mdb_env_open(st->env, dir, flags, 0600);
    if (rc) {
        set_err(errbuf, errlen, "open", dir, rc);
        rc = LQ_EIO;
        goto out;
    }
    rc = adopt_map_size(st);
    if (rc) {
        set_err(errbuf, errlen, "map size", dir, rc);
        rc = LQ_EINTERNAL;
        goto out;
    }
    rc = open_dbs(st, errbuf, errlen, dir);

out:
    if (rc) {
        lq_store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void lq_store_close(lq_store *st)
{
    if (!st)
        return;
    read_txn_free(st->spare);
    st->spare = NULL;
    if (st->env)
        mdb_env_close(st->env);
    pthread_cond_destroy(&st->gate_cv);
    pthread_mutex_destroy(&st->gate_mu);
    free(st);
}

void lq_store_usage(lq_store *st, size_t *map_size, size_t *used)
{
    MDB_envinfo info;
    MDB_stat stat;

    /* mdb_env_info reads the meta pages through the map, which a growth may
     * be replacing. */
    gate_enter_shared(st);
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &stat);
    gate_leave_shared(st);
    *map_size = info.me_mapsize;
    *used = ((size_t)info.me_last_pgno + 1) * stat.ms_psize;
}

/* ---- read transactions ---- */

/* Takes the parked reset read transaction, if any, while entering the
 * gate: one lock round trip for both. Returns it or NULL. */
static lq_txn *gate_enter_take_spare(lq_store *st)
{
    pthread_mutex_lock(&st->gate_mu);
    while (st->gate_growing)
        pthread_cond_wait(&st->gate_cv, &st->gate_mu);
    st->gate_active++;
    lq_txn *txn = st->spare;
    st->spare = NULL;
    pthread_mutex_unlock(&st->gate_mu);
    return txn;
}

/* Leaves the gate and parks txn (reset, or NULL) as the spare when the
 * slot is free. Returns txn when it was not parked: the caller frees it. */
static lq_txn *gate_leave_park(lq_store *st, lq_txn *txn)
{
    pthread_mutex_lock(&st->gate_mu);
    if (txn && !st->spare) {
        st->spare = txn;
        txn = NULL;
    }
    if (--st->gate_active == 0)
        pthread_cond_broadcast(&st->gate_cv);
    pthread_mutex_unlock(&st->gate_mu);
    return txn;
}

int lq_store_read_begin(lq_store *st, lq_txn **out)
{
    *out = NULL;
    lq_txn *txn = gate_enter_take_spare(st);
    if (txn && mdb_txn_renew(txn->mdb) == 0) {
        *out = txn;
        return 0;
    }
    read_txn_free(txn); /* a spare LMDB would not renew: begin afresh */
    txn = calloc(1, sizeof(*txn));
    if (!txn)
        goto fail;
    txn->st = st;
    txn->read_only = true;
    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn->mdb) == 0) {
        *out = txn;
        return 0;
    }
    free(txn);
fail:
    gate_leave_shared(st);
    return LQ_EINTERNAL;
}

void lq_store_read_end(lq_txn *txn)
{
    if (!txn)
        return;
    /* Reset before leaving the gate: no snapshot may outlive the entry. */
    mdb_txn_reset(txn->mdb);
    read_txn_free(gate_leave_park(txn->st, txn));
}

/* ---- copies ---- */

int lq_store_copy_fd(lq_store *st, int fd)
{
    /* The copy reads through the map with its own read transaction: like
     * any transaction it must not see the map replaced under it. */
    gate_enter_shared(st);
    int rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
    gate_leave_shared(st);
    if (rc == 0)
        return 0;
    /* LMDB passes the write's errno through; its own codes are negative. */
    return rc > 0 && rc != ENOMEM ? LQ_EIO : LQ_EINTERNAL;
}

/* ---- write transactions (the writer's) ---- */

int lq__store_write_begin(lq_store *st, lq_txn *txn)
{
    int rc;

    txn->st = st;
    txn->read_only = false;
    txn->full = 0;
    gate_enter_shared(st);
    rc = mdb_txn_begin(st->env, NULL, 0, &txn->mdb);
    if (rc) {
        gate_leave_shared(st);
        txn->mdb = NULL;
        return LQ_EUNAVAIL;
    }
    return 0;
}

int lq__store_write_commit(lq_txn *txn)
{
    int rc = mdb_txn_commit(txn->mdb);

    txn->mdb = NULL;
    gate_leave_shared(txn->st);
    if (rc == MDB_MAP_FULL) {
        /* Saving the free list may need pages the puts did not. */
        txn->full = rc;
        return LQ_EEXHAUSTED;
    }
    return rc ? LQ_EUNAVAIL : 0;
}

void lq__store_write_abort(lq_txn *txn)
{
    mdb_txn_abort(txn->mdb);
    txn->mdb = NULL;
    gate_leave_shared(txn->st);
}

int lq__store_child_begin(lq_txn *parent, lq_txn *child)
{
    child->st = parent->st;
    child->read_only = false;
    child->full = 0;
    if (mdb_txn_begin(parent->st->env, parent->mdb, 0, &child->mdb)) {
        child->mdb = NULL;
        return LQ_EUNAVAIL;
    }
    return 0;
}

int lq__store_child_commit(lq_txn *child)
{
    int rc = mdb_txn_commit(child->mdb);

    child->mdb = NULL;
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
        child->full = rc;
        return LQ_EEXHAUSTED;
    }
    return rc ? LQ_EUNAVAIL : 0;
}

void lq__store_child_abort(lq_txn *child)
{
    mdb_txn_abort(child->mdb);
    child->mdb = NULL;
}

/* ---- growth ---- */

int lq__store_grow(lq_store *st)
{
    MDB_envinfo info;
    size_t cur, next;
    int rc = 0;

    gate_enter_exclusive(st);
    mdb_env_info(st->env, &info);
    cur = info.me_mapsize;
    next = cur > SIZE_MAX / 2 ? SIZE_MAX : cur * 2;
    if (st->cfg.map_max && next > st->cfg.map_max)
        next = st->cfg.map_max;
    if (next <= cur) {
        rc = LQ_EEXHAUSTED;
        goto out;
    }
    if (mdb_env_set_mapsize(st->env, next)) {
        /* The old mapping is gone by now; try to get it back so that the
         * store stays readable at its current size. */
        mdb_env_set_mapsize(st->env, cur);
        rc = LQ_EUNAVAIL;
    }
out:
    gate_leave_exclusive(st);
    return rc;
}

int lq__store_put_status(lq_txn *txn, int mdb_rc)
{
    switch (mdb_rc) {
    case 0:
        return 0;
    case MDB_KEYEXIST:
        return LQ_ECONFLICT;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
        txn->full = mdb_rc;
        return LQ_EEXHAUSTED;
    default:
        return LQ_EUNAVAIL;
    }
}
