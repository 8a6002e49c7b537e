/* A look at a message's wire bytes before protobuf-c decodes them.
 *
 * protobuf-c allocates for every field it meets (a struct per sub-message,
 * a copy per string, an entry and a copy per unknown field, an array per
 * repeated field) before anyone can look at the result, so a 4 MiB frame
 * of a million tiny fields costs a few hundred milliseconds and a hundred
 * megabytes. And once decoded, a string is a C string: a NUL inside it
 * silently cuts it short. This scan reads the bytes once, guided by the
 * message's descriptors (the ones protobuf-c embeds), allocates nothing,
 * and answers before any of that happens: how many fields decoding would
 * meet, whether that is over a budget, and whether every string field at
 * every depth (sub-messages, repeated elements) is valid UTF-8 without a
 * NUL. Bytes fields are not strings and may hold anything. */
#ifndef LQ_WIRE_SCAN_H
#define LQ_WIRE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Messages nested deeper than this are refused. labelq.proto nests at most
 * four deep and has no recursive message, so this only bounds the scan's
 * own recursion should one ever be added. */
#define LQ_WIRE_MAX_DEPTH 32

/* Room for a field's name, e.g. "CreateProject.config.labels[2]". */
#define LQ_WIRE_FIELD_NAME_MAX 160

typedef enum lq_wire_problem {
    LQ_WIRE_OK = 0,
    LQ_WIRE_MALFORMED, /* not a message protobuf-c would decode: a tag, varint or length
                          runs off the end or past protobuf-c's limits, a group or
                          an unknown wire type */
    LQ_WIRE_TOO_MANY,  /* more fields than the budget */
    LQ_WIRE_TOO_DEEP,  /* messages nested deeper than LQ_WIRE_MAX_DEPTH */
    LQ_WIRE_NUL,       /* a string field holds a NUL byte */
    LQ_WIRE_NOT_UTF8,  /* a string field is not valid UTF-8 */
} lq_wire_problem;

/* What a scan found. */
typedef struct lq_wire_scan {
    lq_wire_problem problem;
    /* Fields decoding would meet: every field at every depth, each element
     * of a repeated field (packed ones too), each unknown field, and, for a
     * non-repeated sub-message given more than once (which protobuf-c
     * merges into the earlier one), once more the fields met so far in the
     * message that holds it. Stops counting past the budget. */
    size_t fields;
    /* For LQ_WIRE_NUL and LQ_WIRE_NOT_UTF8: the string field, named from
     * the descriptors as "Message.field.sub[i]" (a oneof member of the
     * outer message is named by its type: "Submit.label", not
     * "Envelope.submit.label"). Never any byte of the field's value. */
    char field[LQ_WIRE_FIELD_NAME_MAX];
} lq_wire_scan;

/* Scans the len bytes at buf as one message of type desc, counting at most
 * max_fields fields. Returns 0 when protobuf-c may decode it (which it may
 * still refuse, say for a wire type that does not fit a known field), or
 * LQ_EBADREQ with out->problem (and out->field) saying why not. Allocates
 * nothing; time is linear in len and stops early at the first problem. */
int lq_wire_scan_message(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                         size_t max_fields, lq_wire_scan *out);

#endif
