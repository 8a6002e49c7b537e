#include "daemon/estimate/report.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/lookup.h"
#include "daemon/core/log.h"
#include "daemon/estimate/quality_run.h"
#include "proto/error.h"

typedef struct report_req {
    lq_peer *conn;
    uint64_t id;
} report_req;

static void fill_annotators(lq_quality_run *q, Labelq__AnnotatorReport *rows,
                            Labelq__AnnotatorReport **ptrs, size_t *n)
{
    lq_server *srv = q->srv;
    *n = 0;
    for (uint32_t a = 0; a < q->ratings.n_annotators; a++) {
        lq_annotator *who = lq_server_annotator(srv, a);
        if (!who || q->annotator_labels[a] == 0)
            continue;
        Labelq__AnnotatorReport *r = &rows[*n];
        labelq__annotator_report__init(r);
        r->name = who->name;
        r->labels = q->annotator_labels[a];
        lq_standing *st = lq_standing_find(&srv->standings, q->project_id, a);
        if (st) {
            r->gold_seen = st->gold_seen;
            r->gold_correct = st->gold_correct;
            r->blocked = st->blocked;
        }
        const lq_consensus *votes = &q->consensus.votes;
        if (q->consensus.has_votes && q->consensus.method == LQ_METHOD_DAWID_SKENE &&
            votes->accuracy[a] >= 0.0) {
            r->has_ds_accuracy = true;
            r->ds_accuracy = votes->accuracy[a];
        }
        r->has_consensus_agreement = true;
        r->consensus_agreement = (double)q->annotator_agree[a] / (double)q->annotator_labels[a];
        ptrs[(*n)++] = r;
    }
}

/* The label type's figures that the report lists by name
 * (lq_figure_report_name), those defined on the data. */
static void fill_figures(const lq_quality_run *q, Labelq__AgreementFigure *figs,
                         Labelq__AgreementFigure **ptrs, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < q->figures.n; i++) {
        const lq_figure *f = &q->figures.v[i];
        const char *name = lq_figure_report_name(f->id);
        if (!name || !f->defined)
            continue;
        Labelq__AgreementFigure *x = &figs[*n];
        labelq__agreement_figure__init(x);
        x->metric = (char *)name;
        if (f->label < q->config->n_labels)
            x->label = q->config->labels[f->label];
        x->value = f->value;
        ptrs[(*n)++] = x;
    }
}

static void report_done(lq_quality_run *q, int status, void *arg)
{
    report_req *req = arg;
    lq_peer *c = req->conn;
    if (status < 0) {
        lq_peer_error(c, req->id, status, "quality report failed: %s", lq_strerror(status));
        goto out;
    }
    uint32_t na = q->ratings.n_annotators ? q->ratings.n_annotators : 1;
    Labelq__AnnotatorReport *rows = calloc(na, sizeof(*rows));
    Labelq__AnnotatorReport **ptrs = calloc(na, sizeof(*ptrs));
    Labelq__AgreementFigure *figs = calloc(q->figures.n + 1, sizeof(*figs));
    Labelq__AgreementFigure **fig_ptrs = calloc(q->figures.n + 1, sizeof(*fig_ptrs));
    if (!rows || !ptrs || !figs || !fig_ptrs) {
        lq_peer_error(c, req->id, LQ_EEXHAUSTED, "out of memory");
        free(rows);
        free(ptrs);
        free(figs);
        free(fig_ptrs);
        goto out;
    }
    lq_quality_publish(q); /* the freshest figures there are */
    Labelq__ReportReply reply = LABELQ__REPORT_REPLY__INIT;
    lq_project *p = q->project;
    reply.project = p->config->name;
    reply.tasks = p->tasks;
    reply.done = p->done;
    reply.labels = p->labels;
    if (q->batch) {
        reply.batch = q->batch->name;
        reply.tasks = q->batch->tasks;
        reply.done = q->batch->done;
        reply.labels = q->batch->labels;
    }
    reply.has_alpha = q->has_alpha;
    reply.alpha = q->alpha;
    reply.has_fleiss = q->has_fleiss;
    reply.fleiss = q->fleiss;
    reply.has_percent_agreement = q->has_percent;
    reply.percent_agreement = q->percent;
    reply.method = (char *)q->method;
    const lq_consensus *votes = &q->consensus.votes;
    reply.iterations = q->consensus.has_votes ? votes->iterations : 0;
    fill_annotators(q, rows, ptrs, &reply.n_annotators);
    reply.annotators = ptrs;
    reply.n_confidence_bins = 10;
    reply.confidence_bins = q->confidence_bins;
    reply.n_class_priors = q->consensus.has_votes ? q->config->n_labels : 0;
    reply.class_priors = q->consensus.has_votes ? votes->priors : NULL;
    fill_figures(q, figs, fig_ptrs, &reply.n_type_agreement);
    reply.type_agreement = fig_ptrs;
    lq_peer_reply(c, req->id, LABELQ__ENVELOPE__BODY_REPORT_REPLY, &reply);
    free(rows);
    free(ptrs);
    free(figs);
    free(fig_ptrs);
out:
    lq_peer_unref(c);
    free(req);
}

void lq_report_start(lq_peer *c, uint64_t id, const Labelq__Report *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    lq_batch *b = NULL;
    if (req->batch[0] && !(b = lq_lookup_batch(c, id, req->project, req->batch)))
        return;
    report_req *r = calloc(1, sizeof(*r));
    if (!r) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    r->conn = c;
    r->id = id;
    lq_peer_ref(c);
    int rc = lq_quality_start(c->srv, p, b, report_done, r);
    if (rc < 0) {
        lq_peer_error(c, id, rc, "cannot start the quality report: %s", lq_strerror(rc));
        lq_peer_unref(c);
        free(r);
    }
}

