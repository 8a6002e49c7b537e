/* Reading and writing typed label values; contracts in typed_value.h. The
 * messages are what a refused submit or a bad offline cell says. */
#include "schema/typed_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"
#include "proto/utf8.h"
#include "schema/label_index.h"
#include "schema/label_value.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return LQ_EBADREQ;
}

static int label_of(const Labelq__ProjectConfig *cfg, const char *name)
{
    return lq_label_index(cfg->labels, cfg->n_labels, name);
}

static json_t *parse_array(const char *value, const char *what, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loads(value, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        fail(err, errlen, "a %s label is a JSON array; this is not JSON (column %d: %s)", what,
             jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_array(v)) {
        json_decref(v);
        fail(err, errlen, "a %s label is a JSON array", what);
        return NULL;
    }
    if (json_array_size(v) > LQ_MAX_SPANS) {
        json_decref(v);
        fail(err, errlen, "a %s label has at most %d entries", what, LQ_MAX_SPANS);
        return NULL;
    }
    return v;
}

int lq_value_set(const Labelq__ProjectConfig *cfg, const char *value, uint64_t *set, char *err,
                 size_t errlen)
{
    json_t *v = parse_array(value, "multi-label", err, errlen), *e;
    size_t i;
    int rc = 0;

    *set = 0;
    if (!v)
        return LQ_EBADREQ;
    json_array_foreach(v, i, e)
    {
        int k = json_is_string(e) ? label_of(cfg, json_string_value(e)) : -1;
        if (k < 0) {
            /* The message first: e dies with v. */
            if (json_is_string(e))
                rc = fail(err, errlen, "'%.64s' is not one of the project's labels",
                          json_string_value(e));
            else
                rc = fail(err, errlen, "entry %zu of the label set is not a string", i + 1);
            break;
        }
        if (k >= 64) {
            rc = fail(err, errlen, "a label set draws on at most 64 labels");
            break;
        }
        if (*set >> k & 1) {
            rc = fail(err, errlen, "'%s' appears twice in the label set", cfg->labels[k]);
            break;
        }
        *set |= (uint64_t)1 << k;
    }
    json_decref(v);
    return rc;
}

int lq_value_number(const Labelq__ProjectConfig *cfg, const char *value, double *x, char *err,
                    size_t errlen)
{
    char *end;
    *x = strtod(value, &end);
    if (!value[0] || *end || !isfinite(*x) || strchr(" \t\n", value[0]))
        return fail(err, errlen, "'%.64s' is not a number", value);
    if (*x < cfg->number_min || *x > cfg->number_max)
        return fail(err, errlen, "%g is outside the project's range %g..%g", *x, cfg->number_min,
                    cfg->number_max);
    return 0;
}

int lq_value_text(const Labelq__ProjectConfig *cfg, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value);
    if (lq_utf8_check(value, n) < 0)
        return fail(err, errlen, "a text label must be valid UTF-8");
    if (n > cfg->max_text_bytes)
        return fail(err, errlen, "the text is %zu bytes; the project takes at most %u", n,
                    cfg->max_text_bytes);
    return 0;
}

/* ---- spans ---------------------------------------------------------------- */

static int span_cmp(const void *a, const void *b)
{
    const lq_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int char_boundary(const char *text, size_t at)
{
    return ((unsigned char)text[at] & 0xc0) != 0x80;
}

/* Entry i of a spans value into *s, checked against text (len bytes). */
static int one_span(const Labelq__ProjectConfig *cfg, const json_t *e, size_t i, const char *text,
                    size_t len, lq_span *s, char *err, size_t errlen)
{
    json_t *st = json_object_get(e, "start"), *en = json_object_get(e, "end"),
           *lb = json_object_get(e, "label");
    if (!json_is_object(e) || !json_is_integer(st) || !json_is_integer(en) || !json_is_string(lb))
        return fail(err, errlen, "span %zu must be {\"start\": N, \"end\": N, \"label\": L}",
                    i + 1);
    json_int_t a = json_integer_value(st), b = json_integer_value(en);
    int k = label_of(cfg, json_string_value(lb));
    if (k < 0)
        return fail(err, errlen, "span %zu: '%.64s' is not one of the project's labels", i + 1,
                    json_string_value(lb));
    if (a < 0 || b <= a || b > (json_int_t)len)
        return fail(err, errlen,
                    "span %zu: start %lld, end %lld must satisfy 0 <= start < end <= %zu (the "
                    "text's length in bytes)",
                    i + 1, (long long)a, (long long)b, len);
    if (!char_boundary(text, (size_t)a) || ((size_t)b < len && !char_boundary(text, (size_t)b)))
        return fail(err, errlen, "span %zu: %lld..%lld cuts a UTF-8 character", i + 1, (long long)a,
                    (long long)b);
    *s = (lq_span){(size_t)a, (size_t)b, (uint32_t)k};
    return 0;
}

int lq_value_spans(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                   lq_span **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!text)
        return fail(err, errlen, "the item has no text field '%s' to put spans on", cfg->field);
    json_t *v = parse_array(value, "spans", err, errlen), *e;
    if (!v)
        return LQ_EBADREQ;
    size_t count = json_array_size(v), len = strlen(text), i;
    lq_span *s = malloc((count ? count : 1) * sizeof(*s));
    int rc = s ? 0 : LQ_ENOMEM;
    json_array_foreach(v, i, e)
    {
        if (rc == 0)
            rc = one_span(cfg, e, i, text, len, &s[i], err, errlen);
    }
    json_decref(v);
    if (rc == 0) {
        qsort(s, count, sizeof(*s), span_cmp);
        for (i = 1; i < count && rc == 0; i++)
            if (s[i].start < s[i - 1].end)
                rc = fail(err, errlen, "spans %zu..%zu and %zu..%zu overlap", s[i - 1].start,
                          s[i - 1].end, s[i].start, s[i].end);
    }
    if (rc != 0) {
        free(s);
        return rc == LQ_ENOMEM ? (snprintf(err, errlen, "out of memory"), rc) : rc;
    }
    *out = s;
    *n = count;
    return 0;
}

/* ---- boxes ---------------------------------------------------------------- */

static int get_number(const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return 0;
    *out = json_number_value(v);
    return isfinite(*out);
}

static int one_box(const Labelq__ProjectConfig *cfg, const json_t *e, size_t i, lq_box *b,
                   char *err, size_t errlen)
{
    json_t *lb = json_object_get(e, "label");
    if (!json_is_object(e) || !get_number(e, "x", &b->x) || !get_number(e, "y", &b->y) ||
        !get_number(e, "w", &b->w) || !get_number(e, "h", &b->h) || !json_is_string(lb))
        return fail(err, errlen,
                    "box %zu must be {\"x\": X, \"y\": Y, \"w\": W, \"h\": H, \"label\": L} "
                    "with finite numbers",
                    i + 1);
    int k = label_of(cfg, json_string_value(lb));
    if (k < 0)
        return fail(err, errlen, "box %zu: '%.64s' is not one of the project's labels", i + 1,
                    json_string_value(lb));
    if (b->x < 0 || b->y < 0 || b->w <= 0 || b->h <= 0)
        return fail(err, errlen, "box %zu: x and y must be >= 0, w and h > 0", i + 1);
    b->label = (uint32_t)k;
    return 0;
}

int lq_value_boxes(const Labelq__ProjectConfig *cfg, const char *value, lq_box **out, size_t *n,
                   char *err, size_t errlen)
{
    json_t *v = parse_array(value, "boxes", err, errlen), *e;
    *out = NULL;
    *n = 0;
    if (!v)
        return LQ_EBADREQ;
    size_t count = json_array_size(v), i;
    lq_box *b = malloc((count ? count : 1) * sizeof(*b));
    int rc = b ? 0 : LQ_ENOMEM;
    json_array_foreach(v, i, e)
    {
        if (rc == 0)
            rc = one_box(cfg, e, i, &b[i], err, errlen);
    }
    json_decref(v);
    if (rc != 0) {
        free(b);
        return rc == LQ_ENOMEM ? (snprintf(err, errlen, "out of memory"), rc) : rc;
    }
    *out = b;
    *n = count;
    return 0;
}

/* ---- canonical text --------------------------------------------------------- */

static int dump(json_t *v, char **out)
{
    *out = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(v);
    return *out ? 0 : LQ_ENOMEM;
}

int lq_value_of_set(const Labelq__ProjectConfig *cfg, uint64_t set, char **out)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < cfg->n_labels && k < 64; k++)
        if (set >> k & 1 && json_array_append_new(a, json_string(cfg->labels[k])) < 0) {
            json_decref(a);
            a = NULL;
        }
    return dump(a, out);
}

int lq_value_of_number(double x, char **out)
{
    char buf[40];
    /* The shortest text that reads back as the same double. */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    /* Whole numbers as such ("100", not "1e+02"), as people write them. */
    if (strchr(buf, 'e') && x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, sizeof(buf), "%.0f", x);
    if (strcmp(buf, "-0") == 0)
        strcpy(buf, "0");
    *out = strdup(buf);
    return *out ? 0 : LQ_ENOMEM;
}

int lq_value_of_spans(const Labelq__ProjectConfig *cfg, const lq_span *spans, size_t n,
                      char **out)
{
    lq_span *s = malloc((n ? n : 1) * sizeof(*s));
    json_t *a = s ? json_array() : NULL;
    if (s && n)
        memcpy(s, spans, n * sizeof(*s));
    if (s)
        qsort(s, n, sizeof(*s), span_cmp);
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_pack("{s:I, s:I, s:s}", "start", (json_int_t)s[i].start,
                                               "end", (json_int_t)s[i].end, "label",
                                               cfg->labels[s[i].label])) < 0) {
            json_decref(a);
            a = NULL;
        }
    free(s);
    return dump(a, out);
}

int lq_value_of_boxes(const Labelq__ProjectConfig *cfg, const lq_box *b, size_t n, char **out)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_pack("{s:f, s:f, s:f, s:f, s:s}", "x", b[i].x, "y",
                                               b[i].y, "w", b[i].w, "h", b[i].h, "label",
                                               cfg->labels[b[i].label])) < 0) {
            json_decref(a);
            a = NULL;
        }
    return dump(a, out);
}

int lq_value_names(Labelq__LabelType t, const char *value, lq_value_name_fn fn, void *ctx)
{
    if (t != LABELQ__LABEL_TYPE__MULTI && t != LABELQ__LABEL_TYPE__SPANS &&
        t != LABELQ__LABEL_TYPE__BOXES)
        return 0;
    json_t *v = json_loads(value, 0, NULL), *e;
    size_t i;
    int rc = json_is_array(v) ? 0 : LQ_EBADREQ;
    json_array_foreach(v, i, e)
    {
        json_t *name = t == LABELQ__LABEL_TYPE__MULTI ? e : json_object_get(e, "label");
        if (rc == 0 && json_is_string(name))
            rc = fn(ctx, json_string_value(name));
    }
    json_decref(v);
    return rc;
}
