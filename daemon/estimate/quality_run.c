#include "daemon/estimate/quality_run.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "schema/label_index.h"
#include "schema/label_value.h"
#include "daemon/core/log.h"
#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/majority.h"
#include "quality/ordinal_median.h"

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
    if (annotator >= q->ratings.n_annotators)
        q->ratings.n_annotators = annotator + 1;
    return 0;
}

/* A label of a type that is not an index, kept as stored for
 * typed_quality.h. */
static int add_typed(reading *rd, const Labelq__LabelRecord *rec)
{
    lq_quality_run *q = rd->run;
    if (q->n_typed == q->typed_cap) {
        size_t cap = q->typed_cap ? q->typed_cap * 2 : 1024;
        lq_typed_label *v = realloc(q->typed_labels, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        q->typed_labels = v;
        q->typed_cap = cap;
    }
    char *value = strdup(rec->value);
    if (!value)
        return LQ_ENOMEM;
    q->typed_labels[q->n_typed++] = (lq_typed_label){rd->unit, rec->annotator_id, value};
    if (rec->annotator_id >= q->ratings.n_annotators)
        q->ratings.n_annotators = rec->annotator_id + 1;
    rd->n++;
    return 0;
}

static int read_label(void *ctx, const Labelq__LabelRecord *rec)
{
    reading *rd = ctx;
    if (rd->run->typed_run)
        return add_typed(rd, rec);
    const Labelq__ProjectConfig *cfg = rd->run->config;
    int k = lq_label_index(cfg->labels, cfg->n_labels, rec->value);
    if (k < 0)
        return 0; /* not in the schema: cannot happen for stored labels */
    rd->counts[k]++;
    rd->n++;
    return add_rating(rd->run, rd->unit, rec->annotator_id, (uint32_t)k);
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

/* SPANS: keeps the unit's text, data[field], which the spans index. */
static int keep_text(lq_quality_run *q, uint32_t unit, const Labelq__TaskRecord *task)
{
    json_t *data = json_loads(task->data_json, JSON_DECODE_ANY, NULL);
    json_t *f = json_is_object(data) ? json_object_get(data, q->config->field) : NULL;
    int rc = 0;
    if (json_is_string(f) && !(q->unit_text[unit] = strdup(json_string_value(f))))
        rc = LQ_ENOMEM;
    json_decref(data);
    return rc;
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
        (rc = keep_text(q, rd->unit, task)) < 0)
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

/* Agreement metrics; a metric undefined on this data is left out. */
static void measure(lq_quality_run *q)
{
    q->has_alpha = lq_krippendorff_alpha(&q->ratings, LQ_METRIC_NOMINAL, &q->alpha) == 0;
    q->has_fleiss = lq_fleiss_kappa(&q->ratings, &q->fleiss) == 0;
    q->has_percent = lq_percent_agreement(&q->ratings, &q->percent) == 0;
}

static int tally(lq_quality_run *q)
{
    uint32_t na = q->ratings.n_annotators ? q->ratings.n_annotators : 1;
    q->annotator_labels = calloc(na, sizeof(*q->annotator_labels));
    q->annotator_agree = calloc(na, sizeof(*q->annotator_agree));
    q->item_agreement = malloc((q->ratings.n_units ? q->ratings.n_units : 1) * sizeof(double));
    if (!q->annotator_labels || !q->annotator_agree || !q->item_agreement)
        return LQ_ENOMEM;
    int rc = lq_item_agreement(&q->ratings, q->item_agreement);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < q->ratings.n; i++) {
        const lq_rating *r = &q->v[i];
        if (q->unit_gold[r->unit])
            continue; /* gold answers are scored against gold, elsewhere */
        q->annotator_labels[r->annotator]++;
        q->annotator_agree[r->annotator] += q->consensus.label[r->unit] == r->label;
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

/* The typed path: consensus, agreement and tallies from typed_quality.h,
 * in the fields the report and the stored results read. */
static int run_typed(lq_quality_run *q)
{
    uint32_t nu = q->ratings.n_units, na = q->ratings.n_annotators ? q->ratings.n_annotators : 1;
    lq_typed_input in = {q->config, q->typed_labels, q->n_typed, nu, q->ratings.n_annotators,
                         (const char *const *)q->unit_text, q->n_typed >= LQ_DS_MIN_LABELS};
    int rc = lq_typed_run(&in, &q->typed);
    if (rc < 0)
        return rc;
    q->method = q->typed.method;
    q->has_alpha = q->typed.has_alpha;
    q->alpha = q->typed.alpha;
    q->has_percent = q->typed.has_percent;
    q->percent = q->typed.percent;
    q->figures = q->typed.figures;
    q->n_figures = q->typed.n_figures;
    q->annotator_labels = calloc(na, sizeof(*q->annotator_labels));
    q->annotator_agree = calloc(na, sizeof(*q->annotator_agree));
    q->item_agreement = malloc((nu ? nu : 1) * sizeof(double));
    if (!q->annotator_labels || !q->annotator_agree || !q->item_agreement)
        return LQ_ENOMEM;
    memcpy(q->annotator_labels, q->typed.annotator_labels,
           q->ratings.n_annotators * sizeof(uint64_t));
    memcpy(q->annotator_agree, q->typed.annotator_agree, q->ratings.n_annotators * sizeof(uint64_t));
    memcpy(q->item_agreement, q->typed.agreement, nu * sizeof(double));
    for (uint32_t u = 0; u < nu; u++) {
        if (!q->unit_done[u])
            continue;
        q->done_units++;
        int bin = (int)(q->typed.confidence[u] * 10.0);
        q->confidence_bins[bin > 9 ? 9 : bin < 0 ? 0 : bin]++;
    }
    return 0;
}

/* ORDINAL: the median step per unit and ordinal alpha, besides what every
 * index type gets. */
static int ordinal_extras(lq_quality_run *q)
{
    uint32_t nu = q->ratings.n_units ? q->ratings.n_units : 1, nl = q->ratings.n_labels;
    q->median = malloc(nu * sizeof(*q->median));
    bool *split = malloc(nu * sizeof(*split));
    double *steps = malloc((nl ? nl : 1) * sizeof(*steps));
    int rc = q->median && split && steps ? 0 : LQ_ENOMEM;
    for (uint32_t l = 0; rc == 0 && l < nl; l++)
        steps[l] = l;
    if (rc == 0)
        rc = lq_ordinal_median(&q->ratings, q->median, split);
    lq_ratings r = q->ratings;
    r.values = steps;
    double alpha;
    if (rc == 0 && lq_krippendorff_alpha(&r, LQ_METRIC_ORDINAL, &alpha) == 0) {
        q->ordinal_figure = (lq_typed_figure){"ordinal_alpha", "", alpha};
        q->figures = &q->ordinal_figure;
        q->n_figures = 1;
    }
    free(split);
    free(steps);
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
    q->ratings.v = q->v;
    if (rc == 0 && q->typed_run) {
        rc = run_typed(q);
    } else if (rc == 0 && q->ratings.n >= LQ_DS_MIN_LABELS) {
        lq_ds_options o;
        lq_ds_options_default(&o);
        q->method = "dawid-skene";
        rc = lq_dawid_skene(&q->ratings, &o, &q->consensus);
    } else if (rc == 0) {
        q->method = "majority";
        rc = lq_majority_vote(&q->ratings, &q->consensus);
    }
    if (rc == 0 && !q->typed_run) {
        measure(q);
        rc = tally(q);
    }
    if (rc == 0 && q->config->type == LABELQ__LABEL_TYPE__ORDINAL)
        rc = ordinal_extras(q);
    if (rc == 0 && !q->one_batch && q->n_batch_ids > 0) {
        /* Typed: exact-match percent agreement per batch; the nominal
         * alpha of per-unit codes would mean nothing, so it is left out. */
        const lq_ratings *r = q->typed_run ? &q->typed.exact : &q->ratings;
        q->batch_agreement = calloc(q->n_batch_ids, sizeof(*q->batch_agreement));
        rc = q->batch_agreement ? lq_batch_agreement(r, q->unit_batch, q->unit_gold,
                                                     q->n_batch_ids, q->batch_agreement)
                                : LQ_ENOMEM;
        for (uint32_t b = 0; rc == 0 && q->typed_run && b < q->n_batch_ids; b++)
            q->batch_agreement[b].has_alpha = false;
    }
    q->status = rc;
}

static void run_free(lq_quality_run *q)
{
    lq_consensus_free(&q->consensus);
    free(q->v);
    free(q->task_ids);
    free(q->unit_done);
    free(q->unit_gold);
    free(q->unit_batch);
    free(q->batch_agreement);
    free(q->item_agreement);
    free(q->annotator_labels);
    free(q->annotator_agree);
    for (size_t i = 0; i < q->n_typed; i++)
        free((char *)q->typed_labels[i].value);
    free(q->typed_labels);
    for (uint32_t u = 0; q->unit_text && u < q->ratings.n_units; u++)
        free(q->unit_text[u]);
    free(q->unit_text);
    lq_typed_result_free(&q->typed);
    free(q->median);
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
