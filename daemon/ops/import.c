#include "daemon/ops/import.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ops/batch_ops.h"
#include "schema/label_value.h"
#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/sched/longpoll.h"
#include "proto/error.h"
#include "proto/utf8.h"

typedef struct import_op {
    lq_write_op op;
    lq_peer *conn;
    uint64_t req_id;
    lq_project *project;
    lq_batch *batch;
    bool put_batch;         /* the batch is pending: store its record too */
    Labelq__BatchRecord batch_rec;
    Labelq__TaskRecord *items;
    bool *stored;           /* set by the writer: item i was new */
    size_t n_items;
    Labelq__LineError *rejected;
    Labelq__LineError **rejected_ptrs;
    size_t n_rejected;
} import_op;

static int parse_id(json_t *v, char **out, char *err, size_t errlen)
{
    char buf[32];
    const char *s;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v)) {
        /* Numeric ids are common in exported datasets; keep their text. */
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = buf;
    } else {
        snprintf(err, errlen, "\"id\" must be a string (or an integer)");
        return LQ_EBADREQ;
    }
    size_t n = strlen(s);
    if (n == 0 || n > LQ_MAX_EXTERNAL_ID) {
        snprintf(err, errlen, "\"id\" must be 1-%d bytes", LQ_MAX_EXTERNAL_ID);
        return LQ_EBADREQ;
    }
    *out = strdup(s);
    return *out ? 0 : LQ_ENOMEM;
}

int lq_import_parse_line(const lq_project *p, const char *line, Labelq__TaskRecord *rec,
                         char *err, size_t errlen)
{
    json_error_t jerr;
    int rc = LQ_EBADREQ;
    labelq__task_record__init(rec);
    json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return LQ_EBADREQ;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "each line must be a JSON object");
        goto out;
    }
    json_t *id = json_object_get(root, "id"), *data = json_object_get(root, "data");
    json_t *prio = json_object_get(root, "priority"), *gold = json_object_get(root, "gold");
    if (!id) {
        snprintf(err, errlen, "missing \"id\"");
        goto out;
    }
    if (!data) {
        snprintf(err, errlen, "missing \"data\" (the item to label)");
        goto out;
    }
    if (prio && !json_is_null(prio) &&
        (!json_is_integer(prio) || json_integer_value(prio) < INT32_MIN ||
         json_integer_value(prio) > INT32_MAX)) {
        snprintf(err, errlen, "\"priority\" must be a 32-bit integer");
        goto out;
    }
    if (lq_label_item_check(p->config, data, err, errlen) < 0)
        goto out;
    if (gold && !json_is_null(gold) && !lq_label_indexed(p->config)) {
        snprintf(err, errlen, "\"gold\" answers work with single-choice and ordinal projects, "
                              "not %s", lq_label_type_name(p->config->type));
        goto out;
    }
    if (gold && !json_is_null(gold) &&
        (!json_is_string(gold) || lq_project_label_index(p, json_string_value(gold)) < 0)) {
        if (json_is_string(gold))
            snprintf(err, errlen, "\"gold\" \"%.64s\" is not one of the project's labels",
                     json_string_value(gold));
        else
            snprintf(err, errlen, "\"gold\" must be a string naming one of the project's labels");
        goto out;
    }
    if ((rc = parse_id(id, &rec->external_id, err, errlen)) < 0)
        goto out;
    rec->data_json = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    rec->gold = strdup(gold && json_is_string(gold) ? json_string_value(gold) : "");
    if (!rec->data_json || !rec->gold) {
        snprintf(err, errlen, "out of memory");
        rc = LQ_ENOMEM;
        goto out;
    }
    rec->priority = prio && json_is_integer(prio) ? (int32_t)json_integer_value(prio) : 0;
    rec->project_id = p->id;
    rc = 0;
out:
    json_decref(root);
    if (rc < 0)
        lq_import_record_clear(rec);
    return rc;
}

void lq_import_record_clear(Labelq__TaskRecord *rec)
{
    if (rec->external_id != protobuf_c_empty_string)
        free(rec->external_id);
    if (rec->data_json != protobuf_c_empty_string)
        free(rec->data_json);
    if (rec->gold != protobuf_c_empty_string)
        free(rec->gold);
    labelq__task_record__init(rec);
}

static void import_op_free(import_op *op)
{
    for (size_t i = 0; i < op->n_items; i++)
        lq_import_record_clear(&op->items[i]);
    for (size_t i = 0; i < op->n_rejected; i++)
        free(op->rejected[i].message);
    free(op->items);
    free(op->stored);
    free(op->rejected);
    free(op->rejected_ptrs);
    lq_peer_write_end(op->conn);
    free(op);
}

static int import_apply(lq_write_op *wop, lq_txn *txn)
{
    import_op *op = (import_op *)wop;
    /* The writer may apply an op again after growing the map. */
    memset(op->stored, 0, op->n_items * sizeof(*op->stored));
    if (op->put_batch) {
        int rc = lq_store_put_batch(txn, &op->batch_rec);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < op->n_items; i++) {
        int rc = lq_store_put_task(txn, &op->items[i]);
        /* An id seen before (stored earlier or earlier in this chunk) is
         * skipped: re-importing a file is safe. */
        if (rc == LQ_ECONFLICT)
            continue;
        if (rc < 0)
            return rc;
        op->stored[i] = true;
    }
    return 0;
}

static uint16_t gold_of(const lq_project *p, const Labelq__TaskRecord *rec)
{
    int k = rec->gold[0] ? lq_project_label_index(p, rec->gold) : -1;
    return (uint16_t)(k + 1);
}

static void import_done(lq_write_op *wop, int status)
{
    import_op *op = (import_op *)wop;
    lq_project *p = op->project;
    lq_batch *b = op->batch;
    lq_server *srv = op->conn->srv;
    if (status < 0) {
        lq_peer_error(op->conn, op->req_id, status,
                           "chunk not imported (nothing of it was stored): %s; retry",
                           lq_strerror(status));
        if (op->put_batch)
            lq_batch_ops_write_ended(b, status); /* may free b */
        import_op_free(op);
        return;
    }
    if (op->put_batch)
        lq_batch_ops_write_ended(b, status);
    uint64_t imported = 0;
    for (size_t i = 0; i < op->n_items; i++) {
        if (!op->stored[i])
            continue;
        lq_task *t = lq_task_table_add(&srv->tasks, op->items[i].id);
        if (!t) {
            lq_log(LQ_LOG_ERROR, "out of memory adding task (restart recovers it)", NULL);
            continue;
        }
        t->priority = op->items[i].priority;
        t->gold = gold_of(p, &op->items[i]);
        if (lq_project_adopt(b, t) < 0 || lq_batch_requeue(t) < 0)
            lq_log(LQ_LOG_ERROR, "out of memory queueing task (restart recovers it)", NULL);
        imported++;
    }
    Labelq__ImportReply reply = LABELQ__IMPORT_REPLY__INIT;
    reply.imported = imported;
    reply.skipped = op->n_items - imported;
    reply.n_rejected = op->n_rejected;
    reply.rejected = op->rejected_ptrs;
    lq_peer_reply(op->conn, op->req_id, LABELQ__ENVELOPE__BODY_IMPORT_REPLY, &reply);
    if (imported && lq_batch_serving(b))
        lq_sched_wake(srv, p);
    import_op_free(op);
}

static int reject(import_op *op, uint64_t line_no, const char *msg)
{
    /* msg may quote the line cut at a byte count ("gold" "%.64s", jansson's
     * error text), maybe inside a character: it goes out as UTF-8. */
    char text[1024];
    lq_utf8_escape(text, sizeof(text), msg, strlen(msg));
    Labelq__LineError *e = &op->rejected[op->n_rejected];
    labelq__line_error__init(e);
    e->line_no = line_no;
    e->message = strdup(text);
    if (!e->message)
        return LQ_ENOMEM;
    op->rejected_ptrs[op->n_rejected++] = e;
    return 0;
}

void lq_import_add_chunk(lq_peer *c, uint64_t id, const Labelq__ImportChunk *req)
{
    lq_server *srv = c->srv;
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    lq_batch *b = lq_batch_ops_for_import(c, id, p, req->batch);
    if (!b)
        return;
    size_t n = req->n_lines ? req->n_lines : 1;
    import_op *op = calloc(1, sizeof(*op));
    if (op) {
        op->items = calloc(n, sizeof(*op->items));
        op->stored = calloc(n, sizeof(*op->stored));
        op->rejected = calloc(n, sizeof(*op->rejected));
        op->rejected_ptrs = calloc(n, sizeof(*op->rejected_ptrs));
    }
    if (!op || !op->items || !op->stored || !op->rejected || !op->rejected_ptrs) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        if (b->pending && b->writes == 0 && !b->first_task)
            lq_batch_remove(b); /* made for this chunk alone */
        if (op) {
            free(op->items);
            free(op->stored);
            free(op->rejected);
            free(op->rejected_ptrs);
            free(op);
        }
        return;
    }
    op->op.apply = import_apply;
    op->op.done = import_done;
    op->conn = c;
    op->req_id = id;
    op->project = p;
    op->batch = b;
    if (b->pending) {
        op->put_batch = true;
        lq_batch_record(b, &op->batch_rec);
        b->writes++;
    }
    lq_peer_write_begin(c);
    uint64_t now = lq_now_ms();
    for (size_t i = 0; i < req->n_lines; i++) {
        char err[256];
        Labelq__TaskRecord *rec = &op->items[op->n_items];
        int rc = lq_import_parse_line(p, req->lines[i]->json, rec, err, sizeof(err));
        if (rc == LQ_ENOMEM || (rc < 0 && reject(op, req->lines[i]->line_no, err) < 0)) {
            lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
            if (op->put_batch)
                lq_batch_ops_write_ended(b, LQ_ENOMEM);
            import_op_free(op);
            return;
        }
        if (rc < 0)
            continue;
        if (req->has_priority)
            rec->priority = req->priority;
        rec->created_ms = now;
        rec->batch_id = b->id;
        rec->id = srv->next_task_id++;
        op->n_items++;
    }
    lq_writer_submit(srv->writer, &op->op);
}
