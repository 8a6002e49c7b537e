/* What liblabelq's files share about a client; not installed, not API. */
#ifndef LQ_CLIENT_INTERNAL_H
#define LQ_CLIENT_INTERNAL_H

#include <stdarg.h>

#include "client/labelq.h"

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

#endif
