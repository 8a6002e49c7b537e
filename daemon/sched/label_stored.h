/* A submitted label on its way through the writer, and what its storing
 * changes once done (label_stored.c). Loop thread only. */
#ifndef LQ_LABEL_STORED_H
#define LQ_LABEL_STORED_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/core/server.h"
#include "storage/writer.h"

/* What a Submit asked to lease once its label is stored (Submit.next). */
typedef struct lq_next_lease {
    bool wanted;
    const char *project; /* NULL or "": the submitted task's project */
    unsigned max_tasks;
} lq_next_lease;

/* One Submit with the writer: submit.c fills it, lq_label_stored ends it.
 * A retry while the annotator's first submit is still being stored has no
 * lease and is a barrier (write.barrier): it completes after that commit
 * and answers as the stored label says. */
typedef struct lq_submit_op {
    lq_label_write write;   /* first: the writer's op; write.rec is the label */
    lq_peer *conn;          /* referenced until done */
    uint64_t req_id;
    lq_task *task;
    lq_lease *lease;        /* NULL for a barrier */
    lq_annotator *who;
    char *label;            /* canonical, owned; write.rec.value points here */
    uint64_t arrived;       /* lq_metrics_clock() when the request came */
    lq_next_lease next;     /* next.project points into next_project */
    char *next_project;     /* owned; NULL when none was named */
} lq_submit_op;

/* The writer's done callback of an lq_submit_op (lq_label_write_init):
 * counts the stored label and answers the Submit, or on a failed commit
 * gives the lease back to its annotator for a retry. Frees the op. */
void lq_label_stored(lq_write_op *op, int status);

/* Answers a Submit of label for t from an annotator who holds no lease on
 * it: the same label already stored is a retry and succeeds again (with
 * next served as usual), another label is CONFLICT, no label at all is
 * LEASE_EXPIRED. */
void lq_label_answer_unleased(lq_peer *c, uint64_t id, lq_task *t, const char *label,
                              const lq_next_lease *next);

#endif
