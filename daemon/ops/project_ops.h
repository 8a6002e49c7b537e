/* Admin requests on projects (project_ops.c). Loop thread only. */
#ifndef LQ_PROJECT_OPS_H
#define LQ_PROJECT_OPS_H

#include "daemon/core/server.h"

/* Checks req's schema, stores the project, then makes it visible and
 * replies with its ProjectInfo. CONFLICT when the name is taken. */
void lq_project_ops_create(lq_peer *c, uint64_t id, const Labelq__CreateProject *req);

/* Every visible project's ProjectInfo. */
void lq_project_ops_list(lq_peer *c, uint64_t id);

/* One project's ProjectInfo: all of it for an admin; for anyone else only
 * what labeling needs (lq_project_annotator_info), no counts. */
void lq_project_ops_get(lq_peer *c, uint64_t id, const Labelq__GetProject *req);

#endif
