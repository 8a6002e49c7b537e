/* Reading a CSV of ratings (see ratings_csv.h): a character-level state
 * machine over lines from getline, so a record may span lines (a quoted
 * field with a line break) and memory never holds more than one line and
 * the current record's first three fields besides the ratings. */
#include "client/cli/ratings_csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "proto/error.h"
#include "proto/utf8.h"

#define KEPT_FIELDS 4      /* unit, annotator, label, text (if asked for); later ones dropped */
#define REQUIRED_FIELDS 3  /* unit, annotator, label */
#define SHOWN_LABEL_MAX 40 /* bytes of a bad label quoted in an error */
#define FIRST_RATINGS 1024 /* the ratings array's first size; it doubles */
#define UTF8_BOM "\xEF\xBB\xBF"

enum { COL_UNIT, COL_ANNOTATOR, COL_LABEL, COL_TEXT };

typedef struct field_buf {
    char *p;
    size_t len, cap;
} field_buf;

/* Where the state machine is inside the current field. */
typedef enum field_state {
    AT_START,    /* nothing but blanks yet */
    IN_PLAIN,    /* an unquoted field */
    IN_QUOTES,   /* inside a quoted field */
    AT_QUOTE,    /* a quote inside quotes: a doubled quote or the closing one */
    AFTER_QUOTE, /* after the closing quote; only blanks may follow */
} field_state;

typedef struct reader {
    const char *source;
    const char *numeric_for;
    ratings_csv_options opt;
    size_t kept; /* fields kept: 3, or 4 with opt.unit_text */
    ratings_csv *out;
    char *err;
    size_t errlen;
    unsigned long long line_no;     /* the physical line being parsed */
    unsigned long long record_line; /* the line the current record started on */
    unsigned long long quote_line;  /* the line of the quote that opened the field */
    field_buf field[KEPT_FIELDS];
    size_t nfields; /* fields finished in the current record, dropped ones too */
    bool quoted;    /* the current field was quoted (so keeps its blanks) */
    field_state st;
    bool header_seen;
    size_t records; /* data records, those with an empty label too */
    size_t values_cap;
    size_t lines_cap;
} reader;

static int report(reader *rd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes a message into rd->err and returns code. */
static int report(reader *rd, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err, rd->errlen, fmt, ap);
    va_end(ap);
    return code;
}

static int oom(reader *rd)
{
    return report(rd, LQ_ENOMEM, "%s: line %llu: out of memory", rd->source, rd->line_no);
}

/* Appends c to the current field if it is one of the kept ones. */
static int push(reader *rd, char c)
{
    if (rd->nfields >= rd->kept)
        return 0;
    field_buf *f = &rd->field[rd->nfields];
    if (f->len + 1 >= f->cap) { /* + 1: end_field's terminating NUL */
        size_t cap = f->cap ? f->cap * 2 : 64;
        char *p = realloc(f->p, cap);
        if (!p)
            return oom(rd);
        f->p = p;
        f->cap = cap;
    }
    f->p[f->len++] = c;
    return 0;
}

/* Closes the current field: an unquoted one loses its trailing blanks. */
static int end_field(reader *rd)
{
    if (rd->nfields < rd->kept) {
        field_buf *f = &rd->field[rd->nfields];
        if (!rd->quoted)
            while (f->len > 0 && (f->p[f->len - 1] == ' ' || f->p[f->len - 1] == '\t'))
                f->len--;
        /* push leaves room for the NUL; only a field never pushed to lacks it. */
        if (!f->p) {
            if (!(f->p = malloc(1)))
                return oom(rd);
            f->cap = 1;
        }
        f->p[f->len] = '\0';
    }
    rd->nfields++;
    rd->quoted = false;
    rd->st = AT_START;
    return 0;
}

static int text_after_quote(reader *rd)
{
    return report(rd, LQ_EBADREQ,
                  "%s: line %llu: text after the closing quote of column %zu (inside quotes, "
                  "write a quote as \"\")",
                  rd->source, rd->line_no, rd->nfields + 1);
}

/* Runs one character through the state machine. */
static int feed_char(reader *rd, char c)
{
    bool blank = c == ' ' || c == '\t';
    switch (rd->st) {
    case AT_START:
        if (blank)
            return 0;
        if (c == '"') {
            rd->st = IN_QUOTES;
            rd->quoted = true;
            rd->quote_line = rd->line_no;
            return 0;
        }
        if (c == ',')
            return end_field(rd);
        rd->st = IN_PLAIN;
        return push(rd, c);
    case IN_PLAIN:
        /* A quote inside an unquoted field is taken literally, as most
         * spreadsheet programs do. */
        return c == ',' ? end_field(rd) : push(rd, c);
    case IN_QUOTES:
        if (c == '"') {
            rd->st = AT_QUOTE;
            return 0;
        }
        return push(rd, c);
    case AT_QUOTE:
        if (c == '"') {
            rd->st = IN_QUOTES;
            return push(rd, '"');
        }
        if (c == ',')
            return end_field(rd);
        if (blank) {
            rd->st = AFTER_QUOTE;
            return 0;
        }
        return text_after_quote(rd);
    case AFTER_QUOTE:
        if (c == ',')
            return end_field(rd);
        return blank ? 0 : text_after_quote(rd);
    }
    return 0;
}

/* Parses one physical line (its line end already removed). Returns 1 when
 * the record is complete, 0 when it goes on in the next line (a quoted
 * field holds a line break), or a negative code. */
static int feed_line(reader *rd, const char *s, size_t len)
{
    int rc;
    for (size_t i = 0; i < len; i++)
        if ((rc = feed_char(rd, s[i])) < 0)
            return rc;
    if (rd->st == IN_QUOTES)
        return push(rd, '\n') < 0 ? LQ_ENOMEM : 0;
    if ((rc = end_field(rd)) < 0)
        return rc;
    return 1;
}

/* Quotes a label for an error message, cut short (at a character
 * boundary) if long. */
static void show_label(const char *label, char *buf, size_t size)
{
    size_t len = strlen(label);
    if (len <= SHOWN_LABEL_MAX) {
        snprintf(buf, size, "'%s'", label);
        return;
    }
    len = SHOWN_LABEL_MAX;
    while (len > 0 && ((unsigned char)label[len] & 0xC0) == 0x80)
        len--;
    snprintf(buf, size, "'%.*s...'", (int)len, label);
}

/* Parses a whole field as a finite number (strtod's syntax, '.' decimal). */
static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Interns column col of the current record into t; *id gets its code and
 * *added whether it is new. */
static int intern(reader *rd, string_table *t, int col, const char *what, uint32_t *id, int *added)
{
    const field_buf *f = &rd->field[col];
    int rc = string_table_intern(t, f->p, f->len, id, added);
    if (rc == LQ_ENOMEM)
        return oom(rd);
    if (rc < 0)
        return report(rd, rc, "%s: line %llu: more than %u distinct %s names", rd->source,
                      rd->record_line, UINT32_MAX / 2, what);
    if (*added && lq_utf8_check(f->p, f->len) < 0)
        return report(rd, LQ_EBADREQ,
                      "%s: line %llu: the %s is not valid UTF-8 (save the file as UTF-8)",
                      rd->source, rd->record_line, what);
    return 0;
}

/* Records the value of a label seen for the first time under id. */
static int note_value(reader *rd, uint32_t id, double value)
{
    ratings_csv *out = rd->out;
    if (id >= rd->values_cap) {
        size_t cap = rd->values_cap ? rd->values_cap * 2 : 16;
        double *values = realloc(out->values, cap * sizeof(*values));
        if (!values)
            return oom(rd);
        out->values = values;
        rd->values_cap = cap;
    }
    out->values[id] = value;
    return 0;
}

static int append_rating(reader *rd, uint32_t unit, uint32_t annotator, uint32_t label)
{
    ratings_csv *out = rd->out;
    if (out->r.n == out->v_cap) {
        size_t cap = out->v_cap ? out->v_cap * 2 : FIRST_RATINGS;
        lq_rating *v = realloc(out->v, cap * sizeof(*v));
        if (!v)
            return oom(rd);
        out->v = v;
        out->v_cap = cap;
    }
    if (out->r.n == rd->lines_cap) {
        size_t cap = rd->lines_cap ? rd->lines_cap * 2 : FIRST_RATINGS;
        unsigned long long *line = realloc(out->line, cap * sizeof(*line));
        if (!line)
            return oom(rd);
        out->line = line;
        rd->lines_cap = cap;
    }
    out->line[out->r.n] = rd->record_line;
    out->v[out->r.n++] = (lq_rating){.unit = unit, .annotator = annotator, .label = label};
    return 0;
}

/* Column 4 of a record of unit (the unit's text, opt.unit_text): the first
 * non-empty one is kept; a different one later is an error, since which
 * text the spans lie on would be a guess. */
/* Makes room in unit_text for units below need, NULL for each new one. */
static int grow_unit_text(reader *rd, size_t need)
{
    ratings_csv *out = rd->out;
    if (need <= out->n_unit_text)
        return 0;
    size_t cap = out->n_unit_text ? out->n_unit_text * 2 : 64;
    while (cap < need)
        cap *= 2;
    char **text = realloc(out->unit_text, cap * sizeof(*text));
    if (!text)
        return oom(rd);
    out->unit_text = text;
    unsigned long long *line = realloc(out->unit_text_line, cap * sizeof(*line));
    if (!line)
        return oom(rd);
    out->unit_text_line = line;
    for (size_t i = out->n_unit_text; i < cap; i++)
        out->unit_text[i] = NULL;
    out->n_unit_text = cap;
    return 0;
}

static int take_unit_text(reader *rd, uint32_t unit)
{
    ratings_csv *out = rd->out;
    int rc = grow_unit_text(rd, (size_t)unit + 1);
    if (rc < 0)
        return rc;
    const field_buf *f = &rd->field[COL_TEXT];
    if (rd->nfields <= COL_TEXT || f->len == 0)
        return 0;
    if (out->unit_text[unit]) {
        if (strcmp(out->unit_text[unit], f->p) == 0)
            return 0;
        return report(rd, LQ_EBADREQ,
                      "%s: line %llu: the text (column 4) of unit '%s' differs from the one on "
                      "line %llu",
                      rd->source, rd->record_line, out->units.names[unit],
                      out->unit_text_line[unit]);
    }
    if (lq_utf8_check(f->p, f->len) < 0)
        return report(rd, LQ_EBADREQ,
                      "%s: line %llu: the text (column 4) is not valid UTF-8 (save the file as "
                      "UTF-8)",
                      rd->source, rd->record_line);
    if (!(out->unit_text[unit] = strdup(f->p)))
        return oom(rd);
    out->unit_text_line[unit] = rd->record_line;
    return 0;
}

/* The label column of a data record: a missing rating, or one more. */
static int take_label(reader *rd, uint32_t unit, uint32_t annotator)
{
    const char *label = rd->field[COL_LABEL].p;
    double value = 0;
    uint32_t id;
    int added, rc;
    if (label[0] == '\0') {
        rd->out->missing++;
        return 0;
    }
    if (rd->numeric_for && !parse_number(label, &value)) {
        char shown[SHOWN_LABEL_MAX + 8];
        show_label(label, shown, sizeof(shown));
        return report(rd, LQ_EBADREQ, "%s: line %llu: label %s is not a number (needed by %s)",
                      rd->source, rd->record_line, shown, rd->numeric_for);
    }
    if ((rc = intern(rd, &rd->out->labels, COL_LABEL, "label", &id, &added)) < 0)
        return rc;
    if (added && rd->opt.labels && !rd->numeric_for) {
        char shown[SHOWN_LABEL_MAX + 8];
        show_label(label, shown, sizeof(shown));
        return report(rd, LQ_EBADREQ, "%s: line %llu: label %s is not one of %s", rd->source,
                      rd->record_line, shown, rd->opt.labels_for ? rd->opt.labels_for : "the labels");
    }
    if (rd->numeric_for && added && (rc = note_value(rd, id, value)) < 0)
        return rc;
    return append_rating(rd, unit, annotator, id);
}

/* Handles one complete record: skips blank lines, checks the header, and
 * turns a data record into a rating. */
static int take_record(reader *rd)
{
    uint32_t unit, annotator;
    int added, rc;
    if (rd->nfields == 1 && rd->field[0].len == 0)
        return 0; /* a blank line */
    if (!rd->header_seen) {
        rd->header_seen = true;
        if (rd->nfields < REQUIRED_FIELDS)
            return report(rd, LQ_EBADREQ,
                          "%s: line %llu: the header has %zu column%s; the first three must be "
                          "unit, annotator, label",
                          rd->source, rd->record_line, rd->nfields, rd->nfields == 1 ? "" : "s");
        return 0;
    }
    rd->records++;
    if (rd->nfields < REQUIRED_FIELDS)
        return report(rd, LQ_EBADREQ,
                      "%s: line %llu: %zu column%s; expected at least 3: unit, annotator, label",
                      rd->source, rd->record_line, rd->nfields, rd->nfields == 1 ? "" : "s");
    if (rd->field[COL_UNIT].len == 0)
        return report(rd, LQ_EBADREQ, "%s: line %llu: empty unit (column 1)", rd->source,
                      rd->record_line);
    if (rd->field[COL_ANNOTATOR].len == 0)
        return report(rd, LQ_EBADREQ, "%s: line %llu: empty annotator (column 2)", rd->source,
                      rd->record_line);
    if ((rc = intern(rd, &rd->out->units, COL_UNIT, "unit", &unit, &added)) < 0 ||
        (rc = intern(rd, &rd->out->annotators, COL_ANNOTATOR, "annotator", &annotator, &added)) < 0)
        return rc;
    if (rd->opt.unit_text && (rc = take_unit_text(rd, unit)) < 0)
        return rc;
    return take_label(rd, unit, annotator);
}

/* Reads lines until the end of the input, feeding complete records to
 * take_record. */
static int read_records(reader *rd, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    bool in_record = false;
    int rc = 0;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        const char *s = line;
        rd->line_no++;
        if (len > 0 && s[len - 1] == '\n')
            len--;
        if (len > 0 && s[len - 1] == '\r')
            len--;
        if (memchr(s, '\0', len)) {
            rc = report(rd, LQ_EBADREQ, "%s: line %llu: contains a NUL byte (is it a text file?)",
                        rd->source, rd->line_no);
            goto out;
        }
        if (rd->line_no == 1 && len >= 3 && memcmp(s, UTF8_BOM, 3) == 0) {
            s += 3;
            len -= 3;
        }
        if (!in_record) {
            rd->record_line = rd->line_no;
            rd->nfields = 0;
            for (size_t i = 0; i < KEPT_FIELDS; i++)
                rd->field[i].len = 0;
            in_record = true;
        }
        if ((rc = feed_line(rd, s, len)) < 0)
            goto out;
        if (rc == 1) {
            in_record = false;
            if ((rc = take_record(rd)) < 0)
                goto out;
        }
    }
    rc = 0;
    if (ferror(in))
        rc = report(rd, LQ_EIO, "cannot read %s: %s", rd->source, strerror(errno));
    else if (in_record)
        rc = report(rd, LQ_EBADREQ,
                    "%s: line %llu: unterminated quote: the quoted field opened here never "
                    "closes (inside quotes, write a quote as \"\")",
                    rd->source, rd->quote_line);
out:
    free(line);
    return rc;
}

typedef struct by_value {
    double value;
    uint32_t id;
} by_value;

static int compare_by_value(const void *pa, const void *pb)
{
    const by_value *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Recodes numeric labels in value order, merging equal numbers, so that
 * codes, names and values all run in ascending order. */
static int order_by_value(reader *rd)
{
    ratings_csv *out = rd->out;
    uint32_t n = out->labels.n, codes = 0;
    by_value *order = malloc(n * sizeof(*order));
    uint32_t *code_of = malloc(n * sizeof(*code_of));
    int rc = 0;
    if (!order || !code_of) {
        rc = oom(rd);
        goto out;
    }
    for (uint32_t id = 0; id < n; id++)
        order[id] = (by_value){out->values[id], id};
    qsort(order, n, sizeof(*order), compare_by_value);
    for (uint32_t i = 0; i < n; i++) {
        /* Sorted by id within equal values: the first spelling names them. */
        if (i == 0 || order[i].value != order[i - 1].value) {
            out->label_names[codes] = out->labels.names[order[i].id];
            out->values[codes] = order[i].value;
            codes++;
        }
        code_of[order[i].id] = codes - 1;
    }
    for (size_t i = 0; i < out->r.n; i++)
        out->v[i].label = code_of[out->v[i].label];
    out->r.n_labels = codes;
out:
    free(order);
    free(code_of);
    return rc;
}

typedef struct by_name {
    const char *name;
    uint32_t id;
} by_name;

static int compare_names(const void *pa, const void *pb)
{
    return strcmp(((const by_name *)pa)->name, ((const by_name *)pb)->name);
}

/* Recodes nominal labels in byte order of their names. */
static int order_by_name(reader *rd)
{
    ratings_csv *out = rd->out;
    uint32_t n = out->labels.n;
    by_name *order = malloc((n ? n : 1) * sizeof(*order));
    uint32_t *code_of = malloc((n ? n : 1) * sizeof(*code_of));
    int rc = order && code_of ? 0 : oom(rd);
    for (uint32_t id = 0; rc == 0 && id < n; id++)
        order[id] = (by_name){out->labels.names[id], id};
    if (rc == 0)
        qsort(order, n, sizeof(*order), compare_names);
    for (uint32_t k = 0; rc == 0 && k < n; k++) {
        out->label_names[k] = out->labels.names[order[k].id];
        code_of[order[k].id] = k;
    }
    for (size_t i = 0; rc == 0 && i < out->r.n; i++)
        out->v[i].label = code_of[out->v[i].label];
    free(order);
    free(code_of);
    return rc;
}

typedef struct rater_at {
    uint32_t unit, annotator;
    size_t i;
} rater_at;

static int compare_raters(const void *pa, const void *pb)
{
    const rater_at *a = pa, *b = pb;
    if (a->unit != b->unit)
        return a->unit < b->unit ? -1 : 1;
    if (a->annotator != b->annotator)
        return a->annotator < b->annotator ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* One rating per unit and annotator: a second one is an error on its line. */
static int check_once_each(reader *rd)
{
    ratings_csv *out = rd->out;
    rater_at *v = malloc((out->r.n ? out->r.n : 1) * sizeof(*v));
    int rc = 0;
    if (!v)
        return oom(rd);
    for (size_t i = 0; i < out->r.n; i++)
        v[i] = (rater_at){out->v[i].unit, out->v[i].annotator, i};
    qsort(v, out->r.n, sizeof(*v), compare_raters);
    for (size_t k = 1; k < out->r.n && rc == 0; k++)
        if (v[k].unit == v[k - 1].unit && v[k].annotator == v[k - 1].annotator)
            rc = report(rd, LQ_EBADREQ,
                        "%s: line %llu: annotator '%s' already rated unit '%s' on line %llu (an "
                        "annotator rates a unit once)",
                        rd->source, out->line[v[k].i], out->annotators.names[v[k].annotator],
                        out->units.names[v[k].unit], out->line[v[k - 1].i]);
    free(v);
    return rc;
}

/* Fills out's lq_ratings view and name arrays once every record is in. */
static int finish(reader *rd)
{
    ratings_csv *out = rd->out;
    if (rd->records == 0)
        return report(rd, LQ_EBADREQ, "no ratings in %s: %s", rd->source,
                      rd->header_seen ? "it has only a header line" : "it is empty");
    if (out->r.n == 0)
        return report(rd, LQ_EBADREQ, "no ratings in %s: every label is empty", rd->source);
    out->label_names = malloc(out->labels.n * sizeof(*out->label_names));
    if (!out->label_names)
        return oom(rd);
    memcpy(out->label_names, out->labels.names, out->labels.n * sizeof(*out->label_names));
    out->r.v = out->v;
    out->r.n_units = out->units.n;
    out->r.n_annotators = out->annotators.n;
    out->r.n_labels = out->labels.n;
    out->unit_names = out->units.names;
    out->annotator_names = out->annotators.names;
    int rc = check_once_each(rd);
    if (rc == 0 && rd->numeric_for) {
        out->r.values = out->values;
        rc = order_by_value(rd);
    } else if (rc == 0 && !rd->opt.labels) {
        rc = order_by_name(rd);
    }
    return rc;
}

int ratings_csv_read_with(FILE *in, const char *source, const ratings_csv_options *o,
                          ratings_csv *out, char *err, size_t errlen)
{
    reader rd = {.source = source,
                 .numeric_for = o->numeric_for,
                 .opt = *o,
                 .kept = o->unit_text ? 4 : 3,
                 .out = out,
                 .err = err,
                 .errlen = errlen};
    memset(out, 0, sizeof(*out));
    string_table_init(&out->units);
    string_table_init(&out->annotators);
    string_table_init(&out->labels);
    int rc = 0;
    /* Given labels take the first codes, in their order. */
    for (size_t i = 0; !o->numeric_for && o->labels && i < o->n_labels && rc == 0; i++) {
        uint32_t id;
        rc = string_table_intern(&out->labels, o->labels[i], strlen(o->labels[i]), &id, NULL);
        if (rc < 0)
            snprintf(err, errlen, "out of memory");
    }
    if (rc == 0)
        rc = read_records(&rd, in);
    if (rc == 0)
        rc = finish(&rd);
    if (rc == 0 && o->unit_text)
        rc = grow_unit_text(&rd, out->units.n); /* an entry (maybe NULL) for every unit */
    for (size_t i = 0; i < KEPT_FIELDS; i++)
        free(rd.field[i].p);
    return rc;
}

int ratings_csv_read(FILE *in, const char *source, const char *numeric_for, ratings_csv *out,
                     char *err, size_t errlen)
{
    ratings_csv_options o = {.numeric_for = numeric_for};
    return ratings_csv_read_with(in, source, &o, out, err, errlen);
}

int ratings_csv_load_with(const char *path, const ratings_csv_options *o, ratings_csv *out,
                          char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return ratings_csv_read_with(stdin, "stdin", o, out, err, errlen);
    FILE *in = fopen(path, "r");
    if (!in) {
        memset(out, 0, sizeof(*out));
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return LQ_EIO;
    }
    int rc = ratings_csv_read_with(in, path, o, out, err, errlen);
    fclose(in);
    return rc;
}

int ratings_csv_load(const char *path, const char *numeric_for, ratings_csv *out, char *err,
                     size_t errlen)
{
    ratings_csv_options o = {.numeric_for = numeric_for};
    return ratings_csv_load_with(path, &o, out, err, errlen);
}

void ratings_csv_free(ratings_csv *out)
{
    for (size_t u = 0; u < out->n_unit_text; u++)
        free(out->unit_text[u]);
    free(out->unit_text);
    free(out->unit_text_line);
    free(out->line);
    free(out->v);
    free(out->values);
    free(out->label_names);
    string_table_free(&out->units);
    string_table_free(&out->annotators);
    string_table_free(&out->labels);
    memset(out, 0, sizeof(*out));
}
