#include "schema/label_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/typed_value.h"

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

int lq_label_type_parse(const char *name, Labelq__LabelType *out)
{
    for (int t = LABELQ__LABEL_TYPE__SINGLE; t <= LABELQ__LABEL_TYPE__BOXES; t++)
        if (strcmp(name, lq_label_type_name((Labelq__LabelType)t)) == 0) {
            *out = (Labelq__LabelType)t;
            return 0;
        }
    return LQ_EBADREQ;
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

/* A write's result: out of memory is the only failure. */
static int written(int rc, char *err, size_t errlen)
{
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

int lq_label_canonical(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                       char **out, char *err, size_t errlen)
{
    uint64_t set;
    double x;
    lq_span *spans;
    lq_box *boxes;
    size_t n;
    int rc;

    *out = NULL;
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        if ((rc = lq_value_set(cfg, value, &set, err, errlen)) < 0)
            return rc;
        return written(lq_value_of_set(cfg, set, out), err, errlen);
    case LABELQ__LABEL_TYPE__NUMERIC:
        if ((rc = lq_value_number(cfg, value, &x, err, errlen)) < 0)
            return rc;
        return written(lq_value_of_number(x, out), err, errlen);
    case LABELQ__LABEL_TYPE__SPANS:
        if ((rc = lq_value_spans(cfg, value, text, &spans, &n, err, errlen)) < 0)
            return rc;
        rc = written(lq_value_of_spans(cfg, spans, n, out), err, errlen);
        free(spans);
        return rc;
    case LABELQ__LABEL_TYPE__BOXES:
        if ((rc = lq_value_boxes(cfg, value, &boxes, &n, err, errlen)) < 0)
            return rc;
        rc = written(lq_value_of_boxes(cfg, boxes, n, out), err, errlen);
        free(boxes);
        return rc;
    case LABELQ__LABEL_TYPE__TEXT:
        if ((rc = lq_value_text(cfg, value, err, errlen)) < 0)
            return rc;
        return dup_out(value, out, err, errlen);
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

int lq_label_item_text(const Labelq__ProjectConfig *cfg, const char *data_json, char **out)
{
    json_t *data = data_json ? json_loads(data_json, JSON_DECODE_ANY, NULL) : NULL;
    json_t *f = json_is_object(data) ? json_object_get(data, cfg->field) : NULL;
    int rc = 0;
    *out = NULL;
    if (json_is_string(f) && !(*out = strdup(json_string_value(f))))
        rc = LQ_ENOMEM;
    json_decref(data);
    return rc;
}
