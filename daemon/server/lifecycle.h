/* Starting to serve once the state is recovered, and stopping gracefully.
 * Loop thread only. */
#ifndef LQ_LIFECYCLE_H
#define LQ_LIFECYCLE_H

#include "daemon/core/server.h"

/* Starts the listeners (srv->net, set up by lq_net_init), the SIGTERM and
 * SIGINT handlers, and the background estimates that bring stored results
 * up to date. Returns 0 or an LQ_E* code (logged). */
int lq_server_start(lq_server *srv);

/* Begins graceful shutdown: stop accepting, answer parked lease requests,
 * let in-flight commits finish and their replies go out, close every
 * peer. The loop then ends. Safe to call more than once. */
void lq_server_stop(lq_server *srv);

#endif
