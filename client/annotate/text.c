/* UTF-8 text layout for the annotator's screen; see annotate_text.h. */
#include "client/annotate/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "proto/utf8.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */

/* One decoded, sanitised character and its display width. */
typedef struct glyph {
    uint32_t cp;
    int width;
} glyph;

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* C0 and C1 controls (ESC, CSI, ...) would be interpreted by the terminal;
 * a tab has no fixed width in our layout. */
static uint32_t sanitize(uint32_t cp)
{
    if (cp == '\t')
        return ' ';
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return '?';
    return cp;
}

static int cp_width(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

/* Decodes len bytes of s into a malloc'd glyph array (*n entries); NULL on
 * allocation failure. */
static glyph *decode(const char *s, size_t len, size_t *n)
{
    glyph *g = malloc((len + 1) * sizeof *g);
    size_t i = 0, k = 0;
    if (!g)
        return NULL;
    while (i < len) {
        uint32_t cp;
        i += lq_utf8_decode(s + i, len - i, &cp);
        cp = sanitize(cp);
        g[k].cp = cp;
        g[k].width = cp_width(cp);
        k++;
    }
    *n = k;
    return g;
}

static int push(text_lines *out, char *line)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        char **grown = realloc(out->line, cap * sizeof *grown);
        if (!grown) {
            free(line);
            return LQ_ENOMEM;
        }
        out->line = grown;
        out->cap = cap;
    }
    out->line[out->n++] = line;
    return 0;
}

/* Encodes indent spaces, then glyphs [from, to), optionally a trailing "…",
 * into a new line appended to out. */
static int emit(text_lines *out, int indent, const glyph *g, size_t from, size_t to, int ellipsis)
{
    char *line = malloc((size_t)indent + (to - from) * 4 + sizeof ELLIPSIS);
    size_t k = 0;
    if (!line)
        return LQ_ENOMEM;
    for (int i = 0; i < indent; i++)
        line[k++] = ' ';
    for (size_t i = from; i < to; i++)
        k += utf8_encode(g[i].cp, line + k);
    if (ellipsis) {
        memcpy(line + k, ELLIPSIS, sizeof ELLIPSIS - 1);
        k += sizeof ELLIPSIS - 1;
    }
    line[k] = '\0';
    return push(out, line);
}

/* The end (exclusive) of the longest run from i that fits in avail columns;
 * at least i + 1 so that a glyph wider than the line still moves on. */
static size_t fit_end(const glyph *g, size_t n, size_t i, int avail)
{
    int used = 0;
    size_t j = i;
    while (j < n && used + g[j].width <= avail)
        used += g[j++].width;
    return j > i ? j : i + 1;
}

/* Word-wraps one line (no '\n') of glyphs. */
static int wrap_line(text_lines *out, const glyph *g, size_t n, int width)
{
    int indent = 0;
    size_t i = 0;
    int rc;
    while ((size_t)indent < n && g[indent].cp == ' ')
        indent++;
    if (indent > width / 2)
        indent = width / 2;
    if (n == 0)
        return emit(out, 0, g, 0, 0, 0);
    for (int first = 1; i < n; first = 0) {
        int lead = first ? 0 : indent;
        size_t j = fit_end(g, n, i, width - lead);
        size_t cut = j;
        if (j < n) {
            /* Break at the last space of the run, if there is one past the
             * indentation; otherwise the word is longer than a line. */
            for (size_t k = j; k > i + (first ? (size_t)indent : 0); k--) {
                if (g[k].cp == ' ') {
                    cut = k;
                    break;
                }
            }
        }
        if ((rc = emit(out, lead, g, i, cut, 0)) < 0)
            return rc;
        i = cut;
        while (i < n && g[i].cp == ' ')
            i++;
    }
    return 0;
}

int text_wrap(text_lines *out, const char *text, int width)
{
    const char *p = text;
    if (width < 1)
        width = 1;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t n;
        glyph *g = decode(p, len, &n);
        int rc;
        if (!g)
            return LQ_ENOMEM;
        rc = wrap_line(out, g, n, width);
        free(g);
        if (rc < 0)
            return rc;
        if (!nl)
            return 0;
        p = nl + 1;
    }
}

/* Appends glyphs cut to width columns; force_ellipsis marks a cut made
 * elsewhere (lines dropped below) even when this line itself fits. */
static int fit_glyphs(text_lines *out, const glyph *g, size_t n, int width, int force_ellipsis)
{
    int total = 0;
    size_t j = 0;
    int used = 0;
    for (size_t i = 0; i < n; i++)
        total += g[i].width;
    if (total <= width && !force_ellipsis)
        return emit(out, 0, g, 0, n, 0);
    while (j < n && used + g[j].width <= width - 1)
        used += g[j++].width;
    return emit(out, 0, g, 0, j, width >= 1);
}

int text_append_fit(text_lines *out, const char *text, int width)
{
    size_t n;
    glyph *g = decode(text, strlen(text), &n);
    int rc;
    if (!g)
        return LQ_ENOMEM;
    rc = fit_glyphs(out, g, n, width, 0);
    free(g);
    return rc;
}

int text_clip(text_lines *lines, size_t rows, int width)
{
    size_t n;
    glyph *g;
    text_lines last = {0};
    int rc;
    if (lines->n <= rows)
        return 0;
    while (lines->n > rows)
        free(lines->line[--lines->n]);
    if (rows == 0)
        return 0;
    g = decode(lines->line[rows - 1], strlen(lines->line[rows - 1]), &n);
    if (!g)
        return LQ_ENOMEM;
    rc = fit_glyphs(&last, g, n, width, 1);
    free(g);
    if (rc < 0)
        return rc;
    free(lines->line[rows - 1]);
    lines->line[rows - 1] = last.line[0];
    free(last.line);
    return 0;
}

int text_columns(const char *s)
{
    size_t len = strlen(s), i = 0;
    int cols = 0;
    while (i < len) {
        uint32_t cp;
        i += lq_utf8_decode(s + i, len - i, &cp);
        cols += cp_width(sanitize(cp));
    }
    return cols;
}

void text_lines_free(text_lines *lines)
{
    if (!lines)
        return;
    for (size_t i = 0; i < lines->n; i++)
        free(lines->line[i]);
    free(lines->line);
    lines->line = NULL;
    lines->n = lines->cap = 0;
}
