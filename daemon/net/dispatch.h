/* Request dispatch: authentication, role checks, and routing of each
 * Envelope to its handler. Loop thread only. */
#ifndef LQ_DISPATCH_H
#define LQ_DISPATCH_H

#include "daemon/core/server.h"

/* Handles one request. env is freed by the caller afterwards: handlers copy
 * whatever they keep. Cannot fail (errors become Error replies). */
void lq_dispatch(lq_peer *c, const Labelq__Envelope *env);

#endif
