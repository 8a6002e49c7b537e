/* The admin's quality report: agreement, the consensus method, annotator
 * table and confidence histogram, from a fresh estimate run on the thread
 * pool (quality_run.h). Loop thread only. */
#ifndef LQ_REPORT_H
#define LQ_REPORT_H

#include "daemon/core/server.h"

/* Answers a Report request from a fresh estimate. */
void lq_report_start(lq_peer *c, uint64_t id, const Labelq__Report *req);

#endif
