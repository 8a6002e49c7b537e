/* labelq agreement / aggregate on typed label cells (--type other than
 * single): the per-type halves of the two offline commands, which parse
 * their options and hand over here. Both compute with the functions
 * labelqd's estimate calls (quality/typed_consensus.h,
 * quality/typed_agreement.h) on values read by lq_schema
 * (typed_ratings.h). */
#ifndef LQ_CLI_TYPED_H
#define LQ_CLI_TYPED_H

#include <stdbool.h>

#include <jansson.h>

#include "client/cli/schema.h"
#include "proto/labelq.pb-c.h"

/* The options both commands take: --json, --type, and the schema: --labels
 * (single, multi, spans, boxes: the labels in schema order), --scale
 * (ordinal), --range (numeric). */
typedef struct cli_typed_options {
    bool json;
    Labelq__LabelType type; /* single unless --type says otherwise */
    const char *labels;     /* as given, or NULL */
    const char *scale;
    const char *range;
} cli_typed_options;

/* Handles opt when it is one of those ('j', 't', 'l', 's', 'r'): returns
 * 0, or CLI_USAGE after reporting a bad --type; CLI_GO_ON for any other
 * opt. */
int cli_typed_option(cli_typed_options *o, int opt, const char *arg);

/* The schema of a --type single file: its --labels, if given (--scale and
 * --range do not fit). Returns 0, or CLI_USAGE after reporting. */
int cli_single_schema(const cli_typed_options *o, cli_schema *out);

/* Reads path as ratings of o->type and prints the type's agreement
 * figures, as text or JSON. Returns the exit status (CLI_FAIL after
 * reporting bad input, CLI_USAGE after a bad option). */
int cli_agreement_typed(const char *path, const cli_typed_options *o);

/* Reads path as ratings of o->type and prints each unit's consensus,
 * confidence and agreement by the method named method (NULL: labelqd's
 * choice for that many ratings). Returns the exit status. */
int cli_aggregate_typed(const char *path, const cli_typed_options *o, const char *method);

/* Writes `KEY: VALUE` on one line after indent spaces, then after, and
 * drops v: the streamed --json output of both aggregate halves. Returns
 * false if v is NULL (out of memory) or stdout fails. */
bool cli_put_member(int indent, const char *key, json_t *v, const char *after);

#endif
