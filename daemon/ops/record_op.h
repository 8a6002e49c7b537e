/* A write op storing one project or annotator record, answered to the
 * peer that asked once it is durable (record_op.c). Shared by
 * project_ops.c and annotator_ops.c. Loop thread only. */
#ifndef LQ_RECORD_OP_H
#define LQ_RECORD_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/core/server.h"
#include "storage/writer.h"

/* One stored record (a project or an annotator) and the reply to send once
 * it is durable. */
typedef struct lq_record_op {
    lq_write_op op;
    lq_peer *conn;          /* NULL at start-up */
    uint64_t req_id;
    lq_project *project;
    lq_annotator *annotator;
    /* The annotator's stored state after this write, copied when it is
     * queued: the writer thread reads these, never the live annotator's. */
    bool blocked;
    uint8_t token_sha256[32];
    char token[LQ_TOKEN_HEX + 1]; /* a new token to show once, or "" */
    bool finished;
    int status;
} lq_record_op;

/* A new op for request id of c (NULL at start-up) whose writer callback is
 * done; stores r->project if set, else r->annotator as r says. Takes a
 * reference on c. Returns NULL after replying RESOURCE_EXHAUSTED when out
 * of memory. */
lq_record_op *lq_record_op_new(lq_peer *c, uint64_t id, void (*done)(lq_write_op *, int));

/* Drops r's reference on its peer, wipes any token in it, frees it. */
void lq_record_op_free(lq_record_op *r);

/* Queues a's record as it is now but for what r says, the next change to
 * a (which must not be changing already). */
void lq_record_op_submit_annotator(lq_server *srv, lq_record_op *r, lq_annotator *a);

#endif
