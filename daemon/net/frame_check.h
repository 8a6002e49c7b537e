/* What a request frame passes before it is decoded, whatever transport
 * carried it (net/conn.c, the fuzz target's peer): the frame size limit of
 * the peer's state (max-frame-unauthenticated before Hello, max-frame
 * after), and proto/wire_scan.c's look at its bytes: at most
 * max-frame-fields fields, and every string field valid UTF-8 without
 * NUL. So no handler ever sees a string that is not text, and no request
 * costs the loop more than its budget in decoding. Loop thread only. */
#ifndef LQ_FRAME_CHECK_H
#define LQ_FRAME_CHECK_H

#include "daemon/core/peer.h"
#include "proto/frame.h"

/* The largest frame p may send now: max-frame once it said Hello,
 * max-frame-unauthenticated before. Cannot fail. */
size_t lq_frame_check_limit(const lq_peer *p);

/* Takes p's next whole frame from r (whose limit it sets to
 * lq_frame_check_limit(p) first) and checks it. Returns 1 with frame and
 * len set (as lq_frame_reader_next sets them) when it may be decoded; 0
 * when r holds no whole frame yet, or when the frame's announced length is
 * over the limit (p is then told and closed); or LQ_EBADREQ when this
 * frame was refused and answered (BAD_REQUEST; a frame over the field
 * budget or not protobuf closes p, a bad string closes p only before
 * Hello): go on with the next frame while p is not closing. */
int lq_frame_check_next(lq_peer *p, lq_frame_reader *r, const uint8_t **frame, size_t *len);

#endif
