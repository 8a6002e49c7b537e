/* Label values by project type (ProjectConfig.type): the schema's own
 * checks, checking a submitted or gold value and turning it into the one
 * form that is stored (so a retry of the same answer compares equal and
 * readers parse one shape), and checking that an imported item carries
 * what its type labels (the text of spans, the image of boxes). */
#ifndef LQ_LABEL_VALUE_H
#define LQ_LABEL_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "proto/labelq.pb-c.h"

/* A project's schema: at most this many labels, each at most this many
 * bytes; names (projects, the data field) at most LQ_MAX_NAME_LEN bytes. */
#define LQ_MAX_LABELS 64
#define LQ_MAX_LABEL_LEN 128
#define LQ_MAX_NAME_LEN 64

/* An item's external id ("id" in an import line) is 1 to this many bytes. */
#define LQ_MAX_EXTERNAL_ID 256

#define LQ_DEFAULT_MAX_TEXT 4096
#define LQ_MAX_TEXT_LIMIT 65536
#define LQ_MAX_SPANS 1024 /* spans or boxes in one label */

/* Type-specific checks of a project's schema, filling in defaults (field,
 * max_text_bytes). Returns 0, or LQ_EBADREQ with the reason in err. */
int lq_label_schema_check(Labelq__ProjectConfig *cfg, char *err, size_t errlen);

/* Whether a value of cfg's type is one of its labels (single choice,
 * ordinal): then label indexes, Dawid-Skene, gold and dynamic overlap
 * apply as they are. */
bool lq_label_indexed(const Labelq__ProjectConfig *cfg);

/* Checks value against cfg and returns its stored form in *out (malloc'd).
 * text is the item's data[field] for SPANS (spans must lie inside it, on
 * UTF-8 character boundaries), else unused. Returns 0, LQ_EBADREQ with
 * what is wrong in err, or LQ_ENOMEM. */
int lq_label_canonical(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                       char **out, char *err, size_t errlen);

/* Checks that an item's data (the parsed "data" of an import line) has
 * what cfg's type labels: a string data[field] for SPANS and BOXES.
 * Returns 0 or LQ_EBADREQ with the reason in err. */
int lq_label_item_check(const Labelq__ProjectConfig *cfg, const json_t *data, char *err,
                        size_t errlen);

/* The text an item's SPANS values index: data[cfg->field] of data_json (an
 * item's data as JSON text), copied into *out (malloc'd), or NULL when the
 * data is not an object with a string there. Returns 0 or LQ_ENOMEM. */
int lq_label_item_text(const Labelq__ProjectConfig *cfg, const char *data_json, char **out);

/* The type's name as the CLI spells it ("single", "multi", ...). */
const char *lq_label_type_name(Labelq__LabelType t);

/* The type named name, as lq_label_type_name spells it. Returns 0 or
 * LQ_EBADREQ. */
int lq_label_type_parse(const char *name, Labelq__LabelType *out);

#endif
