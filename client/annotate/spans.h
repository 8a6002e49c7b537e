/* Span answers in labelq-annotate: the item's text (data[field]) split on
 * whitespace into numbered tokens, and the spans the annotator marks as
 * token ranges ("3-5 PER", "7 LOC"), turned into the byte ranges the
 * server stores: [{"start": S, "end": E, "label": L}, ...] from the start
 * of the first token to the end of the last, sorted, not overlapping. */
#ifndef LQ_ANNOTATE_SPANS_H
#define LQ_ANNOTATE_SPANS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/labelq.pb-c.h"
#include "quality/spans.h"

typedef struct span_mark {
    size_t first, last; /* token indexes, 0-based, inclusive */
    size_t label;       /* index into the project's labels */
} span_mark;

typedef struct span_set {
    char *text; /* the item's text; owned */
    lq_token *tokens; /* the text's tokens, as quality/spans.h cuts them */
    size_t n_tokens;
    span_mark *marks; /* in the order they were added (undo takes the last) */
    size_t n_marks, cap;
} span_set;

/* Loads data[cfg->field] from the item's data JSON and tokenises it,
 * replacing whatever s held. Returns 0, LQ_EBADREQ (no such text; err says
 * so) or LQ_ENOMEM. */
int spans_load(span_set *s, const char *data_json, const Labelq__ProjectConfig *cfg, char *err,
               size_t errlen);

void spans_free(span_set *s);

/* Adds the span a line such as "3-5 PER" or "7 LOC" describes (token
 * numbers from 1; the label by name or by its number). Returns 0 with
 * what was added in msg, LQ_EBADREQ with why not in msg, or LQ_ENOMEM. */
int spans_add(span_set *s, const char *line, char *const *labels, size_t n_labels, char *msg,
              size_t msglen);

/* Removes the last span added, saying which in msg. False when none. */
bool spans_undo(span_set *s, char *const *labels, char *msg, size_t msglen);

/* The spans as a label value of cfg (lq_schema's canonical form). malloc'd;
 * NULL without memory. */
char *spans_json(const span_set *s, const Labelq__ProjectConfig *cfg);

/* The numbered tokens ("[1]John [2]Smith ...") and the spans so far, for
 * the screen. malloc'd; NULL without memory. */
char *spans_describe(const span_set *s, char *const *labels);

#endif
