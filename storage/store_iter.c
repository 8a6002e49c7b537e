/* Ordered scans over the databases, and the largest ids in use. */
#include "storage/store.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "storage/keys.h"
#include "storage/store_internal.h"

/* Where a scan unpacks its records: a block on the scan's stack, reused
 * for every record, so that unpacking a small record allocates nothing.
 * What does not fit is malloc'd and freed one by one as usual. */
enum { UNPACK_BLOCK = 4096 };
typedef struct unpack_arena {
    ProtobufCAllocator alloc;
    size_t used;
    max_align_t block[UNPACK_BLOCK / sizeof(max_align_t)];
} unpack_arena;

static void *arena_alloc(void *data, size_t size)
{
    unpack_arena *a = data;
    size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (sizeof(a->block) - a->used < need)
        return malloc(size);
    void *p = (char *)a->block + a->used;
    a->used += need;
    return p;
}

/* Pieces in the block go when the record does (arena_reset). */
static void arena_free(void *data, void *p)
{
    unpack_arena *a = data;
    uintptr_t at = (uintptr_t)p, start = (uintptr_t)a->block;
    if (at < start || at >= start + sizeof(a->block))
        free(p);
}

static void arena_reset(unpack_arena *a)
{
    a->used = 0;
}

/* Called per record by scan(), which owns a; non-zero stops the scan and is
 * returned. */
typedef int (*visit_fn)(void *arg, unpack_arena *a, const MDB_val *val);

/* Visits, in key order, every record of dbi whose key starts with
 * prefix[0..prefix_len-1], beginning at the first key >= start (NULL: at the
 * prefix, or at the first key when there is no prefix). */
static int scan(lq_txn *txn, MDB_dbi dbi, const void *prefix, size_t prefix_len, const void *start,
                size_t start_len, visit_fn visit, void *arg)
{
    MDB_cursor *cur = NULL;
    MDB_val k = {start_len, (void *)start}, v;
    unpack_arena arena;
    int rc = mdb_cursor_open(txn->mdb, dbi, &cur);

    if (rc)
        return LQ_EINTERNAL;
    if (!start && prefix_len)
        k = (MDB_val){prefix_len, (void *)prefix};
    arena.alloc = (ProtobufCAllocator){arena_alloc, arena_free, &arena};
    arena.used = 0;
    rc = mdb_cursor_get(cur, &k, &v, k.mv_size ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0) {
        if (prefix_len && (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0))
            break;
        rc = visit(arg, &arena, &v);
        if (rc)
            goto out;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    rc = (rc == 0 || rc == MDB_NOTFOUND) ? 0 : LQ_EINTERNAL;
out:
    mdb_cursor_close(cur);
    return rc;
}

/* One visitor per record kind: unpack into the scan's arena, hand to the
 * caller's fn, free. */

struct project_visit {
    lq_project_fn fn;
    void *ctx;
};

static int visit_project(void *arg, unpack_arena *a, const MDB_val *val)
{
    struct project_visit *pv = arg;
    Labelq__ProjectRecord *rec =
        labelq__project_record__unpack(&a->alloc, val->mv_size, val->mv_data);
    int rc;

    if (!rec)
        return LQ_EINTERNAL;
    rc = pv->fn(pv->ctx, rec);
    labelq__project_record__free_unpacked(rec, &a->alloc);
    arena_reset(a);
    return rc;
}

struct annotator_visit {
    lq_annotator_fn fn;
    void *ctx;
};

static int visit_annotator(void *arg, unpack_arena *a, const MDB_val *val)
{
    struct annotator_visit *av = arg;
    Labelq__AnnotatorRecord *rec =
        labelq__annotator_record__unpack(&a->alloc, val->mv_size, val->mv_data);
    int rc;

    if (!rec)
        return LQ_EINTERNAL;
    rc = av->fn(av->ctx, rec);
    labelq__annotator_record__free_unpacked(rec, &a->alloc);
    arena_reset(a);
    return rc;
}

struct task_visit {
    lq_task_fn fn;
    void *ctx;
};

static int visit_task(void *arg, unpack_arena *a, const MDB_val *val)
{
    struct task_visit *tv = arg;
    Labelq__TaskRecord *rec = labelq__task_record__unpack(&a->alloc, val->mv_size, val->mv_data);
    int rc;

    if (!rec)
        return LQ_EINTERNAL;
    rc = tv->fn(tv->ctx, rec);
    labelq__task_record__free_unpacked(rec, &a->alloc);
    arena_reset(a);
    return rc;
}

struct label_visit {
    lq_label_fn fn;
    void *ctx;
};

static int visit_label(void *arg, unpack_arena *a, const MDB_val *val)
{
    struct label_visit *lv = arg;
    Labelq__LabelRecord *rec = labelq__label_record__unpack(&a->alloc, val->mv_size, val->mv_data);
    int rc;

    if (!rec)
        return LQ_EINTERNAL;
    rc = lv->fn(lv->ctx, rec);
    labelq__label_record__free_unpacked(rec, &a->alloc);
    arena_reset(a);
    return rc;
}

int lq_store_each_project(lq_txn *txn, lq_project_fn fn, void *ctx)
{
    struct project_visit pv = {fn, ctx};

    return scan(txn, txn->st->projects, NULL, 0, NULL, 0, visit_project, &pv);
}

int lq_store_each_annotator(lq_txn *txn, lq_annotator_fn fn, void *ctx)
{
    struct annotator_visit av = {fn, ctx};

    return scan(txn, txn->st->annotators, NULL, 0, NULL, 0, visit_annotator, &av);
}

struct batch_visit {
    lq_batch_fn fn;
    void *ctx;
};

static int visit_batch(void *arg, unpack_arena *a, const MDB_val *val)
{
    struct batch_visit *bv = arg;
    Labelq__BatchRecord *rec = labelq__batch_record__unpack(&a->alloc, val->mv_size, val->mv_data);
    int rc;

    if (!rec)
        return LQ_EINTERNAL;
    rc = bv->fn(bv->ctx, rec);
    labelq__batch_record__free_unpacked(rec, &a->alloc);
    arena_reset(a);
    return rc;
}

int lq_store_each_batch(lq_txn *txn, lq_batch_fn fn, void *ctx)
{
    struct batch_visit bv = {fn, ctx};

    return scan(txn, txn->st->batches, NULL, 0, NULL, 0, visit_batch, &bv);
}

int lq_store_each_task(lq_txn *txn, uint32_t project_id, uint64_t after_id, lq_task_fn fn,
                       void *ctx)
{
    struct task_visit tv = {fn, ctx};
    uint8_t start[LQ_KEY_TASK_LEN];

    /* after_id + 1 would wrap at UINT64_MAX and restart the project. */
    if (after_id == UINT64_MAX)
        return 0;
    lq_key_encode_task(start, project_id, after_id + 1);
    return scan(txn, txn->st->tasks, start, LQ_KEY_U32_LEN, start, sizeof(start), visit_task, &tv);
}

int lq_store_each_task_all(lq_txn *txn, lq_task_fn fn, void *ctx)
{
    struct task_visit tv = {fn, ctx};

    return scan(txn, txn->st->tasks, NULL, 0, NULL, 0, visit_task, &tv);
}

int lq_store_each_task_label(lq_txn *txn, uint64_t task_id, lq_label_fn fn, void *ctx)
{
    struct label_visit lv = {fn, ctx};
    uint8_t prefix[LQ_KEY_U64_LEN];

    lq_key_encode_u64(prefix, task_id);
    return scan(txn, txn->st->labels, prefix, sizeof(prefix), NULL, 0, visit_label, &lv);
}

int lq_store_each_label(lq_txn *txn, lq_label_fn fn, void *ctx)
{
    struct label_visit lv = {fn, ctx};

    return scan(txn, txn->st->labels, NULL, 0, NULL, 0, visit_label, &lv);
}

/* ---- max ids ---- */

/* Key of the last entry of dbi into *key; 0, LQ_ENOTFOUND when empty, or
 * LQ_EINTERNAL. */
static int last_key(lq_txn *txn, MDB_dbi dbi, MDB_val *key)
{
    MDB_cursor *cur = NULL;
    MDB_val v;
    int rc = mdb_cursor_open(txn->mdb, dbi, &cur);

    if (rc)
        return LQ_EINTERNAL;
    rc = mdb_cursor_get(cur, key, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        return LQ_ENOTFOUND;
    return rc ? LQ_EINTERNAL : 0;
}

static int max_u32_key(lq_txn *txn, MDB_dbi dbi, uint32_t *out)
{
    MDB_val k;
    int rc = last_key(txn, dbi, &k);

    *out = 0;
    if (rc == LQ_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (k.mv_size != LQ_KEY_U32_LEN)
        return LQ_EINTERNAL;
    *out = lq_key_decode_u32(k.mv_data);
    return 0;
}

/* Tasks are keyed by project first, so the largest task id is the largest of
 * each project's last task. Walking backwards one project at a time (seek to
 * the project's first key, step back once) costs one seek per project that
 * has tasks, not one per task, and needs no counter that could drift from
 * the data. */
static int max_task_id(lq_txn *txn, uint64_t *out)
{
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    uint8_t seek[LQ_KEY_TASK_LEN];
    uint32_t project;
    uint64_t task;
    int rc = mdb_cursor_open(txn->mdb, txn->st->tasks, &cur);

    *out = 0;
    if (rc)
        return LQ_EINTERNAL;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    while (rc == 0) {
        rc = lq_key_decode_task(k.mv_data, k.mv_size, &project, &task);
        if (rc)
            goto out;
        if (task > *out)
            *out = task;
        lq_key_encode_task(seek, project, 0);
        k = (MDB_val){sizeof(seek), seek};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    rc = rc == MDB_NOTFOUND ? 0 : LQ_EINTERNAL;
out:
    mdb_cursor_close(cur);
    return rc;
}

int lq_store_max_ids(lq_txn *txn, uint32_t *project_id, uint32_t *annotator_id, uint64_t *task_id)
{
    int rc = max_u32_key(txn, txn->st->projects, project_id);

    if (!rc)
        rc = max_u32_key(txn, txn->st->annotators, annotator_id);
    if (!rc)
        rc = max_task_id(txn, task_id);
    return rc;
}
