/* Quality in the daemon: the admin's report, and the consensus kept up to
 * date in the background as labels arrive. Loop thread only; the work runs
 * on the thread pool (quality_run.h). */
#ifndef LQ_REPORT_H
#define LQ_REPORT_H

#include "daemon/net/conn.h"

/* Answers a Report request from a fresh estimate. */
void lq_report_start(lq_conn *c, uint64_t id, const Labelq__Report *req);

/* A label was stored in p: re-estimate its consensus in the background when
 * enough new labels have come since the last estimate, or p just finished. */
void lq_results_note_label(lq_server *srv, lq_project *p);

/* Re-estimates p's consensus in the background now (or right after the
 * estimate running now, so its last labels are in). At start-up this brings
 * every done task's stored result up to date. */
void lq_results_refresh(lq_server *srv, lq_project *p);

#endif
