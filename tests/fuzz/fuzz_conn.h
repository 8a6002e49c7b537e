/* A peer for in-process fuzzing: requests go straight to lq_dispatch, and
 * replies are checked and dropped instead of sent (fuzz_conn.c). */
#ifndef FUZZ_CONN_H
#define FUZZ_CONN_H

#include "daemon/core/server.h"
#include "proto/frame.h"

typedef struct fuzz_conn {
    lq_peer base; /* first: the peer the daemon sees */
    lq_frame_reader reader;
    lq_drain_waiter *drain_waiters;
} fuzz_conn;

/* A new peer of srv authenticated as who (NULL: nobody yet), with one
 * reference, the caller's. Aborts when out of memory. */
fuzz_conn *fuzz_conn_new(lq_server *srv, lq_annotator *who);

#endif
