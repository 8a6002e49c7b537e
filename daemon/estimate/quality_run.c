/* A quality run: read every task and label of a project (or a batch) from
 * a snapshot, then compute on the thread pool what quality_run.h lists. */
#include "daemon/estimate/quality_run.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "proto/error.h"
#include "quality/majority.h"
#include "schema/label_index.h"
#include "schema/label_value.h"

typedef struct reading {
    lq_quality_run *run;
    lq_txn *txn;
    lq_store_cursor *labels; /* follows the task scan (store.h "merge cursors") */
    uint32_t unit;
    unsigned counts[LQ_MAX_LABELS];
    uint32_t n;
    int rc;
} reading;

static int add_rating(lq_quality_run *q, uint32_t unit, uint32_t annotator, uint32_t label)
{
    if (q->ratings.n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4096;
        lq_rating *v = realloc(q->v, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->ratings.n++] = (lq_rating){unit, annotator, label};
    return 0;
}

/* A label of a type that is not an index, kept as stored for
 * value_ratings.h. */
static int add_value(reading *rd, const Labelq__LabelRecord *rec)
{
    lq_quality_run *q = rd->run;
    if (q->n_values == q->values_cap) {
        size_t cap = q->values_cap ? q->values_cap * 2 : 1024;
        lq_label_value *v = realloc(q->values, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        q->values = v;
        q->values_cap = cap;
    }
    char *value = strdup(rec->value);
    if (!value)
        return LQ_ENOMEM;
    q->values[q->n_values++] = (lq_label_value){rd->unit, rec->annotator_id, value};
    rd->n++;
    return 0;
}

static int read_label(void *ctx, const Labelq__LabelRecord *rec)
{
    reading *rd = ctx;
    lq_quality_run *q = rd->run;
    if (rec->annotator_id >= q->ratings.n_annotators)
        q->ratings.n_annotators = rec->annotator_id + 1;
    if (q->typed_run)
        return add_value(rd, rec);
    int k = lq_label_index(q->config->labels, q->config->n_labels, rec->value);
    if (k < 0)
        return 0; /* not in the schema: cannot happen for stored labels */
    rd->counts[k]++;
    rd->n++;
    return add_rating(q, rd->unit, rec->annotator_id, (uint32_t)k);
}

static int grow_units(lq_quality_run *q)
{
    uint32_t cap = q->units_cap ? q->units_cap * 2 : 1024;
    uint64_t *ids = realloc(q->task_ids, cap * sizeof(*ids));
    if (!ids)
        return LQ_ENOMEM;
    q->task_ids = ids;
    bool *done = realloc(q->unit_done, cap * sizeof(*done));
    if (!done)
        return LQ_ENOMEM;
    q->unit_done = done;
    bool *gold = realloc(q->unit_gold, cap * sizeof(*gold));
    if (!gold)
        return LQ_ENOMEM;
    q->unit_gold = gold;
    uint32_t *batch = realloc(q->unit_batch, cap * sizeof(*batch));
    if (!batch)
        return LQ_ENOMEM;
    q->unit_batch = batch;
    if (q->typed_run) {
        char **text = realloc(q->unit_text, cap * sizeof(*text));
        if (!text)
            return LQ_ENOMEM;
        memset(text + q->units_cap, 0, (cap - q->units_cap) * sizeof(*text));
        q->unit_text = text;
    }
    q->units_cap = cap;
    return 0;
}

static int read_task(void *ctx, const Labelq__TaskRecord *task)
{
    reading *rd = ctx;
    lq_quality_run *q = rd->run;
    int rc;
    if (q->one_batch && task->id > q->last_task)
        return 1; /* past the batch: done */
    if (q->one_batch && task->batch_id != q->batch_id)
        return 0;
    if (q->ratings.n_units == q->units_cap && (rc = grow_units(q)) < 0)
        return rc;
    rd->unit = q->ratings.n_units++;
    memset(rd->counts, 0, sizeof(rd->counts));
    rd->n = 0;
    Labelq__LabelRecord *const *labels;
    size_t n;
    if ((rc = lq_store_cursor_labels(rd->labels, task->id, &labels, &n)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = read_label(rd, labels[i])) < 0)
            return rc;
    if (q->typed_run && q->config->type == LABELQ__LABEL_TYPE__SPANS &&
        (rc = lq_label_item_text(q->config, task->data_json, &q->unit_text[rd->unit])) < 0)
        return rc;
    bool pooled = task->gold[0] && q->config->gold_ratio > 0.0;
    lq_vote v = lq_majority(rd->counts, q->config->n_labels);
    /* Typed projects have no dynamic overlap: K labels are enough. */
    double agreement = q->typed_run ? 1.0 : v.agreement;
    q->task_ids[rd->unit] = task->id;
    q->unit_done[rd->unit] = !pooled && lq_project_enough(q->config, rd->n, agreement);
    q->unit_gold[rd->unit] = pooled;
    q->unit_batch[rd->unit] = task->batch_id;
    if (task->batch_id >= q->n_batch_ids)
        q->n_batch_ids = task->batch_id + 1;
    return 0;
}

/* What quality/ computes on: the labels as indexes, or the values read
 * as their type. */
static int prepare(lq_quality_run *q)
{
    const Labelq__ProjectConfig *cfg = q->config;
    q->ratings.v = q->v;
    if (q->typed_run) {
        int rc = lq_value_ratings_build(cfg, q->values, q->n_values, q->ratings.n_units,
                                        q->ratings.n_annotators,
                                        (const char *const *)q->unit_text, &q->typed);
        q->in = q->typed.r;
        return rc;
    }
    if (cfg->type == LABELQ__LABEL_TYPE__ORDINAL) {
        if (!(q->steps = malloc((cfg->n_labels ? cfg->n_labels : 1) * sizeof(*q->steps))))
            return LQ_ENOMEM;
        for (size_t l = 0; l < cfg->n_labels; l++)
            q->steps[l] = (double)l;
        q->ratings.values = q->steps;
    }
    q->in = (lq_typed_ratings){.kind = lq_label_kind(cfg->type), .labels = q->ratings};
    return 0;
}

/* The headline figures: the type's alpha, Fleiss' kappa, percent. */
static void headline(lq_quality_run *q)
{
    for (size_t i = 0; i < q->figures.n; i++) {
        const lq_figure *f = &q->figures.v[i];
        if (!f->defined)
            continue;
        if ((int)i == q->figures.headline) {
            q->has_alpha = true;
            q->alpha = f->value;
        } else if (f->id == LQ_FIG_FLEISS) {
            q->has_fleiss = true;
            q->fleiss = f->value;
        } else if (f->id == LQ_FIG_PERCENT) {
            q->has_percent = true;
            q->percent = f->value;
        }
    }
}

/* Per annotator, labels and those giving the consensus's answer (gold
 * items are scored against gold, elsewhere); done items by confidence. */
static int tally(lq_quality_run *q)
{
    uint32_t na = q->ratings.n_annotators ? q->ratings.n_annotators : 1;
    q->annotator_labels = calloc(na, sizeof(*q->annotator_labels));
    q->annotator_agree = calloc(na, sizeof(*q->annotator_agree));
    if (!q->annotator_labels || !q->annotator_agree)
        return LQ_ENOMEM;
    for (size_t i = 0; i < lq_typed_count(&q->in); i++) {
        uint32_t a = lq_typed_annotator_of(&q->in, i);
        if (q->unit_gold[lq_typed_unit_of(&q->in, i)])
            continue;
        q->annotator_labels[a]++;
        q->annotator_agree[a] += q->consensus.agrees[i];
    }
    for (uint32_t u = 0; u < q->ratings.n_units; u++) {
        if (!q->unit_done[u])
            continue;
        q->done_units++;
        int bin = (int)(q->consensus.confidence[u] * 10.0);
        q->confidence_bins[bin > 9 ? 9 : bin < 0 ? 0 : bin]++;
    }
    return 0;
}

/* Per batch: the headline alpha (single choice and ordinal) and percent
 * agreement over identical answers. */
static int batches(lq_quality_run *q)
{
    lq_metric metric =
        q->config->type == LABELQ__LABEL_TYPE__ORDINAL ? LQ_METRIC_ORDINAL : LQ_METRIC_NOMINAL;
    size_t n = lq_typed_count(&q->in);
    lq_rating *codes = NULL;
    lq_ratings r = q->ratings;
    int rc = 0;
    if (!(q->batch_agreement = calloc(q->n_batch_ids, sizeof(*q->batch_agreement))))
        return LQ_ENOMEM;
    if (q->typed_run) {
        r = (lq_ratings){NULL, n, q->ratings.n_units, q->ratings.n_annotators, 0, NULL};
        if (!(codes = malloc((n ? n : 1) * sizeof(*codes))))
            return LQ_ENOMEM;
        rc = lq_typed_same_codes(&q->in, codes, &r.n_labels);
        r.v = codes;
    }
    if (rc == 0)
        rc = lq_batch_agreement(&r, q->typed_run ? NULL : &metric, q->unit_batch, q->unit_gold,
                                q->n_batch_ids, q->batch_agreement);
    free(codes);
    return rc;
}

static int compute(lq_quality_run *q)
{
    int rc = prepare(q);
    lq_method m = lq_method_default(q->in.kind, lq_typed_count(&q->in));
    q->method = lq_method_name(m);
    if (rc == 0)
        rc = lq_typed_consensus_compute(&q->in, m, &q->consensus);
    if (rc == 0)
        rc = lq_typed_figures_compute(&q->in, &q->figures);
    if (rc == 0) {
        headline(q);
        rc = tally(q);
    }
    if (rc == 0 && !q->one_batch && q->n_batch_ids > 0)
        rc = batches(q);
    return rc;
}

static void run_work(uv_work_t *w)
{
    lq_quality_run *q = w->data;
    reading rd = {.run = q};
    q->ratings.n_labels = (uint32_t)q->config->n_labels;
    int rc = lq_store_read_begin(q->store, &rd.txn);
    if (rc == 0) {
        uint64_t after = q->one_batch ? q->first_task - 1 : 0;
        rc = lq_store_cursor_open_labels(rd.txn, &rd.labels);
        if (rc == 0 && (!q->one_batch || q->first_task > 0))
            rc = lq_store_each_task(rd.txn, q->project_id, after, read_task, &rd);
        lq_store_cursor_close(rd.labels);
        lq_store_read_end(rd.txn);
        if (rc == 1)
            rc = 0;
    }
    q->status = rc == 0 ? compute(q) : rc;
}

static void run_free(lq_quality_run *q)
{
    lq_typed_consensus_free(&q->consensus);
    lq_typed_figures_free(&q->figures);
    lq_value_ratings_free(&q->typed);
    free(q->v);
    free(q->steps);
    free(q->task_ids);
    free(q->unit_done);
    free(q->unit_gold);
    free(q->unit_batch);
    free(q->batch_agreement);
    free(q->annotator_labels);
    free(q->annotator_agree);
    for (size_t i = 0; i < q->n_values; i++)
        free((char *)q->values[i].value);
    free(q->values);
    for (uint32_t u = 0; q->unit_text && u < q->ratings.n_units; u++)
        free(q->unit_text[u]);
    free(q->unit_text);
    free(q);
}

static void run_after(uv_work_t *w, int status)
{
    lq_quality_run *q = w->data;
    if (status < 0 && q->status == 0)
        q->status = LQ_EINTERNAL;
    if (q->status < 0)
        lq_log(LQ_LOG_WARN, "quality estimate failed", "project=%s error=%s", q->config->name,
               lq_strerror(q->status));
    q->done(q, q->status, q->arg);
    run_free(q);
}

void lq_quality_publish(lq_quality_run *q)
{
    lq_project *p = q->project;
    if (q->one_batch)
        return;
    p->agreement = (lq_agreement_summary){q->has_alpha, q->has_percent, q->alpha, q->percent};
    for (uint32_t id = 0; id < q->n_batch_ids; id++) {
        lq_batch *b = lq_batch_by_id(p, id);
        if (b)
            b->agreement = q->batch_agreement[id];
    }
}

int lq_quality_start(lq_server *srv, lq_project *p, lq_batch *b, lq_quality_done_fn done,
                     void *arg)
{
    lq_quality_run *q = calloc(1, sizeof(*q));
    if (!q)
        return LQ_ENOMEM;
    q->srv = srv;
    q->store = srv->store;
    q->project = p;
    q->project_id = p->id;
    if (b) {
        q->batch = b;
        q->one_batch = true;
        q->batch_id = b->id;
        q->first_task = b->first_task;
        q->last_task = b->last_task;
    }
    q->config = p->config;
    q->typed_run = !lq_label_indexed(p->config);
    q->done = done;
    q->arg = arg;
    q->work.data = q;
    if (uv_queue_work(srv->loop, &q->work, run_work, run_after) < 0) {
        free(q);
        return LQ_EINTERNAL;
    }
    return 0;
}
