/* Start-up: rebuilds the in-memory state from the store, and makes sure the
 * admin account matches DIR/admin.token. */
#ifndef LQ_RECOVERY_H
#define LQ_RECOVERY_H

#include "daemon/core/server.h"

/* Loads projects, annotators, tasks and labels; queues every task that still
 * needs labels. Leases are not stored: after a restart all are expired.
 * Returns 0 or an LQ_E* code (logged). */
int lq_recover(lq_server *srv);

/* DIR/admin.token is the admin account's credential: when it is missing a
 * new token is made (file mode 0600) and its hash stored; when present, the
 * stored admin hash is brought in line with it. Either way the account is
 * stored as an admin and unblocked (a store where it was blocked is
 * repaired, logged at warn): the bootstrap admin can always connect.
 * Returns 0 or an LQ_E* code. */
int lq_bootstrap_admin(lq_server *srv);

#endif
