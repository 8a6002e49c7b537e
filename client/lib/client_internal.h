/* What liblabelq's files share about a client; not installed, not API. */
#ifndef LQ_CLIENT_INTERNAL_H
#define LQ_CLIENT_INTERNAL_H

#include <stdarg.h>

#include <openssl/ssl.h>

#include "client/lib/labelq.h"

/* Formats the message lq_client_error returns. Returns code, so a failure
 * can be reported and returned in one statement. */
int lq__client_fail(lq_client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* lq_client_call with a reply timeout of its own (long polls wait longer
 * than the client's timeout). timeout_ms < 0: the client's timeout. */
int lq__client_call_timeout(lq_client *c, Labelq__Envelope *req, Labelq__Envelope **reply,
                            int timeout_ms);

/* The client's reply timeout in milliseconds. Cannot fail. */
int lq__client_timeout(const lq_client *c);

/* Human name of an envelope body, for "unexpected reply" messages. Cannot fail. */
const char *lq__body_name(Labelq__Envelope__BodyCase body);

/* The connected socket and TLS session of c, for a caller that drives the
 * connection itself once lq_client_connect has done TCP, TLS, ALPN and
 * Hello (labelq-bench's non-blocking load engine). Both stay owned by c and
 * valid until lq_client_close; the socket is non-blocking. The caller must
 * not mix its own reads and writes with c's calls. Cannot fail. */
int lq__client_fd(const lq_client *c);
SSL *lq__client_ssl(const lq_client *c);

#endif
