/* The consensus kept up to date in the background as labels arrive: each
 * estimate runs on the thread pool (quality_run.h) and its per-task
 * results are stored through the writer. Loop thread only. */
#ifndef LQ_RESULTS_H
#define LQ_RESULTS_H

#include "daemon/core/server.h"

/* A label was stored in p: re-estimate its consensus in the background when
 * enough new labels have come since the last estimate, or p just finished. */
void lq_results_note_label(lq_server *srv, lq_project *p);

/* Re-estimates p's consensus in the background now (or right after the
 * estimate running now, so its last labels are in). At start-up this brings
 * every done task's stored result up to date. */
void lq_results_refresh(lq_server *srv, lq_project *p);

#endif
