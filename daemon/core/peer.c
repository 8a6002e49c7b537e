/* Reply envelopes: what every handler sends, built the same way whatever
 * carries them. Apart from conn.c so that test builds standing in for the
 * transport (tests/fuzz) share these instead of copying them. */
#include <stdarg.h>
#include <stdio.h>

#include "daemon/net/conn.h"
#include "proto/envelope.h"
#include "proto/error.h"

void lq_conn_reply(lq_conn *c, uint64_t id, Labelq__Envelope__BodyCase kind, void *body)
{
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    lq_envelope_wrap(&env, id, kind, body);
    lq_conn_send(c, &env);
}

void lq_conn_send_error(lq_conn *c, uint64_t id, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    Labelq__Error err = LABELQ__ERROR__INIT;
    err.code = (Labelq__ErrorCode)lq_error_to_wire(code);
    err.message = msg;
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_ERROR, &err);
}

void lq_conn_send_ok(lq_conn *c, uint64_t id)
{
    Labelq__Empty empty = LABELQ__EMPTY__INIT;
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_OK, &empty);
}
