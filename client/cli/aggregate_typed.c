/* labelq aggregate --type multi|ordinal|numeric|text|spans|boxes: a
 * consensus value per unit with its confidence, by each type's method in
 * quality/, on a typed CSV (typed_ratings.h). */
#include "client/cli/cli.h"
#include "client/cli/typed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/dawid_skene.h"
#include "quality/ordinal_median.h"

#define ERR_MAX 512
#define SHOWN_UNITS 20     /* units in the text table; --json has them all */
#define SHOWN_VALUE_MAX 48 /* bytes of a consensus value in the text table */
#define NAME_WIDTH_MAX 32
/* Numeric confidence: the share of a unit's ratings within this share of
 * the file's whole range of values from the median. */
#define NUMERIC_NEAR_SHARE 0.05

static const char *const methods[][3] = {
    [TYPED_SINGLE] = {NULL},
    [TYPED_MULTI] = {"dawid-skene", NULL},
    [TYPED_ORDINAL] = {"median", "dawid-skene", NULL},
    [TYPED_NUMERIC] = {"median", NULL},
    [TYPED_TEXT] = {"medoid", NULL},
    [TYPED_SPANS] = {"token-vote", NULL},
    [TYPED_BOXES] = {"iou-cluster", NULL},
};

const char *cli_aggregate_method(typed_kind kind, const char *name)
{
    for (size_t i = 0; methods[kind][i]; i++)
        if (!name || strcmp(name, methods[kind][i]) == 0)
            return methods[kind][i];
    return NULL;
}

const char *cli_aggregate_methods(typed_kind kind)
{
    static const char *const text[] = {
        [TYPED_SINGLE] = "majority, dawid-skene",
        [TYPED_MULTI] = "dawid-skene",
        [TYPED_ORDINAL] = "median, dawid-skene",
        [TYPED_NUMERIC] = "median",
        [TYPED_TEXT] = "medoid",
        [TYPED_SPANS] = "token-vote",
        [TYPED_BOXES] = "iou-cluster",
    };
    return text[kind];
}

/* Every type's consensus, as its quality/ function returns it; only the
 * kind's own members are filled. */
typedef struct outcome {
    const typed_ratings *t;
    const char *method;
    lq_ratings_index idx; /* the file's ratings by unit */
    lq_set_consensus sets;
    bool have_sets;
    uint32_t *step; /* ordinal median */
    bool *split;
    lq_consensus ds; /* ordinal Dawid-Skene */
    bool have_ds;
    double *median, *mad, near; /* numeric; near: the tolerance of its confidence */
    uint32_t *count;
    size_t *medoid; /* text */
    double *mean_distance;
    lq_span_consensus spans;
    bool have_spans;
    double *token_share; /* spans: per unit, mean winning-tag share over its tokens */
    lq_box_consensus boxes;
    bool have_boxes;
} outcome;

static size_t ratings_of(const outcome *o, uint32_t u)
{
    return o->idx.start[u + 1] - o->idx.start[u];
}

/* The index in the file's ratings of unit u's k-th rating. */
static size_t rating_at(const outcome *o, uint32_t u, size_t k)
{
    return (size_t)(o->idx.by_unit[o->idx.start[u] + k] - o->t->csv.r.v);
}

static int numeric_consensus(outcome *o)
{
    const lq_numeric_ratings *r = &o->t->numbers;
    size_t nu = r->n_units ? r->n_units : 1;
    o->median = calloc(nu, sizeof(double));
    o->mad = calloc(nu, sizeof(double));
    o->count = calloc(nu, sizeof(uint32_t));
    if (!o->median || !o->mad || !o->count)
        return LQ_ENOMEM;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        lo = fmin(lo, r->v[i].value);
        hi = fmax(hi, r->v[i].value);
    }
    o->near = r->n ? (hi - lo) * NUMERIC_NEAR_SHARE : 0;
    return lq_numeric_consensus(r, o->median, o->mad, o->count);
}

/* Per unit, the mean over its tokens of the share of its annotations that
 * gave the winning tag: how settled the token vote was. */
static int span_token_shares(outcome *o)
{
    const lq_span_data *d = &o->t->spans;
    uint32_t n_tags = 2 * d->n_labels + 1;
    int rc = 0;
    if (!(o->token_share = calloc(d->n_units ? d->n_units : 1, sizeof(double))))
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < d->n_units && rc == 0; u++) {
        size_t m = ratings_of(o, u), n_tok = lq_tokenize(d->text[u], d->text_len[u], NULL);
        lq_token *tok = malloc((n_tok ? n_tok : 1) * sizeof(*tok));
        uint32_t *tags = malloc((n_tok ? n_tok : 1) * sizeof(*tags));
        uint32_t *tally = calloc((n_tok ? n_tok : 1) * n_tags, sizeof(*tally));
        if (!tok || !tags || !tally)
            rc = LQ_ENOMEM;
        if (rc == 0)
            lq_tokenize(d->text[u], d->text_len[u], tok);
        for (size_t k = 0; k < m && rc == 0; k++) {
            const lq_span_annotation *a = &d->v[rating_at(o, u, k)];
            rc = lq_spans_to_tags(a->spans, a->n_spans, d->n_labels, d->text_len[u], tok, n_tok,
                                  tags);
            for (size_t x = 0; rc == 0 && x < n_tok; x++)
                tally[x * n_tags + tags[x]]++;
        }
        double sum = 0;
        for (size_t x = 0; rc == 0 && x < n_tok; x++) {
            uint32_t best = 0;
            for (uint32_t g = 0; g < n_tags; g++)
                best = tally[x * n_tags + g] > best ? tally[x * n_tags + g] : best;
            sum += (double)best / (double)m;
        }
        o->token_share[u] = n_tok && m ? sum / (double)n_tok : 1.0;
        free(tok);
        free(tags);
        free(tally);
    }
    return rc;
}

static int compute(outcome *o)
{
    const typed_ratings *t = o->t;
    size_t nu = t->csv.r.n_units ? t->csv.r.n_units : 1;
    int rc = lq_ratings_index_build(&t->csv.r, &o->idx);
    if (rc < 0)
        return rc;
    switch (t->kind) {
    case TYPED_MULTI:
        rc = lq_set_dawid_skene(&t->sets, NULL, &o->sets);
        o->have_sets = rc == 0;
        return rc;
    case TYPED_ORDINAL:
        if (strcmp(o->method, "dawid-skene") == 0) {
            lq_ds_options ds;
            lq_ds_options_default(&ds);
            rc = lq_dawid_skene(&t->ordinal, &ds, &o->ds);
            o->have_ds = rc == 0;
            return rc;
        }
        o->step = calloc(nu, sizeof(uint32_t));
        o->split = calloc(nu, sizeof(bool));
        return o->step && o->split ? lq_ordinal_median(&t->ordinal, o->step, o->split) : LQ_ENOMEM;
    case TYPED_NUMERIC:
        return numeric_consensus(o);
    case TYPED_TEXT:
        o->medoid = calloc(nu, sizeof(size_t));
        o->mean_distance = calloc(nu, sizeof(double));
        return o->medoid && o->mean_distance
                   ? lq_text_medoid(&t->texts, o->medoid, o->mean_distance)
                   : LQ_ENOMEM;
    case TYPED_SPANS:
        rc = lq_span_vote(&t->spans, &o->spans);
        o->have_spans = rc == 0;
        return rc == 0 ? span_token_shares(o) : rc;
    case TYPED_BOXES:
        rc = lq_box_vote(&t->boxes, NULL, &o->boxes);
        o->have_boxes = rc == 0;
        return rc;
    default:
        return LQ_EBADREQ;
    }
}

static void outcome_free(outcome *o)
{
    lq_ratings_index_free(&o->idx);
    if (o->have_sets)
        lq_set_consensus_free(&o->sets);
    if (o->have_ds)
        lq_consensus_free(&o->ds);
    if (o->have_spans)
        lq_span_consensus_free(&o->spans);
    if (o->have_boxes)
        lq_box_consensus_free(&o->boxes);
    free(o->step);
    free(o->split);
    free(o->median);
    free(o->mad);
    free(o->count);
    free(o->medoid);
    free(o->mean_distance);
    free(o->token_share);
}

/* ---- one unit's consensus, as JSON ---- */

typedef struct unit_value {
    json_t *label; /* the consensus value */
    double confidence;
    json_t *extra; /* type-specific members, an object */
} unit_value;

static const char *name_of(const outcome *o, uint32_t code)
{
    return o->t->names.names[code];
}

static void multi_unit(const outcome *o, uint32_t u, unit_value *v)
{
    const lq_set_consensus *c = &o->sets;
    json_t *p = json_object();
    v->label = json_array();
    v->confidence = 1;
    for (uint32_t l = 0; l < o->t->names.n; l++) {
        size_t at = (size_t)u * c->n_labels + l;
        if (c->labels[u] >> l & 1)
            json_array_append_new(v->label, json_string(name_of(o, l)));
        /* The set is right only if every label's decision is: their product,
         * labels being independent under binary relevance. */
        v->confidence *= c->confidence[at];
        json_object_set_new(p, name_of(o, l), json_real(c->p_present[at]));
    }
    json_object_set_new(v->extra, "p_present", p);
}

static const char *step_name(const outcome *o, uint32_t step)
{
    /* Steps are --scale's names, or the numbers ratings_csv sorted. */
    return o->t->names.n ? name_of(o, step) : o->t->csv.label_names[step];
}

static void ordinal_unit(const outcome *o, uint32_t u, unit_value *v)
{
    if (o->have_ds) {
        uint32_t step = o->ds.label[u];
        json_t *p = json_object();
        for (uint32_t s = 0; s < o->ds.n_labels; s++)
            json_object_set_new(p, step_name(o, s),
                                json_real(o->ds.posterior[(size_t)u * o->ds.n_labels + s]));
        v->label = json_string(step_name(o, step));
        v->confidence = o->ds.confidence[u];
        json_object_set_new(v->extra, "posterior", p);
        return;
    }
    size_t m = ratings_of(o, u), same = 0;
    for (size_t k = 0; k < m; k++)
        same += o->t->ordinal.v[rating_at(o, u, k)].label == o->step[u];
    v->label = json_string(step_name(o, o->step[u]));
    v->confidence = (double)same / (double)m;
    json_object_set_new(v->extra, "split", json_boolean(o->split[u]));
}

static void numeric_unit(const outcome *o, uint32_t u, unit_value *v)
{
    size_t m = ratings_of(o, u), near = 0;
    for (size_t k = 0; k < m; k++)
        near += fabs(o->t->numbers.v[rating_at(o, u, k)].value - o->median[u]) <= o->near;
    v->label = json_real(o->median[u]);
    v->confidence = (double)near / (double)m;
    json_object_set_new(v->extra, "spread", json_real(o->mad[u]));
}

static void text_unit(const outcome *o, uint32_t u, unit_value *v)
{
    const lq_text_rating *r = &o->t->texts.v[o->medoid[u]];
    v->label = json_stringn(r->text ? r->text : "", r->len);
    v->confidence = 1 - o->mean_distance[u];
    json_object_set_new(v->extra, "mean_distance", json_real(o->mean_distance[u]));
}

static void spans_unit(const outcome *o, uint32_t u, unit_value *v)
{
    const lq_span_consensus *c = &o->spans;
    json_t *conf = json_array();
    v->label = json_array();
    for (size_t k = c->start[u]; k < c->start[u + 1]; k++) {
        json_array_append_new(v->label,
                              json_pack("{s:I, s:I, s:s}", "start", (json_int_t)c->spans[k].start,
                                        "end", (json_int_t)c->spans[k].end, "label",
                                        name_of(o, c->spans[k].label)));
        json_array_append_new(conf, json_real(c->confidence[k]));
    }
    v->confidence = o->token_share[u];
    json_object_set_new(v->extra, "span_confidence", conf);
}

static void boxes_unit(const outcome *o, uint32_t u, unit_value *v)
{
    const lq_box_consensus *c = &o->boxes;
    json_t *conf = json_array(), *support = json_array();
    size_t n = c->start[u + 1] - c->start[u], m = ratings_of(o, u), empty = 0;
    double sum = 0;
    v->label = json_array();
    for (size_t k = c->start[u]; k < c->start[u + 1]; k++) {
        const lq_box *b = &c->boxes[k];
        json_array_append_new(v->label,
                              json_pack("{s:f, s:f, s:f, s:f, s:s}", "x", b->x, "y", b->y, "w",
                                        b->w, "h", b->h, "label", name_of(o, b->label)));
        json_array_append_new(conf, json_real(c->confidence[k]));
        json_array_append_new(support, json_integer(c->support[k]));
        sum += c->confidence[k];
    }
    /* No consensus box: as sure as the share of annotations that drew none. */
    for (size_t k = 0; n == 0 && k < m; k++)
        empty += o->t->boxes.v[rating_at(o, u, k)].n_boxes == 0;
    v->confidence = n ? sum / (double)n : (double)empty / (double)m;
    json_object_set_new(v->extra, "box_confidence", conf);
    json_object_set_new(v->extra, "support", support);
}

/* Unit u's consensus (u has ratings). Returns false without memory. */
static bool unit_value_of(const outcome *o, uint32_t u, unit_value *v)
{
    *v = (unit_value){.extra = json_object()};
    switch (o->t->kind) {
    case TYPED_MULTI:
        multi_unit(o, u, v);
        break;
    case TYPED_ORDINAL:
        ordinal_unit(o, u, v);
        break;
    case TYPED_NUMERIC:
        numeric_unit(o, u, v);
        break;
    case TYPED_TEXT:
        text_unit(o, u, v);
        break;
    case TYPED_SPANS:
        spans_unit(o, u, v);
        break;
    case TYPED_BOXES:
        boxes_unit(o, u, v);
        break;
    default:
        break;
    }
    if (v->label && v->extra)
        return true;
    json_decref(v->label);
    json_decref(v->extra);
    return false;
}

static json_t *unit_json(const outcome *o, uint32_t u)
{
    unit_value v;
    size_t m = ratings_of(o, u);
    if (m == 0)
        return json_pack("{s:n, s:n, s:i}", "label", "confidence", "ratings", 0);
    if (!unit_value_of(o, u, &v))
        return NULL;
    json_t *j = json_pack("{s:o, s:f, s:I}", "label", v.label, "confidence", v.confidence,
                          "ratings", (json_int_t)m);
    if (j && json_object_update(j, v.extra) < 0) {
        json_decref(j);
        j = NULL;
    }
    json_decref(v.extra);
    return j;
}

/* One unit a line, written as it goes, as the single-choice output is. */
static int print_json(const outcome *o)
{
    const ratings_csv *d = &o->t->csv;
    bool ok = fputs("{\n", stdout) >= 0;
    ok = ok && cli_put_member(2, "type", json_string(typed_kind_name(o->t->kind)), ",\n");
    ok = ok && cli_put_member(2, "method", json_string(o->method), ",\n");
    ok = ok && fputs("  \"units\": {\n", stdout) >= 0;
    for (uint32_t u = 0; ok && u < d->r.n_units; u++)
        ok = cli_put_member(4, d->unit_names[u], unit_json(o, u),
                            u + 1 < d->r.n_units ? ",\n" : "\n");
    ok = ok && fputs("  }\n}\n", stdout) >= 0 && fflush(stdout) == 0;
    if (!ok)
        return cli_fail(ferror(stdout) ? "cannot write to stdout" : "out of memory");
    return CLI_OK;
}

static int print_table(const outcome *o)
{
    const ratings_csv *d = &o->t->csv;
    uint32_t shown = d->r.n_units < SHOWN_UNITS ? d->r.n_units : SHOWN_UNITS;
    size_t w = strlen("unit");
    for (uint32_t u = 0; u < shown; u++) {
        size_t len = strlen(d->unit_names[u]);
        w = len > w ? (len < NAME_WIDTH_MAX ? len : NAME_WIDTH_MAX) : w;
    }
    printf("%-13s %s, %s\n", "method", typed_kind_name(o->t->kind), o->method);
    printf("%-13s %zu ratings (%zu missing) by %u annotators on %u units\n", "data", d->r.n,
           d->missing, d->r.n_annotators, d->r.n_units);
    printf("\n%-*s  %10s  %s\n", (int)w, "unit", "confidence", "consensus");
    for (uint32_t u = 0; u < shown; u++) {
        unit_value v;
        if (ratings_of(o, u) == 0) {
            printf("%-*s  %10s  -\n", (int)w, d->unit_names[u], "(no ratings)");
            continue;
        }
        if (!unit_value_of(o, u, &v))
            return cli_fail("out of memory");
        char *text = json_is_string(v.label) ? strdup(json_string_value(v.label))
                                             : json_dumps(v.label, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(v.label);
        json_decref(v.extra);
        if (!text)
            return cli_fail("out of memory");
        size_t len = strlen(text), cut = len > SHOWN_VALUE_MAX ? SHOWN_VALUE_MAX : len;
        while (cut < len && cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        printf("%-*s  %10.3f  %.*s%s\n", (int)w, d->unit_names[u], v.confidence, (int)cut, text,
               cut < len ? "..." : "");
        free(text);
    }
    if (shown < d->r.n_units)
        printf("... %u more units (%u in all; --json lists every unit)\n", d->r.n_units - shown,
               d->r.n_units);
    return CLI_OK;
}

int cli_aggregate_typed(const char *path, typed_kind kind, const char *scale, const char *method,
                        bool json)
{
    typed_ratings t;
    outcome o = {.t = &t, .method = method};
    char err[ERR_MAX];
    int rc;
    if (typed_ratings_load(path, kind, scale, &t, err, sizeof(err)) < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    int code = compute(&o);
    if (code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(code));
        goto out;
    }
    rc = json ? print_json(&o) : print_table(&o);
out:
    outcome_free(&o);
    typed_ratings_free(&t);
    return rc;
}
