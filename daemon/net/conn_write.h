/* The write side of a connection (conn_write.c). */
#ifndef LQ_CONN_WRITE_H
#define LQ_CONN_WRITE_H

#include "daemon/net/conn.h"

/* The peer's send, unsent and wait_drain ops (core/peer.h). */
void lq_conn_send(lq_peer *p, const Labelq__Envelope *env);
size_t lq_conn_unsent(const lq_peer *p);
void lq_conn_wait_drain(lq_peer *p, lq_drain_waiter *w);

/* Moves whatever OpenSSL produced for the network onto the socket. */
void lq_conn_flush_tls(lq_conn *c);

/* Encrypts the replies queued on c and sends them. */
void lq_conn_send_queued(lq_conn *c);

/* Runs c's flush in the next idle phase: what is queued goes out, and a
 * paused c is read again if it is back under its limits. Cannot fail. */
void lq_conn_flush_soon(lq_conn *c);

/* Ends every stream parked on c: abort when closing, else resume. */
void lq_conn_wake_drain_waiters(lq_conn *c, bool closing);

/* A socket write failed: the connection is over. */
void lq_conn_write_failed(lq_conn *c, int status);

#endif
