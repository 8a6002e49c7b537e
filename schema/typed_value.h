/* Label values of the types that are not a single label, read into the C
 * types quality/ computes with (a label set as a bitmask, a number,
 * lq_span and lq_box lists) and written back in their canonical form.
 * Reading is the type's check: lq_label_canonical is a read followed by a
 * write, so a value that reads is one the daemon stores, and labelqd, the
 * offline CLI and labelq-bench read values one way. Each read function
 * returns 0 or LQ_EBADREQ with what is wrong in err (LQ_ENOMEM for lists
 * without memory); each write returns 0 or LQ_ENOMEM. */
#ifndef LQ_TYPED_VALUE_H
#define LQ_TYPED_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"
#include "quality/boxes.h"
#include "quality/spans.h"

/* MULTI: a JSON array of distinct labels of cfg, as bits in schema order
 * (bit k: cfg->labels[k]). */
int lq_value_set(const Labelq__ProjectConfig *cfg, const char *value, uint64_t *set, char *err,
                 size_t errlen);

/* NUMERIC: a number (strtod's syntax, the whole string, finite) within
 * cfg's number_min..number_max. */
int lq_value_number(const Labelq__ProjectConfig *cfg, const char *value, double *x, char *err,
                    size_t errlen);

/* TEXT: valid UTF-8 (proto/utf8.h) of at most cfg->max_text_bytes. */
int lq_value_text(const Labelq__ProjectConfig *cfg, const char *value, char *err, size_t errlen);

/* SPANS: a JSON array of {"start", "end", "label"} byte ranges of text (the
 * item's data[field]; NULL: the item has none, an error), each inside it
 * on UTF-8 character boundaries, with a label of cfg, none overlapping.
 * *out (malloc'd, the caller frees it) gets them sorted by start, *n their
 * number. */
int lq_value_spans(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                   lq_span **out, size_t *n, char *err, size_t errlen);

/* BOXES: a JSON array of {"x", "y", "w", "h", "label"}, finite numbers
 * with x, y >= 0 and w, h > 0 and a label of cfg. *out (malloc'd, the
 * caller frees it) gets them in the value's order, *n their number. */
int lq_value_boxes(const Labelq__ProjectConfig *cfg, const char *value, lq_box **out, size_t *n,
                   char *err, size_t errlen);

/* The canonical forms, into *out (malloc'd): a set as a JSON array in
 * schema order; a number as the shortest text that reads back as it
 * (whole numbers without exponent below 1e15, "0" for -0); spans sorted by
 * start; boxes in the given order with 17 significant digits. */
int lq_value_of_set(const Labelq__ProjectConfig *cfg, uint64_t set, char **out);
int lq_value_of_number(double x, char **out);
int lq_value_of_spans(const Labelq__ProjectConfig *cfg, const lq_span *s, size_t n, char **out);
int lq_value_of_boxes(const Labelq__ProjectConfig *cfg, const lq_box *b, size_t n, char **out);

/* Calls fn(ctx, name) for each label name a value of type t mentions (a
 * MULTI array's strings, each SPANS or BOXES entry's "label"), in order,
 * repeats included, checking nothing else: how the offline CLI finds a
 * schema in a file whose labels it was not told. Values of other types
 * mention none. Returns 0, the first non-zero value fn returned, or
 * LQ_EBADREQ when the value is not a JSON array. */
typedef int (*lq_value_name_fn)(void *ctx, const char *name);
int lq_value_names(Labelq__LabelType t, const char *value, lq_value_name_fn fn, void *ctx);

#endif
