/* The LMDB store: one environment, one named database per record kind.
 *
 * Databases (keys are big-endian so LMDB's order is the useful order; see
 * keys.h):
 *   projects    u32 project id                 -> ProjectRecord
 *   annotators  u32 annotator id               -> AnnotatorRecord
 *   tasks       u32 project id, u64 task id    -> TaskRecord
 *   task_ext    u32 project id, external id    -> u64 task id
 *   labels      u64 task id, u32 annotator id  -> LabelRecord
 *   results     u64 task id                    -> ResultRecord (latest consensus)
 *   batches     u32 project id, u32 batch id   -> BatchRecord
 *
 * Task ids are unique across projects and increase with import order, so a
 * task's id is also its sequence number in its project's queue.
 *
 * Threads: any thread may open read transactions (the env uses MDB_NOTLS).
 * Write transactions belong to the writer thread (writer.h) and nobody else.
 * Pointers handed to iteration callbacks are valid only during the callback. */
#ifndef LQ_STORE_H
#define LQ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"

typedef struct lq_store lq_store;
typedef struct lq_txn lq_txn;

typedef struct lq_store_config {
    size_t map_size;     /* initial map size in bytes; grows when full */
    size_t map_max;      /* never grow beyond this; 0 = no limit */
    bool no_sync;        /* tests only: skip fsync at commit (NOT durable) */
} lq_store_config;

/* Fills cfg with the defaults (1 GiB initial map, no limit, durable). */
void lq_store_config_default(lq_store_config *cfg);

/* Opens (creating if needed) the store in directory dir, which must exist.
 * Returns 0 and *out, or LQ_EIO / LQ_EINTERNAL with a message in errbuf. */
int lq_store_open(const char *dir, const lq_store_config *cfg, lq_store **out,
                  char *errbuf, size_t errlen);

/* Closes the store. No transaction may be open and the writer must be stopped. */
void lq_store_close(lq_store *st);

/* Current map size and bytes in use, for status and metrics. Cannot fail. */
void lq_store_usage(lq_store *st, size_t *map_size, size_t *used);

/* Writes a consistent, compacted copy of the whole store to fd (a file or a
 * pipe), as of one read snapshot: mdb_env_copyfd2 with MDB_CP_COMPACT. The
 * copy is a complete data.mdb that lq_store_open accepts. Blocks until the
 * last byte is written, so call it off the event loop; a pipe that fills up
 * blocks it, and a pipe whose reader went away makes it fail (SIGPIPE must be
 * ignored or blocked). It holds a transaction for its whole run, so the map
 * cannot grow until it returns: writes that need a bigger map wait for it.
 * fd is not closed. Returns 0, LQ_EIO when writing to fd failed, or
 * LQ_EINTERNAL on any other LMDB failure. */
int lq_store_copy_fd(lq_store *st, int fd);

/* ---- transactions ---- */

/* Begins a read transaction (a consistent snapshot). Returns 0 or LQ_EINTERNAL.
 * Cheap enough for one per request: the store keeps the last ended read
 * transaction reset (a reader slot, no snapshot, not counted by the map
 * gate) and renews it here, so no allocation or reader-table lock is taken.
 * Hold it for one piece of work, never across event-loop iterations: map
 * growth waits until no transaction is open. */
int lq_store_read_begin(lq_store *st, lq_txn **out);

/* Ends a read transaction; its values are gone. Cannot fail. */
void lq_store_read_end(lq_txn *txn);

/* ---- records: gets ----
 * A get returns LQ_ENOTFOUND when the key is absent. Unpacked records are
 * malloc'd: free with the matching labelq__*__free_unpacked(msg, NULL). */

int lq_store_get_task(lq_txn *txn, uint32_t project_id, uint64_t task_id,
                      Labelq__TaskRecord **out);
int lq_store_find_task(lq_txn *txn, uint32_t project_id, const char *external_id,
                       uint64_t *task_id);
int lq_store_get_label(lq_txn *txn, uint64_t task_id, uint32_t annotator_id,
                       Labelq__LabelRecord **out);

/* ---- records: puts (write transactions only) ----
 * Return 0, LQ_ECONFLICT when a put that must not overwrite finds the key,
 * LQ_EEXHAUSTED when the map is full (the writer grows it and retries), or
 * LQ_EUNAVAIL on any other LMDB failure. */

int lq_store_put_project(lq_txn *txn, const Labelq__ProjectRecord *rec);     /* upsert */
int lq_store_put_annotator(lq_txn *txn, const Labelq__AnnotatorRecord *rec); /* upsert */
/* Inserts a new task and its external-id index entry; LQ_ECONFLICT if the
 * task id or the (project, external id) pair already exists. */
int lq_store_put_task(lq_txn *txn, const Labelq__TaskRecord *rec);
/* Inserts a label; LQ_ECONFLICT if (task, annotator) already has one. */
int lq_store_put_label(lq_txn *txn, const Labelq__LabelRecord *rec);
/* Stores a task's latest consensus, replacing the one before. */
int lq_store_put_result(lq_txn *txn, const Labelq__ResultRecord *rec);
int lq_store_put_batch(lq_txn *txn, const Labelq__BatchRecord *rec);          /* upsert */

/* ---- iteration ----
 * Each calls fn for every record in key order. fn returns 0 to go on or any
 * other value to stop; that value is then returned. Storage failures return
 * LQ_EINTERNAL. Records passed to fn are freed after fn returns. */

typedef int (*lq_project_fn)(void *ctx, const Labelq__ProjectRecord *rec);
typedef int (*lq_annotator_fn)(void *ctx, const Labelq__AnnotatorRecord *rec);
typedef int (*lq_task_fn)(void *ctx, const Labelq__TaskRecord *rec);
typedef int (*lq_label_fn)(void *ctx, const Labelq__LabelRecord *rec);
typedef int (*lq_batch_fn)(void *ctx, const Labelq__BatchRecord *rec);

int lq_store_each_project(lq_txn *txn, lq_project_fn fn, void *ctx);
int lq_store_each_annotator(lq_txn *txn, lq_annotator_fn fn, void *ctx);
/* Tasks of one project with id > after_id, in id order. */
int lq_store_each_task(lq_txn *txn, uint32_t project_id, uint64_t after_id,
                       lq_task_fn fn, void *ctx);
/* Every task of every project (start-up rebuild). */
int lq_store_each_task_all(lq_txn *txn, lq_task_fn fn, void *ctx);
/* Labels of one task, in annotator-id order. */
int lq_store_each_task_label(lq_txn *txn, uint64_t task_id, lq_label_fn fn, void *ctx);
/* Every batch of every project, by project then batch id. */
int lq_store_each_batch(lq_txn *txn, lq_batch_fn fn, void *ctx);
/* Every label (start-up rebuild). */
int lq_store_each_label(lq_txn *txn, lq_label_fn fn, void *ctx);

/* Largest ids in use (0 when none), so new ids continue after a restart. */
int lq_store_max_ids(lq_txn *txn, uint32_t *project_id, uint32_t *annotator_id,
                     uint64_t *task_id);

/* ---- merge cursors ----
 * For a scan that visits tasks in increasing id order (lq_store_each_task)
 * and wants each task's labels or result: one LMDB cursor that follows the
 * scan forward (labels and results are keyed by task id first), instead of
 * a new cursor or a tree lookup per task. Ids may also go back; that costs
 * a seek. Records are unpacked into the cursor's own memory and stay valid
 * until the next call on the same cursor or its close: do not free them.
 * A cursor belongs to txn (read transactions only) and to one thread at a
 * time; close it before the transaction ends. */

typedef struct lq_store_cursor lq_store_cursor;

/* Opens a cursor over the labels (or results) database. Returns 0 and
 * *out, LQ_ENOMEM or LQ_EINTERNAL (*out NULL). */
int lq_store_cursor_open_labels(lq_txn *txn, lq_store_cursor **out);
int lq_store_cursor_open_results(lq_txn *txn, lq_store_cursor **out);

/* Closes c; NULL is ignored. Cannot fail. */
void lq_store_cursor_close(lq_store_cursor *c);

/* The labels of task_id in annotator-id order: *labels gets an array of *n
 * records (n 0 when the task has none). Labels cursor only. Returns 0,
 * LQ_ENOMEM or LQ_EINTERNAL (*n 0). */
int lq_store_cursor_labels(lq_store_cursor *c, uint64_t task_id,
                           Labelq__LabelRecord *const **labels, size_t *n);

/* The stored result of task_id into *out. Results cursor only. Returns 0,
 * LQ_ENOTFOUND (*out NULL), LQ_ENOMEM or LQ_EINTERNAL. */
int lq_store_cursor_result(lq_store_cursor *c, uint64_t task_id,
                           const Labelq__ResultRecord **out);

#endif
