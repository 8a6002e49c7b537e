#include "schema/label_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/utf8.h"

const char *lq_label_type_name(Labelq__LabelType t)
{
    switch (t) {
    case LABELQ__LABEL_TYPE__MULTI: return "multi";
    case LABELQ__LABEL_TYPE__ORDINAL: return "ordinal";
    case LABELQ__LABEL_TYPE__NUMERIC: return "numeric";
    case LABELQ__LABEL_TYPE__TEXT: return "text";
    case LABELQ__LABEL_TYPE__SPANS: return "spans";
    case LABELQ__LABEL_TYPE__BOXES: return "boxes";
    default: return "single";
    }
}

bool lq_label_indexed(const Labelq__ProjectConfig *cfg)
{
    return cfg->type == LABELQ__LABEL_TYPE__SINGLE || cfg->type == LABELQ__LABEL_TYPE__ORDINAL;
}

static bool has_labels(Labelq__LabelType t)
{
    return t != LABELQ__LABEL_TYPE__NUMERIC && t != LABELQ__LABEL_TYPE__TEXT;
}

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

int lq_label_schema_check(Labelq__ProjectConfig *cfg, char *err, size_t errlen)
{
    Labelq__LabelType t = cfg->type;
    const char *name = lq_label_type_name(t);
    if (t < LABELQ__LABEL_TYPE__SINGLE || t > LABELQ__LABEL_TYPE__BOXES)
        return fail(err, errlen, "unknown label type %d", (int)t);
    if (has_labels(t) && cfg->n_labels == 0)
        return fail(err, errlen, "a %s project needs 1-%d labels", name, LQ_MAX_LABELS);
    if (!has_labels(t) && cfg->n_labels > 0)
        return fail(err, errlen, "a %s project has no label list", name);
    if (t == LABELQ__LABEL_TYPE__ORDINAL && cfg->n_labels < 2)
        return fail(err, errlen, "an ordinal scale needs at least 2 steps");
    if (t == LABELQ__LABEL_TYPE__NUMERIC &&
        !(isfinite(cfg->number_min) && isfinite(cfg->number_max) &&
          cfg->number_min < cfg->number_max))
        return fail(err, errlen, "a numeric project needs a range MIN..MAX with MIN < MAX");
    if (t != LABELQ__LABEL_TYPE__NUMERIC && (cfg->number_min != 0.0 || cfg->number_max != 0.0))
        return fail(err, errlen, "only numeric projects have a number range");
    if (t == LABELQ__LABEL_TYPE__TEXT) {
        if (cfg->max_text_bytes == 0)
            cfg->max_text_bytes = LQ_DEFAULT_MAX_TEXT;
        if (cfg->max_text_bytes > LQ_MAX_TEXT_LIMIT)
            return fail(err, errlen, "the longest text answer is at most %d bytes",
                        LQ_MAX_TEXT_LIMIT);
    } else if (cfg->max_text_bytes) {
        return fail(err, errlen, "only text projects have a maximum text length");
    }
    if (t == LABELQ__LABEL_TYPE__SPANS || t == LABELQ__LABEL_TYPE__BOXES) {
        if (!cfg->field[0]) {
            char *f = strdup(t == LABELQ__LABEL_TYPE__SPANS ? "text" : "image");
            if (!f)
                return fail(err, errlen, "out of memory");
            if (cfg->field != protobuf_c_empty_string)
                free(cfg->field);
            cfg->field = f;
        }
        if (strlen(cfg->field) > LQ_MAX_NAME_LEN)
            return fail(err, errlen, "the data field name is at most %d bytes", LQ_MAX_NAME_LEN);
    } else if (cfg->field[0]) {
        return fail(err, errlen, "only spans and boxes projects name a data field");
    }
    if (!lq_label_indexed(cfg) && cfg->max_overlap > cfg->overlap)
        return fail(err, errlen,
                    "dynamic overlap (max overlap, agreement target) works with single-choice and "
                    "ordinal projects, not %s",
                    name);
    if (!lq_label_indexed(cfg) && cfg->gold_ratio > 0.0)
        return fail(err, errlen, "gold items work with single-choice and ordinal projects, not %s",
                    name);
    return 0;
}

static int dup_out(const char *s, char **out, char *err, size_t errlen)
{
    *out = strdup(s);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    return 0;
}

static int json_out(json_t *v, char **out, char *err, size_t errlen)
{
    *out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(v);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    return 0;
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

static int multi(const Labelq__ProjectConfig *cfg, const char *value, char **out, char *err,
                 size_t errlen)
{
    json_t *v = parse_array(value, "multi-label", err, errlen);
    if (!v)
        return LQ_EBADREQ;
    uint64_t set = 0;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        int k = json_is_string(e) ? lq_label_index(cfg->labels, cfg->n_labels, json_string_value(e)) : -1;
        if (k < 0) {
            /* The message first: e dies with v. */
            if (json_is_string(e))
                fail(err, errlen, "'%.64s' is not one of the project's labels",
                     json_string_value(e));
            else
                fail(err, errlen, "entry %zu of the label set is not a string", i + 1);
            json_decref(v);
            return LQ_EBADREQ;
        }
        if (set >> k & 1) {
            json_decref(v);
            return fail(err, errlen, "'%s' appears twice in the label set", cfg->labels[k]);
        }
        set |= (uint64_t)1 << k;
    }
    json_decref(v);
    json_t *c = json_array();
    for (size_t k = 0; c && k < cfg->n_labels; k++)
        if (set >> k & 1)
            json_array_append_new(c, json_string(cfg->labels[k]));
    return json_out(c, out, err, errlen);
}

static int numeric(const Labelq__ProjectConfig *cfg, const char *value, char **out, char *err,
                   size_t errlen)
{
    char *end;
    double x = strtod(value, &end);
    if (!value[0] || *end || !isfinite(x) || strchr(" \t\n", value[0]))
        return fail(err, errlen, "'%.64s' is not a number", value);
    if (x < cfg->number_min || x > cfg->number_max)
        return fail(err, errlen, "%g is outside the project's range %g..%g", x, cfg->number_min,
                    cfg->number_max);
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
    return dup_out(buf, out, err, errlen);
}

static bool get_number(const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

typedef struct span {
    json_int_t start, end;
    int label;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static bool char_boundary(const char *text, json_int_t at)
{
    return ((unsigned char)text[at] & 0xc0) != 0x80;
}

static int spans(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                 char **out, char *err, size_t errlen)
{
    if (!text)
        return fail(err, errlen, "the item has no text field '%s' to put spans on", cfg->field);
    json_t *v = parse_array(value, "spans", err, errlen);
    if (!v)
        return LQ_EBADREQ;
    size_t n = json_array_size(v), i;
    json_int_t len = (json_int_t)strlen(text);
    span *s = calloc(n ? n : 1, sizeof(*s));
    if (!s) {
        json_decref(v);
        return fail(err, errlen, "out of memory");
    }
    int rc = 0;
    json_t *e;
    json_array_foreach(v, i, e) {
        json_t *st = json_object_get(e, "start"), *en = json_object_get(e, "end"),
               *lb = json_object_get(e, "label");
        if (!json_is_object(e) || !json_is_integer(st) || !json_is_integer(en) ||
            !json_is_string(lb)) {
            rc = fail(err, errlen, "span %zu must be {\"start\": N, \"end\": N, \"label\": L}", i + 1);
            break;
        }
        s[i] = (span){json_integer_value(st), json_integer_value(en),
                      lq_label_index(cfg->labels, cfg->n_labels, json_string_value(lb))};
        if (s[i].label < 0) {
            rc = fail(err, errlen, "span %zu: '%.64s' is not one of the project's labels", i + 1,
                      json_string_value(lb));
            break;
        }
        if (s[i].start < 0 || s[i].end <= s[i].start || s[i].end > len) {
            rc = fail(err, errlen,
                      "span %zu: start %lld, end %lld must satisfy 0 <= start < end <= %lld "
                      "(the text's length in bytes)",
                      i + 1, (long long)s[i].start, (long long)s[i].end, (long long)len);
            break;
        }
        if (!char_boundary(text, s[i].start) || (s[i].end < len && !char_boundary(text, s[i].end))) {
            rc = fail(err, errlen, "span %zu: %lld..%lld cuts a UTF-8 character", i + 1,
                      (long long)s[i].start, (long long)s[i].end);
            break;
        }
    }
    json_decref(v);
    if (rc == 0) {
        qsort(s, n, sizeof(*s), span_cmp);
        for (i = 1; i < n && rc == 0; i++)
            if (s[i].start < s[i - 1].end)
                rc = fail(err, errlen, "spans %lld..%lld and %lld..%lld overlap",
                          (long long)s[i - 1].start, (long long)s[i - 1].end,
                          (long long)s[i].start, (long long)s[i].end);
    }
    json_t *c = rc == 0 ? json_array() : NULL;
    for (i = 0; c && i < n; i++)
        json_array_append_new(c, json_pack("{s:I, s:I, s:s}", "start", s[i].start, "end",
                                           s[i].end, "label", cfg->labels[s[i].label]));
    free(s);
    if (rc)
        return rc;
    return json_out(c, out, err, errlen);
}

static int boxes(const Labelq__ProjectConfig *cfg, const char *value, char **out, char *err,
                 size_t errlen)
{
    json_t *v = parse_array(value, "boxes", err, errlen);
    if (!v)
        return LQ_EBADREQ;
    json_t *c = json_array();
    size_t i;
    json_t *e;
    int rc = c ? 0 : LQ_ENOMEM;
    json_array_foreach(v, i, e) {
        double x, y, w, h;
        json_t *lb = json_object_get(e, "label");
        int k = json_is_string(lb) ? lq_label_index(cfg->labels, cfg->n_labels, json_string_value(lb)) : -1;
        if (!json_is_object(e) || !get_number(e, "x", &x) || !get_number(e, "y", &y) ||
            !get_number(e, "w", &w) || !get_number(e, "h", &h) || !json_is_string(lb)) {
            rc = fail(err, errlen,
                      "box %zu must be {\"x\": X, \"y\": Y, \"w\": W, \"h\": H, \"label\": L} "
                      "with finite numbers", i + 1);
            break;
        }
        if (k < 0) {
            rc = fail(err, errlen, "box %zu: '%.64s' is not one of the project's labels", i + 1,
                      json_string_value(lb));
            break;
        }
        if (x < 0 || y < 0 || w <= 0 || h <= 0) {
            rc = fail(err, errlen, "box %zu: x and y must be >= 0, w and h > 0", i + 1);
            break;
        }
        json_array_append_new(c, json_pack("{s:f, s:f, s:f, s:f, s:s}", "x", x, "y", y, "w", w,
                                           "h", h, "label", cfg->labels[k]));
    }
    json_decref(v);
    if (rc) {
        json_decref(c);
        return rc == LQ_ENOMEM ? fail(err, errlen, "out of memory") : rc;
    }
    return json_out(c, out, err, errlen);
}

int lq_label_canonical(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                       char **out, char *err, size_t errlen)
{
    *out = NULL;
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI: return multi(cfg, value, out, err, errlen);
    case LABELQ__LABEL_TYPE__NUMERIC: return numeric(cfg, value, out, err, errlen);
    case LABELQ__LABEL_TYPE__SPANS: return spans(cfg, value, text, out, err, errlen);
    case LABELQ__LABEL_TYPE__BOXES: return boxes(cfg, value, out, err, errlen);
    case LABELQ__LABEL_TYPE__TEXT: {
        size_t n = strlen(value);
        if (lq_utf8_check(value, n) < 0)
            return fail(err, errlen, "a text label must be valid UTF-8");
        if (n > cfg->max_text_bytes)
            return fail(err, errlen, "the text is %zu bytes; the project takes at most %u", n,
                        cfg->max_text_bytes);
        return dup_out(value, out, err, errlen);
    }
    default:
        if (lq_label_index(cfg->labels, cfg->n_labels, value) < 0)
            return fail(err, errlen, "'%.64s' is not a label of project %s", value, cfg->name);
        return dup_out(value, out, err, errlen);
    }
}

int lq_label_item_check(const Labelq__ProjectConfig *cfg, const json_t *data, char *err,
                        size_t errlen)
{
    if (cfg->type != LABELQ__LABEL_TYPE__SPANS && cfg->type != LABELQ__LABEL_TYPE__BOXES)
        return 0;
    json_t *f = json_is_object(data) ? json_object_get(data, cfg->field) : NULL;
    if (!json_is_string(f))
        return fail(err, errlen, "\"data\" must be an object with a string \"%s\" (the %s to "
                                 "label)",
                    cfg->field, cfg->type == LABELQ__LABEL_TYPE__SPANS ? "text" : "image URL");
    return 0;
}
