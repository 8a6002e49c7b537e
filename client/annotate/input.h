/* The annotator's input, read from the keyboard or from a script.
 *
 * On a terminal each event is one key (a byte; escape sequences such as the
 * arrow keys are swallowed, a lone Esc is a key). On anything else (a pipe,
 * a file) each event is one line; end of input is an event too. What a key
 * or line means depends on the project's type (annotate_answer.h). Lines
 * are buffered here rather than in stdio so that the session can look for
 * a pending "q" or end of input while it waits for work, without eating the
 * next item's answer. */
#ifndef LQ_ANNOTATE_INPUT_H
#define LQ_ANNOTATE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

/* The longest line read on a pipe: a text answer of the server's largest
 * max_text_bytes (64 KiB) with room to spare. Longer lines are dropped. */
#define INPUT_MAX_LINE (65536 + 1024)

typedef enum input_kind {
    INPUT_NONE, /* nothing yet: timeout, signal or resize; look at the flags */
    INPUT_KEY,  /* .key (terminal) */
    INPUT_LINE, /* .line, without its line end (pipe) */
    INPUT_END,  /* end of input */
} input_kind;

typedef struct input_event {
    input_kind kind;
    unsigned char key;
    const char *line; /* valid until the next input_* call */
} input_event;

typedef struct annotate_input annotate_input;

/* Reads from fd 0; tty selects keys rather than lines. Returns 0 or
 * LQ_ENOMEM. */
int input_open(bool tty, annotate_input **out);
void input_close(annotate_input *in);

/* Waits up to timeout_ms (-1: forever) for the next event. Returns 0 or
 * LQ_EIO when fd 0 fails. */
int input_next(annotate_input *in, int timeout_ms, input_event *ev);

/* Without blocking: true when the person has asked to quit (q key, a
 * pending "q" line when q_line_quits, a pending Ctrl-D line, or end of
 * input with nothing left to read). Anything else that is pending stays
 * for input_next. */
bool input_wants_quit(annotate_input *in, bool q_line_quits);

#endif
