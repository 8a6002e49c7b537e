/* One answer in labelq-annotate, by project type: what the annotator's keys
 * (on a terminal) or lines (on a pipe) mean, the label value they build,
 * and what to show meanwhile. The value is a label value of the type,
 * written and checked by lq_schema (schema/typed_value.h) as labelqd does:
 *   single, ordinal  a label (a step)      keys 1-9; with more than 9: the
 *                                           number and Enter
 *   multi            ["a","c"] (schema order)  keys toggle, Enter submits
 *   numeric          "4.5"                 the number and Enter
 *   text             the text              a line editor, Enter submits
 *   spans            [{"start","end","label"}]  "3-5 PER" lines, u undoes,
 *                                           Enter on an empty line submits
 * Boxes are not answered here: those projects are labeled by programs. */
#ifndef LQ_ANNOTATE_ANSWER_H
#define LQ_ANNOTATE_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/labelq.pb-c.h"

typedef enum answer_kind {
    ANSWER_NONE,    /* nothing happened (a blank line, an ignored key) */
    ANSWER_CHANGED, /* the answer being built changed: show it; .message may say how */
    ANSWER_INVALID, /* refused; .message says why */
    ANSWER_SUBMIT,  /* answer_value is ready to submit */
    ANSWER_SKIP,    /* release the task, not for me */
    ANSWER_QUIT,    /* release anything held and exit */
} answer_kind;

typedef struct answer_result {
    answer_kind kind;
    char message[256];
} answer_result;

/* What the screen shows of the answer; pointers stay valid until the next
 * answer_* call. */
typedef struct answer_view {
    char *const *choices; /* numbered choices (labels, steps, span labels); NULL: none */
    size_t n_choices;
    const bool *on;     /* multi: which choices are in the set; else NULL */
    const char *keys;   /* what the keys or lines do, one line */
    const char *edit;   /* the line being typed; NULL when nothing is typed */
    const char *detail; /* lines shown above the item's data (spans' tokens); may be "" */
} answer_view;

typedef struct answer answer;

/* Whether labelq-annotate can answer cfg's type (every type but boxes).
 * Cannot fail. */
bool answer_supported(const Labelq__ProjectConfig *cfg);

/* A new answer for cfg's items, which must outlive it; tty selects keys
 * rather than lines. Returns 0 or LQ_ENOMEM. */
int answer_new(const Labelq__ProjectConfig *cfg, bool tty, answer **out);
void answer_free(answer *a);

/* Starts over for the item with data_json. Returns 0, LQ_EBADREQ when the
 * item lacks what the type needs (spans: its text; err says so), or
 * LQ_ENOMEM. */
int answer_start(answer *a, const char *data_json, char *err, size_t errlen);

/* Forgets the answer being built (after it was sent, or its item given
 * back), so that the next screen shows no stale choices. Cannot fail. */
void answer_clear(answer *a);

/* One key on a terminal, or one line (without its newline) on a pipe.
 * Returns 0 with the outcome in *r, or LQ_ENOMEM. */
int answer_key(answer *a, unsigned char key, answer_result *r);
int answer_line(answer *a, const char *line, answer_result *r);

/* After ANSWER_SUBMIT: the value to send; valid until the next answer_*
 * call. */
const char *answer_value(const answer *a);

/* Fills *v for drawing. Returns 0 or LQ_ENOMEM. */
int answer_view_get(answer *a, answer_view *v);

/* Whether a pending pipe line "q" means quit for this type (not for text,
 * where it would be an answer). Cannot fail. */
bool answer_q_line_quits(const answer *a);

#endif
