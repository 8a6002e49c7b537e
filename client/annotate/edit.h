/* The one-line editor of labelq-annotate's typed answers (numbers, text,
 * span ranges, long scales) on a terminal: bytes arrive one key at a time,
 * a UTF-8 character possibly over several; Backspace removes a whole
 * character; the line never holds more than its byte limit, and never an
 * unfinished character when it is read. */
#ifndef LQ_ANNOTATE_EDIT_H
#define LQ_ANNOTATE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct line_edit {
    char *buf;      /* NUL-terminated; owned */
    size_t len;     /* bytes of complete characters and the one in progress */
    size_t max;     /* the most bytes the line may hold */
    size_t pending; /* continuation bytes the character in progress still needs */
} line_edit;

typedef enum edit_result {
    EDIT_OK,   /* taken */
    EDIT_FULL, /* refused: the character would pass the byte limit */
    EDIT_BAD,  /* refused: a control character or a byte that is not UTF-8 */
} edit_result;

/* Makes an empty line of at most max bytes. Returns 0 or LQ_ENOMEM. */
int edit_init(line_edit *e, size_t max);
void edit_free(line_edit *e);

/* Adds one byte of typed text. Cannot fail otherwise. */
edit_result edit_byte(line_edit *e, unsigned char b);

/* Removes the last character (an unfinished one first). False when the
 * line was empty. */
bool edit_backspace(line_edit *e);

/* Empties the line. Cannot fail. */
void edit_clear(line_edit *e);

/* The line without any unfinished character at its end (which is
 * dropped); valid until the next edit. */
const char *edit_text(line_edit *e);

/* Whether s is valid UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF) without control characters other than tab. */
bool edit_valid_text(const char *s);

#endif
