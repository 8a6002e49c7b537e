/* The submit path: checking a label against its project's type, storing
 * it through the writer, then counting it (standing, gold, dynamic
 * overlap, batch and project counts) and, with Submit.next, leasing the
 * next tasks in the same reply. Retries of an acknowledged submit succeed
 * again; a lease is never lost to a failed commit. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/sched/settle.h"
#include "schema/label_value.h"
#include "daemon/core/log.h"
#include "daemon/estimate/results.h"
#include "daemon/sched/internal.h"
#include "daemon/sched/sched.h"
#include "proto/error.h"

/* How long a lease whose submit failed to commit stays with its annotator so
 * the retry can succeed, at the least. */
#define RETRY_GRACE_MS 30000

/* What a Submit asked to lease once its label is stored (Submit.next). */
typedef struct next_lease {
    bool wanted;
    const char *project; /* NULL or "": the submitted task's project */
    unsigned max_tasks;
} next_lease;

typedef struct submit_op {
    lq_write_op op;
    lq_peer *conn;
    uint64_t req_id;
    lq_task *task;
    lq_lease *lease;        /* NULL for a retry that waits on a commit in flight */
    lq_annotator *who;
    char *label;
    uint32_t duration_ms;
    uint64_t arrived;       /* lq_metrics_clock() when the request came */
    next_lease next;        /* next.project points into next_project */
    char *next_project;     /* owned; NULL when none was named */
} submit_op;

/* Runs a stored submit's lease part as a Lease{project, max_tasks} with
 * wait_ms 0 would (the same path, so the same rules), into b. Returns 0,
 * or a negative code with why set and nothing leased: LQ_ENOTFOUND for an
 * unknown project, else as lq__lease_tasks. */
static int lease_next(lq_peer *c, const lq_task *t, const next_lease *next, lease_build *b,
                      char *why, size_t len)
{
    lq_project *p = t->batch->project;
    if (next->project && next->project[0] && !(p = lq_server_project(c->srv, next->project))) {
        snprintf(why, len, "no project named '%s'", next->project);
        return LQ_ENOTFOUND;
    }
    int got = lq__lease_tasks(c, p, lq__lease_max(c->srv->cfg, next->max_tasks), b, why, len);
    return got < 0 ? got : 0;
}

/* Says the label for t is stored. With next wanted, then leases and puts
 * the tasks in the reply's next, or the lease's failure in next_error: a
 * SubmitReply always means "stored", whatever the lease part did. No
 * lease is taken for a connection that is closing (no one would get it). */
static void send_submit_reply(lq_peer *c, uint64_t id, bool duplicate, const lq_task *t,
                              const next_lease *next)
{
    Labelq__SubmitReply reply = LABELQ__SUBMIT_REPLY__INIT;
    Labelq__Error error = LABELQ__ERROR__INIT;
    lease_build b;
    char why[512];
    bool built = false;
    reply.duplicate = duplicate;
    if (next && next->wanted && !c->closing) {
        int rc = lease_next(c, t, next, &b, why, sizeof why);
        if (rc < 0) {
            error.code = (Labelq__ErrorCode)lq_error_to_wire(rc);
            error.message = why;
            reply.next_error = &error;
        } else {
            reply.next = &b.reply;
            built = true;
        }
    }
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY, &reply);
    if (built)
        lq__lease_build_free(&b);
}

/* Answers a submit for a task the annotator already labeled: the same label
 * is a retry and succeeds again; another label is a conflict. */
static void answer_labeled(lq_peer *c, uint64_t id, lq_task *t, const char *label,
                           const next_lease *next)
{
    lq_txn *txn;
    Labelq__LabelRecord *rec = NULL;
    if (lq_store_read_begin(c->srv->store, &txn) < 0) {
        lq_peer_error(c, id, LQ_EUNAVAIL, "cannot read labels from storage");
        return;
    }
    int rc = lq_store_get_label(txn, t->id, c->who->id, &rec);
    lq_store_read_end(txn);
    if (rc < 0)
        lq_peer_error(c, id, LQ_EINTERNAL, "label of task %lu cannot be read: %s",
                           (unsigned long)t->id, lq_strerror(rc));
    else if (strcmp(rec->value, label) == 0)
        send_submit_reply(c, id, true, t, next);
    else
        lq_peer_error(c, id, LQ_ECONFLICT, "task %lu already has your label '%s'",
                           (unsigned long)t->id, rec->value);
    if (rec)
        labelq__label_record__free_unpacked(rec, NULL);
}

static void answer_unleased(lq_peer *c, uint64_t id, lq_task *t, const char *label,
                            const next_lease *next)
{
    lq_seen *s = lq_task_seen(t, c->who->id);
    if (s && s->labeled)
        answer_labeled(c, id, t, label, next);
    else
        lq_peer_error(c, id, LQ_EEXPIRED,
                           "you hold no lease on task %lu (it expired, was released, or "
                           "was never leased to you)",
                           (unsigned long)t->id);
}

static int submit_apply(lq_write_op *op, lq_txn *txn)
{
    submit_op *s = (submit_op *)op;
    if (!s->lease)
        return 0; /* a barrier: completes after the commit it waited for */
    Labelq__LabelRecord rec = LABELQ__LABEL_RECORD__INIT;
    rec.task_id = s->task->id;
    rec.annotator_id = s->who->id;
    rec.value = s->label;
    rec.duration_ms = s->duration_ms;
    rec.submitted_ms = lq_now_ms();
    return lq_store_put_label(txn, &rec);
}

/* Judges whether the task needs more labels now that one arrived. */
static void settle(lq_server *srv, lq_task *t)
{
    if (!lq_project_dynamic(t->batch->project->config) || t->labels < t->batch->project->overlap)
        return;
    lq_txn *txn;
    int rc = lq_store_read_begin(srv->store, &txn);
    if (rc == 0) {
        rc = lq_consensus_settle(txn, t);
        lq_store_read_end(txn);
    }
    if (rc < 0)
        lq_log(LQ_LOG_ERROR, "cannot judge agreement; the task keeps its overlap", "task=%lu error=%s",
               (unsigned long)t->id, lq_strerror(rc));
}

/* Counts a gold answer toward the annotator's standing in the project. */
static void score_gold(lq_server *srv, submit_op *s)
{
    lq_project *p = s->task->batch->project;
    lq_standing *st = lq_standing_get(&srv->standings, p->id, s->who->id);
    if (!st) {
        lq_log(LQ_LOG_ERROR, "out of memory scoring gold (restart recovers it)", NULL);
        return;
    }
    bool right = lq_project_label_index(p, s->label) + 1 == s->task->gold;
    if (lq_standing_gold(st, p->config, right))
        lq_log(LQ_LOG_WARN, "annotator blocked from project by gold accuracy",
               "annotator=%s project=%s gold_correct=%u gold_seen=%u", s->who->name,
               p->config->name, st->gold_correct, st->gold_seen);
}

static void submit_commit(lq_server *srv, submit_op *s)
{
    lq_task *t = s->task;
    bool was_leased = lq__task_leased(t), was_done = lq_task_done(t);
    lq__unlink_lease(s->lease);
    free(s->lease);
    t->leases--;
    t->labels++;
    lq_task_mark_seen(t, s->who->id)->labeled = true;
    if (!lq_task_pooled(t)) {
        t->batch->project->labels++;
        t->batch->labels++;
        lq_rate_add(&t->batch->rate, lq_now_ms(), 1);
    }
    s->who->labels++;
    if (t->gold)
        score_gold(srv, s);
    settle(srv, t);
    lq_sched_account(t, was_leased, was_done);
    lq_batch_requeue(t);
    if (lq_task_free_slots(t) > 0 && t->batch->project->waiters)
        lq_sched_wake(srv, t->batch->project); /* dynamic overlap reopened it */
    lq_results_note_label(srv, t->batch->project); /* after the counts: it looks for "finished" */
}

static void submit_done(lq_write_op *op, int status)
{
    submit_op *s = (submit_op *)op;
    lq_server *srv = s->conn->srv;
    lq_metrics_observe(srv, LQ_H_COMMIT, s->arrived);
    if (!s->lease) {
        /* A retry that waited for a commit in flight: if that commit failed
         * the lease is the annotator's again and nothing is stored yet. */
        lq_seen *seen = lq_task_seen(s->task, s->who->id);
        if (lq_task_lease(s->task, s->who->id) && !(seen && seen->labeled))
            lq_peer_error(s->conn, s->req_id, LQ_EUNAVAIL,
                               "label for task %lu is not stored yet; submit again",
                               (unsigned long)s->task->id);
        else
            answer_unleased(s->conn, s->req_id, s->task, s->label, &s->next);
    } else if (status == 0) {
        submit_commit(srv, s);
        send_submit_reply(s->conn, s->req_id, false, s->task, &s->next);
    } else {
        /* Nothing was stored: the lease stays the annotator's so a retry works. */
        lq_lease *l = s->lease;
        uint64_t floor = uv_now(srv->loop) + RETRY_GRACE_MS;
        l->committing = false;
        if (l->deadline < floor)
            l->deadline = floor;
        lq_heap_push(&srv->leases, l);
        lq__arm_lease_timer(srv);
        lq_peer_error(s->conn, s->req_id, status == LQ_ECONFLICT ? LQ_EINTERNAL : status,
                           "label for task %lu was not stored: %s; retry later",
                           (unsigned long)s->task->id, lq_strerror(status));
    }
    lq_peer_unref(s->conn);
    free(s->label);
    free(s->next_project);
    free(s);
}

/* A lease on a task of a canceled batch ends here: the batch takes no more
 * labels. A submit already being stored was accepted before the cancel and
 * goes on (its retry waits for it as usual). Returns whether l was ended
 * (the error is then sent). */
bool lq__refuse_canceled(lq_peer *c, uint64_t id, lq_lease *l)
{
    lq_batch *b = l->task->batch;
    if (b->state != LABELQ__BATCH_STATE__BATCH_CANCELED || l->committing)
        return false;
    uint64_t task_id = l->task->id;
    lq__drop_lease(c->srv, l, false);
    lq__arm_lease_timer(c->srv);
    lq_peer_error(c, id, LQ_ECONFLICT,
                       "task %lu belongs to batch '%s' of project %s, which was canceled: "
                       "it takes no more labels",
                       (unsigned long)task_id, b->name, b->project->config->name);
    return true;
}

/* The stored form of label for t's project, or NULL after replying with
 * what is wrong with it. Spans are checked against the item's text, read
 * from the store (an mmap read, no I/O wait on a warm store). */
static char *checked_label(lq_peer *c, uint64_t id, lq_task *t, const char *label)
{
    const Labelq__ProjectConfig *cfg = t->batch->project->config;
    Labelq__TaskRecord *rec = NULL;
    json_t *data = NULL;
    const char *text = NULL;
    char err[256], *out = NULL;
    if (cfg->type == LABELQ__LABEL_TYPE__SPANS) {
        lq_txn *txn;
        int rc = lq_store_read_begin(c->srv->store, &txn);
        if (rc == 0) {
            rc = lq_store_get_task(txn, t->batch->project->id, t->id, &rec);
            lq_store_read_end(txn);
        }
        if (rc < 0) {
            lq_peer_error(c, id, LQ_EUNAVAIL, "cannot read task %lu to check its spans",
                               (unsigned long)t->id);
            return NULL;
        }
        data = json_loads(rec->data_json, JSON_DECODE_ANY, NULL);
        json_t *f = json_is_object(data) ? json_object_get(data, cfg->field) : NULL;
        text = json_is_string(f) ? json_string_value(f) : NULL;
    }
    int rc = lq_label_canonical(cfg, label, text, &out, err, sizeof(err));
    if (rc == LQ_ENOMEM)
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
    else if (rc < 0)
        lq_peer_error(c, id, LQ_EBADREQ, "label for task %lu of project %s (%s): %s",
                           (unsigned long)t->id, cfg->name, lq_label_type_name(cfg->type), err);
    json_decref(data);
    if (rec)
        labelq__task_record__free_unpacked(rec, NULL);
    return out;
}

void lq_sched_submit(lq_peer *c, uint64_t id, const Labelq__Submit *req)
{
    lq_task *t = lq__task_for(c, id, req->task_id);
    if (!t)
        return;
    char *label = checked_label(c, id, t, req->label);
    if (!label)
        return;
    const Labelq__Lease *nx = req->next;
    next_lease next = {nx != NULL, nx ? nx->project : NULL, nx ? nx->max_tasks : 0};
    lq_lease *l = lq_task_lease(t, c->who->id);
    if (!l || lq__refuse_canceled(c, id, l)) {
        if (!l)
            answer_unleased(c, id, t, label, &next);
        free(label);
        return;
    }
    submit_op *s = calloc(1, sizeof(*s));
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
    s->op.apply = submit_apply;
    s->op.done = submit_done;
    s->conn = c;
    s->req_id = id;
    s->task = t;
    s->who = c->who;
    s->duration_ms = req->duration_ms;
    s->arrived = lq_metrics_clock();
    if (!l->committing) {
        /* Out of the deadline heap: a lease being committed cannot expire. */
        l->committing = true;
        lq_heap_remove(&c->srv->leases, l);
        s->lease = l;
    }
    lq_peer_ref(c);
    lq_writer_submit(c->srv->writer, &s->op);
}
