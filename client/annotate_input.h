/* The annotator's decisions, read from the keyboard or from a script.
 *
 * On a terminal one key is one decision (1..9, s, q; Ctrl-D quits too). On
 * anything else (a pipe, a file) one line is one decision: a label number,
 * "s" or "q"; end of input means quit. Lines are buffered here rather than
 * in stdio so that the session can look for a pending "q" or end of input
 * while it waits for work, without eating the next item's decision. */
#ifndef LQ_ANNOTATE_INPUT_H
#define LQ_ANNOTATE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum input_kind {
    INPUT_NONE,    /* nothing yet: timeout, signal or resize; look at the flags */
    INPUT_LABEL,   /* .label is the 0-based label index */
    INPUT_SKIP,    /* release this task and go on */
    INPUT_QUIT,    /* release anything held and exit */
    INPUT_INVALID, /* a key or line that means nothing; .text says what */
} input_kind;

typedef struct input_decision {
    input_kind kind;
    size_t label;
    char text[64];
} input_decision;

typedef struct annotate_input annotate_input;

/* Reads from fd 0; tty selects one-key decisions. Returns 0 or LQ_ENOMEM. */
int input_open(bool tty, annotate_input **out);
void input_close(annotate_input *in);

/* Waits up to timeout_ms (-1: forever) for the next decision among
 * n_labels labels. Returns 0 or LQ_EIO when fd 0 fails. */
int input_next(annotate_input *in, size_t n_labels, int timeout_ms, input_decision *d);

/* Without blocking: true when the person has asked to quit (q key, a
 * pending "q" line, or end of input with nothing left to read). Anything
 * else that is pending stays for input_next. */
bool input_wants_quit(annotate_input *in);

#endif
