/* Quality estimates for one project, computed on libuv's thread pool from a
 * read snapshot of the store: Dawid-Skene over every label, the agreement
 * metrics, and each done task's consensus. The loop only starts a run and
 * takes its results; it never waits for one. */
#ifndef LQ_QUALITY_RUN_H
#define LQ_QUALITY_RUN_H

#include <stdbool.h>

#include "quality/batch_agreement.h"
#include "daemon/core/server.h"
#include "daemon/estimate/typed_quality.h"
#include "quality/dawid_skene.h"

/* Below this many labels a project's consensus is the majority vote: too
 * few labels make Dawid-Skene's confusion matrices mostly smoothing. */
#define LQ_DS_MIN_LABELS 100

typedef struct lq_quality_run lq_quality_run;

/* Called on the loop when the run has finished (status 0) or failed. The
 * run is freed after the callback returns. */
typedef void (*lq_quality_done_fn)(lq_quality_run *run, int status, void *arg);

struct lq_quality_run {
    uv_work_t work;
    lq_server *srv;
    lq_store *store;
    lq_project *project;       /* loop side only */
    lq_batch *batch;           /* loop side only; NULL: the whole project */
    uint32_t project_id;
    bool one_batch;            /* only the tasks of batch_id, which lie in [first_task, last_task] */
    uint32_t batch_id;
    uint64_t first_task, last_task;
    const Labelq__ProjectConfig *config; /* immutable while the server runs */
    lq_quality_done_fn done;
    void *arg;
    int status;
    /* results, valid in done */
    lq_ratings ratings;
    lq_rating *v;
    size_t cap;
    uint64_t *task_ids;        /* unit -> task id */
    bool *unit_done;           /* the task has all it needs (and is not pooled gold) */
    bool *unit_gold;           /* a gold-pool item: informs the estimate, not the tallies */
    uint32_t *unit_batch;      /* the unit's batch id */
    lq_agreement_summary *batch_agreement; /* by batch id (whole-project runs only) */
    uint32_t n_batch_ids;
    uint32_t units_cap;
    lq_consensus consensus;    /* Dawid-Skene, or majority below LQ_DS_MIN_LABELS */
    const char *method;
    double *item_agreement;    /* per unit */
    bool has_alpha, has_fleiss, has_percent;
    double alpha, fleiss, percent;
    uint64_t *annotator_labels;  /* per annotator id */
    uint64_t *annotator_agree;   /* labels equal to the consensus */
    uint64_t confidence_bins[10];
    uint64_t done_units;
    /* Label types that are not indexes (lq_label_indexed false): every
     * label as stored, and what typed_quality.h made of them. method,
     * item_agreement, the annotator tallies and the agreement figures
     * above are then the typed ones; ratings and consensus stay empty. */
    bool typed_run;
    lq_typed_label *typed_labels;
    size_t n_typed, typed_cap;
    char **unit_text;          /* SPANS: the unit's data[field], malloc'd; else NULL */
    lq_typed_result typed;
    /* ORDINAL: each unit's lower median step (UINT32_MAX: none), beside
     * the Dawid-Skene or majority label. */
    uint32_t *median;
    /* The label type's agreement figures for the report. */
    lq_typed_figure *figures;
    size_t n_figures;
    lq_typed_figure ordinal_figure;
};

/* Publishes a finished whole-project run's agreement figures on its
 * project and batches (ProjectInfo, BatchInfo). Loop thread; nothing for a
 * one-batch run. Cannot fail. */
void lq_quality_publish(lq_quality_run *q);

/* Starts a run for p, or for batch b of p alone when b is not NULL (its
 * tasks and their labels: the estimate, the metrics and the tallies see
 * nothing else). Returns 0, or LQ_ENOMEM / LQ_EINTERNAL (done is then never
 * called). */
int lq_quality_start(lq_server *srv, lq_project *p, lq_batch *b, lq_quality_done_fn done,
                     void *arg);

#endif
