/* The answer line editor; see annotate_edit.h. */
#include "client/annotate/edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "proto/utf8.h"

int edit_init(line_edit *e, size_t max)
{
    e->buf = malloc(max + 1);
    if (!e->buf)
        return LQ_ENOMEM;
    e->buf[0] = '\0';
    e->len = e->pending = 0;
    e->max = max;
    return 0;
}

void edit_free(line_edit *e)
{
    free(e->buf);
    e->buf = NULL;
}

/* Drops an unfinished character at the end. */
static void drop_unfinished(line_edit *e)
{
    if (e->pending == 0)
        return;
    while (e->len > 0 && ((unsigned char)e->buf[e->len - 1] & 0xC0) == 0x80)
        e->len--;
    if (e->len > 0)
        e->len--; /* its lead byte */
    e->buf[e->len] = '\0';
    e->pending = 0;
}

edit_result edit_byte(line_edit *e, unsigned char b)
{
    if ((b & 0xC0) == 0x80) {
        if (e->pending == 0)
            return EDIT_BAD;
        e->buf[e->len++] = (char)b;
        e->buf[e->len] = '\0';
        e->pending--;
        return EDIT_OK;
    }
    drop_unfinished(e);
    size_t n = lq_utf8_lead_length(b);
    if (n == 0 || (n == 1 && (b < 0x20 || b == 0x7F)))
        return EDIT_BAD;
    if (e->len + n > e->max)
        return EDIT_FULL;
    e->buf[e->len++] = (char)b;
    e->buf[e->len] = '\0';
    e->pending = n - 1;
    return EDIT_OK;
}

bool edit_backspace(line_edit *e)
{
    if (e->pending) {
        drop_unfinished(e);
        return true;
    }
    if (e->len == 0)
        return false;
    while (e->len > 0 && ((unsigned char)e->buf[e->len - 1] & 0xC0) == 0x80)
        e->len--;
    if (e->len > 0)
        e->len--;
    e->buf[e->len] = '\0';
    return true;
}

void edit_clear(line_edit *e)
{
    e->len = e->pending = 0;
    e->buf[0] = '\0';
}

const char *edit_text(line_edit *e)
{
    drop_unfinished(e);
    return e->buf;
}

bool edit_valid_text(const char *s)
{
    if (lq_utf8_check(s, strlen(s)) < 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
            return false;
    return true;
}
