/* Taking tasks for an annotator: gold at the project's ratio, then the
 * batches being served in their order, each batch's queue in (priority,
 * sequence) order, passing over tasks the annotator has seen; and the
 * Lease request, which parks in longpoll.c when nothing is free. The one
 * lease path of Lease and of Submit.next. Loop thread only. */
#include "daemon/sched/lease.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/sched/lease_end.h"
#include "daemon/sched/longpoll.h"
#include "proto/error.h"

/* A lease reply carries tasks up to 1/LEASE_REPLY_SHARE of max-frame (at
 * least one task, whatever its size): well inside the frame limit a
 * client keeps by default, with room for the SubmitReply around it when
 * Submit.next asked for the tasks. Tasks past it are given back. */
#define LEASE_REPLY_SHARE 2

/* A task in the reply takes its two strings' bytes plus at most this
 * much: task_id and deadline_ms a tag byte and a varint of up to 10 bytes
 * each (22), external_id and data_json a tag byte and a length of up to 5
 * each (12), and the entry's own tag and length in the reply (6). A bound
 * from the lengths, not the encoded size, which would cost a pass over the
 * message per task on the hot path. */
#define LEASED_TASK_OVERHEAD_MAX 40

/* Lease requests for up to this many tasks (the usual) keep their list on
 * the stack; bigger ones allocate it. */
#define LEASES_ON_STACK 64

/* Leases t to annotator; gold_index is its gold pool index when it comes
 * from the annotator's gold walk, else LQ_NOT_GOLD. NULL when out of
 * memory. */
static lq_lease *grant_lease(lq_server *srv, lq_task *t, uint32_t annotator, uint32_t gold_index)
{
    lq_lease *l = calloc(1, sizeof(*l));
    if (!l || !lq_task_mark_seen(t, annotator)) {
        free(l); /* (a failed mark left nothing to undo) */
        return NULL;
    }
    bool was_leased = lq_task_leased(t), was_done = lq_task_done(t);
    l->task = t;
    l->annotator = annotator;
    l->gold_index = gold_index;
    l->deadline = uv_now(srv->loop) + (uint64_t)t->batch->project->config->lease_ttl_s * 1000;
    l->next = t->lease_list;
    t->lease_list = l;
    t->leases++;
    if (lq_heap_push(&srv->leases, l) < 0) {
        /* Out of memory: as if never granted, so the task may come to this
         * annotator later after all. */
        t->lease_list = l->next;
        t->leases--;
        lq_task_unsee(t, annotator);
        free(l);
        return NULL;
    }
    lq_task_account(t, was_leased, was_done);
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
static lq_task *next_started(lq_batch *b, uint32_t annotator, aside_list *aside, size_t *budget)
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
static lq_task *next_in_batch(lq_batch *b, uint32_t annotator, lq_task **started, aside_list *aside,
                              size_t *budget)
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

/* The next gold item for st's annotator when one is due, else NULL. Each
 * annotator walks the pool in an order of their own (gold_walk.h), so the
 * walk alone keeps gold from coming back while the daemon runs; after a
 * restart the walk starts over and what they were served and labeled is
 * passed over (lq_task_seen), each such item counting against the scan
 * budget. Gold of a batch that is not being served is passed over for
 * good: gold is a sample, and a canceled batch takes no labels. */
static lq_task *due_gold(lq_project *p, lq_standing *st, size_t *budget, uint32_t *index)
{
    if (!st || !lq_standing_gold_due(st, p->config->gold_ratio))
        return NULL;
    uint32_t g;
    /* First what was leased to them but never sent. */
    while (lq_standing_gold_take_back(st, &g))
        if (g < p->n_gold && !lq_task_seen(p->gold[g], st->annotator) &&
            lq_batch_serving(p->gold[g]->batch))
            return *index = g, p->gold[g];
    while (lq_gold_walk_next(&st->gold_walk, p->id, st->annotator, p->n_gold, &g)) {
        lq_task *t = p->gold[g];
        bool seen = lq_task_seen(t, st->annotator) != NULL;
        if (seen && *budget == 0)
            return NULL; /* the next request goes on from here */
        lq_gold_walk_pass(&st->gold_walk);
        if (seen)
            (*budget)--;
        else if (lq_batch_serving(t->batch))
            return *index = g, t;
    }
    return NULL;
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
        uint32_t gold_index;
        lq_task *gold = due_gold(p, st, &budget, &gold_index);
        if (gold) {
            lq_lease *l = grant_lease(srv, gold, annotator, gold_index);
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
        lq_lease *l = grant_lease(srv, pick, annotator, LQ_NOT_GOLD);
        if (!l) {
            lq_lease_requeue(pick); /* out of memory: serve what we have */
            break;
        }
        out[got++] = l;
        if (st)
            st->served++;
        /* Still open for others, but not for this annotator any more. */
        if (!set_aside(&aside, pick))
            lq_lease_requeue(pick);
    }
    if (started)
        lq_lease_requeue(started);
    for (size_t i = 0; i < aside.n; i++)
        lq_lease_requeue(aside.v[i]);
    return got;
}

void lq_lease_build_free(lq_lease_build *b)
{
    for (size_t i = 0; i < b->reply.n_tasks; i++)
        labelq__task_record__free_unpacked(b->recs[i], NULL);
    free(b->recs);
    free(b->ptrs);
    free(b->tasks);
}

/* A gold lease that will not be sent: its annotator's walk has passed the
 * item, so it is handed back to them to come first next time, and it no
 * longer counts as served. */
static void give_gold_back(lq_server *srv, const lq_lease *l)
{
    if (l->gold_index == LQ_NOT_GOLD)
        return;
    lq_standing *st = lq_standing_find(&srv->standings, l->task->batch->project->id, l->annotator);
    if (!st)
        return;
    st->gold_served--;
    if (!lq_standing_gold_back(st, l->gold_index))
        lq_log(LQ_LOG_DEBUG, "gold item left for the next walk", "task=%lu annotator=%u",
               (unsigned long)l->task->id, l->annotator);
}

/* Reads the payloads of granted leases into b->reply. Leases whose payload
 * does not fit the reply or cannot be read are given back. Returns 0 (free
 * b with lq_lease_build_free), or LQ_EUNAVAIL when nothing could be read
 * (every lease given back, b needs no freeing). */
static int build_leases(lq_server *srv, lq_lease **leases, size_t n, lq_lease_build *b)
{
    lq_txn *txn = NULL;
    size_t sent = 0, bytes = 0;
    labelq__lease_reply__init(&b->reply);
    b->tasks = calloc(n ? n : 1, sizeof(*b->tasks));
    b->ptrs = calloc(n ? n : 1, sizeof(*b->ptrs));
    b->recs = calloc(n ? n : 1, sizeof(*b->recs));
    if (!b->tasks || !b->ptrs || !b->recs || (n && lq_store_read_begin(srv->store, &txn) < 0)) {
        for (size_t i = 0; i < n; i++) {
            give_gold_back(srv, leases[i]);
            lq_lease_drop(srv, leases[i], false);
        }
        lq_lease_build_free(b);
        lq_lease_timer_arm(srv);
        return LQ_EUNAVAIL;
    }
    size_t budget = srv->cfg->max_frame / LEASE_REPLY_SHARE;
    for (size_t i = 0; i < n; i++) {
        lq_lease *l = leases[i];
        int rc = lq_store_get_task(txn, l->task->batch->project->id, l->task->id, &b->recs[sent]);
        if (rc < 0) {
            lq_log(LQ_LOG_ERROR, "leased task missing from storage", "task=%lu error=%s",
                   (unsigned long)l->task->id, lq_strerror(rc));
            b->recs[sent] = NULL;
            lq_lease_drop(srv, l, false);
            continue;
        }
        Labelq__LeasedTask *lt = &b->tasks[sent];
        labelq__leased_task__init(lt);
        lt->task_id = l->task->id;
        lt->external_id = b->recs[sent]->external_id;
        lt->data_json = b->recs[sent]->data_json;
        lt->deadline_ms = lq_server_unix_ms(srv, l->deadline);
        size_t size = strlen(lt->external_id) + strlen(lt->data_json) + LEASED_TASK_OVERHEAD_MAX;
        if (sent > 0 && bytes + size > budget) {
            labelq__task_record__free_unpacked(b->recs[sent], NULL);
            b->recs[sent] = NULL;
            give_gold_back(srv, l);
            lq_lease_drop(srv, l, false);
            continue;
        }
        bytes += size;
        b->ptrs[sent] = lt;
        sent++;
    }
    if (txn)
        lq_store_read_end(txn); /* the records are unpacked copies */
    b->reply.n_tasks = sent;
    b->reply.tasks = b->ptrs;
    lq_lease_timer_arm(srv);
    return 0;
}

/* Takes up to max tasks of p for c's annotator and builds their reply in
 * b: the one lease path of Lease and of Submit.next. Returns how many
 * tasks were taken (b then to free with lq_lease_build_free, holding those
 * whose payload fit), or a negative code with why set and nothing leased:
 * LQ_EPERM (c's account is blocked: its work stops with the block; or it
 * is blocked from p by p's gold check), LQ_EEXHAUSTED (out of memory) or
 * LQ_EUNAVAIL (payloads unreadable). */
int lq_lease_tasks(lq_peer *c, lq_project *p, unsigned max, lq_lease_build *b, char *why,
                   size_t len)
{
    lq_server *srv = c->srv;
    if (c->who->blocked) {
        snprintf(why, len, "annotator '%s' is blocked", c->who->name);
        return LQ_EPERM;
    }
    lq_standing *st = lq_standing_find(&srv->standings, p->id, c->who->id);
    if (st && st->blocked) {
        snprintf(why, len,
                 "you are blocked from project %s: %u of your %u answers on gold "
                 "items were right, below the project's minimum of %.0f%%",
                 p->config->name, st->gold_correct, st->gold_seen,
                 100.0 * p->config->min_gold_accuracy);
        return LQ_EPERM;
    }
    lq_lease *stack[LEASES_ON_STACK];
    lq_lease **leases = max <= LEASES_ON_STACK ? stack : malloc(max * sizeof(*leases));
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
size_t lq_lease_serve(lq_peer *c, uint64_t id, lq_project *p, unsigned max, bool reply_empty)
{
    lq_lease_build b;
    char why[512];
    int got = lq_lease_tasks(c, p, max, &b, why, sizeof why);
    if (got < 0) {
        lq_peer_error(c, id, got, "%s", why);
        if (c->who->blocked)
            lq_peer_close(c, "blocked"); /* as dispatch does with a blocked account */
        return 1;
    }
    if (got > 0 || reply_empty)
        lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_LEASE_REPLY, &b.reply);
    lq_lease_build_free(&b);
    return (size_t)got;
}

/* A request's max_tasks as served: 0 means 1, capped at max-lease-batch. */
unsigned lq_lease_max(const lq_config *cfg, unsigned requested)
{
    unsigned max = requested ? requested : 1;
    return max > cfg->max_lease_batch ? cfg->max_lease_batch : max;
}

void lq_sched_lease(lq_peer *c, uint64_t id, const Labelq__Lease *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    const lq_config *cfg = c->srv->cfg;
    unsigned max = lq_lease_max(cfg, req->max_tasks);
    unsigned wait = req->wait_ms > cfg->max_wait_ms ? cfg->max_wait_ms : req->wait_ms;
    uint64_t arrived = lq_metrics_clock();
    if (lq_lease_serve(c, id, p, max, wait == 0) == 0 && wait > 0)
        lq_longpoll_park(c, id, p, max, wait, arrived);
    else
        lq_metrics_observe(c->srv, LQ_H_LEASE, arrived);
}
