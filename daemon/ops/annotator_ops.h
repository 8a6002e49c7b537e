/* Admin requests on annotators (annotator_ops.c). Loop thread only. */
#ifndef LQ_ANNOTATOR_OPS_H
#define LQ_ANNOTATOR_OPS_H

#include "daemon/core/server.h"

/* Adds an account with a fresh token, shown once in the reply. */
void lq_annotator_ops_add(lq_peer *c, uint64_t id, const Labelq__AddAnnotator *req);

void lq_annotator_ops_list(lq_peer *c, uint64_t id);

/* Blocks or unblocks an account, stored before it takes effect. Once a
 * block is stored the account's work stops: its parked lease requests are
 * answered PERMISSION_DENIED (their connections closed) and its leases go
 * back to the queues. BAD_REQUEST for the bootstrap admin (it must always
 * be able to connect) and for the caller's own account; CONFLICT while
 * another change to the account is being stored. */
void lq_annotator_ops_block(lq_peer *c, uint64_t id, const Labelq__BlockAnnotator *req);

/* Revokes an account's token: a new hash (of a fresh token shown once in
 * the reply, or of nothing anyone holds) is stored, then takes effect: the
 * old token is refused from then on, also after a restart, every peer
 * authenticated as the account is told (an Error pushed with id 0) and
 * closed, and its leases go back to the queues. Its labels and the
 * account stay. Refused for the bootstrap admin (its token is the data
 * directory's admin.token) and for the caller's own account. */
void lq_annotator_ops_revoke(lq_peer *c, uint64_t id, const Labelq__RevokeToken *req);

/* Stores the annotator record synchronously (start-up only: the loop is not
 * serving yet). Returns 0 or an LQ_E* code. */
int lq_annotator_ops_store_sync(lq_server *srv, lq_annotator *a);

#endif
