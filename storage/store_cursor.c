/* Forward cursors for merge joins: a task scan in id order asks for each
 * task's labels or result, and one LMDB cursor per database follows it
 * (labels and results are keyed by task id first, big-endian, so their
 * order is the scan's). Records are unpacked into an arena owned by the
 * cursor and reset per call, so a call allocates nothing once the arena
 * has grown to the largest task's records. */
#include "storage/store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "storage/keys.h"
#include "storage/store_internal.h"

/* One block of the arena; the first is kept across resets. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block;

enum { ARENA_FIRST = 4096, ARENA_ALIGN = sizeof(max_align_t), LABELS_FIRST = 8 };

struct lq_store_cursor {
    lq_txn *txn;
    MDB_cursor *mdb;
    MDB_dbi dbi;
    MDB_val k, v; /* the current entry, when positioned */
    bool positioned, at_end;
    uint64_t last_task; /* the previous call's task, to notice a step back */
    ProtobufCAllocator alloc;
    arena_block *arena;
    size_t arena_total; /* bytes the last call needed, to size the next first block */
    Labelq__LabelRecord **labels;
    size_t labels_cap;
};

static arena_block *block_new(size_t cap)
{
    arena_block *b = malloc(sizeof(*b) + cap);
    if (b) {
        b->next = NULL;
        b->used = 0;
        b->cap = cap;
    }
    return b;
}

static void *arena_alloc(void *data, size_t size)
{
    lq_store_cursor *c = data;
    size_t need = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    arena_block *b = c->arena;
    c->arena_total += need;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_FIRST ? need : ARENA_FIRST;
        arena_block *nb = block_new(cap);
        if (!nb)
            return NULL;
        nb->next = b;
        c->arena = b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    return p;
}

/* Records die in the arena's reset, not one by one. */
static void arena_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

/* Frees every block but one, big enough for what the last call needed, so
 * a steady scan settles on one block. Returns 0 or LQ_ENOMEM. */
static int arena_reset(lq_store_cursor *c)
{
    arena_block *keep = c->arena;
    if (keep && keep->next) {
        while (keep) {
            arena_block *next = keep->next;
            free(keep);
            keep = next;
        }
        keep = block_new(c->arena_total > ARENA_FIRST ? c->arena_total * 2 : ARENA_FIRST);
        if (!keep)
            return LQ_ENOMEM;
    }
    if (keep)
        keep->used = 0;
    c->arena = keep;
    c->arena_total = 0;
    return 0;
}

static int cursor_open(lq_txn *txn, MDB_dbi dbi, lq_store_cursor **out)
{
    lq_store_cursor *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return LQ_ENOMEM;
    if (mdb_cursor_open(txn->mdb, dbi, &c->mdb) != 0) {
        free(c);
        return LQ_EINTERNAL;
    }
    c->txn = txn;
    c->dbi = dbi;
    c->alloc = (ProtobufCAllocator){arena_alloc, arena_free, c};
    *out = c;
    return 0;
}

int lq_store_cursor_open_labels(lq_txn *txn, lq_store_cursor **out)
{
    return cursor_open(txn, txn->st->labels, out);
}

int lq_store_cursor_open_results(lq_txn *txn, lq_store_cursor **out)
{
    return cursor_open(txn, txn->st->results, out);
}

void lq_store_cursor_close(lq_store_cursor *c)
{
    if (!c)
        return;
    mdb_cursor_close(c->mdb);
    while (c->arena) {
        arena_block *next = c->arena->next;
        free(c->arena);
        c->arena = next;
    }
    free(c->labels);
    free(c);
}

/* Task id of the current entry's key; LQ_EINTERNAL for a key too short to
 * start with one. */
static int current_task(const lq_store_cursor *c, uint64_t *task_id)
{
    if (c->k.mv_size < LQ_KEY_U64_LEN)
        return LQ_EINTERNAL;
    *task_id = lq_key_decode_u64(c->k.mv_data);
    return 0;
}

/* Moves with op; at the end of the database sets at_end. Returns 0 or
 * LQ_EINTERNAL. */
static int move(lq_store_cursor *c, MDB_cursor_op op)
{
    int rc = mdb_cursor_get(c->mdb, &c->k, &c->v, op);
    if (rc == MDB_NOTFOUND) {
        c->at_end = true;
        return 0;
    }
    c->positioned = rc == 0;
    return rc ? LQ_EINTERNAL : 0;
}

/* Positions c on the first entry whose task id is >= task_id. When the
 * scan goes forward (the usual case) the cursor is already there, or one
 * MDB_NEXT away; otherwise one MDB_SET_RANGE seeks. Returns 0 (c->at_end
 * when there is no such entry) or LQ_EINTERNAL. */
static int seek(lq_store_cursor *c, uint64_t task_id)
{
    uint64_t cur;
    int rc;
    bool back = task_id < c->last_task;
    c->last_task = task_id;
    if (back)
        c->positioned = c->at_end = false;
    if (c->at_end)
        return 0;
    if (c->positioned) {
        if ((rc = current_task(c, &cur)) < 0 || cur >= task_id)
            return rc;
        if ((rc = move(c, MDB_NEXT)) < 0 || c->at_end)
            return rc;
        if ((rc = current_task(c, &cur)) < 0 || cur >= task_id)
            return rc;
    }
    uint8_t key[LQ_KEY_U64_LEN];
    lq_key_encode_u64(key, task_id);
    c->k = (MDB_val){sizeof(key), key};
    return move(c, MDB_SET_RANGE);
}

/* Whether c stands on an entry of task_id. */
static bool on_task(const lq_store_cursor *c, uint64_t task_id)
{
    uint64_t cur;
    return c->positioned && !c->at_end && current_task(c, &cur) == 0 && cur == task_id;
}

int lq_store_cursor_labels(lq_store_cursor *c, uint64_t task_id,
                           Labelq__LabelRecord *const **labels, size_t *n)
{
    size_t count = 0;
    int rc = arena_reset(c);
    *labels = NULL;
    *n = 0;
    if (rc == 0)
        rc = seek(c, task_id);
    while (rc == 0 && on_task(c, task_id)) {
        if (count == c->labels_cap) {
            size_t cap = c->labels_cap ? c->labels_cap * 2 : LABELS_FIRST;
            Labelq__LabelRecord **v = realloc(c->labels, cap * sizeof(*v));
            if (!v)
                return LQ_ENOMEM;
            c->labels = v;
            c->labels_cap = cap;
        }
        c->labels[count] = labelq__label_record__unpack(&c->alloc, c->v.mv_size, c->v.mv_data);
        if (!c->labels[count])
            return LQ_EINTERNAL;
        count++;
        rc = move(c, MDB_NEXT);
    }
    if (rc == 0) {
        *labels = c->labels;
        *n = count;
    }
    return rc;
}

int lq_store_cursor_result(lq_store_cursor *c, uint64_t task_id, const Labelq__ResultRecord **out)
{
    int rc = arena_reset(c);
    *out = NULL;
    if (rc == 0)
        rc = seek(c, task_id);
    if (rc < 0)
        return rc;
    if (!on_task(c, task_id))
        return LQ_ENOTFOUND;
    *out = labelq__result_record__unpack(&c->alloc, c->v.mv_size, c->v.mv_data);
    return *out ? 0 : LQ_EINTERNAL;
}
