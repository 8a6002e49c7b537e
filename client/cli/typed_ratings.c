/* Typed label cells of a ratings CSV; see typed_ratings.h. Each cell is
 * parsed once per rating (spans need the rating's unit text, and the line
 * of the rating is what an error names). */
#include "client/cli/typed_ratings.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"

#define SHOWN_CELL_MAX 40 /* bytes of a bad cell quoted in an error */

static const char *const kind_names[] = {"single", "multi", "ordinal", "numeric",
                                         "text",   "spans", "boxes"};

int typed_kind_parse(const char *name, typed_kind *out)
{
    for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (typed_kind)i;
            return 0;
        }
    return LQ_EBADREQ;
}

const char *typed_kind_name(typed_kind k)
{
    return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

/* What is parsing: the file, the rating and where errors go. */
typedef struct parse {
    typed_ratings *t;
    const char *source;
    size_t i; /* the rating being parsed */
    char *err;
    size_t errlen;
} parse;

static int bad(parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "SOURCE: line N: label 'CELL' is not a valid TYPE label: " and the reason. */
static int bad(parse *p, const char *fmt, ...)
{
    const ratings_csv *c = &p->t->csv;
    const char *cell = c->label_names[c->r.v[p->i].label];
    size_t len = strlen(cell), shown = len > SHOWN_CELL_MAX ? SHOWN_CELL_MAX : len;
    while (shown < len && shown > 0 && ((unsigned char)cell[shown] & 0xC0) == 0x80)
        shown--;
    int n = snprintf(
        p->err, p->errlen, "%s: line %llu: label '%.*s%s' is not a valid %s label: ", p->source,
        c->line[p->i], (int)shown, cell, shown < len ? "..." : "", typed_kind_name(p->t->kind));
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return LQ_EBADREQ;
}

static int oom(parse *p)
{
    snprintf(p->err, p->errlen, "%s: out of memory", p->source);
    return LQ_ENOMEM;
}

static const char *cell_of(const parse *p)
{
    const ratings_csv *c = &p->t->csv;
    return c->label_names[c->r.v[p->i].label];
}

/* The code of label name (len bytes), added to the schema if new. */
static int name_code(parse *p, const char *name, size_t len, uint32_t *code)
{
    if (len == 0)
        return bad(p, "a label name is empty");
    int rc = string_table_intern(&p->t->names, name, len, code, NULL);
    return rc == LQ_ENOMEM ? oom(p) : rc;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- multi ---- */

static int set_add(parse *p, const char *name, size_t len, uint64_t *set)
{
    uint32_t code;
    int rc = name_code(p, name, len, &code);
    if (rc < 0)
        return rc;
    if (code >= LQ_SET_MAX_LABELS)
        return bad(p, "more than %d distinct labels in the file", LQ_SET_MAX_LABELS);
    *set |= (uint64_t)1 << code;
    return 0;
}

static int parse_set_json(parse *p, const char *cell, uint64_t *set)
{
    json_error_t jerr;
    json_t *v = json_loads(cell, 0, &jerr);
    size_t i;
    json_t *e;
    int rc = 0;
    if (!json_is_array(v)) {
        json_decref(v);
        return bad(p, "a cell starting with '[' must be a JSON array of label names");
    }
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e)) {
            rc = bad(p, "entry %zu of the array is not a string", i + 1);
            break;
        }
        if ((rc = set_add(p, json_string_value(e), json_string_length(e), set)) < 0)
            break;
    }
    json_decref(v);
    return rc;
}

/* "a;b;c" (blanks around names dropped) or a JSON array. */
static int parse_set(parse *p, uint64_t *set)
{
    const char *cell = cell_of(p);
    *set = 0;
    if (cell[0] == '[')
        return parse_set_json(p, cell, set);
    for (const char *s = cell;;) {
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        while (len > 0 && blank(*s))
            s++, len--;
        while (len > 0 && blank(s[len - 1]))
            len--;
        if (len == 0)
            return bad(p, "an empty name between ';' (write an empty set as [])");
        int rc = set_add(p, s, len, set);
        if (rc < 0)
            return rc;
        if (!end)
            return 0;
        s = end + 1;
    }
}

static int load_multi(parse *p)
{
    typed_ratings *t = p->t;
    const lq_ratings *r = &t->csv.r;
    if (!(t->set_v = malloc((r->n ? r->n : 1) * sizeof(*t->set_v))))
        return oom(p);
    for (p->i = 0; p->i < r->n; p->i++) {
        uint64_t set;
        int rc = parse_set(p, &set);
        if (rc < 0)
            return rc;
        t->set_v[p->i] = (lq_set_rating){r->v[p->i].unit, r->v[p->i].annotator, set};
    }
    t->sets =
        (lq_set_ratings){t->set_v, r->n, r->n_units, r->n_annotators, t->names.n ? t->names.n : 1};
    return 0;
}

/* ---- ordinal ---- */

/* Steps from a comma-separated scale, in order, into t->names. */
static int read_scale(typed_ratings *t, const char *scale, char *err, size_t errlen)
{
    for (const char *s = scale;;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        uint32_t code;
        int added = 0;
        if (len == 0) {
            snprintf(err, errlen, "--scale '%s' has an empty step", scale);
            return LQ_EBADREQ;
        }
        int rc = string_table_intern(&t->names, s, len, &code, &added);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory");
            return rc;
        }
        if (!added) {
            snprintf(err, errlen, "--scale '%s' names a step twice", scale);
            return LQ_EBADREQ;
        }
        if (!end)
            break;
        s = end + 1;
    }
    if (t->names.n < 2) {
        snprintf(err, errlen, "--scale needs at least two steps");
        return LQ_EBADREQ;
    }
    return 0;
}

/* Ratings on the scale's steps. Without a scale, ratings_csv read the
 * cells as numbers, merged equal ones and sorted them: the cells' codes
 * already are the steps. */
static int load_ordinal(parse *p, bool scaled)
{
    typed_ratings *t = p->t;
    const lq_ratings *r = &t->csv.r;
    uint32_t steps = scaled ? t->names.n : r->n_labels;
    t->ord_v = malloc((r->n ? r->n : 1) * sizeof(*t->ord_v));
    t->ord_values = malloc(steps * sizeof(*t->ord_values));
    if (!t->ord_v || !t->ord_values)
        return oom(p);
    for (uint32_t s = 0; s < steps; s++)
        t->ord_values[s] = s;
    for (p->i = 0; p->i < r->n; p->i++) {
        uint32_t step = r->v[p->i].label;
        if (scaled) {
            const char *cell = cell_of(p);
            uint32_t code;
            int added = 0;
            /* Look up without adding: a name outside the scale is an error. */
            uint32_t before = t->names.n;
            if (string_table_intern(&t->names, cell, strlen(cell), &code, &added) < 0)
                return oom(p);
            if (added || code >= before)
                return bad(p, "not a step of --scale");
            step = code;
        }
        t->ord_v[p->i] = (lq_rating){r->v[p->i].unit, r->v[p->i].annotator, step};
    }
    t->ordinal = (lq_ratings){t->ord_v, r->n, r->n_units, r->n_annotators, steps, t->ord_values};
    return 0;
}

/* ---- numeric, text ---- */

static int load_numeric(parse *p)
{
    typed_ratings *t = p->t;
    const lq_ratings *r = &t->csv.r;
    if (!(t->num_v = malloc((r->n ? r->n : 1) * sizeof(*t->num_v))))
        return oom(p);
    for (p->i = 0; p->i < r->n; p->i++) {
        /* ratings_csv checked the number (numeric_for); its value is by code. */
        double x = t->csv.values[r->v[p->i].label];
        t->num_v[p->i] = (lq_numeric_rating){r->v[p->i].unit, r->v[p->i].annotator, x};
    }
    t->numbers = (lq_numeric_ratings){t->num_v, r->n, r->n_units, r->n_annotators};
    return 0;
}

static int load_text(parse *p)
{
    typed_ratings *t = p->t;
    const lq_ratings *r = &t->csv.r;
    if (!(t->text_v = malloc((r->n ? r->n : 1) * sizeof(*t->text_v))))
        return oom(p);
    for (p->i = 0; p->i < r->n; p->i++) {
        const char *s = cell_of(p);
        t->text_v[p->i] = (lq_text_rating){r->v[p->i].unit, r->v[p->i].annotator, s, strlen(s)};
    }
    t->texts = (lq_text_ratings){t->text_v, r->n, r->n_units, r->n_annotators};
    return 0;
}

/* ---- spans, boxes ---- */

/* The rating's cell as a JSON array of what (for the message); NULL
 * after reporting what is wrong. */
static json_t *cell_array(parse *p, const char *what)
{
    json_error_t jerr;
    json_t *v = json_loads(cell_of(p), 0, &jerr);
    if (!v) {
        bad(p, "not JSON (column %d: %s); write a JSON array of %s", jerr.column, jerr.text, what);
        return NULL;
    }
    if (!json_is_array(v)) {
        json_decref(v);
        bad(p, "write a JSON array of %s", what);
        return NULL;
    }
    return v;
}

/* The pool (entries of size bytes, room for *cap) grown to hold need
 * entries; NULL without memory, the old pool then still valid. */
static void *pool_room(void *pool, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return pool;
    size_t c = *cap ? *cap * 2 : 256;
    while (c < need)
        c *= 2;
    void *grown = realloc(pool, c * size);
    if (grown)
        *cap = c;
    return grown;
}

static int span_cmp(const void *a, const void *b)
{
    const lq_span *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Checks the spans of one annotation against its unit's text. */
static int check_spans(parse *p, lq_span *s, size_t n, size_t text_len)
{
    for (size_t k = 0; k < n; k++)
        if (s[k].end <= s[k].start || s[k].end > text_len)
            return bad(p,
                       "span %zu..%zu must satisfy start < end <= %zu (the text's length in "
                       "bytes)",
                       s[k].start, s[k].end, text_len);
    lq_span *sorted = malloc((n ? n : 1) * sizeof(*sorted));
    if (!sorted)
        return oom(p);
    memcpy(sorted, s, n * sizeof(*s));
    qsort(sorted, n, sizeof(*sorted), span_cmp);
    int rc = 0;
    for (size_t k = 1; k < n && rc == 0; k++)
        if (sorted[k].start < sorted[k - 1].end)
            rc = bad(p, "spans %zu..%zu and %zu..%zu overlap", sorted[k - 1].start,
                     sorted[k - 1].end, sorted[k].start, sorted[k].end);
    free(sorted);
    return rc;
}

static bool get_offset(const json_t *o, const char *key, size_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (size_t)json_integer_value(v);
    return true;
}

/* One rating's spans into pool[*used ..]. */
static int parse_spans(parse *p, size_t *cap, size_t *used)
{
    typed_ratings *t = p->t;
    uint32_t unit = t->csv.r.v[p->i].unit;
    const char *text = unit < t->csv.n_unit_text ? t->csv.unit_text[unit] : NULL;
    if (!text)
        return bad(p, "unit '%s' has no text: give it in column 4 on one of its lines",
                   t->csv.unit_names[unit]);
    json_t *v = cell_array(p, "{\"start\", \"end\", \"label\"}");
    if (!v)
        return LQ_EBADREQ;
    size_t n = json_array_size(v), k;
    json_t *e;
    int rc = 0;
    lq_span *pool = pool_room(t->span_pool, cap, *used + n, sizeof(lq_span));
    if (!pool) {
        json_decref(v);
        return oom(p);
    }
    t->span_pool = pool;
    lq_span *s = t->span_pool + *used;
    json_array_foreach(v, k, e)
    {
        json_t *lb = json_object_get(e, "label");
        if (!get_offset(e, "start", &s[k].start) || !get_offset(e, "end", &s[k].end) ||
            !json_is_string(lb)) {
            rc = bad(p, "span %zu must be {\"start\": N, \"end\": N, \"label\": L} with N >= 0",
                     k + 1);
            break;
        }
        if ((rc = name_code(p, json_string_value(lb), json_string_length(lb), &s[k].label)) < 0)
            break;
    }
    json_decref(v);
    if (rc == 0 && (rc = check_spans(p, s, n, strlen(text))) == 0)
        *used += n;
    return rc;
}

static bool get_coord(const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return isfinite(*out);
}

/* One rating's boxes into pool[*used ..]. */
static int parse_boxes(parse *p, size_t *cap, size_t *used)
{
    typed_ratings *t = p->t;
    json_t *v = cell_array(p, "{\"x\", \"y\", \"w\", \"h\", \"label\"}");
    if (!v)
        return LQ_EBADREQ;
    size_t n = json_array_size(v), k;
    json_t *e;
    int rc = 0;
    lq_box *pool = pool_room(t->box_pool, cap, *used + n, sizeof(lq_box));
    if (!pool) {
        json_decref(v);
        return oom(p);
    }
    t->box_pool = pool;
    lq_box *b = t->box_pool + *used;
    json_array_foreach(v, k, e)
    {
        json_t *lb = json_object_get(e, "label");
        if (!get_coord(e, "x", &b[k].x) || !get_coord(e, "y", &b[k].y) ||
            !get_coord(e, "w", &b[k].w) || !get_coord(e, "h", &b[k].h) || !json_is_string(lb)) {
            rc = bad(p,
                     "box %zu must be {\"x\": X, \"y\": Y, \"w\": W, \"h\": H, \"label\": L} "
                     "with finite numbers",
                     k + 1);
            break;
        }
        if ((rc = name_code(p, json_string_value(lb), json_string_length(lb), &b[k].label)) < 0)
            break;
        if (b[k].w < 0 || b[k].h < 0) {
            rc = bad(p, "box %zu has a negative width or height", k + 1);
            break;
        }
    }
    json_decref(v);
    if (rc == 0)
        *used += n;
    return rc;
}

typedef struct pair_at {
    uint32_t unit, annotator;
    size_t i;
} pair_at;

static int pair_cmp(const void *a, const void *b)
{
    const pair_at *x = a, *y = b;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    if (x->annotator != y->annotator)
        return x->annotator < y->annotator ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Spans and boxes take one annotation per unit and annotator. */
static int check_one_each(parse *p)
{
    const ratings_csv *c = &p->t->csv;
    pair_at *v = malloc((c->r.n ? c->r.n : 1) * sizeof(*v));
    int rc = 0;
    if (!v)
        return oom(p);
    for (size_t i = 0; i < c->r.n; i++)
        v[i] = (pair_at){c->r.v[i].unit, c->r.v[i].annotator, i};
    qsort(v, c->r.n, sizeof(*v), pair_cmp);
    for (size_t k = 1; k < c->r.n && rc == 0; k++)
        if (v[k].unit == v[k - 1].unit && v[k].annotator == v[k - 1].annotator) {
            p->i = v[k].i;
            rc = bad(p,
                     "annotator '%s' already annotated unit '%s' on line %llu (one "
                     "annotation each)",
                     c->annotator_names[v[k].annotator], c->unit_names[v[k].unit],
                     c->line[v[k - 1].i]);
        }
    free(v);
    return rc;
}

/* Parses every rating's cell of a spans or boxes file; the annotations
 * point into the pool once it has stopped moving. */
static int load_lists(parse *p, bool spans)
{
    typed_ratings *t = p->t;
    const ratings_csv *c = &t->csv;
    size_t n = c->r.n, cap = 0, used = 0;
    size_t *first = malloc((n + 1) * sizeof(*first));
    int rc = first ? check_one_each(p) : oom(p);
    for (p->i = 0; rc == 0 && p->i < n; p->i++) {
        first[p->i] = used;
        rc = spans ? parse_spans(p, &cap, &used) : parse_boxes(p, &cap, &used);
    }
    if (rc < 0)
        goto out;
    first[n] = used;
    if (spans) {
        t->span_v = malloc((n ? n : 1) * sizeof(*t->span_v));
        t->unit_text = calloc(c->r.n_units ? c->r.n_units : 1, sizeof(*t->unit_text));
        t->unit_text_len = calloc(c->r.n_units ? c->r.n_units : 1, sizeof(*t->unit_text_len));
        if (!t->span_v || !t->unit_text || !t->unit_text_len) {
            rc = oom(p);
            goto out;
        }
        for (uint32_t u = 0; u < c->r.n_units; u++) {
            t->unit_text[u] = u < c->n_unit_text && c->unit_text[u] ? c->unit_text[u] : "";
            t->unit_text_len[u] = strlen(t->unit_text[u]);
        }
        for (size_t i = 0; i < n; i++)
            t->span_v[i] = (lq_span_annotation){c->r.v[i].unit, c->r.v[i].annotator,
                                                t->span_pool + first[i], first[i + 1] - first[i]};
        t->spans = (lq_span_data){t->span_v,
                                  n,
                                  c->r.n_units,
                                  c->r.n_annotators,
                                  t->names.n ? t->names.n : 1,
                                  t->unit_text,
                                  t->unit_text_len};
    } else {
        if (!(t->box_v = malloc((n ? n : 1) * sizeof(*t->box_v)))) {
            rc = oom(p);
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            t->box_v[i] = (lq_box_annotation){c->r.v[i].unit, c->r.v[i].annotator,
                                              t->box_pool + first[i], first[i + 1] - first[i]};
        t->boxes = (lq_box_data){t->box_v, n, c->r.n_units, c->r.n_annotators,
                                 t->names.n ? t->names.n : 1};
    }
out:
    free(first);
    return rc;
}

int typed_ratings_load(const char *path, typed_kind kind, const char *scale, typed_ratings *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    string_table_init(&out->names);
    out->kind = kind;
    ratings_csv_options o = {.lines = true, .unit_text = kind == TYPED_SPANS};
    if (kind == TYPED_NUMERIC)
        o.numeric_for = "--type numeric";
    else if (kind == TYPED_ORDINAL && !scale)
        o.numeric_for = "--type ordinal without --scale";
    int rc;
    if (scale && kind != TYPED_ORDINAL) {
        snprintf(err, errlen, "--scale is for --type ordinal");
        return LQ_EBADREQ;
    }
    if (scale && (rc = read_scale(out, scale, err, errlen)) < 0)
        return rc;
    if ((rc = ratings_csv_load_with(path, &o, &out->csv, err, errlen)) < 0)
        return rc;
    parse p = {out, strcmp(path, "-") == 0 ? "stdin" : path, 0, err, errlen};
    switch (kind) {
    case TYPED_MULTI:
        return load_multi(&p);
    case TYPED_ORDINAL:
        return load_ordinal(&p, scale != NULL);
    case TYPED_NUMERIC:
        return load_numeric(&p);
    case TYPED_TEXT:
        return load_text(&p);
    case TYPED_SPANS:
        return load_lists(&p, true);
    case TYPED_BOXES:
        return load_lists(&p, false);
    default:
        return 0;
    }
}

void typed_ratings_free(typed_ratings *t)
{
    ratings_csv_free(&t->csv);
    string_table_free(&t->names);
    free(t->set_v);
    free(t->ord_v);
    free(t->ord_values);
    free(t->num_v);
    free(t->text_v);
    free(t->span_v);
    free(t->span_pool);
    free(t->unit_text);
    free(t->unit_text_len);
    free(t->box_v);
    free(t->box_pool);
    memset(t, 0, sizeof(*t));
}
