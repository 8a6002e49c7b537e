/* Label values into quality/'s typed ratings and consensus back into a
 * value; see value_ratings.h. Lists (spans, boxes) are read into one pool
 * per call, and the annotations point into it once it stops growing. */
#include "schema/value_ratings.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/typed_value.h"

#define ERR_MAX 256 /* a refused value's message, which nobody reads here */

lq_kind lq_label_kind(Labelq__LabelType t)
{
    switch (t) {
    case LABELQ__LABEL_TYPE__MULTI:
        return LQ_KIND_MULTI;
    case LABELQ__LABEL_TYPE__ORDINAL:
        return LQ_KIND_ORDINAL;
    case LABELQ__LABEL_TYPE__NUMERIC:
        return LQ_KIND_NUMERIC;
    case LABELQ__LABEL_TYPE__TEXT:
        return LQ_KIND_TEXT;
    case LABELQ__LABEL_TYPE__SPANS:
        return LQ_KIND_SPANS;
    case LABELQ__LABEL_TYPE__BOXES:
        return LQ_KIND_BOXES;
    default:
        return LQ_KIND_SINGLE;
    }
}

void lq_value_ratings_free(lq_value_ratings *vr)
{
    free(vr->source);
    for (size_t i = 0; i < sizeof(vr->storage) / sizeof(vr->storage[0]); i++)
        free(vr->storage[i]);
    memset(vr, 0, sizeof(*vr));
}

/* What one build shares. */
typedef struct build {
    const Labelq__ProjectConfig *cfg;
    const lq_label_value *v;
    size_t n;
    lq_value_ratings *out;
    size_t kept; /* ratings taken so far */
} build;

static void keep(build *b, size_t i)
{
    b->out->source[b->kept++] = i;
}

static int labels(build *b, uint32_t n_units, uint32_t n_annotators)
{
    const Labelq__ProjectConfig *cfg = b->cfg;
    lq_rating *r = malloc((b->n ? b->n : 1) * sizeof(*r));
    double *steps = malloc((cfg->n_labels ? cfg->n_labels : 1) * sizeof(*steps));
    b->out->storage[0] = r;
    b->out->storage[1] = steps;
    if (!r || !steps)
        return LQ_ENOMEM;
    for (size_t l = 0; l < cfg->n_labels; l++)
        steps[l] = (double)l;
    for (size_t i = 0; i < b->n; i++) {
        int k = lq_label_index(cfg->labels, cfg->n_labels, b->v[i].value);
        if (k < 0)
            continue;
        r[b->kept] = (lq_rating){b->v[i].unit, b->v[i].annotator, (uint32_t)k};
        keep(b, i);
    }
    b->out->r.labels = (lq_ratings){r,
                                    b->kept,
                                    n_units,
                                    n_annotators,
                                    (uint32_t)cfg->n_labels,
                                    cfg->type == LABELQ__LABEL_TYPE__ORDINAL ? steps : NULL};
    return 0;
}

static int sets(build *b, uint32_t n_units, uint32_t n_annotators)
{
    lq_set_rating *r = malloc((b->n ? b->n : 1) * sizeof(*r));
    char err[ERR_MAX];
    b->out->storage[0] = r;
    if (!r)
        return LQ_ENOMEM;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t set;
        if (lq_value_set(b->cfg, b->v[i].value, &set, err, sizeof(err)) < 0)
            continue;
        r[b->kept] = (lq_set_rating){b->v[i].unit, b->v[i].annotator, set};
        keep(b, i);
    }
    b->out->r.sets = (lq_set_ratings){r, b->kept, n_units, n_annotators,
                                      (uint32_t)(b->cfg->n_labels ? b->cfg->n_labels : 1)};
    return 0;
}

static int numbers(build *b, uint32_t n_units, uint32_t n_annotators)
{
    lq_numeric_rating *r = malloc((b->n ? b->n : 1) * sizeof(*r));
    char err[ERR_MAX];
    b->out->storage[0] = r;
    if (!r)
        return LQ_ENOMEM;
    for (size_t i = 0; i < b->n; i++) {
        double x;
        if (lq_value_number(b->cfg, b->v[i].value, &x, err, sizeof(err)) < 0)
            continue;
        r[b->kept] = (lq_numeric_rating){b->v[i].unit, b->v[i].annotator, x};
        keep(b, i);
    }
    b->out->r.numbers = (lq_numeric_ratings){r, b->kept, n_units, n_annotators};
    b->out->r.range = b->cfg->number_max - b->cfg->number_min;
    return 0;
}

static int texts(build *b, uint32_t n_units, uint32_t n_annotators)
{
    lq_text_rating *r = malloc((b->n ? b->n : 1) * sizeof(*r));
    char err[ERR_MAX];
    b->out->storage[0] = r;
    if (!r)
        return LQ_ENOMEM;
    for (size_t i = 0; i < b->n; i++) {
        if (lq_value_text(b->cfg, b->v[i].value, err, sizeof(err)) < 0)
            continue;
        r[b->kept] =
            (lq_text_rating){b->v[i].unit, b->v[i].annotator, b->v[i].value, strlen(b->v[i].value)};
        keep(b, i);
    }
    b->out->r.texts = (lq_text_ratings){r, b->kept, n_units, n_annotators};
    return 0;
}

/* Appends n items of size bytes to the pool (room for *cap), growing it.
 * Returns 0 or LQ_ENOMEM (the pool unchanged). */
static int pool_add(void **pool, size_t *cap, size_t *used, const void *items, size_t n,
                    size_t size)
{
    if (*used + n > *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        while (c < *used + n)
            c *= 2;
        void *grown = realloc(*pool, c * size);
        if (!grown)
            return LQ_ENOMEM;
        *pool = grown;
        *cap = c;
    }
    if (n)
        memcpy((char *)*pool + *used * size, items, n * size);
    *used += n;
    return 0;
}

/* SPANS and BOXES: each value's list into one pool; first[k] is where
 * kept rating k's list starts, first[kept] the end. */
static int lists(build *b, const char *const *unit_text, void **pool, size_t *first)
{
    bool spans = b->cfg->type == LABELQ__LABEL_TYPE__SPANS;
    size_t cap = 0, used = 0, size = spans ? sizeof(lq_span) : sizeof(lq_box);
    char err[ERR_MAX];
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        lq_span *s = NULL;
        lq_box *x = NULL;
        size_t count = 0;
        int read = spans ? lq_value_spans(b->cfg, b->v[i].value,
                                          unit_text ? unit_text[b->v[i].unit] : NULL, &s, &count,
                                          err, sizeof(err))
                         : lq_value_boxes(b->cfg, b->v[i].value, &x, &count, err, sizeof(err));
        if (read == LQ_ENOMEM)
            rc = LQ_ENOMEM;
        if (read == 0) {
            first[b->kept] = used;
            rc = pool_add(pool, &cap, &used, spans ? (void *)s : (void *)x, count, size);
            if (rc == 0)
                keep(b, i);
        }
        free(s);
        free(x);
    }
    first[b->kept] = used;
    return rc;
}

static int annotations(build *b, uint32_t n_units, uint32_t n_annotators,
                       const char *const *unit_text)
{
    lq_value_ratings *out = b->out;
    bool spans = b->cfg->type == LABELQ__LABEL_TYPE__SPANS;
    size_t *first = malloc((b->n + 1) * sizeof(*first));
    void *a = malloc((b->n ? b->n : 1) *
                     (spans ? sizeof(lq_span_annotation) : sizeof(lq_box_annotation)));
    out->storage[0] = a;
    int rc = first && a ? lists(b, unit_text, &out->storage[1], first) : LQ_ENOMEM;
    for (size_t k = 0; rc == 0 && k < b->kept; k++) {
        const lq_label_value *x = &b->v[out->source[k]];
        size_t count = first[k + 1] - first[k];
        if (spans)
            ((lq_span_annotation *)a)[k] = (lq_span_annotation){
                x->unit, x->annotator, (lq_span *)out->storage[1] + first[k], count};
        else
            ((lq_box_annotation *)a)[k] = (lq_box_annotation){
                x->unit, x->annotator, (lq_box *)out->storage[1] + first[k], count};
    }
    free(first);
    if (rc != 0)
        return rc;
    if (!spans) {
        out->r.boxes = (lq_box_data){a, b->kept, n_units, n_annotators,
                                     (uint32_t)(b->cfg->n_labels ? b->cfg->n_labels : 1)};
        return 0;
    }
    /* The units' texts as counted strings; a unit without one is "". */
    const char **text = malloc((n_units ? n_units : 1) * sizeof(*text));
    size_t *len = malloc((n_units ? n_units : 1) * sizeof(*len));
    out->storage[2] = text;
    out->storage[3] = len;
    if (!text || !len)
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < n_units; u++) {
        text[u] = unit_text && unit_text[u] ? unit_text[u] : "";
        len[u] = strlen(text[u]);
    }
    out->r.spans = (lq_span_data){a,
                                  b->kept,
                                  n_units,
                                  n_annotators,
                                  (uint32_t)(b->cfg->n_labels ? b->cfg->n_labels : 1),
                                  (const char *const *)text,
                                  len};
    return 0;
}

int lq_value_ratings_build(const Labelq__ProjectConfig *cfg, const lq_label_value *v, size_t n,
                           uint32_t n_units, uint32_t n_annotators, const char *const *unit_text,
                           lq_value_ratings *out)
{
    build b = {cfg, v, n, out, 0};
    int rc;
    memset(out, 0, sizeof(*out));
    out->r.kind = lq_label_kind(cfg->type);
    if (!(out->source = malloc((n ? n : 1) * sizeof(*out->source))))
        return LQ_ENOMEM;
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        rc = sets(&b, n_units, n_annotators);
        break;
    case LABELQ__LABEL_TYPE__NUMERIC:
        rc = numbers(&b, n_units, n_annotators);
        break;
    case LABELQ__LABEL_TYPE__TEXT:
        rc = texts(&b, n_units, n_annotators);
        break;
    case LABELQ__LABEL_TYPE__SPANS:
    case LABELQ__LABEL_TYPE__BOXES:
        rc = annotations(&b, n_units, n_annotators, unit_text);
        break;
    default:
        rc = labels(&b, n_units, n_annotators);
        break;
    }
    out->skipped = n - b.kept;
    return rc;
}

int lq_value_consensus(const Labelq__ProjectConfig *cfg, const lq_typed_ratings *r,
                       const lq_typed_consensus *c, uint32_t u, char **out)
{
    *out = NULL;
    if (u >= c->n_units || !c->rated[u])
        return 0;
    switch (c->kind) {
    case LQ_KIND_MULTI:
        return lq_value_of_set(cfg, c->sets.labels[u], out);
    case LQ_KIND_NUMERIC:
        return lq_value_of_number(c->number[u], out);
    case LQ_KIND_TEXT: {
        const lq_text_rating *t = &r->texts.v[c->text[u]];
        *out = strndup(t->text ? t->text : "", t->len);
        return *out ? 0 : LQ_ENOMEM;
    }
    case LQ_KIND_SPANS:
        return lq_value_of_spans(cfg, c->spans.spans + c->spans.start[u],
                                 c->spans.start[u + 1] - c->spans.start[u], out);
    case LQ_KIND_BOXES:
        return lq_value_of_boxes(cfg, c->boxes.boxes + c->boxes.start[u],
                                 c->boxes.start[u + 1] - c->boxes.start[u], out);
    default:
        if (c->label[u] >= cfg->n_labels)
            return 0;
        *out = strdup(cfg->labels[c->label[u]]);
        return *out ? 0 : LQ_ENOMEM;
    }
}
