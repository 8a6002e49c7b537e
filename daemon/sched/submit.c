/* The Submit request: the label is checked against its project's type,
 * the annotator's lease found, and the label handed to the writer; what
 * happens once it is stored is label_stored.c's. Loop thread only. */
#include "daemon/sched/submit.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/lookup.h"
#include "daemon/sched/label_stored.h"
#include "daemon/sched/lease_end.h"
#include "proto/error.h"
#include "schema/label_value.h"

/* The stored form of label for t's project, or NULL after replying with
 * what is wrong with it. Spans are checked against the item's text, read
 * from the store (an mmap read, no I/O wait on a warm store). */
static char *checked_label(lq_peer *c, uint64_t id, lq_task *t, const char *label)
{
    const Labelq__ProjectConfig *cfg = t->batch->project->config;
    char err[256], *text = NULL, *out = NULL;
    int rc = 0;
    if (cfg->type == LABELQ__LABEL_TYPE__SPANS) {
        Labelq__TaskRecord *rec = NULL;
        lq_txn *txn;
        rc = lq_store_read_begin(c->srv->store, &txn);
        if (rc == 0) {
            rc = lq_store_get_task(txn, t->batch->project->id, t->id, &rec);
            lq_store_read_end(txn);
        }
        if (rc < 0) {
            lq_peer_error(c, id, LQ_EUNAVAIL, "cannot read task %lu to check its spans",
                          (unsigned long)t->id);
            return NULL;
        }
        rc = lq_label_item_text(cfg, rec->data_json, &text);
        labelq__task_record__free_unpacked(rec, NULL);
    }
    if (rc == 0)
        rc = lq_label_canonical(cfg, label, text, &out, err, sizeof(err));
    if (rc == LQ_ENOMEM)
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
    else if (rc < 0)
        lq_peer_error(c, id, LQ_EBADREQ, "label for task %lu of project %s (%s): %s",
                      (unsigned long)t->id, cfg->name, lq_label_type_name(cfg->type), err);
    free(text);
    return out;
}

void lq_sched_submit(lq_peer *c, uint64_t id, const Labelq__Submit *req)
{
    lq_task *t = lq_lookup_task(c, id, req->task_id);
    if (!t)
        return;
    const Labelq__Lease *nx = req->next;
    lq_next_lease next = {nx != NULL, nx ? nx->project : NULL, nx ? nx->max_tasks : 0};
    lq_lease *l = lq_task_lease(t, c->who->id);
    lq_seen *seen = l ? NULL : lq_task_seen(t, c->who->id);
    if (!l && !(seen && seen->labeled)) {
        /* Not the caller's task: said before its label is looked at, so a
         * task id alone tells nothing of its project, and costs no read. */
        lq_label_answer_unleased(c, id, t, req->label, &next);
        return;
    }
    char *label = checked_label(c, id, t, req->label);
    if (!label)
        return;
    if (!l || lq_lease_refuse_canceled(c, id, l)) {
        if (!l)
            lq_label_answer_unleased(c, id, t, label, &next); /* a retry, or a conflict */
        free(label);
        return;
    }
    lq_submit_op *s = calloc(1, sizeof(*s));
    char *next_project = next.project && next.project[0] ? strdup(next.project) : NULL;
    if (!s || (next.project && next.project[0] && !next_project)) {
        free(s);
        free(next_project);
        free(label);
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    s->next = next;
    s->next.project = next_project;
    s->next_project = next_project;
    s->label = label;
    s->conn = c;
    s->req_id = id;
    s->task = t;
    s->who = c->who;
    s->arrived = lq_metrics_clock();
    lq_label_write_init(&s->write, lq_label_stored);
    s->write.rec.task_id = t->id;
    s->write.rec.annotator_id = c->who->id;
    s->write.rec.value = label;
    s->write.rec.duration_ms = req->duration_ms;
    s->write.rec.submitted_ms = lq_now_ms();
    if (l->committing) {
        s->write.barrier = true; /* a retry: answered after that commit */
    } else {
        /* Out of the deadline heap: a lease being committed cannot expire. */
        l->committing = true;
        lq_heap_remove(&c->srv->leases, l);
        s->lease = l;
    }
    lq_peer_write_begin(c);
    lq_writer_submit(c->srv->writer, &s->write.op);
}
