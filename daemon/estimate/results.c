/* The consensus kept up to date in the background as labels arrive, and
 * stored per done task (ResultRecord) for exports and restarts. */
#include "daemon/estimate/results.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/estimate/quality_run.h"
#include "proto/error.h"

/* Re-estimate after this many new labels, or a tenth of the project's
 * labels if that is more: the work grows with the project, so the interval
 * does too, and an estimate never runs twice at once per project. */
#define RESULTS_MIN_NEW_LABELS 200

/* After an estimate that took T, labels start the next one no sooner than
 * RESULTS_QUIET_FACTOR * T later: estimates use at most 1 / (1 + factor) of
 * a core however fast labels arrive. A project that finishes is estimated
 * at once regardless. */
#define RESULTS_QUIET_FACTOR 4

typedef struct results_op {
    lq_write_op op;
    lq_server *srv;
    lq_project *project;
    Labelq__ResultRecord *recs;
    size_t n; /* recs[].value are malloc'd copies */
} results_op;

static int results_apply(lq_write_op *wop, lq_txn *txn)
{
    results_op *r = (results_op *)wop;
    for (size_t i = 0; i < r->n; i++) {
        int rc = lq_store_put_result(txn, &r->recs[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void estimate_ended(lq_server *srv, lq_project *p)
{
    uint64_t now = uv_now(srv->loop);
    p->estimating = false;
    p->estimate_quiet_until = now + RESULTS_QUIET_FACTOR * (now - p->estimate_started);
    if (p->estimate_again) {
        p->estimate_again = false;
        lq_results_refresh(srv, p);
    }
}

static void results_stored(lq_write_op *wop, int status)
{
    results_op *r = (results_op *)wop;
    estimate_ended(r->srv, r->project);
    if (status < 0)
        lq_log(LQ_LOG_WARN, "consensus results not stored", "project=%s error=%s",
               r->project->config->name, lq_strerror(status));
    else
        lq_log(LQ_LOG_DEBUG, "consensus results stored", "project=%s tasks=%zu",
               r->project->config->name, r->n);
    for (size_t i = 0; i < r->n; i++)
        free(r->recs[i].value);
    free(r->recs);
    free(r);
}

static void estimate_done(lq_quality_run *q, int status, void *arg)
{
    (void)arg;
    lq_project *p = q->project;
    if (status == 0)
        lq_quality_publish(q);
    results_op *r = status == 0 && !q->srv->stopping ? calloc(1, sizeof(*r)) : NULL;
    if (r)
        r->recs = calloc(q->done_units ? q->done_units : 1, sizeof(*r->recs));
    if (!r || !r->recs) {
        free(r);
        estimate_ended(q->srv, p);
        return;
    }
    const lq_typed_consensus *c = &q->consensus;
    for (uint32_t u = 0; u < q->ratings.n_units; u++) {
        if (!q->unit_done[u])
            continue;
        Labelq__ResultRecord *rec = &r->recs[r->n++];
        labelq__result_record__init(rec);
        rec->task_id = q->task_ids[u];
        rec->confidence = c->confidence[u];
        rec->agreement = c->agreement[u];
        rec->method = (char *)q->method;
        /* A copy of the value: the run is freed before the writer stores
         * this. Ordinal's is the median step's name. */
        char *value = NULL;
        if (q->typed_run && lq_value_consensus(q->config, &q->in, c, u, &value) < 0) {
            r->n--;
            continue;
        }
        if (c->label)
            rec->label = c->label[u] < q->config->n_labels ? c->label[u] : 0;
        if (c->median && c->median[u] < q->config->n_labels)
            value = strdup(q->config->labels[c->median[u]]);
        if (c->spread)
            rec->spread = c->spread[u];
        rec->value = value ? value : strdup("");
        if (!rec->value)
            r->n--;
    }
    r->op.apply = results_apply;
    r->op.done = results_stored;
    r->srv = q->srv;
    r->project = p;
    lq_writer_submit(q->srv->writer, &r->op);
}

void lq_results_refresh(lq_server *srv, lq_project *p)
{
    if (srv->stopping)
        return;
    if (p->estimating) {
        p->estimate_again = true;
        return;
    }
    p->labels_since_estimate = 0;
    p->estimating = true;
    p->estimate_started = uv_now(srv->loop);
    if (lq_quality_start(srv, p, NULL, estimate_done, NULL) < 0)
        p->estimating = false;
}

void lq_results_note_label(lq_server *srv, lq_project *p)
{
    p->labels_since_estimate++;
    uint64_t due = p->labels / 10 > RESULTS_MIN_NEW_LABELS ? p->labels / 10 : RESULTS_MIN_NEW_LABELS;
    bool finished = p->tasks > 0 && p->done == p->tasks;
    bool quiet = p->estimating || uv_now(srv->loop) < p->estimate_quiet_until;
    /* With one label per item there is nothing to estimate while labels
     * arrive: no agreement to measure, and Dawid-Skene cannot tell an
     * annotator's errors from the truth, so the consensus is that label.
     * Such a project (a plain work queue) is estimated once, when done. */
    bool single = p->config->max_overlap <= 1;
    if ((p->labels_since_estimate >= due && !quiet && !single) || finished)
        lq_results_refresh(srv, p);
}
