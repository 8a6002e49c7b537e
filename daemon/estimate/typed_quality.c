#include "daemon/estimate/typed_quality.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "schema/label_value.h"
#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/boxes.h"
#include "quality/label_sets.h"
#include "quality/numeric_consensus.h"
#include "quality/spans.h"
#include "quality/text_distance.h"

#define MAX_FIGURES (LQ_SET_MAX_LABELS + 4)

/* The labels grouped by unit: unit u's are in->v[idx[start[u] .. start[u+1])]. */
typedef struct groups {
    size_t *start;
    size_t *idx;
} groups;

static int group_by_unit(const lq_typed_input *in, groups *g)
{
    g->start = calloc((size_t)in->n_units + 1, sizeof(*g->start));
    g->idx = malloc((in->n ? in->n : 1) * sizeof(*g->idx));
    size_t *fill = malloc(((size_t)in->n_units + 1) * sizeof(*fill));
    if (!g->start || !g->idx || !fill) {
        free(fill);
        return LQ_ENOMEM;
    }
    for (size_t i = 0; i < in->n; i++)
        g->start[in->v[i].unit + 1]++;
    for (uint32_t u = 0; u < in->n_units; u++)
        g->start[u + 1] += g->start[u];
    memcpy(fill, g->start, ((size_t)in->n_units + 1) * sizeof(*fill));
    for (size_t i = 0; i < in->n; i++)
        g->idx[fill[in->v[i].unit]++] = i;
    free(fill);
    return 0;
}

static void add_figure(lq_typed_result *out, const char *metric, const char *label, double v)
{
    if (out->n_figures < MAX_FIGURES)
        out->figures[out->n_figures++] = (lq_typed_figure){metric, label ? label : "", v};
}

static int label_index(const Labelq__ProjectConfig *cfg, const char *s)
{
    for (size_t i = 0; i < cfg->n_labels; i++)
        if (strcmp(cfg->labels[i], s) == 0)
            return (int)i;
    return -1;
}

static char *dump(json_t *v)
{
    char *s =
        v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(v);
    return s;
}

/* ---- multi-label ---------------------------------------------------------- */

static bool parse_set(const Labelq__ProjectConfig *cfg, const char *value, uint64_t *set)
{
    json_t *v = json_loads(value, 0, NULL);
    size_t i;
    json_t *e;
    *set = 0;
    if (!json_is_array(v)) {
        json_decref(v);
        return false;
    }
    json_array_foreach(v, i, e)
    {
        int k = json_is_string(e) ? label_index(cfg, json_string_value(e)) : -1;
        if (k < 0) {
            json_decref(v);
            return false;
        }
        *set |= (uint64_t)1 << k;
    }
    json_decref(v);
    return true;
}

static char *set_json(const Labelq__ProjectConfig *cfg, uint64_t set)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < cfg->n_labels; k++)
        if (set >> k & 1)
            json_array_append_new(a, json_string(cfg->labels[k]));
    return dump(a);
}

/* Per-label majority: a label is in when at least half the unit's sets
 * have it; the decision's confidence is the share that agrees with it. */
static void multi_majority(const lq_set_rating *v, const groups *g, uint32_t u, uint32_t n_labels,
                           uint64_t *set, double *conf)
{
    size_t m = g->start[u + 1] - g->start[u];
    double sum = 0.0;
    *set = 0;
    for (uint32_t l = 0; l < n_labels; l++) {
        size_t chosen = 0;
        for (size_t k = g->start[u]; k < g->start[u + 1]; k++)
            chosen += v[g->idx[k]].labels >> l & 1;
        bool in = 2 * chosen >= m;
        if (in)
            *set |= (uint64_t)1 << l;
        sum += (double)(in ? chosen : m - chosen) / (double)m;
    }
    *conf = sum / n_labels;
}

static int run_multi(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    const Labelq__ProjectConfig *cfg = in->config;
    uint32_t nl = (uint32_t)cfg->n_labels;
    lq_set_rating *v = malloc((in->n ? in->n : 1) * sizeof(*v));
    bool *ok = malloc((in->n ? in->n : 1) * sizeof(*ok));
    double *alphas = malloc(nl * sizeof(*alphas));
    int *status = malloc(nl * sizeof(*status));
    lq_set_consensus ds;
    memset(&ds, 0, sizeof(ds));
    int rc = v && ok && alphas && status ? 0 : LQ_ENOMEM;
    /* Labels that do not parse are kept as empty sets at their place so
     * that g's indexes still fit; ok[] leaves them out of everything. */
    size_t n_ok = 0;
    for (size_t i = 0; rc == 0 && i < in->n; i++) {
        ok[i] = parse_set(cfg, in->v[i].value, &v[i].labels);
        v[i].unit = in->v[i].unit;
        v[i].annotator = in->v[i].annotator;
        n_ok += ok[i];
    }
    lq_set_rating *packed = rc == 0 ? malloc((n_ok ? n_ok : 1) * sizeof(*packed)) : NULL;
    if (rc == 0 && !packed)
        rc = LQ_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < in->n; i++)
        if (ok[i])
            packed[k++] = v[i];
    lq_set_ratings r = {packed, n_ok, in->n_units, in->n_annotators, nl};
    lq_alpha_result ar;
    if (rc == 0 && lq_set_alpha(&r, LQ_SET_MASI, NULL, &ar) == 0) {
        add_figure(out, "masi_alpha", NULL, ar.alpha);
        out->has_alpha = true;
        out->alpha = ar.alpha;
    }
    if (rc == 0 && lq_set_alpha(&r, LQ_SET_JACCARD, NULL, &ar) == 0)
        add_figure(out, "jaccard_alpha", NULL, ar.alpha);
    if (rc == 0 && lq_set_label_alpha(&r, alphas, status) == 0)
        for (uint32_t l = 0; l < nl; l++)
            if (status[l] == 0)
                add_figure(out, "label_alpha", cfg->labels[l], alphas[l]);
    if (rc == 0 && in->dawid_skene) {
        rc = lq_set_dawid_skene(&r, NULL, &ds);
        out->method = "dawid-skene";
    } else {
        out->method = "majority";
    }
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        uint64_t set = 0;
        double conf = 0.0, dist = 0.0;
        size_t m = 0, pairs = 0;
        for (size_t a = g->start[u]; a < g->start[u + 1]; a++) {
            m += ok[g->idx[a]];
            for (size_t b = a + 1; b < g->start[u + 1]; b++)
                if (ok[g->idx[a]] && ok[g->idx[b]]) {
                    dist += lq_masi_distance(v[g->idx[a]].labels, v[g->idx[b]].labels);
                    pairs++;
                }
        }
        if (m == 0)
            continue;
        if (in->dawid_skene) {
            set = ds.labels[u];
            for (uint32_t l = 0; l < nl; l++)
                conf += ds.confidence[(size_t)u * nl + l];
            conf /= nl;
        } else {
            /* Majority over the parsed sets only: a group of those. */
            size_t *idx = malloc(m * sizeof(*idx));
            size_t st[2] = {0, m};
            if (!idx) {
                rc = LQ_ENOMEM;
                break;
            }
            size_t j = 0;
            for (size_t a = g->start[u]; a < g->start[u + 1]; a++)
                if (ok[g->idx[a]])
                    idx[j++] = g->idx[a];
            groups one = {st, idx};
            multi_majority(v, &one, 0, nl, &set, &conf);
            free(idx);
        }
        out->confidence[u] = conf;
        out->agreement[u] = pairs ? 1.0 - dist / (double)pairs : 1.0;
        if (!(out->value[u] = set_json(cfg, set)))
            rc = LQ_ENOMEM;
    }
    lq_set_consensus_free(&ds);
    free(packed);
    free(v);
    free(ok);
    free(alphas);
    free(status);
    return rc;
}

/* ---- numeric ---------------------------------------------------------------- */

static int run_numeric(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    const Labelq__ProjectConfig *cfg = in->config;
    double range = cfg->number_max - cfg->number_min;
    lq_numeric_rating *v = malloc((in->n ? in->n : 1) * sizeof(*v));
    double *x = malloc((in->n ? in->n : 1) * sizeof(*x));
    bool *ok = malloc((in->n ? in->n : 1) * sizeof(*ok));
    if (!v || !x || !ok) {
        free(v);
        free(x);
        free(ok);
        return LQ_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++) {
        char *end;
        x[i] = strtod(in->v[i].value, &end);
        ok[i] = in->v[i].value[0] && !*end && isfinite(x[i]);
        if (ok[i])
            v[n++] = (lq_numeric_rating){in->v[i].unit, in->v[i].annotator, x[i]};
    }
    lq_numeric_ratings r = {v, n, in->n_units, in->n_annotators};
    lq_alpha_result ar;
    if (lq_numeric_alpha(&r, LQ_METRIC_INTERVAL, NULL, &ar) == 0) {
        add_figure(out, "interval_alpha", NULL, ar.alpha);
        out->has_alpha = true;
        out->alpha = ar.alpha;
    }
    if (cfg->number_min >= 0.0 && lq_numeric_alpha(&r, LQ_METRIC_RATIO, NULL, &ar) == 0)
        add_figure(out, "ratio_alpha", NULL, ar.alpha);
    out->method = "median";
    int rc = 0;
    double *vals = malloc((in->n ? in->n : 1) * sizeof(*vals));
    if (!vals)
        rc = LQ_ENOMEM;
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        size_t m = 0, pairs = 0;
        double dist = 0.0, median, mad;
        for (size_t a = g->start[u]; a < g->start[u + 1]; a++) {
            if (!ok[g->idx[a]])
                continue;
            vals[m++] = x[g->idx[a]];
            for (size_t b = a + 1; b < g->start[u + 1]; b++)
                if (ok[g->idx[b]]) {
                    dist += fabs(x[g->idx[a]] - x[g->idx[b]]) / range;
                    pairs++;
                }
        }
        if (m == 0 || lq_median_mad(vals, m, &median, &mad) < 0)
            continue;
        double score = mad / (range / 4.0);
        out->confidence[u] = 1.0 - (score < 1.0 ? score : 1.0);
        out->spread[u] = mad;
        out->agreement[u] = pairs ? 1.0 - dist / (double)pairs : 1.0;
        char buf[40], err[128];
        snprintf(buf, sizeof(buf), "%.17g", median);
        /* The median lies in the range, so this only reformats it. */
        rc = lq_label_canonical(cfg, buf, NULL, &out->value[u], err, sizeof(err));
    }
    free(vals);
    free(v);
    free(x);
    free(ok);
    return rc;
}

/* ---- text ------------------------------------------------------------------- */

static int run_text(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    size_t nl = in->n ? in->n : 1, nu = in->n_units ? in->n_units : 1;
    lq_text_rating *v = calloc(nl, sizeof(*v));
    lq_text_rating *norm = calloc(nl, sizeof(*norm)); /* by input index; text NULL: invalid */
    size_t *orig = malloc(nl * sizeof(*orig));
    size_t *medoid = malloc(nu * sizeof(*medoid));
    double *mean = malloc(nu * sizeof(*mean));
    int rc = v && norm && orig && medoid && mean ? 0 : LQ_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; rc == 0 && i < in->n; i++) {
        size_t len = strlen(in->v[i].value);
        char *t = malloc(len + 1);
        if (!t) {
            rc = LQ_ENOMEM;
            break;
        }
        size_t nlen = lq_text_normalize(in->v[i].value, len, t);
        norm[i] = (lq_text_rating){in->v[i].unit, in->v[i].annotator, t, nlen};
        orig[n] = i;
        v[n++] = norm[i];
    }
    lq_text_ratings r = {v, n, in->n_units, in->n_annotators};
    lq_alpha_result ar;
    if (rc == 0 && lq_text_alpha(&r, NULL, &ar) == 0) {
        add_figure(out, "text_alpha", NULL, ar.alpha);
        out->has_alpha = true;
        out->alpha = ar.alpha;
    }
    out->method = "medoid";
    if (rc == 0)
        rc = lq_text_medoid(&r, medoid, mean);
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        if (medoid[u] == SIZE_MAX)
            continue;
        double dsum = 0.0;
        size_t pairs = 0;
        for (size_t a = g->start[u]; rc == 0 && a < g->start[u + 1]; a++)
            for (size_t b = a + 1; rc == 0 && b < g->start[u + 1]; b++) {
                const lq_text_rating *x = &norm[g->idx[a]], *y = &norm[g->idx[b]];
                double d;
                if (!x->text || !y->text)
                    continue;
                if ((rc = lq_text_distance(x->text, x->len, y->text, y->len, &d)) == 0) {
                    dsum += d;
                    pairs++;
                }
            }
        out->confidence[u] = 1.0 - mean[u];
        out->agreement[u] = pairs ? 1.0 - dsum / (double)pairs : 1.0;
        if (rc == 0 && !(out->value[u] = strdup(in->v[orig[medoid[u]]].value)))
            rc = LQ_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        free((char *)v[i].text);
    free(v);
    free(norm);
    free(orig);
    free(medoid);
    free(mean);
    return rc;
}

/* ---- spans and boxes: lists per annotation ---------------------------------- */

/* Parses a canonical spans or boxes label into *items (malloc'd lq_span or
 * lq_box array). Returns the count, or -1 when it does not parse. */
static long parse_list(const Labelq__ProjectConfig *cfg, const char *value, bool boxes,
                       void **items)
{
    json_t *v = json_loads(value, 0, NULL), *e;
    size_t i, n = json_array_size(v);
    *items = NULL;
    if (!json_is_array(v)) {
        json_decref(v);
        return -1;
    }
    void *a = calloc(n ? n : 1, boxes ? sizeof(lq_box) : sizeof(lq_span));
    long rc = a ? (long)n : -1;
    json_array_foreach(v, i, e)
    {
        if (rc < 0)
            break;
        json_t *lb = json_object_get(e, "label");
        int k = json_is_string(lb) ? label_index(cfg, json_string_value(lb)) : -1;
        if (k < 0) {
            rc = -1;
        } else if (boxes) {
            lq_box *b = &((lq_box *)a)[i];
            *b = (lq_box){json_number_value(json_object_get(e, "x")),
                          json_number_value(json_object_get(e, "y")),
                          json_number_value(json_object_get(e, "w")),
                          json_number_value(json_object_get(e, "h")), (uint32_t)k};
            if (lq_box_check(b, (uint32_t)cfg->n_labels) < 0)
                rc = -1;
        } else {
            json_int_t s = json_integer_value(json_object_get(e, "start"));
            json_int_t t = json_integer_value(json_object_get(e, "end"));
            if (s < 0 || t < s)
                rc = -1;
            else
                ((lq_span *)a)[i] = (lq_span){(size_t)s, (size_t)t, (uint32_t)k};
        }
    }
    json_decref(v);
    if (rc < 0)
        free(a);
    else
        *items = a;
    return rc;
}

static char *spans_json(const Labelq__ProjectConfig *cfg, const lq_span *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a,
                              json_pack("{s:I, s:I, s:s}", "start", (json_int_t)s[i].start, "end",
                                        (json_int_t)s[i].end, "label", cfg->labels[s[i].label]));
    return dump(a);
}

static char *boxes_json(const Labelq__ProjectConfig *cfg, const lq_box *b, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a,
                              json_pack("{s:f, s:f, s:f, s:f, s:s}", "x", b[i].x, "y", b[i].y, "w",
                                        b[i].w, "h", b[i].h, "label", cfg->labels[b[i].label]));
    return dump(a);
}

/* Mean over the unit's tokens of the share of its annotations that gave
 * the most common tag. */
static int token_vote_share(const lq_span_data *d, const lq_span_annotation *ann, size_t m,
                            uint32_t u, double *out)
{
    size_t len = d->text_len[u];
    size_t n_tok = lq_tokenize(d->text[u], len, NULL);
    *out = 1.0;
    if (n_tok == 0 || m == 0)
        return 0;
    lq_token *tok = malloc(n_tok * sizeof(*tok));
    uint32_t *tags = malloc(m * n_tok * sizeof(*tags));
    int rc = tok && tags ? 0 : LQ_ENOMEM;
    if (rc == 0)
        lq_tokenize(d->text[u], len, tok);
    for (size_t a = 0; rc == 0 && a < m; a++)
        rc = lq_spans_to_tags(ann[a].spans, ann[a].n_spans, d->n_labels, len, tok, n_tok,
                              tags + a * n_tok);
    double sum = 0.0;
    for (size_t t = 0; rc == 0 && t < n_tok; t++) {
        size_t best = 0;
        for (size_t a = 0; a < m; a++) {
            size_t same = 0;
            for (size_t b = 0; b < m; b++)
                same += tags[b * n_tok + t] == tags[a * n_tok + t];
            best = same > best ? same : best;
        }
        sum += (double)best / (double)m;
    }
    if (rc == 0)
        *out = sum / (double)n_tok;
    free(tok);
    free(tags);
    return rc;
}

typedef struct lists {
    void **items;  /* per label: its parsed spans or boxes */
    size_t *count; /* per label */
    bool *ok;      /* per label: parsed and valid */
} lists;

static void lists_free(lists *l, size_t n)
{
    for (size_t i = 0; l->items && i < n; i++)
        free(l->items[i]);
    free(l->items);
    free(l->count);
    free(l->ok);
}

static int parse_lists(const lq_typed_input *in, bool boxes, const size_t *text_len, lists *l)
{
    size_t n = in->n ? in->n : 1;
    l->items = calloc(n, sizeof(*l->items));
    l->count = calloc(n, sizeof(*l->count));
    l->ok = calloc(n, sizeof(*l->ok));
    if (!l->items || !l->count || !l->ok)
        return LQ_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        long c = parse_list(in->config, in->v[i].value, boxes, &l->items[i]);
        if (c < 0)
            continue;
        l->count[i] = (size_t)c;
        l->ok[i] = boxes || (text_len && in->unit_text[in->v[i].unit] &&
                             lq_spans_check(l->items[i], (size_t)c, (uint32_t)in->config->n_labels,
                                            text_len[in->v[i].unit]) == 0);
    }
    return 0;
}

static int run_spans(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    const Labelq__ProjectConfig *cfg = in->config;
    size_t nu = in->n_units ? in->n_units : 1;
    const char **text = malloc(nu * sizeof(*text));
    size_t *text_len = malloc(nu * sizeof(*text_len));
    lq_span_annotation *ann = malloc((in->n ? in->n : 1) * sizeof(*ann));
    lq_span_annotation *mine = malloc((in->n ? in->n : 1) * sizeof(*mine));
    double *unit_f1 = malloc(nu * sizeof(*unit_f1));
    lists l = {0};
    lq_span_consensus c;
    memset(&c, 0, sizeof(c));
    int rc = text && text_len && ann && mine && unit_f1 ? 0 : LQ_ENOMEM;
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        text[u] = in->unit_text && in->unit_text[u] ? in->unit_text[u] : "";
        text_len[u] = strlen(text[u]);
    }
    if (rc == 0)
        rc = parse_lists(in, false, text_len, &l);
    size_t n = 0;
    for (size_t i = 0; rc == 0 && i < in->n; i++)
        if (l.ok[i])
            ann[n++] =
                (lq_span_annotation){in->v[i].unit, in->v[i].annotator, l.items[i], l.count[i]};
    lq_span_data d = {ann,
                      n,
                      in->n_units,
                      in->n_annotators,
                      (uint32_t)cfg->n_labels,
                      (const char *const *)text,
                      text_len};
    double overall, alpha;
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++)
        unit_f1[u] = -1.0;
    if (rc == 0 && n > 0 && lq_span_f1(&d, unit_f1, &overall) == 0)
        add_figure(out, "span_f1", NULL, overall);
    if (rc == 0 && n > 0 && lq_span_token_alpha(&d, &alpha) == 0) {
        add_figure(out, "token_alpha", NULL, alpha);
        out->has_alpha = true;
        out->alpha = alpha;
    }
    out->method = "token-vote";
    if (rc == 0)
        rc = lq_span_vote(&d, &c);
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        size_t m = 0;
        for (size_t k = g->start[u]; k < g->start[u + 1]; k++) {
            size_t i = g->idx[k];
            if (l.ok[i])
                mine[m++] = (lq_span_annotation){u, in->v[i].annotator, l.items[i], l.count[i]};
        }
        if (m == 0)
            continue;
        rc = token_vote_share(&d, mine, m, u, &out->confidence[u]);
        out->agreement[u] = unit_f1[u] < 0.0 ? 1.0 : unit_f1[u];
        if (rc == 0 &&
            !(out->value[u] = spans_json(cfg, c.spans + c.start[u], c.start[u + 1] - c.start[u])))
            rc = LQ_ENOMEM;
    }
    lq_span_consensus_free(&c);
    lists_free(&l, in->n);
    free(text);
    free(text_len);
    free(ann);
    free(mine);
    free(unit_f1);
    return rc;
}

static int run_boxes(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    const Labelq__ProjectConfig *cfg = in->config;
    size_t nu = in->n_units ? in->n_units : 1;
    lq_box_annotation *ann = malloc((in->n ? in->n : 1) * sizeof(*ann));
    double *unit_f1 = malloc(nu * sizeof(*unit_f1));
    lists l = {0};
    lq_box_consensus c;
    memset(&c, 0, sizeof(c));
    int rc = ann && unit_f1 ? 0 : LQ_ENOMEM;
    if (rc == 0)
        rc = parse_lists(in, true, NULL, &l);
    size_t n = 0;
    for (size_t i = 0; rc == 0 && i < in->n; i++)
        if (l.ok[i])
            ann[n++] =
                (lq_box_annotation){in->v[i].unit, in->v[i].annotator, l.items[i], l.count[i]};
    lq_box_data d = {ann, n, in->n_units, in->n_annotators, (uint32_t)cfg->n_labels};
    double overall;
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++)
        unit_f1[u] = -1.0;
    if (rc == 0 && n > 0 && lq_box_f1(&d, NULL, unit_f1, &overall) == 0)
        add_figure(out, "box_f1", NULL, overall);
    out->method = "iou-cluster";
    if (rc == 0)
        rc = lq_box_vote(&d, NULL, &c);
    for (uint32_t u = 0; rc == 0 && u < in->n_units; u++) {
        size_t m = 0, empty = 0;
        for (size_t k = g->start[u]; k < g->start[u + 1]; k++)
            if (l.ok[g->idx[k]]) {
                m++;
                empty += l.count[g->idx[k]] == 0;
            }
        if (m == 0)
            continue;
        size_t first = c.start[u], nb = c.start[u + 1] - first;
        double conf = 0.0;
        for (size_t b = 0; b < nb; b++)
            conf += c.confidence[first + b];
        out->confidence[u] = nb ? conf / (double)nb : (double)empty / (double)m;
        out->agreement[u] = unit_f1[u] < 0.0 ? 1.0 : unit_f1[u];
        if (!(out->value[u] = boxes_json(cfg, c.boxes + first, nb)))
            rc = LQ_ENOMEM;
    }
    lq_box_consensus_free(&c);
    lists_free(&l, in->n);
    free(ann);
    free(unit_f1);
    return rc;
}

/* ---- common ----------------------------------------------------------------- */

/* Exact-match agreement: per unit, identical answers share a code. */
static int exact_percent(const lq_typed_input *in, const groups *g, lq_typed_result *out)
{
    lq_rating *v = malloc((in->n ? in->n : 1) * sizeof(*v));
    if (!v)
        return LQ_ENOMEM;
    uint32_t most = 1;
    for (uint32_t u = 0; u < in->n_units; u++)
        for (size_t a = g->start[u]; a < g->start[u + 1]; a++) {
            size_t i = g->idx[a], b = g->start[u];
            while (strcmp(in->v[g->idx[b]].value, in->v[i].value) != 0)
                b++;
            uint32_t code = (uint32_t)(b - g->start[u]);
            v[i] = (lq_rating){u, in->v[i].annotator, code};
            most = code + 1 > most ? code + 1 : most;
        }
    out->exact = (lq_ratings){v, in->n, in->n_units, in->n_annotators, most, NULL};
    out->has_percent = lq_percent_agreement(&out->exact, &out->percent) == 0;
    return 0;
}

static void tally(const lq_typed_input *in, lq_typed_result *out)
{
    for (size_t i = 0; i < in->n; i++) {
        const lq_typed_label *l = &in->v[i];
        out->annotator_labels[l->annotator]++;
        const char *c = out->value[l->unit];
        out->annotator_agree[l->annotator] += c && strcmp(c, l->value) == 0;
    }
}

static int allocate(const lq_typed_input *in, lq_typed_result *out)
{
    size_t nu = in->n_units ? in->n_units : 1, na = in->n_annotators ? in->n_annotators : 1;
    out->n_units = in->n_units;
    out->n_annotators = in->n_annotators;
    out->value = calloc(nu, sizeof(*out->value));
    out->confidence = calloc(nu, sizeof(*out->confidence));
    out->agreement = calloc(nu, sizeof(*out->agreement));
    out->spread = calloc(nu, sizeof(*out->spread));
    out->figures = calloc(MAX_FIGURES, sizeof(*out->figures));
    out->annotator_labels = calloc(na, sizeof(*out->annotator_labels));
    out->annotator_agree = calloc(na, sizeof(*out->annotator_agree));
    return out->value && out->confidence && out->agreement && out->spread && out->figures &&
                   out->annotator_labels && out->annotator_agree
               ? 0
               : LQ_ENOMEM;
}

int lq_typed_run(const lq_typed_input *in, lq_typed_result *out)
{
    groups g = {0};
    memset(out, 0, sizeof(*out));
    if (lq_label_indexed(in->config) || in->config->n_labels > LQ_SET_MAX_LABELS)
        return LQ_EBADREQ;
    int rc = allocate(in, out);
    if (rc == 0)
        rc = group_by_unit(in, &g);
    if (rc == 0) {
        switch (in->config->type) {
        case LABELQ__LABEL_TYPE__MULTI:
            rc = run_multi(in, &g, out);
            break;
        case LABELQ__LABEL_TYPE__NUMERIC:
            rc = run_numeric(in, &g, out);
            break;
        case LABELQ__LABEL_TYPE__TEXT:
            rc = run_text(in, &g, out);
            break;
        case LABELQ__LABEL_TYPE__SPANS:
            rc = run_spans(in, &g, out);
            break;
        default:
            rc = run_boxes(in, &g, out);
            break;
        }
    }
    if (rc == 0)
        rc = exact_percent(in, &g, out);
    if (rc == 0)
        tally(in, out);
    free(g.start);
    free(g.idx);
    return rc;
}

void lq_typed_result_free(lq_typed_result *r)
{
    for (uint32_t u = 0; r->value && u < r->n_units; u++)
        free(r->value[u]);
    free(r->value);
    free(r->confidence);
    free(r->agreement);
    free(r->spread);
    free(r->figures);
    free(r->annotator_labels);
    free(r->annotator_agree);
    free((lq_rating *)r->exact.v);
    memset(r, 0, sizeof(*r));
}

const char *lq_typed_alpha_metric(Labelq__LabelType t)
{
    switch (t) {
    case LABELQ__LABEL_TYPE__MULTI:
        return "masi_alpha";
    case LABELQ__LABEL_TYPE__NUMERIC:
        return "interval_alpha";
    case LABELQ__LABEL_TYPE__TEXT:
        return "text_alpha";
    case LABELQ__LABEL_TYPE__SPANS:
        return "token_alpha";
    case LABELQ__LABEL_TYPE__BOXES:
        return "";
    default:
        return "nominal_alpha";
    }
}
