/* Frame codec: a 4-byte big-endian length N, then N bytes of one Envelope.
 *
 * The reader accumulates bytes as they arrive from the network and hands out
 * whole frames; it never allocates more than max_frame + 4 bytes plus what
 * one read delivered, so a peer cannot make us buffer without bound. */
#ifndef LQ_FRAME_H
#define LQ_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"

#define LQ_FRAME_HEADER 4
#define LQ_FRAME_DEFAULT_MAX (4u * 1024u * 1024u)

typedef struct lq_frame_reader {
    uint8_t *buf;
    size_t len;   /* bytes held, from buf[0] */
    size_t pos;   /* start of the next unconsumed frame */
    size_t cap;
    size_t max_frame;
} lq_frame_reader;

/* Initializes an empty reader that rejects frames above max_frame bytes. */
void lq_frame_reader_init(lq_frame_reader *r, size_t max_frame);

/* Frees the reader's buffer. The reader may be initialized again. */
void lq_frame_reader_free(lq_frame_reader *r);

/* Appends n bytes received from the peer. Returns 0 or LQ_ENOMEM.
 * Invalidates any frame pointer returned by lq_frame_reader_next. */
int lq_frame_reader_feed(lq_frame_reader *r, const void *data, size_t n);

/* Takes the next whole frame. Returns 1 and sets frame and len (valid until the
 * next feed or free), 0 when more bytes are needed, or LQ_EFRAME when the
 * announced length exceeds max_frame (the stream cannot be resynchronized:
 * close the connection after reporting it). */
int lq_frame_reader_next(lq_frame_reader *r, const uint8_t **frame, size_t *len);

/* The length the next frame's header announces, whole frame or not: what
 * lq_frame_reader_next refused with LQ_EFRAME. 0 while fewer than
 * LQ_FRAME_HEADER bytes are held. Cannot fail. */
size_t lq_frame_reader_announced(const lq_frame_reader *r);

/* Encodes env as one frame into a new malloc'd buffer the caller frees.
 * Returns 0, LQ_EFRAME if the encoded size exceeds max_frame, or LQ_ENOMEM. */
int lq_frame_encode(const Labelq__Envelope *env, size_t max_frame, uint8_t **out,
                    size_t *out_len);

/* A buffer of whole encoded frames, appended one after another: what a
 * writer that sends several messages at once collects before sending. */
typedef struct lq_frame_buf {
    uint8_t *data;
    size_t len; /* bytes of frames held, from data[0] */
    size_t cap;
} lq_frame_buf;

/* Appends env to b as one frame. Returns 0, LQ_EFRAME if the encoded size
 * exceeds max_frame, or LQ_ENOMEM; on failure b is unchanged. */
int lq_frame_buf_append(lq_frame_buf *b, const Labelq__Envelope *env, size_t max_frame);

/* Empties b. Its memory is kept for the next frames unless it is larger than
 * keep bytes, so that one large message does not pin a large buffer. Cannot
 * fail. */
void lq_frame_buf_clear(lq_frame_buf *b, size_t keep);

/* Frees b's memory; b is empty and may be used again. */
void lq_frame_buf_free(lq_frame_buf *b);

/* Decodes one frame payload. Returns a message to free with
 * labelq__envelope__free_unpacked(msg, NULL), or NULL if it is not a valid
 * Envelope. */
Labelq__Envelope *lq_frame_decode(const uint8_t *frame, size_t len);

/* The Envelope body a frame payload carries, read off the wire without
 * decoding: the field number of its first field after the id, which is the
 * Labelq__Envelope__BodyCase it decodes to unless the frame repeats the
 * oneof (then the last one wins on decoding). 0 when there is none or the
 * bytes are malformed. Cannot fail. */
int lq_frame_peek_body(const uint8_t *frame, size_t len);

/* The Envelope id a frame payload carries, read off the wire without
 * decoding: the last id field, as decoding takes it; 0 when there is none
 * or the bytes are malformed. For answering a frame that is refused
 * before it is decoded. Cannot fail. */
uint64_t lq_frame_peek_id(const uint8_t *frame, size_t len);

/* Memory for decoding one request at a time without malloc: a bump
 * allocator over buf (cap bytes, the caller's), emptied by each decode. */
typedef struct lq_frame_arena {
    uint8_t *buf;
    size_t cap;
    size_t used;
} lq_frame_arena;

/* Decodes one frame payload into a (emptied first). Returns the message,
 * valid until the next decode into a and never to be freed, or NULL when it
 * is not a valid Envelope or does not fit in a (decode it with
 * lq_frame_decode then, which also tells the two apart). Nothing of the
 * message may be kept past its use: copy what must outlive it. */
Labelq__Envelope *lq_frame_decode_arena(lq_frame_arena *a, const uint8_t *frame, size_t len);

#endif
