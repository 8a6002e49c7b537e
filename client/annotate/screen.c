/* Rendering for labelq-annotate; see annotate_screen.h. */
#include "client/annotate/screen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client/annotate/text.h"
#include "proto/error.h"

#define INSTRUCTION_ROWS 3
#define PLAIN_WIDTH (1 << 20) /* plain mode only sanitises, never wraps */

/* A growing output buffer: the frame goes out in one write. */
typedef struct frame {
    char *buf;
    size_t len, cap;
    int failed;
} frame;

static void put(frame *f, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (f->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(f->buf + f->len, f->cap - f->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            f->failed = 1;
            return;
        }
        if ((size_t)n < f->cap - f->len) {
            f->len += (size_t)n;
            return;
        }
        size_t cap = (f->cap + (size_t)n + 1) * 2;
        char *grown = realloc(f->buf, cap);
        if (!grown) {
            f->failed = 1;
            return;
        }
        f->buf = grown;
        f->cap = cap;
    }
}

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return LQ_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

char *screen_pretty_json(const char *data_json)
{
    json_error_t err;
    json_t *v = json_loads(data_json, JSON_DECODE_ANY, &err);
    char *s;
    if (!v)
        return strdup(data_json);
    s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(v);
    return s ? s : strdup(data_json);
}

/* Choice i as shown: "[1] pos", or for a set "[1][x] cat". */
static void choice_entry(char *out, size_t len, const answer_view *a, size_t i)
{
    if (a->on)
        snprintf(out, len, "[%zu][%c] %s", i + 1, a->on[i] ? 'x' : ' ', a->choices[i]);
    else
        snprintf(out, len, "[%zu] %s", i + 1, a->choices[i]);
}

/* The line being typed as "> text_", its start dropped ("> …xt_") so
 * that the end, where the typing happens, stays on screen. */
static int edit_line(text_lines *out, const char *e, int cols)
{
    char typed[1024];
    bool cut = false;
    for (;;) {
        if (strlen(e) > sizeof typed - 16) {
            e += strlen(e) - (sizeof typed - 16);
        } else {
            snprintf(typed, sizeof typed, "> %s%s_", cut ? "\xe2\x80\xa6" : "", e);
            if (text_columns(typed) <= cols || !*e)
                break;
            e++;
        }
        cut = true;
        while (((unsigned char)*e & 0xC0) == 0x80)
            e++; /* never start inside a character */
    }
    return text_append_fit(out, typed, cols);
}

/* The choices, "[1] pos  [2] neg ...   [s] skip  [q] quit", broken between
 * entries (never inside one) to fit cols. */
static int choice_lines(text_lines *out, const screen_view *v, int cols)
{
    char line[1024] = "", entry[256];
    size_t n = v->answer->n_choices;
    int used = 0, rc;
    for (size_t i = 0; i <= n; i++) {
        int w;
        if (i < n)
            choice_entry(entry + (used ? 2 : 0), sizeof entry - 2, v->answer, i);
        else
            snprintf(entry + (used ? 3 : 0), sizeof entry - 3, "%s", v->answer->keys);
        if (used)
            memset(entry, ' ', i < n ? 2 : 3);
        w = text_columns(entry);
        if (used && used + w > cols) {
            if ((rc = text_append_fit(out, line, cols)) < 0)
                return rc;
            line[0] = '\0';
            used = 0;
            memmove(entry, entry + strspn(entry, " "), strlen(entry + strspn(entry, " ")) + 1);
            w = text_columns(entry);
        }
        if (strlen(line) + strlen(entry) < sizeof line) {
            strcat(line, entry);
            used += w;
        }
    }
    if (v->answer->edit) {
        if ((rc = text_append_fit(out, line, cols)) < 0)
            return rc;
        return edit_line(out, v->answer->edit, cols);
    }
    return text_append_fit(out, line, cols);
}

static void put_rows(frame *f, int *row, const text_lines *lines)
{
    for (size_t i = 0; i < lines->n; i++)
        put(f, "\x1b[%d;1H%s", (*row)++, lines->line[i]);
}

/* Header in reverse video across the whole width. */
static int put_header(frame *f, const screen_view *v, int cols)
{
    char text[512];
    text_lines h = {0};
    int rc;
    snprintf(text, sizeof text, " labelq \xc2\xb7 %s \xc2\xb7 %s \xc2\xb7 labeled %u", v->project,
             v->annotator, v->labeled);
    if ((rc = text_append_fit(&h, text, cols)) < 0)
        return rc;
    put(f, "\x1b[1;1H\x1b[7m%s%*s\x1b[0m", h.line[0], cols - text_columns(h.line[0]), "");
    text_lines_free(&h);
    return 0;
}

/* Fills body with the item title and its wrapped data, clipped to rows. */
static int item_lines(text_lines *body, const screen_view *v, int rows, int cols)
{
    char title[512];
    char *pretty;
    int rc;
    if (!v->task)
        return text_append_fit(body, "waiting for tasks\xe2\x80\xa6 (q to quit)", cols);
    snprintf(title, sizeof title, "\xe2\x94\x80\xe2\x94\x80 item %s ", v->task->external_id);
    while (text_columns(title) < cols && strlen(title) + 4 < sizeof title)
        strcat(title, "\xe2\x94\x80");
    if ((rc = text_append_fit(body, title, cols)) < 0)
        return rc;
    if (v->answer->detail[0] && ((rc = text_wrap(body, v->answer->detail, cols)) < 0 ||
                                 (rc = text_append_fit(body, "", cols)) < 0))
        return rc;
    if (!(pretty = screen_pretty_json(v->task->data_json)))
        return LQ_ENOMEM;
    rc = text_wrap(body, pretty, cols);
    free(pretty);
    if (rc < 0)
        return rc;
    return text_clip(body, rows > 0 ? (size_t)rows : 0, cols);
}

static int layout(frame *f, const screen_view *v, int rows, int cols)
{
    text_lines instr = {0}, choices = {0}, body = {0}, status = {0};
    int rc, row = 2, item_rows;
    if ((rc = put_header(f, v, cols)) < 0)
        goto out;
    if ((rc = text_wrap(&instr, v->instructions, cols)) < 0 ||
        (rc = text_clip(&instr, INSTRUCTION_ROWS, cols)) < 0 ||
        (rc = choice_lines(&choices, v, cols)) < 0 ||
        (rc = text_append_fit(&status, v->status, cols)) < 0)
        goto out;
    if (v->instructions[0] == '\0')
        text_lines_free(&instr);
    /* Rows left for the item: all but header, instructions, the blank line
     * after them, the blank line before the choices, choices and status. */
    item_rows = rows - 1 - (int)instr.n - 1 - 1 - (int)choices.n - 1;
    if ((rc = item_lines(&body, v, item_rows, cols)) < 0)
        goto out;
    put_rows(f, &row, &instr);
    row++;
    put_rows(f, &row, &body);
    row = rows - (int)choices.n;
    put_rows(f, &row, &choices);
    put(f, "\x1b[%d;1H\x1b[1m%s\x1b[0m", rows, status.line[0]);
out:
    text_lines_free(&instr);
    text_lines_free(&choices);
    text_lines_free(&body);
    text_lines_free(&status);
    return rc;
}

int screen_draw(const screen_view *v, int rows, int cols)
{
    frame f = {0};
    int rc;
    put(&f, "\x1b[H\x1b[2J");
    rc = layout(&f, v, rows, cols);
    if (rc == 0 && f.failed)
        rc = LQ_ENOMEM;
    if (rc == 0)
        rc = write_all(f.buf, f.len);
    free(f.buf);
    return rc;
}

/* Prints text sanitised, line by line; falls back to nothing on ENOMEM
 * rather than printing unsanitised bytes. */
static void print_clean(FILE *out, const char *prefix, const char *text)
{
    text_lines lines = {0};
    if (text_wrap(&lines, text, PLAIN_WIDTH) == 0) {
        for (size_t i = 0; i < lines.n; i++)
            fprintf(out, "%s%s\n", prefix, lines.line[i]);
    }
    text_lines_free(&lines);
}

static void print_choices(FILE *out, const screen_view *v)
{
    const answer_view *a = v->answer;
    for (size_t i = 0; i < a->n_choices; i++) {
        char entry[256];
        choice_entry(entry, sizeof entry, a, i);
        text_lines e = {0};
        if (text_append_fit(&e, entry, PLAIN_WIDTH) == 0)
            fprintf(out, "%s%s", i ? "  " : "", e.line[0]);
        text_lines_free(&e);
    }
    fprintf(out, "%s%s\n", a->n_choices ? "   " : "", a->keys);
}

void screen_prompt(FILE *out)
{
    /* A prompt helps a person typing into a pipe-fed session; in a log of
     * a script it would only glue itself to the next line. */
    if (isatty(fileno(out)))
        fputs("> ", out);
    fflush(out);
}

void screen_print_intro(FILE *out, const screen_view *v)
{
    char line[512];
    snprintf(line, sizeof line, "project %s, annotator %s", v->project, v->annotator);
    print_clean(out, "", line);
    if (v->instructions[0])
        print_clean(out, "instructions: ", v->instructions);
    fflush(out);
}

void screen_print_item(FILE *out, const screen_view *v)
{
    char title[512];
    char *pretty = screen_pretty_json(v->task->data_json);
    snprintf(title, sizeof title, "item %s (task %llu)", v->task->external_id,
             (unsigned long long)v->task->task_id);
    fputc('\n', out);
    print_clean(out, "", title);
    if (v->answer->detail[0])
        print_clean(out, "", v->answer->detail);
    if (pretty)
        print_clean(out, "", pretty);
    free(pretty);
    print_choices(out, v);
    screen_prompt(out);
}
