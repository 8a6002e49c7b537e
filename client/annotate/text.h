/* Text layout for labelq-annotate's terminal screen: UTF-8 aware column
 * counting, word wrapping and truncation with "…".
 *
 * Everything shown comes from the server (item payloads, project names,
 * instructions), so every function here also neutralises control
 * characters: a payload must not be able to move the cursor or retitle the
 * terminal. Widths are approximated without the C library's locale (which is
 * often "C" under scripts and tmux): East Asian wide ranges and emoji count
 * two columns, combining marks zero, everything else one. */
#ifndef LQ_ANNOTATE_TEXT_H
#define LQ_ANNOTATE_TEXT_H

#include <stddef.h>

/* A list of display lines; each line is a malloc'd, NUL-terminated UTF-8
 * string no wider than the width it was laid out for. */
typedef struct text_lines {
    char **line;
    size_t n, cap;
} text_lines;

/* Appends text, split at '\n' and word-wrapped to width columns, to out.
 * Continuation lines keep the original line's indentation (up to half the
 * width) so wrapped JSON still reads as nested. Returns 0 or LQ_ENOMEM. */
int text_wrap(text_lines *out, const char *text, int width);

/* Appends one line, cut to width columns with a trailing "…" if it is
 * longer. Returns 0 or LQ_ENOMEM. */
int text_append_fit(text_lines *out, const char *text, int width);

/* Keeps at most rows lines; when lines were dropped, the last kept line ends
 * in "…" so the reader knows there is more. Returns 0 or LQ_ENOMEM. */
int text_clip(text_lines *lines, size_t rows, int width);

/* Display columns of s after sanitising. Cannot fail. */
int text_columns(const char *s);

/* Frees every line and resets the list to empty. NULL is fine. */
void text_lines_free(text_lines *lines);

#endif
