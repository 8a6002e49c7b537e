/* The scan of wire_scan.h.
 *
 * The wire format: each field is a key (a varint: field number << 3 | wire
 * type) and a value: a varint (wire type 0), 8 bytes (1), a length and
 * that many bytes (2: strings, bytes, sub-messages, packed repeated
 * scalars) or 4 bytes (5). How a key, a varint and a length are read, and
 * how a field number finds its descriptor, are protobuf-c 1.4's own
 * (protobuf-c.c: parse_tag_and_wiretype, scan_length_prefixed_data,
 * protobuf_c_message_descriptor_get_field): a key the scan read otherwise
 * than the decoder could carry a string past the check. */
#include "proto/wire_scan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/error.h"
#include "proto/utf8.h"

/* One field as it stands on the wire. */
typedef struct wire_field {
    uint32_t number;
    unsigned type;        /* wire type */
    const uint8_t *key;   /* where the field starts */
    const uint8_t *value; /* for wire type 2: after the length */
    size_t value_len;
    const uint8_t *next; /* the field after it */
} wire_field;

/* One message on the way down to the field being looked at. */
typedef struct level {
    const ProtobufCMessageDescriptor *desc;
    const uint8_t *start;                  /* the message's first byte */
    const ProtobufCFieldDescriptor *field; /* the field being looked at */
    const uint8_t *key;                    /* where that field starts */
} level;

typedef struct scan_state {
    size_t max_fields;
    size_t met; /* fields met so far, each once (out->fields adds merges) */
    lq_wire_scan *out;
    level path[LQ_WIRE_MAX_DEPTH + 1];
} scan_state;

/* A key at p (rem >= 1 bytes), as parse_tag_and_wiretype reads it: at most
 * 5 bytes, the number cut to 32 bits, and a first byte whose number bits
 * are all 0 refused. Returns the bytes taken, or 0. */
static size_t read_key(const uint8_t *p, size_t rem, uint32_t *number, unsigned *type)
{
    size_t max = rem > 5 ? 5 : rem;
    uint32_t n = (uint32_t)(p[0] & 0x7f) >> 3;
    unsigned shift = 4;

    if ((p[0] & 0xf8) == 0)
        return 0;
    *type = p[0] & 7;
    if (!(p[0] & 0x80)) {
        *number = n;
        return 1;
    }
    for (size_t i = 1; i < max; i++) {
        n |= (uint32_t)(p[i] & 0x7f) << shift;
        shift += 7;
        if (!(p[i] & 0x80)) {
            *number = n;
            return i + 1;
        }
    }
    return 0;
}

/* The bytes of the varint value at p: at most 10. 0 when it does not end. */
static size_t varint_bytes(const uint8_t *p, size_t rem)
{
    size_t max = rem < 10 ? rem : 10;
    for (size_t i = 0; i < max; i++)
        if (!(p[i] & 0x80))
            return i + 1;
    return 0;
}

/* The length before a wire-type-2 value, as scan_length_prefixed_data
 * reads it: at most 5 bytes, at most INT_MAX, within rem. Returns the
 * bytes of the length itself, or 0. */
static size_t read_length(const uint8_t *p, size_t rem, size_t *len)
{
    size_t max = rem < 5 ? rem : 5, val = 0;
    unsigned shift = 0;

    for (size_t i = 0; i < max; i++) {
        val |= ((size_t)p[i] & 0x7f) << shift;
        shift += 7;
        if (!(p[i] & 0x80)) {
            if (val > INT_MAX || i + 1 + val > rem)
                return 0;
            *len = val;
            return i + 1;
        }
    }
    return 0;
}

/* Reads the field at p, before end. Returns false when it is malformed. */
static bool next_field(const uint8_t *p, const uint8_t *end, wire_field *f)
{
    size_t rem = (size_t)(end - p), used = read_key(p, rem, &f->number, &f->type), n = 0;

    if (used == 0)
        return false;
    f->key = p;
    p += used;
    rem -= used;
    switch (f->type) {
    case PROTOBUF_C_WIRE_TYPE_VARINT:
        n = varint_bytes(p, rem);
        break;
    case PROTOBUF_C_WIRE_TYPE_64BIT:
        n = rem >= 8 ? 8 : 0;
        break;
    case PROTOBUF_C_WIRE_TYPE_32BIT:
        n = rem >= 4 ? 4 : 0;
        break;
    case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED:
        used = read_length(p, rem, &f->value_len);
        if (used == 0)
            return false;
        f->value = p + used;
        f->next = f->value + f->value_len;
        return true;
    default: /* groups (3, 4) and 6, 7: protobuf-c decodes none of them */
        return false;
    }
    if (n == 0)
        return false;
    f->value = p;
    f->value_len = n;
    f->next = p + n;
    return true;
}

/* Adds n to the count; false (the count then just past the budget) when
 * that goes over it. */
static bool charge(scan_state *s, size_t n)
{
    if (n > s->max_fields - s->out->fields) {
        s->out->fields = s->max_fields < SIZE_MAX ? s->max_fields + 1 : SIZE_MAX;
        return false;
    }
    s->out->fields += n;
    return true;
}

/* The elements of a packed repeated scalar of type held in n bytes at p,
 * as protobuf-c counts them before it allocates their array. */
static size_t packed_count(ProtobufCType type, const uint8_t *p, size_t n)
{
    size_t count = 0;
    switch (type) {
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return (n + 3) / 4;
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return (n + 7) / 8;
    case PROTOBUF_C_TYPE_BOOL:
        return n;
    default: /* varints: one per last byte */
        for (size_t i = 0; i < n; i++)
            count += !(p[i] & 0x80);
        return count;
    }
}

/* Whether field index i of a message was seen before, marking it seen.
 * An index past the bitmap counts as seen, which can only over-count. */
static bool seen_before(uint64_t *seen, size_t i)
{
    if (i >= 64)
        return true;
    bool was = (*seen >> i) & 1;
    *seen |= (uint64_t)1 << i;
    return was;
}

/* The position of lv's field among the fields of the same number in its
 * message, from 0: the element's index in the decoded array. The bytes up
 * to there were scanned already, so reading them again cannot fail. */
static size_t element_index(const level *lv)
{
    size_t index = 0;
    wire_field f;
    for (const uint8_t *p = lv->start; p < lv->key && next_field(p, lv->key, &f); p = f.next)
        index += f.number == lv->field->id;
    return index;
}

static void append(char *buf, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
    va_list ap;
    if (*n >= cap - 1)
        return;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n = *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

/* Names the field s->path[depth] looks at, from the outermost message
 * down, with each repeated field's index. Only descriptor names go in. */
static void name_field(scan_state *s, int depth)
{
    char *buf = s->out->field;
    size_t cap = sizeof(s->out->field), n = 0;
    int d = 0;

    /* An Envelope's body is a oneof: "Submit.label" reads better than
     * "Envelope.submit.label" and names the same field. */
    const ProtobufCFieldDescriptor *top = s->path[0].field;
    if (depth > 0 && (top->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
        append(buf, cap, &n, "%s",
               ((const ProtobufCMessageDescriptor *)top->descriptor)->short_name);
        d = 1;
    } else {
        append(buf, cap, &n, "%s", s->path[0].desc->short_name);
    }
    for (; d <= depth; d++) {
        append(buf, cap, &n, ".%s", s->path[d].field->name);
        if (s->path[d].field->label == PROTOBUF_C_LABEL_REPEATED)
            append(buf, cap, &n, "[%zu]", element_index(&s->path[d]));
    }
}

/* A string field's value: UTF-8 without NUL (lq_utf8_check takes a NUL
 * for the character it is, so it is looked for first). */
static lq_wire_problem check_string(const uint8_t *p, size_t n)
{
    if (memchr(p, 0, n))
        return LQ_WIRE_NUL;
    if (lq_utf8_check((const char *)p, n) < 0)
        return LQ_WIRE_NOT_UTF8;
    return LQ_WIRE_OK;
}

/* Scans the message of type desc in [p, end) at depth. */
static lq_wire_problem scan(scan_state *s, int depth, const ProtobufCMessageDescriptor *desc,
                            const uint8_t *p, const uint8_t *end)
{
    if (depth > LQ_WIRE_MAX_DEPTH)
        return LQ_WIRE_TOO_DEEP;
    level *lv = &s->path[depth];
    size_t first = s->met; /* the fields met before this message began */
    uint64_t seen = 0;     /* its sub-message fields seen, by index */
    lq_wire_problem problem;
    wire_field f;

    lv->desc = desc;
    lv->start = p;
    for (; p < end; p = f.next) {
        if (!next_field(p, end, &f))
            return LQ_WIRE_MALFORMED;
        s->met++;
        if (!charge(s, 1))
            return LQ_WIRE_TOO_MANY;
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(desc, f.number);
        /* Unknown fields are kept as bytes, and a scalar costs nothing
         * more; a wire type that does not fit its field fails decoding. */
        if (!fd || f.type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
            continue;
        lv->field = fd;
        lv->key = f.key;
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING:
            if ((problem = check_string(f.value, f.value_len)) != LQ_WIRE_OK) {
                name_field(s, depth);
                return problem;
            }
            break;
        case PROTOBUF_C_TYPE_MESSAGE:
            /* Given again, protobuf-c merges it into the earlier one:
             * work in the size of what was decoded before. */
            if (fd->label != PROTOBUF_C_LABEL_REPEATED &&
                seen_before(&seen, (size_t)(fd - desc->fields)) && !charge(s, s->met - first))
                return LQ_WIRE_TOO_MANY;
            problem = scan(s, depth + 1, fd->descriptor, f.value, f.value + f.value_len);
            if (problem != LQ_WIRE_OK)
                return problem;
            break;
        case PROTOBUF_C_TYPE_BYTES:
            break;
        default:
            if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n = packed_count(fd->type, f.value, f.value_len);
                s->met += n;
                if (!charge(s, n))
                    return LQ_WIRE_TOO_MANY;
            }
            break;
        }
    }
    return LQ_WIRE_OK;
}

int lq_wire_scan_message(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                         size_t max_fields, lq_wire_scan *out)
{
    scan_state s;
    s.max_fields = max_fields;
    s.met = 0;
    s.out = out;
    out->fields = 0;
    out->field[0] = '\0';
    out->problem = len > 0 ? scan(&s, 0, desc, buf, buf + len) : LQ_WIRE_OK;
    return out->problem == LQ_WIRE_OK ? 0 : LQ_EBADREQ;
}
