/* Span answers for labelq-annotate; see annotate_spans.h. */
#include "client/annotate/spans.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/label_value.h"
#include "schema/typed_value.h"

/* A growing string for spans_describe; failed sticks once memory ran out. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    bool failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->failed || n < 0) {
        b->failed = true;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->len + (size_t)n + 1) * 2;
        char *grown = realloc(b->s, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void spans_free(span_set *s)
{
    free(s->text);
    free(s->tokens);
    free(s->marks);
    memset(s, 0, sizeof *s);
}

/* The blanks between the parts of a span line ("3-5 PER"). */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int spans_load(span_set *s, const char *data_json, const Labelq__ProjectConfig *cfg, char *err,
               size_t errlen)
{
    spans_free(s);
    if (lq_label_item_text(cfg, data_json, &s->text) < 0)
        return LQ_ENOMEM;
    if (!s->text) {
        snprintf(err, errlen, "the item has no text in data field \"%s\" to mark spans on",
                 cfg->field);
        return LQ_EBADREQ;
    }
    size_t len = strlen(s->text);
    s->n_tokens = lq_tokenize(s->text, len, NULL);
    if (!(s->tokens = malloc((s->n_tokens ? s->n_tokens : 1) * sizeof(*s->tokens))))
        return LQ_ENOMEM;
    lq_tokenize(s->text, len, s->tokens);
    return 0;
}

/* Parses a token number from 1 to n at *p, moving *p past it. */
static bool token_number(const char **p, size_t n, size_t *out)
{
    char *end;
    if (!isdigit((unsigned char)**p))
        return false;
    errno = 0;
    unsigned long v = strtoul(*p, &end, 10);
    if (errno || v < 1 || v > n)
        return false;
    *out = (size_t)v - 1;
    *p = end;
    return true;
}

/* The label named name, or numbered so (from 1). */
static bool find_label(const char *name, char *const *labels, size_t n_labels, size_t *out)
{
    char *end;
    int k = lq_label_index(labels, n_labels, name);
    if (k >= 0) {
        *out = (size_t)k;
        return true;
    }
    unsigned long v = strtoul(name, &end, 10);
    if (!isdigit((unsigned char)name[0]) || *end || v < 1 || v > n_labels)
        return false;
    *out = (size_t)v - 1;
    return true;
}

/* "first-last LABEL" or "n LABEL" into *m. */
static int parse_mark(const span_set *s, const char *line, char *const *labels, size_t n_labels,
                      span_mark *m, char *msg, size_t msglen)
{
    const char *p = line;
    if (!token_number(&p, s->n_tokens, &m->first)) {
        snprintf(msg, msglen, "'%.40s': give FIRST-LAST LABEL or N LABEL, tokens 1-%zu", line,
                 s->n_tokens);
        return LQ_EBADREQ;
    }
    m->last = m->first;
    if (*p == '-') {
        p++;
        if (!token_number(&p, s->n_tokens, &m->last) || m->last < m->first) {
            snprintf(msg, msglen,
                     "'%.40s': the range must be FIRST-LAST with 1 <= FIRST <= "
                     "LAST <= %zu",
                     line, s->n_tokens);
            return LQ_EBADREQ;
        }
    }
    if (!is_space(*p)) {
        snprintf(msg, msglen, "'%.40s': give FIRST-LAST LABEL or N LABEL", line);
        return LQ_EBADREQ;
    }
    while (is_space(*p))
        p++;
    if (!find_label(p, labels, n_labels, &m->label)) {
        snprintf(msg, msglen, "'%.40s' is not a span label", p);
        return LQ_EBADREQ;
    }
    return 0;
}

/* "3-5 PER \"New York City\"" for messages. */
static void describe_mark(const span_set *s, const span_mark *m, char *const *labels, char *out,
                          size_t outlen)
{
    size_t from = s->tokens[m->first].start, to = s->tokens[m->last].end;
    int n = m->first == m->last ? snprintf(out, outlen, "%zu", m->first + 1)
                                : snprintf(out, outlen, "%zu-%zu", m->first + 1, m->last + 1);
    if (n < 0 || (size_t)n >= outlen)
        return;
    snprintf(out + n, outlen - (size_t)n, " %s \"%.*s\"", labels[m->label],
             (int)(to - from > 60 ? 60 : to - from), s->text + from);
}

int spans_add(span_set *s, const char *line, char *const *labels, size_t n_labels, char *msg,
              size_t msglen)
{
    span_mark m;
    char what[160];
    int rc = parse_mark(s, line, labels, n_labels, &m, msg, msglen);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < s->n_marks; i++) {
        const span_mark *o = &s->marks[i];
        if (m.first <= o->last && o->first <= m.last) {
            describe_mark(s, o, labels, what, sizeof what);
            snprintf(msg, msglen, "that overlaps the span %s (u undoes the last span)", what);
            return LQ_EBADREQ;
        }
    }
    if (s->n_marks == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        span_mark *grown = realloc(s->marks, cap * sizeof *grown);
        if (!grown)
            return LQ_ENOMEM;
        s->marks = grown;
        s->cap = cap;
    }
    s->marks[s->n_marks++] = m;
    describe_mark(s, &m, labels, what, sizeof what);
    snprintf(msg, msglen, "span %s added", what);
    return 0;
}

bool spans_undo(span_set *s, char *const *labels, char *msg, size_t msglen)
{
    char what[160];
    if (s->n_marks == 0)
        return false;
    describe_mark(s, &s->marks[s->n_marks - 1], labels, what, sizeof what);
    snprintf(msg, msglen, "span %s removed", what);
    s->n_marks--;
    return true;
}

char *spans_json(const span_set *s, const Labelq__ProjectConfig *cfg)
{
    lq_span *spans = malloc((s->n_marks ? s->n_marks : 1) * sizeof(*spans));
    char *out = NULL;
    for (size_t i = 0; spans && i < s->n_marks; i++)
        spans[i] = (lq_span){s->tokens[s->marks[i].first].start,
                             s->tokens[s->marks[i].last].end, (uint32_t)s->marks[i].label};
    if (spans && lq_value_of_spans(cfg, spans, s->n_marks, &out) < 0)
        out = NULL;
    free(spans);
    return out;
}

char *spans_describe(const span_set *s, char *const *labels)
{
    strbuf b = {0};
    char what[160];
    sb_printf(&b, "tokens:");
    for (size_t i = 0; i < s->n_tokens; i++)
        sb_printf(&b, " [%zu]%.*s", i + 1, (int)(s->tokens[i].end - s->tokens[i].start),
                  s->text + s->tokens[i].start);
    if (s->n_tokens == 0)
        sb_printf(&b, " (none: the text is empty; Enter submits no spans)");
    sb_printf(&b, "\nspans:");
    for (size_t i = 0; i < s->n_marks; i++) {
        describe_mark(s, &s->marks[i], labels, what, sizeof what);
        sb_printf(&b, "%s %s", i ? ";" : "", what);
    }
    if (s->n_marks == 0)
        sb_printf(&b, " none yet");
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
