#include "daemon/scheduler.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/consensus.h"
#include "daemon/label_value.h"
#include "daemon/log.h"
#include "daemon/report.h"
#include "proto/error.h"

/* How long a lease whose submit failed to commit stays with its annotator so
 * the retry can succeed, at the least. */
#define RETRY_GRACE_MS 30000

typedef struct lq_waiter {
    uv_timer_t timer;
    lq_conn *conn;
    uint64_t req_id;
    lq_project *project;
    unsigned max_tasks;
    uint64_t arrived;       /* lq_metrics_clock() when the request came */
    struct lq_waiter *prev, *next;
} lq_waiter;

/* What a Submit asked to lease once its label is stored (Submit.next). */
typedef struct next_lease {
    bool wanted;
    const char *project; /* NULL or "": the submitted task's project */
    unsigned max_tasks;
} next_lease;

typedef struct submit_op {
    lq_write_op op;
    lq_conn *conn;
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

static bool task_leased(const lq_task *t)
{
    return t->leases > 0 && !lq_task_done(t);
}

void lq_sched_account(lq_task *t, bool was_leased, bool was_done)
{
    if (lq_task_pooled(t))
        return; /* gold in the pool is not among the project's tasks */
    lq_batch *b = t->batch;
    lq_project *p = b->project;
    bool leased = task_leased(t), done = lq_task_done(t);
    if (leased != was_leased) {
        leased ? p->leased++ : p->leased--;
        leased ? b->leased++ : b->leased--;
    }
    if (done != was_done) {
        done ? p->done++ : p->done--;
        done ? b->done++ : b->done--;
        if (done)
            b->done_labels += t->labels;
        else
            b->done_labels -= t->labels;
    }
}

static void on_lease_timer(uv_timer_t *t)
{
    lq_sched_expire(t->data);
}

static void arm_timer(lq_server *srv)
{
    lq_lease *top = lq_heap_peek(&srv->leases);
    if (!top) {
        uv_timer_stop(&srv->lease_timer);
        return;
    }
    uint64_t now = uv_now(srv->loop);
    srv->lease_timer.data = srv;
    uv_timer_start(&srv->lease_timer, on_lease_timer,
                   top->deadline > now ? top->deadline - now : 0, 0);
}

static void unlink_lease(lq_lease *l)
{
    lq_lease **pp = &l->task->lease_list;
    while (*pp != l)
        pp = &(*pp)->next;
    *pp = l->next;
}

/* Ends a lease without a label (release, skip, expiry, undo). Unless skip,
 * the annotator may be offered the task again later. */
static void drop_lease(lq_server *srv, lq_lease *l, bool skip)
{
    lq_task *t = l->task;
    bool was_leased = task_leased(t), was_done = lq_task_done(t);
    lq_heap_remove(&srv->leases, l);
    unlink_lease(l);
    t->leases--;
    if (!skip)
        lq_task_unsee(t, l->annotator);
    free(l);
    lq_sched_account(t, was_leased, was_done);
    if (lq_batch_requeue(t) < 0)
        lq_log(LQ_LOG_ERROR, "out of memory requeueing task", "task=%lu", (unsigned long)t->id);
}

static lq_lease *grant_lease(lq_server *srv, lq_task *t, uint32_t annotator)
{
    lq_lease *l = calloc(1, sizeof(*l));
    if (!l || !lq_task_mark_seen(t, annotator)) {
        free(l);
        return NULL;
    }
    bool was_leased = task_leased(t), was_done = lq_task_done(t);
    l->task = t;
    l->annotator = annotator;
    l->deadline = uv_now(srv->loop) + (uint64_t)t->batch->project->config->lease_ttl_s * 1000;
    l->next = t->lease_list;
    t->lease_list = l;
    t->leases++;
    if (lq_heap_push(&srv->leases, l) < 0) {
        t->lease_list = l->next;
        t->leases--;
        free(l);
        return NULL;
    }
    lq_sched_account(t, was_leased, was_done);
    return l;
}

/* Tasks popped during one lease request and put back at its end. */
typedef struct aside_list {
    lq_task **v;
    size_t n, cap;
} aside_list;

static bool set_aside(aside_list *a, lq_task *t)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        lq_task **v = realloc(a->v, cap * sizeof(*v));
        if (!v)
            return false;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = t;
    return true;
}

/* Pops b's started tasks until one the annotator has not seen; the seen
 * ones are set aside. Returns NULL when none is found within the scan budget. */
static lq_task *next_started(lq_batch *b, uint32_t annotator, aside_list *aside,
                             size_t *budget)
{
    lq_task *t;
    while (*budget > 0 && (t = lq_heap_peek(&b->started))) {
        if (!lq_task_seen(t, annotator))
            return lq_heap_pop(&b->started);
        if (!set_aside(aside, t))
            return NULL;
        lq_heap_pop(&b->started);
        (*budget)--;
    }
    return NULL;
}

/* The next task of b for annotator in queue order across its fresh and
 * started heaps, taken out of its heap; NULL when b has none for them.
 * *started carries a started task popped but not yet taken between calls. */
static lq_task *next_in_batch(lq_batch *b, uint32_t annotator, lq_task **started,
                              aside_list *aside, size_t *budget)
{
    if (!*started)
        *started = next_started(b, annotator, aside, budget);
    lq_task *fresh = lq_heap_peek(&b->fresh), *pick = NULL;
    if (*started && (!fresh || lq_task_before(*started, fresh))) {
        pick = *started;
        *started = NULL;
    } else if (fresh) {
        pick = lq_heap_pop(&b->fresh);
    }
    return pick;
}

/* The next gold item for st's annotator when one is due, else NULL. The
 * pool is served in order, so the cursor alone keeps gold from coming back.
 * Gold of a batch that is not being served is passed over for good: gold
 * is a sample, and a canceled batch takes no labels. */
static lq_task *due_gold(lq_project *p, lq_standing *st)
{
    if (!st || !lq_standing_gold_due(st, p->config->gold_ratio))
        return NULL;
    while (st->gold_next < p->n_gold && !lq_batch_serving(p->gold[st->gold_next]->batch))
        st->gold_next++;
    return st->gold_next < p->n_gold ? p->gold[st->gold_next++] : NULL;
}

/* Takes up to max tasks for annotator from p: gold at the project's ratio,
 * the rest from the batches being served, in serving order. A batch's
 * priority thus counts before any task's; walking the order costs
 * O(batches) per request at most, never a scan of the tasks. */
static size_t take_tasks(lq_server *srv, lq_project *p, uint32_t annotator, unsigned max,
                         lq_lease **out)
{
    static aside_list aside; /* reused: one loop thread */
    size_t got = 0, budget = srv->cfg->max_lease_scan;
    uint32_t bi = 0;
    lq_task *started = NULL;
    lq_standing *st = lq_standing_get(&srv->standings, p->id, annotator);
    aside.n = 0;
    while (got < max) {
        lq_task *gold = due_gold(p, st);
        if (gold) {
            lq_lease *l = grant_lease(srv, gold, annotator);
            if (!l)
                break;
            out[got++] = l;
            st->gold_served++;
            continue;
        }
        lq_task *pick = NULL;
        for (; bi < p->n_batches; bi++) {
            lq_batch *b = p->order[bi];
            if (lq_batch_serving(b) &&
                (pick = next_in_batch(b, annotator, &started, &aside, &budget)))
                break;
        }
        if (!pick)
            break;
        lq_lease *l = grant_lease(srv, pick, annotator);
        if (!l) {
            lq_batch_requeue(pick); /* out of memory: serve what we have */
            break;
        }
        out[got++] = l;
        if (st)
            st->served++;
        /* Still open for others, but not for this annotator any more. */
        if (!set_aside(&aside, pick))
            lq_batch_requeue(pick);
    }
    if (started)
        lq_batch_requeue(started);
    for (size_t i = 0; i < aside.n; i++)
        lq_batch_requeue(aside.v[i]);
    return got;
}

/* A LeaseReply made from granted leases. Its strings point into recs, so
 * it lives until lease_build_free. */
typedef struct lease_build {
    Labelq__LeaseReply reply;
    Labelq__LeasedTask *tasks;
    Labelq__LeasedTask **ptrs;
    Labelq__TaskRecord **recs;
} lease_build;

static void lease_build_free(lease_build *b)
{
    for (size_t i = 0; i < b->reply.n_tasks; i++)
        labelq__task_record__free_unpacked(b->recs[i], NULL);
    free(b->recs);
    free(b->ptrs);
    free(b->tasks);
}

/* Reads the payloads of granted leases into b->reply. Leases whose payload
 * does not fit the reply or cannot be read are given back. Returns 0 (free
 * b with lease_build_free), or LQ_EUNAVAIL when nothing could be read
 * (every lease given back, b needs no freeing). */
static int build_leases(lq_server *srv, lq_lease **leases, size_t n, lease_build *b)
{
    lq_txn *txn = NULL;
    size_t sent = 0, bytes = 0;
    labelq__lease_reply__init(&b->reply);
    b->tasks = calloc(n ? n : 1, sizeof(*b->tasks));
    b->ptrs = calloc(n ? n : 1, sizeof(*b->ptrs));
    b->recs = calloc(n ? n : 1, sizeof(*b->recs));
    if (!b->tasks || !b->ptrs || !b->recs || (n && lq_store_read_begin(srv->store, &txn) < 0)) {
        for (size_t i = 0; i < n; i++)
            drop_lease(srv, leases[i], false);
        lease_build_free(b);
        arm_timer(srv);
        return LQ_EUNAVAIL;
    }
    for (size_t i = 0; i < n; i++) {
        lq_lease *l = leases[i];
        int rc = lq_store_get_task(txn, l->task->batch->project->id, l->task->id, &b->recs[sent]);
        size_t size = rc == 0 ? strlen(b->recs[sent]->data_json) + 64 : 0;
        /* Keep the reply well inside a client's default frame limit. */
        if (rc < 0 || (sent > 0 && bytes + size > srv->cfg->max_frame / 2)) {
            if (rc == 0)
                labelq__task_record__free_unpacked(b->recs[sent], NULL);
            else
                lq_log(LQ_LOG_ERROR, "leased task missing from storage", "task=%lu error=%s",
                       (unsigned long)l->task->id, lq_strerror(rc));
            b->recs[sent] = NULL;
            drop_lease(srv, l, false);
            continue;
        }
        bytes += size;
        Labelq__LeasedTask *lt = &b->tasks[sent];
        labelq__leased_task__init(lt);
        lt->task_id = l->task->id;
        lt->external_id = b->recs[sent]->external_id;
        lt->data_json = b->recs[sent]->data_json;
        lt->deadline_ms = lq_server_unix_ms(srv, l->deadline);
        b->ptrs[sent] = lt;
        sent++;
    }
    if (txn)
        lq_store_read_end(txn); /* the records are unpacked copies */
    b->reply.n_tasks = sent;
    b->reply.tasks = b->ptrs;
    arm_timer(srv);
    return 0;
}

/* Takes up to max tasks of p for c's annotator and builds their reply in
 * b: the one lease path of Lease and of Submit.next. Returns how many
 * tasks were taken (b then to free with lease_build_free, holding those
 * whose payload fit), or a negative code with why set and nothing leased:
 * LQ_EPERM (blocked from p by its gold check), LQ_EEXHAUSTED (out of
 * memory) or LQ_EUNAVAIL (payloads unreadable). */
static int lease_tasks(lq_conn *c, lq_project *p, unsigned max, lease_build *b, char *why,
                       size_t len)
{
    lq_server *srv = c->srv;
    lq_standing *st = lq_standing_find(&srv->standings, p->id, c->who->id);
    if (st && st->blocked) {
        snprintf(why, len,
                 "you are blocked from project %s: %u of your %u answers on gold "
                 "items were right, below the project's minimum of %.0f%%",
                 p->config->name, st->gold_correct, st->gold_seen,
                 100.0 * p->config->min_gold_accuracy);
        return LQ_EPERM;
    }
    lq_lease *stack[64];
    lq_lease **leases = max <= 64 ? stack : malloc(max * sizeof(*leases));
    if (!leases) {
        snprintf(why, len, "out of memory");
        return LQ_EEXHAUSTED;
    }
    size_t got = take_tasks(srv, p, c->who->id, max, leases);
    int rc = build_leases(srv, leases, got, b);
    if (leases != stack)
        free(leases);
    if (rc < 0) {
        snprintf(why, len, "cannot read tasks from storage");
        return rc;
    }
    return (int)got;
}

/* Leases for c, replies, and returns how many tasks it got (0: no reply sent). */
static size_t serve(lq_conn *c, uint64_t id, lq_project *p, unsigned max, bool reply_empty)
{
    lease_build b;
    char why[512];
    int got = lease_tasks(c, p, max, &b, why, sizeof why);
    if (got < 0) {
        lq_conn_send_error(c, id, got, "%s", why);
        return 1;
    }
    if (got > 0 || reply_empty)
        lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_LEASE_REPLY, &b.reply);
    lease_build_free(&b);
    return (size_t)got;
}

static void waiter_closed(uv_handle_t *h)
{
    lq_waiter *w = h->data;
    lq_conn_unref(w->conn);
    free(w);
}

static void waiter_remove(lq_waiter *w)
{
    lq_project *p = w->project;
    if (w->prev)
        w->prev->next = w->next;
    else
        p->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        p->waiters_tail = w->prev;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, waiter_closed);
}

static void waiter_timeout(uv_timer_t *t)
{
    lq_waiter *w = t->data;
    Labelq__LeaseReply reply = LABELQ__LEASE_REPLY__INIT;
    lq_conn_reply(w->conn, w->req_id, LABELQ__ENVELOPE__BODY_LEASE_REPLY, &reply);
    lq_metrics_observe(w->conn->srv, LQ_H_LEASE, w->arrived);
    waiter_remove(w);
}

static void park(lq_conn *c, uint64_t id, lq_project *p, unsigned max, unsigned wait_ms,
                 uint64_t arrived)
{
    lq_waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    w->conn = c;
    w->req_id = id;
    w->project = p;
    w->max_tasks = max;
    w->arrived = arrived;
    w->timer.data = w;
    lq_conn_ref(c);
    uv_timer_init(c->srv->loop, &w->timer);
    uv_timer_start(&w->timer, waiter_timeout, wait_ms, 0);
    w->prev = p->waiters_tail;
    if (p->waiters_tail)
        p->waiters_tail->next = w;
    else
        p->waiters = w;
    p->waiters_tail = w;
}

void lq_sched_wake(lq_server *srv, lq_project *p)
{
    lq_waiter *w = p->waiters;
    while (w && lq_project_ready(p) > 0) {
        lq_waiter *next = w->next;
        if (w->conn->closing) {
            waiter_remove(w);
        } else if (serve(w->conn, w->req_id, p, w->max_tasks, false) > 0) {
            lq_metrics_observe(srv, LQ_H_LEASE, w->arrived);
            waiter_remove(w);
        }
        w = next;
    }
}

void lq_sched_cancel_waiters(lq_server *srv)
{
    for (uint32_t i = 0; i < srv->n_projects; i++) {
        lq_project *p = srv->projects[i];
        while (p && p->waiters)
            waiter_timeout(&p->waiters->timer);
    }
}

static lq_project *project_for(lq_conn *c, uint64_t id, const char *name)
{
    lq_project *p = lq_server_project(c->srv, name);
    if (!p)
        lq_conn_send_error(c, id, LQ_ENOTFOUND, "no project named '%s'", name);
    return p;
}

/* A request's max_tasks as served: 0 means 1, capped at max-lease-batch. */
static unsigned lease_max(const lq_config *cfg, unsigned requested)
{
    unsigned max = requested ? requested : 1;
    return max > cfg->max_lease_batch ? cfg->max_lease_batch : max;
}

void lq_sched_lease(lq_conn *c, uint64_t id, const Labelq__Lease *req)
{
    lq_project *p = project_for(c, id, req->project);
    if (!p)
        return;
    const lq_config *cfg = c->srv->cfg;
    unsigned max = lease_max(cfg, req->max_tasks);
    unsigned wait = req->wait_ms > cfg->max_wait_ms ? cfg->max_wait_ms : req->wait_ms;
    uint64_t arrived = lq_metrics_clock();
    if (serve(c, id, p, max, wait == 0) == 0 && wait > 0)
        park(c, id, p, max, wait, arrived);
    else
        lq_metrics_observe(c->srv, LQ_H_LEASE, arrived);
}

static lq_task *task_for(lq_conn *c, uint64_t id, uint64_t task_id)
{
    lq_task *t = lq_task_table_get(&c->srv->tasks, task_id);
    if (!t)
        lq_conn_send_error(c, id, LQ_ENOTFOUND, "task %lu does not exist",
                           (unsigned long)task_id);
    return t;
}

/* Runs a stored submit's lease part as a Lease{project, max_tasks} with
 * wait_ms 0 would (the same path, so the same rules), into b. Returns 0,
 * or a negative code with why set and nothing leased: LQ_ENOTFOUND for an
 * unknown project, else as lease_tasks. */
static int lease_next(lq_conn *c, const lq_task *t, const next_lease *next, lease_build *b,
                      char *why, size_t len)
{
    lq_project *p = t->batch->project;
    if (next->project && next->project[0] && !(p = lq_server_project(c->srv, next->project))) {
        snprintf(why, len, "no project named '%s'", next->project);
        return LQ_ENOTFOUND;
    }
    int got = lease_tasks(c, p, lease_max(c->srv->cfg, next->max_tasks), b, why, len);
    return got < 0 ? got : 0;
}

/* Says the label for t is stored. With next wanted, then leases and puts
 * the tasks in the reply's next, or the lease's failure in next_error: a
 * SubmitReply always means "stored", whatever the lease part did. No
 * lease is taken for a connection that is closing (no one would get it). */
static void send_submit_reply(lq_conn *c, uint64_t id, bool duplicate, const lq_task *t,
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
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY, &reply);
    if (built)
        lease_build_free(&b);
}

/* Answers a submit for a task the annotator already labeled: the same label
 * is a retry and succeeds again; another label is a conflict. */
static void answer_labeled(lq_conn *c, uint64_t id, lq_task *t, const char *label,
                           const next_lease *next)
{
    lq_txn *txn;
    Labelq__LabelRecord *rec = NULL;
    if (lq_store_read_begin(c->srv->store, &txn) < 0) {
        lq_conn_send_error(c, id, LQ_EUNAVAIL, "cannot read labels from storage");
        return;
    }
    int rc = lq_store_get_label(txn, t->id, c->who->id, &rec);
    lq_store_read_end(txn);
    if (rc < 0)
        lq_conn_send_error(c, id, LQ_EINTERNAL, "label of task %lu cannot be read: %s",
                           (unsigned long)t->id, lq_strerror(rc));
    else if (strcmp(rec->value, label) == 0)
        send_submit_reply(c, id, true, t, next);
    else
        lq_conn_send_error(c, id, LQ_ECONFLICT, "task %lu already has your label '%s'",
                           (unsigned long)t->id, rec->value);
    if (rec)
        labelq__label_record__free_unpacked(rec, NULL);
}

static void answer_unleased(lq_conn *c, uint64_t id, lq_task *t, const char *label,
                            const next_lease *next)
{
    lq_seen *s = lq_task_seen(t, c->who->id);
    if (s && s->labeled)
        answer_labeled(c, id, t, label, next);
    else
        lq_conn_send_error(c, id, LQ_EEXPIRED,
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
    bool was_leased = task_leased(t), was_done = lq_task_done(t);
    unlink_lease(s->lease);
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
            lq_conn_send_error(s->conn, s->req_id, LQ_EUNAVAIL,
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
        arm_timer(srv);
        lq_conn_send_error(s->conn, s->req_id, status == LQ_ECONFLICT ? LQ_EINTERNAL : status,
                           "label for task %lu was not stored: %s; retry later",
                           (unsigned long)s->task->id, lq_strerror(status));
    }
    lq_conn_unref(s->conn);
    free(s->label);
    free(s->next_project);
    free(s);
}

/* A lease on a task of a canceled batch ends here: the batch takes no more
 * labels. A submit already being stored was accepted before the cancel and
 * goes on (its retry waits for it as usual). Returns whether l was ended
 * (the error is then sent). */
static bool refuse_canceled(lq_conn *c, uint64_t id, lq_lease *l)
{
    lq_batch *b = l->task->batch;
    if (b->state != LABELQ__BATCH_STATE__BATCH_CANCELED || l->committing)
        return false;
    uint64_t task_id = l->task->id;
    drop_lease(c->srv, l, false);
    arm_timer(c->srv);
    lq_conn_send_error(c, id, LQ_ECONFLICT,
                       "task %lu belongs to batch '%s' of project %s, which was canceled: "
                       "it takes no more labels",
                       (unsigned long)task_id, b->name, b->project->config->name);
    return true;
}

/* The stored form of label for t's project, or NULL after replying with
 * what is wrong with it. Spans are checked against the item's text, read
 * from the store (an mmap read, no I/O wait on a warm store). */
static char *checked_label(lq_conn *c, uint64_t id, lq_task *t, const char *label)
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
            lq_conn_send_error(c, id, LQ_EUNAVAIL, "cannot read task %lu to check its spans",
                               (unsigned long)t->id);
            return NULL;
        }
        data = json_loads(rec->data_json, JSON_DECODE_ANY, NULL);
        json_t *f = json_is_object(data) ? json_object_get(data, cfg->field) : NULL;
        text = json_is_string(f) ? json_string_value(f) : NULL;
    }
    int rc = lq_label_canonical(cfg, label, text, &out, err, sizeof(err));
    if (rc == LQ_ENOMEM)
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
    else if (rc < 0)
        lq_conn_send_error(c, id, LQ_EBADREQ, "label for task %lu of project %s (%s): %s",
                           (unsigned long)t->id, cfg->name, lq_label_type_name(cfg->type), err);
    json_decref(data);
    if (rec)
        labelq__task_record__free_unpacked(rec, NULL);
    return out;
}

void lq_sched_submit(lq_conn *c, uint64_t id, const Labelq__Submit *req)
{
    lq_task *t = task_for(c, id, req->task_id);
    if (!t)
        return;
    char *label = checked_label(c, id, t, req->label);
    if (!label)
        return;
    const Labelq__Lease *nx = req->next;
    next_lease next = {nx != NULL, nx ? nx->project : NULL, nx ? nx->max_tasks : 0};
    lq_lease *l = lq_task_lease(t, c->who->id);
    if (!l || refuse_canceled(c, id, l)) {
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
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
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
    lq_conn_ref(c);
    lq_writer_submit(c->srv->writer, &s->op);
}

static lq_lease *active_lease(lq_conn *c, uint64_t id, uint64_t task_id)
{
    lq_task *t = task_for(c, id, task_id);
    if (!t)
        return NULL;
    lq_lease *l = lq_task_lease(t, c->who->id);
    if (!l) {
        lq_conn_send_error(c, id, LQ_EEXPIRED,
                           "you hold no lease on task %lu (it expired, was released, or was "
                           "never leased to you)",
                           (unsigned long)task_id);
        return NULL;
    }
    if (l->committing) {
        lq_conn_send_error(c, id, LQ_ECONFLICT, "task %lu: your submit is being stored",
                           (unsigned long)task_id);
        return NULL;
    }
    return l;
}

void lq_sched_extend(lq_conn *c, uint64_t id, const Labelq__Extend *req)
{
    lq_lease *l = active_lease(c, id, req->task_id);
    if (!l || refuse_canceled(c, id, l))
        return;
    lq_server *srv = c->srv;
    unsigned secs = req->seconds ? req->seconds : l->task->batch->project->config->lease_ttl_s;
    if (secs > LQ_MAX_LEASE_TTL)
        secs = LQ_MAX_LEASE_TTL;
    l->deadline = uv_now(srv->loop) + (uint64_t)secs * 1000;
    lq_heap_update(&srv->leases, l);
    arm_timer(srv);
    Labelq__ExtendReply reply = LABELQ__EXTEND_REPLY__INIT;
    reply.deadline_ms = lq_server_unix_ms(srv, l->deadline);
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_EXTEND_REPLY, &reply);
}

void lq_sched_release(lq_conn *c, uint64_t id, const Labelq__Release *req)
{
    lq_lease *l = active_lease(c, id, req->task_id);
    if (!l)
        return;
    lq_project *p = l->task->batch->project;
    drop_lease(c->srv, l, req->skip);
    arm_timer(c->srv);
    lq_conn_send_ok(c, id);
    lq_sched_wake(c->srv, p);
}

/* The first lease of annotator in the deadline heap, or NULL. */
static lq_lease *first_lease_of(lq_server *srv, uint32_t annotator)
{
    for (size_t i = 0; i < srv->leases.n; i++) {
        lq_lease *l = srv->leases.v[i];
        if (l->annotator == annotator)
            return l;
    }
    return NULL;
}

/* Ends l as a release and serves the project's parked requests. */
static void give_back(lq_server *srv, lq_lease *l)
{
    lq_project *p = l->task->batch->project;
    drop_lease(srv, l, false);
    if (p->waiters)
        lq_sched_wake(srv, p);
}

unsigned lq_sched_release_all(lq_server *srv, uint32_t annotator)
{
    /* Every lease not being committed is in the deadline heap, and those
     * being committed are left to their commit. Collected first: dropping
     * reorders the heap. */
    unsigned n = 0;
    for (size_t i = 0; i < srv->leases.n; i++)
        n += ((lq_lease *)srv->leases.v[i])->annotator == annotator;
    lq_lease **mine = n ? malloc(n * sizeof(*mine)) : NULL;
    if (mine) {
        size_t k = 0;
        for (size_t i = 0; i < srv->leases.n; i++)
            if (((lq_lease *)srv->leases.v[i])->annotator == annotator)
                mine[k++] = srv->leases.v[i];
        for (size_t i = 0; i < k; i++)
            give_back(srv, mine[i]);
        free(mine);
    } else {
        lq_lease *l;
        while ((l = first_lease_of(srv, annotator)))
            give_back(srv, l);
    }
    arm_timer(srv);
    return n;
}

void lq_sched_expire(lq_server *srv)
{
    uint64_t now = uv_now(srv->loop);
    lq_lease *l;
    unsigned expired = 0;
    while ((l = lq_heap_peek(&srv->leases)) && l->deadline <= now) {
        lq_project *p = l->task->batch->project;
        drop_lease(srv, l, false);
        expired++;
        /* Serve parked requests as tasks come back; cheap when none wait. */
        if (p->waiters)
            lq_sched_wake(srv, p);
    }
    if (expired)
        lq_log(LQ_LOG_DEBUG, "leases expired", "count=%u", expired);
    arm_timer(srv);
}
