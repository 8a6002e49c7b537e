/* Export formats: how one exported item becomes bytes. export.c finds the
 * items (done, in the batch, above min_confidence, in the split part) and
 * their consensus; a format writes them. Writers are pure: they append to
 * an lq_outbuf and read nothing else, so unit tests call them directly.
 *
 *   jsonl  every type: one JSON object per item, "label" a typed value
 *   csv    single, multi, ordinal, numeric: RFC 4180, one row per item
 *   conll  spans: CoNLL-2003 columns, one token per line
 *   coco   boxes: one COCO detection JSON document
 *
 * docs/protocol.md "Export formats" describes each output. */
#ifndef LQ_EXPORT_FORMAT_H
#define LQ_EXPORT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/labelq.pb-c.h"

/* A growing output buffer. */
typedef struct lq_outbuf {
    char *buf;
    size_t len, cap;
} lq_outbuf;

/* Appends n bytes of s. Returns 0 or LQ_ENOMEM (nothing appended). */
int lq_outbuf_add(lq_outbuf *o, const char *s, size_t n);

/* Appends the NUL-terminated s. Returns 0 or LQ_ENOMEM. */
int lq_outbuf_str(lq_outbuf *o, const char *s);

/* Appends v as compact JSON with reals at 6 significant digits (the
 * export's confidences), or at 17 when exact (label values). Returns 0 or
 * LQ_ENOMEM. Takes nothing from v. */
int lq_outbuf_json(lq_outbuf *o, const json_t *v, bool exact);

/* One annotator's label on an item. */
typedef struct lq_export_annotation {
    const char *annotator; /* name */
    const char *value;     /* as stored: canonical for the type */
    uint32_t duration_ms;
} lq_export_annotation;

/* One exported item; everything borrowed for the writer call. */
typedef struct lq_export_item {
    const Labelq__ProjectConfig *config;
    const char *id; /* external id */
    uint64_t task_id;
    const char *batch;     /* batch name, NULL when unknown */
    const char *data_json; /* the item's data as stored: jansson's compact JSON */
    const json_t *data;    /* the same parsed, for formats with parse_data; else NULL */
    const char *label;  /* the consensus: a label name for single and ordinal, the
                         * canonical value for the other types; NULL: none */
    const char *median; /* ORDINAL: the median step's name, NULL when unknown */
    double confidence, agreement;
    bool has_spread; /* NUMERIC */
    double spread;
    const char *method;
    const lq_export_annotation *annotations;
    size_t n_annotations;
} lq_export_item;

/* What a format writes: begin once before the first item, item per item,
 * end once after the last. A format with two passes over the items (COCO:
 * images, then annotations) has middle and item2: export.c runs the item
 * scan twice, calling middle in between, and the second pass sees exactly
 * the items of the first. Any hook may be NULL. Each returns 0 or a
 * negative LQ_E* code. state is the format's own, zeroed at the start of
 * the export and kept across chunks (COCO counts annotation ids in it). */
typedef struct lq_export_format {
    const char *name;
    bool parse_data; /* its items need data parsed (a field of it), not only data_json */
    int (*begin)(lq_outbuf *o, const Labelq__ProjectConfig *cfg, uint64_t *state);
    int (*item)(lq_outbuf *o, const lq_export_item *it, uint64_t *state);
    int (*middle)(lq_outbuf *o, uint64_t *state);
    int (*item2)(lq_outbuf *o, const lq_export_item *it, uint64_t *state);
    int (*end)(lq_outbuf *o, uint64_t *state);
} lq_export_format;

extern const lq_export_format lq_export_jsonl;
extern const lq_export_format lq_export_csv;
extern const lq_export_format lq_export_conll;
extern const lq_export_format lq_export_coco;

/* The format named name ("" is jsonl) if it fits type t; else NULL with
 * the reason in err, naming the formats that fit. Cannot fail otherwise. */
const lq_export_format *lq_export_format_find(const char *name, Labelq__LabelType t, char *err,
                                              size_t errlen);

/* CSV: appends s as one RFC 4180 field, quoted (quotes doubled) when it
 * holds a comma, a quote, CR or LF. Returns 0 or LQ_ENOMEM. */
int lq_csv_field(lq_outbuf *o, const char *s);

#endif
