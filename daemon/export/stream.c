#include "daemon/export/stream.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/core/lookup.h"
#include "daemon/export/item.h"
#include "daemon/export/split.h"
#include "schema/label_index.h"
#include "schema/label_value.h"
#include "daemon/core/log.h"
#include "proto/error.h"
#include "quality/majority.h"

typedef struct lq_export {
    uv_work_t work;
    lq_drain_waiter drain;           /* parked here while the socket drains */
    lq_peer *conn;
    uint64_t req_id;
    lq_store *store;
    uint32_t project_id;
    Labelq__ProjectConfig *config;   /* the project's; projects live as long as the server */
    char **names;                    /* annotator names by id: a snapshot per chunk */
    uint32_t n_names;
    char **batch_names;              /* the project's batch names by id: a snapshot per chunk */
    bool *batch_out;                 /* by batch id: leave its items out (canceled, or not the one asked for) */
    uint32_t n_batches;
    bool one_batch;                  /* only batch_id's items, which lie in (after_id, last_task] */
    uint32_t batch_id;
    uint64_t last_task;
    bool include_canceled;
    size_t chunk_bytes;
    uint64_t after_id;               /* resume point */
    double min_confidence;           /* leave out items below this */
    bool include_gold;
    uint64_t items;
    bool finished;
    int status;
    lq_outbuf out;                   /* the chunk being written */
    /* The format (format.h), and its progress. */
    const lq_export_format *format;
    uint64_t format_state;
    bool begun;                      /* format->begin written */
    int pass;                        /* two-pass formats: 0, then 1 */
    uint64_t start_after;            /* where each pass starts */
    uint64_t *passed;                /* two-pass formats: task ids pass 0 wrote, ascending */
    size_t n_passed, passed_cap, passed_at;
    lq_split split;                  /* the part of a split this export keeps */
} lq_export;

/* A task's labels: the labels cursor's records, valid until its next call. */
typedef struct task_labels {
    Labelq__LabelRecord *const *v;
    size_t n;
} task_labels;

/* The majority vote over a task's labels. */
static lq_vote vote_of(const lq_export *e, const task_labels *tl)
{
    unsigned counts[LQ_MAX_LABELS] = {0};
    size_t n_classes = e->config->n_labels;
    for (size_t i = 0; i < tl->n; i++) {
        int k = lq_label_index(e->config->labels, n_classes, tl->v[i]->value);
        if (k >= 0)
            counts[k]++;
    }
    return lq_majority(counts, n_classes);
}

/* What the export says of one item. */
typedef struct verdict {
    const char *label;
    double confidence, agreement;
    const char *method;
} verdict;

/* The item's consensus: the stored estimate (Dawid-Skene once the project
 * has enough labels) when there is one, else the majority vote. */
static verdict verdict_of(lq_export *e, lq_store_cursor *results, const Labelq__TaskRecord *task,
                          lq_vote vote)
{
    verdict v = {vote.label >= 0 ? e->config->labels[vote.label] : NULL, vote.confidence,
                 vote.agreement, "majority"};
    if (task->gold[0] && e->config->gold_ratio > 0.0) {
        v = (verdict){task->gold, 1.0, vote.agreement, "gold"};
        return v;
    }
    const Labelq__ResultRecord *res;
    if (lq_store_cursor_result(results, task->id, &res) == 0 && res->label < e->config->n_labels) {
        v.label = e->config->labels[res->label];
        v.confidence = res->confidence;
        /* A static string: the record dies at the cursor's next call. */
        v.method = strcmp(res->method, "dawid-skene") == 0 ? "dawid-skene" : "majority";
    }
    return v;
}

/* One chunk's scan: the tasks in id order, and a cursor on the labels and
 * one on the results following it (store.h "merge cursors"). */
typedef struct scan {
    lq_export *e;
    lq_txn *txn;
    lq_store_cursor *label_cur, *result_cur;
    task_labels labels;
} scan;

/* Pass 0 of a two-pass format notes the task ids it wrote. */
static int note_passed(lq_export *e, uint64_t id)
{
    if (e->n_passed == e->passed_cap) {
        size_t cap = e->passed_cap ? e->passed_cap * 2 : 1024;
        uint64_t *v = realloc(e->passed, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        e->passed = v;
        e->passed_cap = cap;
    }
    e->passed[e->n_passed++] = id;
    return 0;
}

/* Whether pass 1 writes task id: only what pass 0 wrote (ids ascend). */
static bool in_pass0(lq_export *e, uint64_t id)
{
    while (e->passed_at < e->n_passed && e->passed[e->passed_at] < id)
        e->passed_at++;
    return e->passed_at < e->n_passed && e->passed[e->passed_at] == id;
}

/* One done item through e->format (export_item.h). */
static int emit_item(lq_export *e, scan *s, const Labelq__TaskRecord *task, lq_vote vote)
{
    verdict v = {0};
    if (lq_label_indexed(e->config))
        v = verdict_of(e, s->result_cur, task, vote);
    lq_export_index_verdict iv = {v.label, v.confidence, v.agreement, v.method};
    lq_export_pass p = {e->format, e->pass == 1, &e->format_state, e->min_confidence,
                        e->config, e->names, e->n_names};
    const char *batch = task->batch_id < e->n_batches ? e->batch_names[task->batch_id] : NULL;
    bool written;
    int rc = lq_export_item_write(&p, &e->out, s->result_cur, task, batch, s->labels.v, s->labels.n,
                                  &iv, &written);
    if (rc == 0 && written && e->pass == 0) {
        e->items++;
        if (e->format->middle)
            rc = note_passed(e, task->id);
    }
    return rc;
}

static int export_task(void *ctx, const Labelq__TaskRecord *task)
{
    scan *s = ctx;
    lq_export *e = s->e;
    if (e->out.len >= e->chunk_bytes)
        return 1; /* chunk full: resume at this task next time */
    if (e->one_batch && task->id > e->last_task)
        return 2; /* past the batch's last task: nothing more of it */
    /* A batch made after this chunk's snapshot is new: none of its items
     * can be done yet, and it is not the one asked for. */
    if (task->batch_id >= e->n_batches || e->batch_out[task->batch_id]) {
        e->after_id = task->id;
        return 0;
    }
    bool pooled = task->gold[0] && e->config->gold_ratio > 0.0;
    if (pooled && !e->include_gold) {
        e->after_id = task->id; /* pooled gold checks annotators; it is not data */
        return 0;
    }
    if (!lq_split_keeps(&e->split, task->external_id) || (e->pass == 1 && !in_pass0(e, task->id))) {
        e->after_id = task->id; /* another part of the split, or not in pass 0 */
        return 0;
    }
    int rc = lq_store_cursor_labels(s->label_cur, task->id, &s->labels.v, &s->labels.n);
    if (rc)
        return rc;
    lq_vote vote = vote_of(e, &s->labels);
    /* The scheduler's own rule: only tasks that have all they need. */
    if (pooled || lq_project_enough(e->config, (uint32_t)s->labels.n,
                                    lq_label_indexed(e->config) ? vote.agreement : 1.0)) {
        if ((rc = emit_item(e, s, task, vote)) < 0)
            return rc;
    }
    e->after_id = task->id;
    return 0;
}

/* Runs a format hook on the chunk's buffer. */
static int format_hook(lq_export *e, int (*hook)(lq_outbuf *, uint64_t *))
{
    return hook ? hook(&e->out, &e->format_state) : 0;
}

static int format_begin(lq_export *e)
{
    if (e->begun || !e->format->begin)
        return 0;
    int rc = e->format->begin(&e->out, e->config, &e->format_state);
    e->begun = rc == 0;
    return rc;
}

/* The scan reached the end: a two-pass format starts its second pass,
 * else the export is finished. */
static int scan_ended(lq_export *e)
{
    if (e->format->middle && e->pass == 0) {
        e->pass = 1;
        e->after_id = e->start_after;
        e->passed_at = 0;
        return format_hook(e, e->format->middle);
    }
    e->finished = true;
    return format_hook(e, e->format->end);
}

static void read_chunk(uv_work_t *w)
{
    lq_export *e = w->data;
    scan s = {.e = e};
    e->out.len = 0;
    int rc = format_begin(e);
    if (rc == 0)
        rc = lq_store_read_begin(e->store, &s.txn);
    if (rc == 0) {
        rc = lq_store_cursor_open_labels(s.txn, &s.label_cur);
        if (rc == 0)
            rc = lq_store_cursor_open_results(s.txn, &s.result_cur);
        if (rc == 0)
            rc = lq_store_each_task(s.txn, e->project_id, e->after_id, export_task, &s);
        lq_store_cursor_close(s.label_cur);
        lq_store_cursor_close(s.result_cur);
        lq_store_read_end(s.txn);
    }
    if (rc == 0 || rc == 2)
        rc = scan_ended(e);
    e->status = rc < 0 ? rc : 0;
}

static void free_batch_snapshot(lq_export *e)
{
    for (uint32_t i = 0; i < e->n_batches; i++)
        free(e->batch_names[i]);
    free(e->batch_names);
    free(e->batch_out);
    e->batch_names = NULL;
    e->batch_out = NULL;
    e->n_batches = 0;
}

/* Copies what the worker needs of p's batches: names (for the "batch"
 * field) and which to leave out. Copies, because the worker runs while
 * the loop changes batches. Returns 0 or LQ_ENOMEM. */
static int snapshot_batches(lq_export *e, const lq_project *p)
{
    free_batch_snapshot(e);
    uint32_t n = p->n_batch_ids;
    e->batch_names = calloc(n ? n : 1, sizeof(*e->batch_names));
    e->batch_out = calloc(n ? n : 1, sizeof(*e->batch_out));
    if (!e->batch_names || !e->batch_out)
        return LQ_ENOMEM;
    e->n_batches = n;
    for (uint32_t id = 0; id < n; id++) {
        const lq_batch *b = lq_batch_by_id(p, id);
        e->batch_out[id] = !b || (e->one_batch && id != e->batch_id) ||
                           (b->state == LABELQ__BATCH_STATE__BATCH_CANCELED && !e->include_canceled);
        if (b && !(e->batch_names[id] = strdup(b->name)))
            return LQ_ENOMEM;
        if (b && e->one_batch && id == e->batch_id)
            e->last_task = b->last_task;
    }
    return 0;
}

static void export_free(lq_export *e)
{
    e->conn->export = NULL;
    lq_peer_unref(e->conn);
    free(e->names);
    free_batch_snapshot(e);
    free(e->out.buf);
    free(e->passed);
    free(e);
}

static void chunk_read(uv_work_t *w, int status);

static void schedule(lq_export *e)
{
    lq_server *srv = e->conn->srv;
    /* New annotators may have labeled since the last chunk. */
    free(e->names);
    e->names = malloc((srv->n_annotators + 1) * sizeof(*e->names));
    if (!e->names) {
        lq_peer_error(e->conn, e->req_id, LQ_EEXHAUSTED, "out of memory");
        export_free(e);
        return;
    }
    for (uint32_t i = 0; i < srv->n_annotators; i++)
        e->names[i] = srv->annotators[i] ? srv->annotators[i]->name : NULL;
    e->n_names = srv->n_annotators;
    if (snapshot_batches(e, lq_server_project_by_id(srv, e->project_id)) < 0) {
        lq_peer_error(e->conn, e->req_id, LQ_EEXHAUSTED, "out of memory");
        export_free(e);
        return;
    }
    e->work.data = e;
    if (uv_queue_work(srv->loop, &e->work, read_chunk, chunk_read) < 0) {
        lq_peer_error(e->conn, e->req_id, LQ_EINTERNAL, "cannot queue export work");
        export_free(e);
    }
}

static void chunk_read(uv_work_t *w, int status)
{
    lq_export *e = w->data;
    lq_peer *c = e->conn;
    if (status < 0 || e->status < 0 || c->closing) {
        if (!c->closing)
            lq_peer_error(c, e->req_id, status < 0 ? LQ_EINTERNAL : e->status,
                               "export failed: %s", lq_strerror(status < 0 ? LQ_EINTERNAL
                                                                           : e->status));
        export_free(e);
        return;
    }
    Labelq__ExportChunk chunk = LABELQ__EXPORT_CHUNK__INIT;
    chunk.data.data = (uint8_t *)e->out.buf;
    chunk.data.len = e->out.len;
    chunk.done = e->finished;
    chunk.items = e->items;
    lq_peer_reply(c, e->req_id, LABELQ__ENVELOPE__BODY_EXPORT_CHUNK, &chunk);
    if (e->finished) {
        lq_log(LQ_LOG_INFO, "export finished", "project=%s items=%lu peer=%s",
               e->config->name, (unsigned long)e->items, c->name);
        export_free(e);
    } else if (lq_peer_congested(c)) {
        lq_peer_wait_drain(c, &e->drain); /* resumed from the write callback */
    } else {
        schedule(e);
    }
}

/* The connection's write queue drained: produce the next chunk. */
static void drain_resume(lq_drain_waiter *w)
{
    schedule((lq_export *)((char *)w - offsetof(lq_export, drain)));
}

/* The connection closed while the export waited: drop it. */
static void drain_abort(lq_drain_waiter *w)
{
    export_free((lq_export *)((char *)w - offsetof(lq_export, drain)));
}

void lq_export_start(lq_peer *c, uint64_t id, const Labelq__Export *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    char why[256];
    const lq_export_format *format = lq_export_format_find(req->format, p->config->type, why,
                                                           sizeof(why));
    lq_split split;
    if (!format || lq_split_plan(req, &split, why, sizeof(why)) < 0) {
        lq_peer_error(c, id, LQ_EBADREQ, "%s", why);
        return;
    }
    if (!(req->min_confidence >= 0.0 && req->min_confidence <= 1.0)) {
        lq_peer_error(c, id, LQ_EBADREQ, "min_confidence must be between 0 and 1");
        return;
    }
    lq_batch *b = NULL;
    if (req->batch[0] && !(b = lq_lookup_batch(c, id, req->project, req->batch)))
        return;
    if (b && b->state == LABELQ__BATCH_STATE__BATCH_CANCELED && !req->include_canceled) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "batch '%s' was canceled; export it with --include-canceled", b->name);
        return;
    }
    if (c->export) {
        lq_peer_error(c, id, LQ_ECONFLICT, "an export is already running on this "
                                                "connection");
        return;
    }
    lq_export *e = calloc(1, sizeof(*e));
    if (!e) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    e->conn = c;
    e->drain.resume = drain_resume;
    e->drain.abort = drain_abort;
    lq_peer_ref(c);
    c->export = e;
    e->req_id = id;
    e->store = c->srv->store;
    e->project_id = p->id;
    e->config = p->config;
    e->chunk_bytes = c->srv->cfg->export_chunk_bytes;
    e->min_confidence = req->min_confidence;
    e->include_gold = req->include_gold;
    e->include_canceled = req->include_canceled;
    e->format = format;
    e->split = split;
    if (b) {
        /* The batch's tasks lie between its first and last id. */
        e->one_batch = true;
        e->batch_id = b->id;
        e->after_id = b->first_task ? b->first_task - 1 : UINT64_MAX;
    }
    e->start_after = e->after_id;
    lq_log(LQ_LOG_INFO, "export started", "project=%s batch=%s peer=%s", p->config->name,
           b ? b->name : "*", c->name);
    schedule(e);
}
