/* The read side of a connection (conn_read.c). */
#ifndef LQ_CONN_READ_H
#define LQ_CONN_READ_H

#include "daemon/net/conn.h"

/* libuv's read callbacks, started once the connection is set up: bytes
 * go through TLS into the frame reader, and each whole frame to
 * lq_dispatch. */
void lq_conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
void lq_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Reads c again after a pause for back-pressure, once its unsent output is
 * below half of write-queue-high and it has fewer than
 * max-writes-per-connection writes out: first the requests already read,
 * then the socket. A no-op when c is not paused or still over a limit. */
void lq_conn_resume(lq_conn *c);

#endif
