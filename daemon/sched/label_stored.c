/* A submitted label once the writer has stored it (or failed to): the
 * label is counted (task, batch, project, annotator, gold standing,
 * dynamic overlap, the background estimate) and the annotator answered,
 * with the next tasks leased in the same reply when Submit.next asked.
 * Also the answers to submits that need no write (retries). A lease is
 * never lost to a failed commit. Loop thread only. */
#include "daemon/sched/label_stored.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/estimate/results.h"
#include "daemon/sched/lease.h"
#include "daemon/sched/lease_end.h"
#include "daemon/sched/longpoll.h"
#include "daemon/sched/settle.h"
#include "proto/error.h"
#include "proto/utf8.h"

/* How long a lease whose submit failed to commit stays with its annotator so
 * the retry can succeed, at the least. */
#define RETRY_GRACE_MS 30000

/* Runs a stored submit's lease part as a Lease{project, max_tasks} with
 * wait_ms 0 would (the same path, so the same rules), into b. Returns 0,
 * or a negative code with why set and nothing leased: LQ_ENOTFOUND for an
 * unknown project, else as lq_lease_tasks. */
static int lease_next(lq_peer *c, const lq_task *t, const lq_next_lease *next, lq_lease_build *b,
                      char *why, size_t len)
{
    lq_project *p = t->batch->project;
    if (next->project && next->project[0] && !(p = lq_server_project(c->srv, next->project))) {
        snprintf(why, len, "no project named '%s'", next->project);
        return LQ_ENOTFOUND;
    }
    int got = lq_lease_tasks(c, p, lq_lease_max(c->srv->cfg, next->max_tasks), b, why, len);
    return got < 0 ? got : 0;
}

/* Says the label for t is stored. With next wanted, then leases and puts
 * the tasks in the reply's next, or the lease's failure in next_error: a
 * SubmitReply always means "stored", whatever the lease part did. No
 * lease is taken for a connection that is closing (no one would get it). */
static void send_submit_reply(lq_peer *c, uint64_t id, bool duplicate, const lq_task *t,
                              const lq_next_lease *next)
{
    Labelq__SubmitReply reply = LABELQ__SUBMIT_REPLY__INIT;
    Labelq__Error error = LABELQ__ERROR__INIT;
    lq_lease_build b;
    char why[512], text[512];
    bool built = false;
    reply.duplicate = duplicate;
    if (next && next->wanted && !c->closing) {
        int rc = lease_next(c, t, next, &b, why, sizeof why);
        if (rc < 0) {
            /* why may quote next.project cut to fit, inside a character. */
            lq_utf8_escape(text, sizeof text, why, strlen(why));
            error.code = (Labelq__ErrorCode)lq_error_to_wire(rc);
            error.message = text;
            reply.next_error = &error;
        } else {
            reply.next = &b.reply;
            built = true;
        }
    }
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY, &reply);
    if (built)
        lq_lease_build_free(&b);
}

/* Answers a submit for a task the annotator already labeled: the same label
 * is a retry and succeeds again; another label is a conflict. */
static void answer_labeled(lq_peer *c, uint64_t id, lq_task *t, const char *label,
                           const lq_next_lease *next)
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

void lq_label_answer_unleased(lq_peer *c, uint64_t id, lq_task *t, const char *label,
                              const lq_next_lease *next)
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
        lq_log(LQ_LOG_ERROR, "cannot judge agreement; the task keeps its overlap",
               "task=%lu error=%s", (unsigned long)t->id, lq_strerror(rc));
}

/* Counts a gold answer toward the annotator's standing in the project. */
static void score_gold(lq_server *srv, lq_submit_op *s)
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

static void submit_commit(lq_server *srv, lq_submit_op *s)
{
    lq_task *t = s->task;
    bool was_leased = lq_task_leased(t), was_done = lq_task_done(t);
    lq_task_unlink_lease(s->lease);
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
    lq_task_account(t, was_leased, was_done);
    lq_lease_requeue(t);
    if (lq_task_free_slots(t) > 0 && t->batch->project->waiters)
        lq_sched_wake(srv, t->batch->project);     /* dynamic overlap reopened it */
    lq_results_note_label(srv, t->batch->project); /* after the counts: it looks for "finished" */
}

void lq_label_stored(lq_write_op *op, int status)
{
    lq_submit_op *s = (lq_submit_op *)op;
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
            lq_label_answer_unleased(s->conn, s->req_id, s->task, s->label, &s->next);
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
        lq_lease_timer_arm(srv);
        lq_peer_error(s->conn, s->req_id, status == LQ_ECONFLICT ? LQ_EINTERNAL : status,
                      "label for task %lu was not stored: %s; retry later",
                      (unsigned long)s->task->id, lq_strerror(status));
    }
    lq_peer_write_end(s->conn);
    free(s->label);
    free(s->next_project);
    free(s);
}
