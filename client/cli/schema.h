/* A project's label schema in the admin CLI: the type flags of `labelq
 * project create` (one of --labels, --multi-labels, --scale, --number,
 * --text, --spans, --boxes, with --max-text and --field) turned into a
 * ProjectConfig's type, labels, number range, field and max_text_bytes;
 * and the schema shown back by `project create`, `project list` and
 * `status` (text and JSON). */
#ifndef LQ_CLI_SCHEMA_H
#define LQ_CLI_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "proto/labelq.pb-c.h"

/* The type flags as given; NULL / false when absent. */
typedef struct cli_schema_args {
    const char *labels, *multi, *scale, *number, *spans, *boxes;
    bool text;
    const char *max_text; /* --max-text BYTES */
    const char *field;    /* --field NAME */
} cli_schema_args;

/* A parsed schema; owns its labels until cli_schema_free. */
typedef struct cli_schema {
    Labelq__LabelType type;
    char **labels;
    size_t n_labels;
    double number_min, number_max;
    unsigned max_text_bytes; /* 0: the server's default */
    const char *field;       /* points into the arguments; NULL: the server's default */
} cli_schema;

/* Checks that exactly one type flag was given, that its value parses and
 * that --max-text and --field fit the type, and fills *out. Returns 0, or
 * CLI_USAGE after one line on stderr saying what is wrong (nothing to
 * free then). */
int cli_schema_parse(const cli_schema_args *a, cli_schema *out);

/* The schema an offline file of type t is read against (labelq agreement
 * and aggregate): a->labels (single, multi, spans, boxes: the labels in
 * schema order), a->scale (ordinal, as project create's) or a->number
 * (numeric: --range MIN..MAX), each NULL when not given; the other fields
 * of a are not read. Fills out (type t, nothing more when none was given).
 * Returns 0, or CLI_USAGE after one line on stderr (an option that does
 * not fit t, a bad value). */
int cli_schema_offline(Labelq__LabelType t, const cli_schema_args *a, cli_schema *out);

/* Copies the schema into cfg (the pointers stay s's). Cannot fail. */
void cli_schema_apply(const cli_schema *s, Labelq__ProjectConfig *cfg);

void cli_schema_free(cli_schema *s);

/* Whether the server's label indexes (gold, dynamic overlap) apply to the
 * type: single choice and ordinal. Cannot fail. */
bool cli_schema_indexed(Labelq__LabelType t);

/* The type's name as the flags and JSON spell it: "single", "multi",
 * "ordinal", "numeric", "text", "spans", "boxes". Cannot fail. */
const char *cli_schema_type_name(Labelq__LabelType t);

/* The schema in a few words for a table or a summary line, e.g.
 * "pos,neg,neutral", "0..10", "max 4096 bytes", "PER,ORG over text".
 * malloc'd; NULL without memory. */
char *cli_schema_brief(const Labelq__ProjectConfig *cfg);

/* Adds "type" and the type's own keys to obj: "steps" (ordinal),
 * "number_min" / "number_max" (numeric), "max_text_bytes" (text), "field"
 * (spans, boxes). Returns 0 or -1 without memory. */
int cli_schema_json(const Labelq__ProjectConfig *cfg, json_t *obj);

#endif
