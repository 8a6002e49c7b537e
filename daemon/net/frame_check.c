/* The checks of frame_check.h, and what the client is told when one
 * fails. */
#include "daemon/net/frame_check.h"

#include "daemon/core/server.h"
#include "proto/error.h"
#include "proto/wire_scan.h"

size_t lq_frame_check_limit(const lq_peer *p)
{
    const lq_config *cfg = p->srv->cfg;
    return p->who ? cfg->max_frame : cfg->max_frame_unauthenticated;
}

/* The header announced more than the limit: the stream cannot be
 * resynchronized, so the peer is closed without reading the frame. */
static void refuse_length(lq_peer *p, const lq_frame_reader *r)
{
    if (p->who)
        lq_peer_error(p, 0, LQ_EBADREQ, "frame of %zu bytes exceeds the %zu-byte limit",
                      lq_frame_reader_announced(r), r->max_frame);
    else
        lq_peer_error(p, 0, LQ_EBADREQ,
                      "frame of %zu bytes exceeds the %zu-byte limit before Hello "
                      "(max-frame-unauthenticated)",
                      lq_frame_reader_announced(r), r->max_frame);
    lq_peer_close(p, "oversize frame");
}

/* A frame the scan refused. Not protobuf, over the budget or too deep: the
 * whole frame is suspect, so id 0 and a close, as for a frame that does
 * not decode. A bad string is the request's mistake: its own id, and the
 * connection stays, unless it has not said Hello (and now cannot). The
 * field's name comes from the descriptors, never from its bytes. */
static void refuse_scan(lq_peer *p, const lq_wire_scan *scan, const uint8_t *frame, size_t len)
{
    const lq_config *cfg = p->srv->cfg;
    switch (scan->problem) {
    case LQ_WIRE_NUL:
    case LQ_WIRE_NOT_UTF8:
        lq_peer_error(p, lq_frame_peek_id(frame, len), LQ_EBADREQ,
                      "field %s: %s; every string must be UTF-8 without NUL", scan->field,
                      scan->problem == LQ_WIRE_NUL ? "contains a NUL byte" : "not valid UTF-8");
        if (!p->who)
            lq_peer_close(p, "bad string before hello");
        return;
    case LQ_WIRE_TOO_MANY:
        lq_peer_error(p, 0, LQ_EBADREQ,
                      "frame of %zu bytes holds more than %u fields (max-frame-fields)", len,
                      cfg->max_frame_fields);
        lq_peer_close(p, "too many fields");
        return;
    case LQ_WIRE_TOO_DEEP:
        lq_peer_error(p, 0, LQ_EBADREQ, "frame of %zu bytes nests messages deeper than %d", len,
                      LQ_WIRE_MAX_DEPTH);
        lq_peer_close(p, "nested too deep");
        return;
    default:
        lq_peer_error(p, 0, LQ_EBADREQ, "frame of %zu bytes is not a valid Envelope", len);
        lq_peer_close(p, "undecodable frame");
        return;
    }
}

int lq_frame_check_next(lq_peer *p, lq_frame_reader *r, const uint8_t **frame, size_t *len)
{
    r->max_frame = lq_frame_check_limit(p);
    int rc = lq_frame_reader_next(r, frame, len);
    if (rc == LQ_EFRAME) {
        refuse_length(p, r);
        return 0;
    }
    if (rc != 1)
        return 0;
    lq_wire_scan scan;
    if (lq_wire_scan_message(&labelq__envelope__descriptor, *frame, *len,
                             p->srv->cfg->max_frame_fields, &scan) == 0)
        return 1;
    refuse_scan(p, &scan, *frame, *len);
    return LQ_EBADREQ;
}
