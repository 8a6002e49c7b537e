/* Typed label cells of a ratings CSV, read through lq_schema; see
 * typed_ratings.h. Distinct cells are read once (but spans, whose value
 * depends on the unit's text), and an error names the first line that
 * holds the cell. */
#include "client/cli/typed_ratings.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/cli/cli.h"
#include "client/cli/string_table.h"
#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/label_value.h"
#include "schema/typed_value.h"

#define SHOWN_CELL_MAX 40 /* bytes of a bad cell quoted in an error */
#define WHY_MAX 256

/* What reading is at: the file, the rating and where errors go. */
typedef struct reading {
    typed_ratings *t;
    const char *source;
    char *err;
    size_t errlen;
} reading;

static int bad(const reading *rd, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "SOURCE: line N: label 'CELL' is not a valid TYPE label: " and the reason. */
static int bad(const reading *rd, size_t i, const char *fmt, ...)
{
    const ratings_csv *c = &rd->t->csv;
    const char *cell = c->label_names[c->r.v[i].label];
    size_t len = strlen(cell), shown = len > SHOWN_CELL_MAX ? SHOWN_CELL_MAX : len;
    while (shown < len && shown > 0 && ((unsigned char)cell[shown] & 0xC0) == 0x80)
        shown--;
    int n =
        snprintf(rd->err, rd->errlen,
                 "%s: line %llu: label '%.*s%s' is not a valid %s label: ", rd->source, c->line[i],
                 (int)shown, cell, shown < len ? "..." : "", lq_label_type_name(rd->t->cfg.type));
    if (n >= 0 && (size_t)n < rd->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return LQ_EBADREQ;
}

static int oom(const reading *rd)
{
    snprintf(rd->err, rd->errlen, "%s: out of memory", rd->source);
    return LQ_ENOMEM;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A multi cell as a label value: a JSON array as it is, "a;b;c" (blanks
 * around names dropped) as the array of the names. *out is malloc'd. */
static int multi_value(const char *cell, char **out, char *why, size_t whylen)
{
    json_t *a = cell[0] == '[' ? NULL : json_array();
    *out = NULL;
    if (cell[0] == '[')
        return (*out = strdup(cell)) ? 0 : LQ_ENOMEM;
    for (const char *s = cell; a;) {
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        while (len > 0 && blank(*s))
            s++, len--;
        while (len > 0 && blank(s[len - 1]))
            len--;
        if (len == 0) {
            json_decref(a);
            snprintf(why, whylen, "an empty name between ';' (write an empty set as [])");
            return LQ_EBADREQ;
        }
        if (json_array_append_new(a, json_stringn(s, len)) < 0)
            break;
        if (!end)
            break;
        s = end + 1;
    }
    *out = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return *out ? 0 : LQ_ENOMEM;
}

/* Cell code's value before the schema reads it. */
static int cell_value(const reading *rd, uint32_t code, char **out, char *why, size_t whylen)
{
    const char *cell = rd->t->csv.label_names[code];
    if (rd->t->cfg.type == LABELQ__LABEL_TYPE__MULTI)
        return multi_value(cell, out, why, whylen);
    return (*out = strdup(cell)) ? 0 : LQ_ENOMEM;
}

/* ---- the schema: given, or found in the file ------------------------------ */

static int add_name(void *ctx, const char *name)
{
    uint32_t id;
    return string_table_intern(ctx, name, strlen(name), &id, NULL);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* MULTI, SPANS, BOXES without --labels: the names the cells mention. */
static int found_labels(const reading *rd)
{
    typed_ratings *t = rd->t;
    string_table names;
    char why[WHY_MAX];
    int rc = 0;
    string_table_init(&names);
    for (uint32_t code = 0; code < t->csv.r.n_labels && rc == 0; code++) {
        char *value = NULL;
        rc = cell_value(rd, code, &value, why, sizeof(why));
        if (rc == 0)
            rc = lq_value_names(t->cfg.type, value, add_name, &names);
        rc = rc == LQ_EBADREQ ? 0 : rc; /* a bad cell is reported when it is read */
        free(value);
    }
    if (rc == 0 && !(t->schema.labels = calloc(names.n ? names.n : 1, sizeof(char *))))
        rc = LQ_ENOMEM;
    for (uint32_t i = 0; rc == 0 && i < names.n; i++) {
        if (!(t->schema.labels[i] = strdup(names.names[i])))
            rc = LQ_ENOMEM;
        else
            t->schema.n_labels++;
    }
    string_table_free(&names);
    if (rc < 0)
        return oom(rd);
    qsort(t->schema.labels, t->schema.n_labels, sizeof(char *), by_bytes);
    return 0;
}

/* ORDINAL without --scale: the distinct numbers, in value order, named by
 * their first spelling (ratings_csv ordered them so). */
static int numbered_steps(const reading *rd)
{
    typed_ratings *t = rd->t;
    uint32_t n = t->csv.r.n_labels;
    if (!(t->schema.labels = calloc(n ? n : 1, sizeof(char *))))
        return oom(rd);
    for (uint32_t i = 0; i < n; i++) {
        if (!(t->schema.labels[i] = strdup(t->csv.label_names[i])))
            return oom(rd);
        t->schema.n_labels++;
    }
    return 0;
}

static int make_config(const reading *rd, const cli_typed_options *o)
{
    typed_ratings *t = rd->t;
    Labelq__ProjectConfig *cfg = &t->cfg;
    int rc = 0;
    labelq__project_config__init(cfg);
    cfg->name = "offline";
    cfg->type = o->type;
    cfg->field = "text";
    cfg->max_text_bytes = UINT32_MAX; /* a file is not a project: no length limit */
    if (o->type == LABELQ__LABEL_TYPE__NUMERIC) {
        /* Values run upwards by code (ratings_csv). */
        const double *x = t->csv.values;
        cfg->number_min = o->range ? t->schema.number_min : x[0];
        cfg->number_max = o->range ? t->schema.number_max : x[t->csv.r.n_labels - 1];
        if (cfg->number_max == cfg->number_min)
            cfg->number_max = cfg->number_min + 1.0; /* one value: any width agrees */
    } else if (o->type == LABELQ__LABEL_TYPE__ORDINAL && !o->scale) {
        rc = numbered_steps(rd);
    } else if ((o->type == LABELQ__LABEL_TYPE__MULTI || o->type == LABELQ__LABEL_TYPE__SPANS ||
                o->type == LABELQ__LABEL_TYPE__BOXES) &&
               !o->labels) {
        rc = found_labels(rd);
    }
    cfg->labels = t->schema.labels;
    cfg->n_labels = t->schema.n_labels;
    if (rc == 0 && o->type == LABELQ__LABEL_TYPE__MULTI && cfg->n_labels > LQ_MAX_LABELS) {
        snprintf(rd->err, rd->errlen,
                 "%s: %zu labels in the schema (%s); a label set draws on at "
                 "most %d",
                 rd->source, cfg->n_labels, o->labels ? "--labels" : "the file's", LQ_MAX_LABELS);
        rc = LQ_EBADREQ;
    }
    return rc;
}

/* ---- the cells ---------------------------------------------------------------- */

/* Rating i's cell read as cfg's type into *canon (malloc'd). */
static int read_cell(const reading *rd, size_t i, char **canon)
{
    typed_ratings *t = rd->t;
    const lq_rating *x = &t->csv.r.v[i];
    const char *text = NULL;
    char why[WHY_MAX] = "", *value = NULL;
    int rc;
    if (t->cfg.type == LABELQ__LABEL_TYPE__SPANS) {
        text = x->unit < t->csv.n_unit_text ? t->csv.unit_text[x->unit] : NULL;
        if (!text)
            return bad(rd, i, "unit '%s' has no text: give it in column 4 on one of its lines",
                       t->csv.unit_names[x->unit]);
    }
    if (t->cfg.type == LABELQ__LABEL_TYPE__ORDINAL &&
        lq_label_index(t->cfg.labels, t->cfg.n_labels, t->csv.label_names[x->label]) < 0)
        return bad(rd, i, "not a step of --scale");
    if ((rc = cell_value(rd, x->label, &value, why, sizeof(why))) == 0)
        rc = lq_label_canonical(&t->cfg, value, text, canon, why, sizeof(why));
    free(value);
    if (rc == LQ_ENOMEM)
        return oom(rd);
    return rc < 0 ? bad(rd, i, "%s", why) : 0;
}

static int read_cells(const reading *rd)
{
    typed_ratings *t = rd->t;
    const lq_ratings *r = &t->csv.r;
    bool spans = t->cfg.type == LABELQ__LABEL_TYPE__SPANS;
    t->values = malloc((r->n ? r->n : 1) * sizeof(*t->values));
    t->value_of = calloc(r->n_labels ? r->n_labels : 1, sizeof(*t->value_of));
    t->span_values = spans ? calloc(r->n ? r->n : 1, sizeof(*t->span_values)) : NULL;
    if (!t->values || !t->value_of || (spans && !t->span_values))
        return oom(rd);
    for (size_t i = 0; i < r->n; i++) {
        char **slot = spans ? &t->span_values[i] : &t->value_of[r->v[i].label];
        int rc = *slot ? 0 : read_cell(rd, i, slot);
        if (rc < 0)
            return rc;
        t->values[i] = (lq_label_value){r->v[i].unit, r->v[i].annotator, *slot};
    }
    return 0;
}

int typed_ratings_load(const char *path, const cli_typed_options *o, typed_ratings *out, char *err,
                       size_t errlen)
{
    cli_schema_args a = {.labels = o->labels, .scale = o->scale, .number = o->range};
    reading rd = {out, strcmp(path, "-") == 0 ? "stdin" : path, err, errlen};
    ratings_csv_options ro = {.unit_text = o->type == LABELQ__LABEL_TYPE__SPANS};
    int rc;
    memset(out, 0, sizeof(*out));
    if (cli_schema_offline(o->type, &a, &out->schema) != 0)
        return CLI_USAGE;
    if (o->type == LABELQ__LABEL_TYPE__NUMERIC)
        ro.numeric_for = "--type numeric";
    else if (o->type == LABELQ__LABEL_TYPE__ORDINAL && !o->scale)
        ro.numeric_for = "--type ordinal without --scale";
    if ((rc = ratings_csv_load_with(path, &ro, &out->csv, err, errlen)) < 0)
        return rc;
    if ((rc = make_config(&rd, o)) < 0 || (rc = read_cells(&rd)) < 0)
        return rc;
    rc = lq_value_ratings_build(&out->cfg, out->values, out->csv.r.n, out->csv.r.n_units,
                                out->csv.r.n_annotators, (const char *const *)out->csv.unit_text,
                                &out->vr);
    return rc < 0 ? oom(&rd) : 0;
}

void typed_ratings_free(typed_ratings *t)
{
    lq_value_ratings_free(&t->vr);
    for (uint32_t c = 0; t->value_of && c < t->csv.r.n_labels; c++)
        free(t->value_of[c]);
    free(t->value_of);
    for (size_t i = 0; t->span_values && i < t->csv.r.n; i++)
        free(t->span_values[i]);
    free(t->span_values);
    free(t->values);
    ratings_csv_free(&t->csv);
    cli_schema_free(&t->schema);
    memset(t, 0, sizeof(*t));
}
