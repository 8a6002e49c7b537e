/* labelq agreement / aggregate on typed label cells (--type other than
 * single): the per-type halves of the two offline commands, which parse
 * their options and hand over here. */
#ifndef LQ_CLI_TYPED_H
#define LQ_CLI_TYPED_H

#include <stdbool.h>

#include <jansson.h>

#include "client/cli/typed_ratings.h"

/* The options both commands take: --json, --type and --scale. */
typedef struct cli_typed_options {
    bool json;
    typed_kind kind;   /* TYPED_SINGLE unless --type says otherwise */
    const char *scale; /* --scale: ordinal step names, or NULL */
} cli_typed_options;

/* Handles opt when it is one of those ('j', 't', 's'): returns 0, or
 * CLI_USAGE after reporting a bad --type; CLI_GO_ON for any other opt. */
int cli_typed_option(cli_typed_options *o, int opt, const char *arg);

/* Reads path as ratings of kind (scale for ordinal, may be NULL) and
 * prints the type's agreement metrics, as text or JSON. Returns the exit
 * status (CLI_FAIL after reporting bad input). */
int cli_agreement_typed(const char *path, typed_kind kind, const char *scale, bool json);

/* The consensus methods of each kind: the first is the default. Returns
 * the method named name (NULL: the default) for kind, or NULL when kind has
 * no such method. */
const char *cli_aggregate_method(typed_kind kind, const char *name);

/* The methods of kind, comma-separated, for messages. Cannot fail. */
const char *cli_aggregate_methods(typed_kind kind);

/* Reads path as ratings of kind and prints each unit's consensus value
 * and confidence by method (from cli_aggregate_method). Returns the exit
 * status. */
int cli_aggregate_typed(const char *path, typed_kind kind, const char *scale, const char *method,
                        bool json);

/* Writes `KEY: VALUE` on one line after indent spaces, then after, and
 * drops v: the streamed --json output of both aggregate halves. Returns
 * false if v is NULL (out of memory) or stdout fails. */
bool cli_put_member(int indent, const char *key, json_t *v, const char *after);

#endif
