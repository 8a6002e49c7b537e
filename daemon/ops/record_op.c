/* Writing one project or annotator record for a request; see record_op.h. */
#include "daemon/ops/record_op.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#include "proto/error.h"

static int record_apply(lq_write_op *op, lq_txn *txn)
{
    lq_record_op *r = (lq_record_op *)op;
    if (r->project) {
        Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
        rec.id = r->project->id;
        rec.config = r->project->config;
        rec.created_ms = r->project->created_ms;
        return lq_store_put_project(txn, &rec);
    }
    Labelq__AnnotatorRecord rec;
    lq_annotator_record(r->annotator, &rec);
    rec.blocked = r->blocked;
    rec.token_sha256.data = r->token_sha256;
    rec.token_sha256.len = sizeof(r->token_sha256);
    return lq_store_put_annotator(txn, &rec);
}

void lq_record_op_submit_annotator(lq_server *srv, lq_record_op *r, lq_annotator *a)
{
    r->annotator = a;
    a->changing = true;
    lq_writer_submit(srv->writer, &r->op);
}

lq_record_op *lq_record_op_new(lq_peer *c, uint64_t id, void (*done)(lq_write_op *, int))
{
    lq_record_op *r = calloc(1, sizeof(*r));
    if (!r) {
        if (c)
            lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return NULL;
    }
    r->op.apply = record_apply;
    r->op.done = done;
    r->conn = c;
    r->req_id = id;
    if (c)
        lq_peer_write_begin(c);
    return r;
}

void lq_record_op_free(lq_record_op *r)
{
    if (r->conn)
        lq_peer_write_end(r->conn);
    OPENSSL_cleanse(r->token, sizeof(r->token));
    free(r);
}
