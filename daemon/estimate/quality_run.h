/* Quality estimates for one project, computed on libuv's thread pool from a
 * read snapshot of the store: each item's consensus, confidence and
 * agreement (quality/typed_consensus.h) and the project's agreement figures
 * (quality/typed_agreement.h), for every label type, read as it is stored
 * (schema/value_ratings.h). The loop only starts a run and takes its
 * results; it never waits for one. */
#ifndef LQ_QUALITY_RUN_H
#define LQ_QUALITY_RUN_H

#include <stdbool.h>

#include "daemon/core/server.h"
#include "quality/batch_agreement.h"
#include "quality/typed_agreement.h"
#include "quality/typed_consensus.h"
#include "schema/value_ratings.h"

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
    /* What was read. Single choice and ordinal (lq_label_indexed): one
     * rating per label in ratings. The other types (typed_run): every
     * value as stored in values, read by value_ratings.h. Units are the
     * tasks in id order; ratings.n_units and n_annotators count both. */
    bool typed_run;
    lq_ratings ratings;
    lq_rating *v;
    size_t cap;
    double *steps;             /* ORDINAL: the steps' positions, ratings.values */
    lq_label_value *values;    /* typed: value strings malloc'd */
    size_t n_values, values_cap;
    char **unit_text;          /* SPANS: each unit's data[field], malloc'd; else NULL */
    uint64_t *task_ids;        /* unit -> task id */
    bool *unit_done;           /* the task has all it needs (and is not pooled gold) */
    bool *unit_gold;           /* a gold-pool item: informs the estimate, not the tallies */
    uint32_t *unit_batch;      /* the unit's batch id */
    uint32_t units_cap;
    /* Results, valid in done. */
    lq_value_ratings typed;    /* typed: the values read */
    lq_typed_ratings in;       /* what quality/ computed on */
    lq_typed_consensus consensus;
    lq_typed_figures figures;
    const char *method;        /* static */
    bool has_alpha, has_fleiss, has_percent; /* the headline figures */
    double alpha, fleiss, percent;
    uint64_t *annotator_labels; /* per annotator id */
    uint64_t *annotator_agree;  /* labels giving their item's consensus answer */
    uint64_t confidence_bins[10];
    uint64_t done_units;
    lq_agreement_summary *batch_agreement; /* by batch id (whole-project runs only) */
    uint32_t n_batch_ids;
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
