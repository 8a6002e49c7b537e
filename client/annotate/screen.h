/* What labelq-annotate shows: one full-screen frame on a terminal, or plain
 * lines on a pipe.
 *
 * The terminal frame always fits the window (header, up to three lines of
 * instructions, the item, the choices and keys, the line being typed, a
 * status line) and is drawn with
 * absolute cursor moves in one write, so it never scrolls or flickers.
 * Everything from the server is sanitised (annotate_text.h). */
#ifndef LQ_ANNOTATE_SCREEN_H
#define LQ_ANNOTATE_SCREEN_H

#include <stddef.h>
#include <stdio.h>

#include "client/annotate/answer.h"
#include "proto/labelq.pb-c.h"

typedef struct screen_view {
    const char *project;
    const char *annotator;
    unsigned labeled;               /* this session */
    const char *instructions;       /* may be "" */
    const answer_view *answer;      /* the choices, keys and what is typed */
    const Labelq__LeasedTask *task; /* NULL: waiting for work */
    const char *status;             /* one line for the bottom; may be "" */
} screen_view;

/* Draws v as a full frame of rows x cols on stdout. Returns 0, LQ_ENOMEM or
 * LQ_EIO. */
int screen_draw(const screen_view *v, int rows, int cols);

/* Plain mode: the session's opening lines (project, annotator,
 * instructions, labels). Cannot fail. */
void screen_print_intro(FILE *out, const screen_view *v);

/* Plain mode: v's item (with the answer's detail, e.g. numbered tokens),
 * the choices and the prompt, flushed. */
void screen_print_item(FILE *out, const screen_view *v);

/* Plain mode: "> " when out is a terminal; flushes out either way. */
void screen_prompt(FILE *out);

/* The item's data pretty-printed (two-space JSON), or a copy of it as it
 * came when it is not JSON. malloc'd; NULL only when memory ran out. */
char *screen_pretty_json(const char *data_json);

#endif
