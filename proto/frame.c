#include "proto/frame.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

void lq_frame_reader_init(lq_frame_reader *r, size_t max_frame)
{
    memset(r, 0, sizeof(*r));
    r->max_frame = max_frame;
}

void lq_frame_reader_free(lq_frame_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = r->pos = r->cap = 0;
}

int lq_frame_reader_feed(lq_frame_reader *r, const void *data, size_t n)
{
    /* Drop consumed frames first so the buffer only holds one partial frame
     * plus this read; memmove is cheap next to the TLS work per byte. */
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        uint8_t *nb = realloc(r->buf, cap);
        if (!nb)
            return LQ_ENOMEM;
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    return 0;
}

/* The big-endian length in the header at p. */
static size_t header_length(const uint8_t *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | (size_t)p[3];
}

size_t lq_frame_reader_announced(const lq_frame_reader *r)
{
    return r->len - r->pos < LQ_FRAME_HEADER ? 0 : header_length(r->buf + r->pos);
}

int lq_frame_reader_next(lq_frame_reader *r, const uint8_t **frame, size_t *len)
{
    size_t avail = r->len - r->pos;
    if (avail < LQ_FRAME_HEADER)
        return 0;
    const uint8_t *p = r->buf + r->pos;
    size_t n = header_length(p);
    if (n > r->max_frame)
        return LQ_EFRAME;
    if (avail - LQ_FRAME_HEADER < n)
        return 0;
    *frame = p + LQ_FRAME_HEADER;
    *len = n;
    r->pos += LQ_FRAME_HEADER + n;
    return 1;
}

/* Writes the 4-byte big-endian length n at p. */
static void put_header(uint8_t *p, size_t n)
{
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
}

int lq_frame_encode(const Labelq__Envelope *env, size_t max_frame, uint8_t **out,
                    size_t *out_len)
{
    size_t n = labelq__envelope__get_packed_size(env);
    if (n > max_frame)
        return LQ_EFRAME;
    uint8_t *buf = malloc(LQ_FRAME_HEADER + n);
    if (!buf)
        return LQ_ENOMEM;
    put_header(buf, n);
    labelq__envelope__pack(env, buf + LQ_FRAME_HEADER);
    *out = buf;
    *out_len = LQ_FRAME_HEADER + n;
    return 0;
}

int lq_frame_buf_append(lq_frame_buf *b, const Labelq__Envelope *env, size_t max_frame)
{
    size_t n = labelq__envelope__get_packed_size(env);
    if (n > max_frame || n > UINT32_MAX)
        return LQ_EFRAME;
    size_t need = b->len + LQ_FRAME_HEADER + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *nb = realloc(b->data, cap);
        if (!nb)
            return LQ_ENOMEM;
        b->data = nb;
        b->cap = cap;
    }
    put_header(b->data + b->len, n);
    labelq__envelope__pack(env, b->data + b->len + LQ_FRAME_HEADER);
    b->len = need;
    return 0;
}

void lq_frame_buf_clear(lq_frame_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep)
        lq_frame_buf_free(b);
}

void lq_frame_buf_free(lq_frame_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

Labelq__Envelope *lq_frame_decode(const uint8_t *frame, size_t len)
{
    return labelq__envelope__unpack(NULL, len, frame);
}

/* Reads a base-128 varint at *at; false when it runs off the end or past
 * 64 bits. */
static bool read_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t b = p[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Skips the value of wire type type at *at; false when it is malformed or
 * runs off the end. */
static bool skip_value(const uint8_t *p, size_t len, size_t *at, uint64_t type)
{
    uint64_t n;
    if (type == 0)
        return read_varint(p, len, at, &n);
    if (type == 1)
        n = 8;
    else if (type == 5)
        n = 4;
    else if (type != 2 || !read_varint(p, len, at, &n))
        return false;
    if (n > len - *at)
        return false;
    *at += n;
    return true;
}

int lq_frame_peek_body(const uint8_t *frame, size_t len)
{
    size_t at = 0;
    uint64_t key;
    while (at < len) {
        if (!read_varint(frame, len, &at, &key))
            return 0;
        uint64_t field = key >> 3;
        if (field >= 2) /* Envelope has the id (1), then only the oneof */
            return field <= INT32_MAX ? (int)field : 0;
        if (!skip_value(frame, len, &at, key & 7))
            return 0;
    }
    return 0;
}

uint64_t lq_frame_peek_id(const uint8_t *frame, size_t len)
{
    size_t at = 0;
    uint64_t key, id = 0;
    while (at < len) {
        if (!read_varint(frame, len, &at, &key))
            return 0;
        if (key == (1 << 3 | 0)) { /* the id: field 1, a varint */
            if (!read_varint(frame, len, &at, &id))
                return 0;
        } else if (!skip_value(frame, len, &at, key & 7)) {
            return 0;
        }
    }
    return id;
}

/* protobuf-c's allocator over an lq_frame_arena: NULL when full, which
 * fails the unpack. */
static void *arena_alloc(void *data, size_t size)
{
    lq_frame_arena *a = data;
    size_t at = (a->used + 15) & ~(size_t)15; /* max_align_t on the targets we build */
    if (at > a->cap || size > a->cap - at)
        return NULL;
    a->used = at + size;
    return a->buf + at;
}

static void arena_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr; /* emptied as a whole by the next decode */
}

Labelq__Envelope *lq_frame_decode_arena(lq_frame_arena *a, const uint8_t *frame, size_t len)
{
    ProtobufCAllocator alloc = {arena_alloc, arena_free, a};
    a->used = 0;
    return labelq__envelope__unpack(&alloc, len, frame);
}
