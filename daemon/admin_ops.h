/* Admin requests: projects and annotators. Loop thread only. */
#ifndef LQ_ADMIN_OPS_H
#define LQ_ADMIN_OPS_H

#include "daemon/conn.h"

void lq_admin_create_project(lq_conn *c, uint64_t id, const Labelq__CreateProject *req);
void lq_admin_list_projects(lq_conn *c, uint64_t id);
void lq_admin_get_project(lq_conn *c, uint64_t id, const Labelq__GetProject *req);
void lq_admin_add_annotator(lq_conn *c, uint64_t id, const Labelq__AddAnnotator *req);
void lq_admin_list_annotators(lq_conn *c, uint64_t id);
void lq_admin_block_annotator(lq_conn *c, uint64_t id, const Labelq__BlockAnnotator *req);

/* Stores the annotator record synchronously (start-up only: the loop is not
 * serving yet). Returns 0 or an LQ_E* code. */
int lq_admin_store_annotator_sync(lq_server *srv, lq_annotator *a);

#endif
