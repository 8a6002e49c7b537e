#include "proto/error.h"

const char *lq_strerror(int code)
{
    switch (code) {
    case LQ_OK: return "ok";
    case LQ_EBADREQ: return "bad_request";
    case LQ_EUNAUTH: return "unauthenticated";
    case LQ_EPERM: return "permission_denied";
    case LQ_ENOTFOUND: return "not_found";
    case LQ_ECONFLICT: return "conflict";
    case LQ_EEXPIRED: return "lease_expired";
    case LQ_EEXHAUSTED: return "resource_exhausted";
    case LQ_EUNAVAIL: return "unavailable";
    case LQ_EINTERNAL: return "internal";
    case LQ_EIO: return "i/o error";
    case LQ_ETLS: return "tls error";
    case LQ_EPROTO: return "protocol error";
    case LQ_ENOMEM: return "out of memory";
    case LQ_EFRAME: return "frame too large";
    case LQ_ECLOSED: return "connection closed";
    case LQ_ETIMEDOUT: return "timed out";
    default: return "unknown error";
    }
}

int lq_error_to_wire(int code)
{
    if (code >= LQ_EINTERNAL && code <= LQ_OK)
        return -code;
    if (code == LQ_EFRAME || code == LQ_EPROTO)
        return -LQ_EBADREQ;
    if (code == LQ_ENOMEM)
        return -LQ_EEXHAUSTED;
    return -LQ_EINTERNAL;
}

int lq_error_from_wire(int wire_code)
{
    if (wire_code >= 0 && wire_code <= -LQ_EINTERNAL)
        return -wire_code;
    return LQ_EINTERNAL;
}
