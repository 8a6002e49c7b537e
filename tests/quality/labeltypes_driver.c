/* labeltypes_driver: runs quality/'s computations for the label types
 * beyond single choice (label sets, ordinal medians, numbers, texts, spans,
 * boxes) on cases read from stdin and prints the results, so that the
 * crosscheck_*.py scripts can compare them with independent
 * implementations.
 *
 *   labeltypes_driver < cases.json > results.json
 *
 * Input: a JSON array of cases, each an object with "op" and that op's
 * data (below). Output: a JSON array with one object per case, in order.
 * Every computation's result carries "rc" (0 or an LQ_E* code) and its
 * values only when rc is 0. Doubles are printed with 17 significant digits.
 *
 * Common: "n_units", "n_annotators", "n_labels"; optional alpha options
 * "max_exact", "sample_pairs", "seed" (lq_distance_alpha_options; text only:
 * sets and numbers are always exact).
 *   sets     ratings [[u, a, [label, ...]], ...]; pairs [[[l..], [l..]], ...]
 *   ordinal  ratings [[u, a, label], ...]; values [..] (optional)
 *   numeric  ratings [[u, a, x], ...]
 *   text     ratings [[u, a, "text"], ...]; pairs [["a", "b"], ...];
 *            normalize ["text", ...]
 *   spans    texts ["...", ...] (one a unit); names ["PER", ...];
 *            annotations [[u, a, [[start, end, label], ...]], ...];
 *            rebuild [[tag, ...], ...] (tag sequences over tokens t at [2t, 2t+1))
 *   boxes    annotations [[u, a, [[x, y, w, h, label], ...]], ...];
 *            threshold, any_label (optional); iou_pairs [[[x,y,w,h], [x,y,w,h]], ...]
 * Exit status 0, 1 on unreadable input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"
#include "quality/boxes.h"
#include "quality/label_sets.h"
#include "quality/numeric_consensus.h"
#include "quality/ordinal_median.h"
#include "quality/spans.h"
#include "quality/text_distance.h"

static uint32_t get_u32(const json_t *o, const char *key)
{
    return (uint32_t)json_integer_value(json_object_get(o, key));
}

static json_t *rc_only(int rc)
{
    return json_pack("{s:i}", "rc", rc);
}

static json_t *doubles(const double *x, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(x[i]));
    return a;
}

static void alpha_options(const json_t *c, lq_distance_alpha_options *o)
{
    lq_distance_alpha_options_default(o);
    if (json_object_get(c, "max_exact"))
        o->max_exact_values = get_u32(c, "max_exact");
    if (json_object_get(c, "sample_pairs"))
        o->sample_pairs = (uint64_t)json_integer_value(json_object_get(c, "sample_pairs"));
    if (json_object_get(c, "seed"))
        o->seed = (uint64_t)json_integer_value(json_object_get(c, "seed"));
}

static json_t *alpha_json(int rc, const lq_alpha_result *r)
{
    json_t *o = rc_only(rc);

    if (rc == 0) {
        json_object_set_new(o, "value", json_real(r->alpha));
        json_object_set_new(o, "observed", json_real(r->observed));
        json_object_set_new(o, "expected", json_real(r->expected));
        json_object_set_new(o, "n_pairable", json_integer((json_int_t)r->n_pairable));
        json_object_set_new(o, "n_distinct", json_integer(r->n_distinct));
        json_object_set_new(o, "sampled", json_boolean(r->sampled));
    }
    return o;
}

/* --- label sets ----------------------------------------------------------- */

static uint64_t mask_of(const json_t *labels)
{
    uint64_t m = 0;
    size_t i;
    json_t *l;

    json_array_foreach(labels, i, l)
    {
        m |= UINT64_C(1) << json_integer_value(l);
    }
    return m;
}

static json_t *labels_of(uint64_t m)
{
    json_t *a = json_array();

    for (int l = 0; l < 64; l++)
        if ((m >> l) & 1)
            json_array_append_new(a, json_integer(l));
    return a;
}

static json_t *set_consensus_json(const lq_set_ratings *r)
{
    lq_set_consensus c;
    int rc = lq_set_dawid_skene(r, NULL, &c);
    json_t *o = rc_only(rc), *sets, *p, *conf, *rated;

    if (rc != 0)
        return o;
    sets = json_array(), p = json_array(), conf = json_array(), rated = json_array();
    for (uint32_t u = 0; u < c.n_units; u++) {
        json_array_append_new(sets, labels_of(c.labels[u]));
        json_array_append_new(p, doubles(c.p_present + (size_t)u * c.n_labels, c.n_labels));
        json_array_append_new(conf, doubles(c.confidence + (size_t)u * c.n_labels, c.n_labels));
        json_array_append_new(rated, json_boolean(c.rated[u]));
    }
    json_object_set_new(o, "labels", sets);
    json_object_set_new(o, "p_present", p);
    json_object_set_new(o, "confidence", conf);
    json_object_set_new(o, "rated", rated);
    lq_set_consensus_free(&c);
    return o;
}

static json_t *op_sets(const json_t *c)
{
    const json_t *ratings = json_object_get(c, "ratings"), *pairs = json_object_get(c, "pairs");
    size_t n = json_array_size(ratings), i;
    lq_set_rating *v = calloc(n ? n : 1, sizeof(*v));
    lq_set_ratings r = {.v = v,
                        .n = n,
                        .n_units = get_u32(c, "n_units"),
                        .n_annotators = get_u32(c, "n_annotators"),
                        .n_labels = get_u32(c, "n_labels")};
    double *alpha = calloc(r.n_labels ? r.n_labels : 1, sizeof(double));
    int *status = calloc(r.n_labels ? r.n_labels : 1, sizeof(int));
    lq_alpha_result res;
    json_t *out = json_object(), *x, *la, *st, *d = json_array();
    int rc;

    json_array_foreach(ratings, i, x)
    {
        v[i] = (lq_set_rating){(uint32_t)json_integer_value(json_array_get(x, 0)),
                               (uint32_t)json_integer_value(json_array_get(x, 1)),
                               mask_of(json_array_get(x, 2))};
    }
    rc = lq_set_alpha(&r, LQ_SET_MASI, &res);
    json_object_set_new(out, "masi", alpha_json(rc, &res));
    rc = lq_set_alpha(&r, LQ_SET_JACCARD, &res);
    json_object_set_new(out, "jaccard", alpha_json(rc, &res));
    rc = lq_set_label_alpha(&r, alpha, status);
    la = rc_only(rc);
    if (rc == 0) {
        st = json_array();
        for (uint32_t l = 0; l < r.n_labels; l++)
            json_array_append_new(st, json_integer(status[l]));
        json_object_set_new(la, "value", doubles(alpha, r.n_labels));
        json_object_set_new(la, "status", st);
    }
    json_object_set_new(out, "label_alpha", la);
    json_object_set_new(out, "ds", set_consensus_json(&r));
    json_array_foreach(pairs, i, x)
    {
        uint64_t a = mask_of(json_array_get(x, 0)), b = mask_of(json_array_get(x, 1));

        json_array_append_new(d,
                              json_pack("[ff]", lq_masi_distance(a, b), lq_jaccard_distance(a, b)));
    }
    json_object_set_new(out, "distances", d);
    free(v);
    free(alpha);
    free(status);
    return out;
}

/* --- ordinal and numeric ------------------------------------------------ */

static json_t *op_ordinal(const json_t *c)
{
    const json_t *ratings = json_object_get(c, "ratings"), *vals = json_object_get(c, "values");
    size_t n = json_array_size(ratings), i;
    uint32_t nu = get_u32(c, "n_units"), nl = get_u32(c, "n_labels");
    lq_rating *v = calloc(n ? n : 1, sizeof(*v));
    double *values = vals ? calloc(nl ? nl : 1, sizeof(double)) : NULL;
    uint32_t *label = calloc(nu ? nu : 1, sizeof(*label));
    bool *split = calloc(nu ? nu : 1, sizeof(*split));
    lq_ratings r = {.v = v,
                    .n = n,
                    .n_units = nu,
                    .n_annotators = get_u32(c, "n_annotators"),
                    .n_labels = nl,
                    .values = values};
    json_t *x, *out;
    int rc;

    json_array_foreach(ratings, i, x)
    {
        v[i] = (lq_rating){(uint32_t)json_integer_value(json_array_get(x, 0)),
                           (uint32_t)json_integer_value(json_array_get(x, 1)),
                           (uint32_t)json_integer_value(json_array_get(x, 2))};
    }
    for (uint32_t l = 0; values && l < nl; l++)
        values[l] = json_number_value(json_array_get(vals, l));
    rc = lq_ordinal_median(&r, label, split);
    out = rc_only(rc);
    if (rc == 0) {
        json_t *lab = json_array(), *sp = json_array();

        for (uint32_t u = 0; u < nu; u++) {
            json_array_append_new(lab,
                                  label[u] == UINT32_MAX ? json_null() : json_integer(label[u]));
            json_array_append_new(sp, json_boolean(split[u]));
        }
        json_object_set_new(out, "label", lab);
        json_object_set_new(out, "split", sp);
    }
    free(v);
    free(values);
    free(label);
    free(split);
    return out;
}

static json_t *op_numeric(const json_t *c)
{
    const json_t *ratings = json_object_get(c, "ratings");
    size_t n = json_array_size(ratings), i;
    uint32_t nu = get_u32(c, "n_units");
    lq_numeric_rating *v = calloc(n ? n : 1, sizeof(*v));
    double *median = calloc(nu ? nu : 1, sizeof(double)),
           *mad = calloc(nu ? nu : 1, sizeof(double));
    uint32_t *count = calloc(nu ? nu : 1, sizeof(*count));
    lq_numeric_ratings r = {
        .v = v, .n = n, .n_units = nu, .n_annotators = get_u32(c, "n_annotators")};
    lq_alpha_result res;
    json_t *x, *out = json_object(), *cons;
    int rc;

    json_array_foreach(ratings, i, x)
    {
        v[i] = (lq_numeric_rating){(uint32_t)json_integer_value(json_array_get(x, 0)),
                                   (uint32_t)json_integer_value(json_array_get(x, 1)),
                                   json_number_value(json_array_get(x, 2))};
    }
    rc = lq_numeric_consensus(&r, median, mad, count);
    cons = rc_only(rc);
    if (rc == 0) {
        json_t *cnt = json_array();

        for (uint32_t u = 0; u < nu; u++)
            json_array_append_new(cnt, json_integer(count[u]));
        json_object_set_new(cons, "median", doubles(median, nu));
        json_object_set_new(cons, "mad", doubles(mad, nu));
        json_object_set_new(cons, "count", cnt);
    }
    json_object_set_new(out, "consensus", cons);
    rc = lq_numeric_alpha(&r, LQ_METRIC_INTERVAL, &res);
    json_object_set_new(out, "interval", alpha_json(rc, &res));
    rc = lq_numeric_alpha(&r, LQ_METRIC_RATIO, &res);
    json_object_set_new(out, "ratio", alpha_json(rc, &res));
    free(v);
    free(median);
    free(mad);
    free(count);
    return out;
}

/* --- text ----------------------------------------------------------------- */

static json_t *text_pairs(const json_t *pairs)
{
    json_t *out = json_array(), *x;
    size_t i;

    json_array_foreach(pairs, i, x)
    {
        const json_t *a = json_array_get(x, 0), *b = json_array_get(x, 1);
        size_t lev = 0;
        double d = 0.0;
        int rc = lq_levenshtein(json_string_value(a), json_string_length(a), json_string_value(b),
                                json_string_length(b), &lev);
        json_t *o = rc_only(rc);

        if (rc == 0)
            rc = lq_text_distance(json_string_value(a), json_string_length(a), json_string_value(b),
                                  json_string_length(b), &d);
        if (rc == 0) {
            json_object_set_new(o, "lev", json_integer((json_int_t)lev));
            json_object_set_new(o, "dist", json_real(d));
        }
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *text_normalize(const json_t *strings)
{
    json_t *out = json_array(), *x;
    size_t i;

    json_array_foreach(strings, i, x)
    {
        size_t len = json_string_length(x);
        char *buf = malloc(len ? len : 1);
        size_t n = lq_text_normalize(json_string_value(x), len, buf);
        json_t *o = rc_only(0);

        json_object_set_new(o, "value", json_stringn(buf, n));
        json_array_append_new(out, o);
        free(buf);
    }
    return out;
}

static json_t *op_text(const json_t *c)
{
    const json_t *ratings = json_object_get(c, "ratings");
    size_t n = json_array_size(ratings), i;
    uint32_t nu = get_u32(c, "n_units");
    lq_text_rating *v = calloc(n ? n : 1, sizeof(*v));
    size_t *medoid = calloc(nu ? nu : 1, sizeof(*medoid));
    double *mean = calloc(nu ? nu : 1, sizeof(*mean));
    lq_text_ratings r = {.v = v, .n = n, .n_units = nu, .n_annotators = get_u32(c, "n_annotators")};
    lq_distance_alpha_options opt;
    lq_alpha_result res;
    json_t *x, *out = json_object(), *med;
    int rc;

    alpha_options(c, &opt);
    json_array_foreach(ratings, i, x)
    {
        const json_t *s = json_array_get(x, 2);

        v[i] = (lq_text_rating){(uint32_t)json_integer_value(json_array_get(x, 0)),
                                (uint32_t)json_integer_value(json_array_get(x, 1)),
                                json_string_value(s), json_string_length(s)};
    }
    rc = lq_text_alpha(&r, &opt, &res);
    json_object_set_new(out, "alpha", alpha_json(rc, &res));
    rc = lq_text_medoid(&r, medoid, mean);
    med = rc_only(rc);
    if (rc == 0) {
        json_t *idx = json_array();

        for (uint32_t u = 0; u < nu; u++)
            json_array_append_new(idx, medoid[u] == SIZE_MAX ? json_null()
                                                             : json_integer((json_int_t)medoid[u]));
        json_object_set_new(med, "index", idx);
        json_object_set_new(med, "mean", doubles(mean, nu));
    }
    json_object_set_new(out, "medoid", med);
    json_object_set_new(out, "pairs", text_pairs(json_object_get(c, "pairs")));
    json_object_set_new(out, "normalize", text_normalize(json_object_get(c, "normalize")));
    free(v);
    free(medoid);
    free(mean);
    return out;
}

/* --- spans ---------------------------------------------------------------- */

typedef struct span_input {
    lq_span_annotation *v;
    lq_span *spans;
    const char **text;
    size_t *len;
    const char **names;
    lq_span_data d;
} span_input;

static void read_spans(const json_t *c, span_input *in)
{
    const json_t *anns = json_object_get(c, "annotations"), *texts = json_object_get(c, "texts");
    const json_t *names = json_object_get(c, "names"), *x, *s;
    size_t n = json_array_size(anns), total = 0, k = 0, i, j;
    uint32_t nu = get_u32(c, "n_units"), nl = get_u32(c, "n_labels");

    json_array_foreach(anns, i, x)
    {
        total += json_array_size(json_array_get(x, 2));
    }
    in->v = calloc(n ? n : 1, sizeof(*in->v));
    in->spans = calloc(total ? total : 1, sizeof(*in->spans));
    in->text = calloc(nu ? nu : 1, sizeof(*in->text));
    in->len = calloc(nu ? nu : 1, sizeof(*in->len));
    in->names = calloc(nl ? nl : 1, sizeof(*in->names));
    for (uint32_t u = 0; u < nu; u++) {
        in->text[u] = json_string_value(json_array_get(texts, u));
        in->len[u] = json_string_length(json_array_get(texts, u));
    }
    for (uint32_t l = 0; l < nl; l++)
        in->names[l] = json_string_value(json_array_get(names, l));
    json_array_foreach(anns, i, x)
    {
        const json_t *list = json_array_get(x, 2);

        in->v[i] = (lq_span_annotation){(uint32_t)json_integer_value(json_array_get(x, 0)),
                                        (uint32_t)json_integer_value(json_array_get(x, 1)),
                                        in->spans + k, json_array_size(list)};
        json_array_foreach(list, j, s)
        {
            in->spans[k++] = (lq_span){(size_t)json_integer_value(json_array_get(s, 0)),
                                       (size_t)json_integer_value(json_array_get(s, 1)),
                                       (uint32_t)json_integer_value(json_array_get(s, 2))};
        }
    }
    in->d = (lq_span_data){.v = in->v,
                           .n = n,
                           .n_units = nu,
                           .n_annotators = get_u32(c, "n_annotators"),
                           .n_labels = nl,
                           .text = in->text,
                           .text_len = in->len};
}

/* Per annotation: its BIO tags and its CoNLL lines. */
static void span_tags_and_conll(const span_input *in, json_t *out)
{
    json_t *tags = json_array(), *conll = json_array();

    for (size_t i = 0; i < in->d.n; i++) {
        const lq_span_annotation *a = &in->v[i];
        const char *text = in->text[a->unit];
        size_t len = in->len[a->unit], n_tok = lq_tokenize(text, len, NULL), need = 0;
        lq_token *tok = calloc(n_tok ? n_tok : 1, sizeof(*tok));
        uint32_t *t = calloc(n_tok ? n_tok : 1, sizeof(*t));
        int rc;
        json_t *o, *c;

        lq_tokenize(text, len, tok);
        rc = lq_spans_to_tags(a->spans, a->n_spans, in->d.n_labels, len, tok, n_tok, t);
        o = rc_only(rc);
        if (rc == 0) {
            json_t *list = json_array();

            for (size_t k = 0; k < n_tok; k++)
                json_array_append_new(list, json_integer(t[k]));
            json_object_set_new(o, "value", list);
        }
        json_array_append_new(tags, o);
        rc = lq_spans_conll(text, len, a->spans, a->n_spans, in->names, in->d.n_labels, NULL, 0,
                            &need);
        c = rc_only(rc);
        if (rc == 0) {
            char *buf = malloc(need + 1);

            rc = lq_spans_conll(text, len, a->spans, a->n_spans, in->names, in->d.n_labels, buf,
                                need + 1, &need);
            json_object_set_new(c, "value", json_stringn(buf, need));
            free(buf);
        }
        json_array_append_new(conll, c);
        free(tok);
        free(t);
    }
    json_object_set_new(out, "tags", tags);
    json_object_set_new(out, "conll", conll);
}

static json_t *span_tokens(const span_input *in)
{
    json_t *all = json_array();

    for (uint32_t u = 0; u < in->d.n_units; u++) {
        size_t n_tok = lq_tokenize(in->text[u], in->len[u], NULL);
        lq_token *tok = calloc(n_tok ? n_tok : 1, sizeof(*tok));
        json_t *list = json_array();

        lq_tokenize(in->text[u], in->len[u], tok);
        for (size_t k = 0; k < n_tok; k++)
            json_array_append_new(
                list, json_pack("[II]", (json_int_t)tok[k].start, (json_int_t)tok[k].end));
        json_array_append_new(all, list);
        free(tok);
    }
    return all;
}

static json_t *span_vote(const span_input *in)
{
    lq_span_consensus c;
    int rc = lq_span_vote(&in->d, &c);
    json_t *o = rc_only(rc), *units;

    if (rc != 0)
        return o;
    units = json_array();
    for (uint32_t u = 0; u < c.n_units; u++) {
        json_t *list = json_array();

        for (size_t k = c.start[u]; k < c.start[u + 1]; k++)
            json_array_append_new(list, json_pack("[IIif]", (json_int_t)c.spans[k].start,
                                                  (json_int_t)c.spans[k].end, (int)c.spans[k].label,
                                                  c.confidence[k]));
        json_array_append_new(units, list);
    }
    json_object_set_new(o, "spans", units);
    lq_span_consensus_free(&c);
    return o;
}

/* Spans back from each tag sequence of "rebuild", as [start, end, label]. */
static json_t *span_rebuild(const json_t *seqs, uint32_t n_labels)
{
    json_t *out = json_array(), *seq;
    size_t i;

    json_array_foreach(seqs, i, seq)
    {
        size_t n = json_array_size(seq), k;
        uint32_t *tags = calloc(n ? n : 1, sizeof(*tags));
        lq_token *tok = calloc(n ? n : 1, sizeof(*tok));
        lq_span *spans = calloc(n ? n : 1, sizeof(*spans));
        int rc;
        json_t *o;

        for (k = 0; k < n; k++) {
            tags[k] = (uint32_t)json_integer_value(json_array_get(seq, k));
            tok[k] = (lq_token){2 * k, 2 * k + 1};
        }
        rc = lq_spans_from_tags(tags, tok, n, n_labels, spans, &k);
        o = rc_only(rc);
        if (rc == 0) {
            json_t *list = json_array();

            for (size_t j = 0; j < k; j++)
                json_array_append_new(list,
                                      json_pack("[IIi]", (json_int_t)spans[j].start,
                                                (json_int_t)spans[j].end, (int)spans[j].label));
            json_object_set_new(o, "value", list);
        }
        json_array_append_new(out, o);
        free(tags);
        free(tok);
        free(spans);
    }
    return out;
}

static json_t *op_spans(const json_t *c)
{
    span_input in;
    json_t *out = json_object(), *f1, *al;
    double *unit = NULL, overall = 0.0, alpha = 0.0;
    int rc;

    read_spans(c, &in);
    unit = calloc(in.d.n_units ? in.d.n_units : 1, sizeof(*unit));
    json_object_set_new(out, "tokens", span_tokens(&in));
    span_tags_and_conll(&in, out);
    rc = lq_span_f1(&in.d, unit, &overall);
    f1 = rc_only(rc);
    if (rc == 0) {
        json_object_set_new(f1, "unit", doubles(unit, in.d.n_units));
        json_object_set_new(f1, "overall", json_real(overall));
    }
    json_object_set_new(out, "f1", f1);
    rc = lq_span_token_alpha(&in.d, &alpha);
    al = rc_only(rc);
    if (rc == 0)
        json_object_set_new(al, "value", json_real(alpha));
    json_object_set_new(out, "alpha", al);
    json_object_set_new(out, "vote", span_vote(&in));
    json_object_set_new(out, "rebuild", span_rebuild(json_object_get(c, "rebuild"), in.d.n_labels));
    free(unit);
    free(in.v);
    free(in.spans);
    free(in.text);
    free(in.len);
    free(in.names);
    return out;
}

/* --- boxes ---------------------------------------------------------------- */

static lq_box box_of(const json_t *b)
{
    return (lq_box){
        json_number_value(json_array_get(b, 0)), json_number_value(json_array_get(b, 1)),
        json_number_value(json_array_get(b, 2)), json_number_value(json_array_get(b, 3)),
        (uint32_t)json_integer_value(json_array_get(b, 4))};
}

static json_t *box_iou_pairs(const json_t *pairs)
{
    json_t *out = json_array(), *x;
    size_t i;

    json_array_foreach(pairs, i, x)
    {
        lq_box a = box_of(json_array_get(x, 0)), b = box_of(json_array_get(x, 1));

        json_array_append_new(out, json_real(lq_box_iou(&a, &b)));
    }
    return out;
}

/* F1 of every pair of annotations of one unit, as [i, j, f1, matches]. */
static json_t *box_pair_f1(const lq_box_data *d, const lq_box_options *o)
{
    json_t *out = json_array();

    for (size_t i = 0; i < d->n; i++)
        for (size_t j = i + 1; j < d->n; j++) {
            const lq_box_annotation *a = &d->v[i], *b = &d->v[j];
            double f1 = 0.0;
            size_t m = 0;
            int rc;

            if (a->unit != b->unit)
                continue;
            rc =
                lq_box_pair_f1(a->boxes, a->n_boxes, b->boxes, b->n_boxes, d->n_labels, o, &f1, &m);
            json_array_append_new(
                out, json_pack("[IIfIi]", (json_int_t)i, (json_int_t)j, f1, (json_int_t)m, rc));
        }
    return out;
}

static json_t *box_vote(const lq_box_data *d, const lq_box_options *o)
{
    lq_box_consensus c;
    int rc = lq_box_vote(d, o, &c);
    json_t *out = rc_only(rc), *units;

    if (rc != 0)
        return out;
    units = json_array();
    for (uint32_t u = 0; u < c.n_units; u++) {
        json_t *list = json_array();

        for (size_t k = c.start[u]; k < c.start[u + 1]; k++) {
            const lq_box *b = &c.boxes[k];

            json_array_append_new(list,
                                  json_pack("[ffffiif]", b->x, b->y, b->w, b->h, (int)b->label,
                                            (int)c.support[k], c.confidence[k]));
        }
        json_array_append_new(units, list);
    }
    json_object_set_new(out, "boxes", units);
    lq_box_consensus_free(&c);
    return out;
}

static json_t *op_boxes(const json_t *c)
{
    const json_t *anns = json_object_get(c, "annotations"), *x, *b;
    size_t n = json_array_size(anns), total = 0, k = 0, i, j;
    uint32_t nu = get_u32(c, "n_units");
    lq_box_annotation *v;
    lq_box *boxes;
    lq_box_options o;
    lq_box_data d;
    double *unit = calloc(nu ? nu : 1, sizeof(*unit)), overall = 0.0;
    json_t *out = json_object(), *f1;
    int rc;

    lq_box_options_default(&o);
    if (json_object_get(c, "threshold"))
        o.iou_threshold = json_number_value(json_object_get(c, "threshold"));
    o.cluster_any_label = json_is_true(json_object_get(c, "any_label"));
    json_array_foreach(anns, i, x)
    {
        total += json_array_size(json_array_get(x, 2));
    }
    v = calloc(n ? n : 1, sizeof(*v));
    boxes = calloc(total ? total : 1, sizeof(*boxes));
    json_array_foreach(anns, i, x)
    {
        const json_t *list = json_array_get(x, 2);

        v[i] = (lq_box_annotation){(uint32_t)json_integer_value(json_array_get(x, 0)),
                                   (uint32_t)json_integer_value(json_array_get(x, 1)), boxes + k,
                                   json_array_size(list)};
        json_array_foreach(list, j, b)
        {
            boxes[k++] = box_of(b);
        }
    }
    d = (lq_box_data){.v = v,
                      .n = n,
                      .n_units = nu,
                      .n_annotators = get_u32(c, "n_annotators"),
                      .n_labels = get_u32(c, "n_labels")};
    json_object_set_new(out, "iou", box_iou_pairs(json_object_get(c, "iou_pairs")));
    json_object_set_new(out, "pair_f1", box_pair_f1(&d, &o));
    rc = lq_box_f1(&d, &o, unit, &overall);
    f1 = rc_only(rc);
    if (rc == 0) {
        json_object_set_new(f1, "unit", doubles(unit, nu));
        json_object_set_new(f1, "overall", json_real(overall));
    }
    json_object_set_new(out, "f1", f1);
    json_object_set_new(out, "vote", box_vote(&d, &o));
    free(unit);
    free(v);
    free(boxes);
    return out;
}

static json_t *run_case(const json_t *c)
{
    const char *op = json_string_value(json_object_get(c, "op"));

    if (!op)
        return rc_only(LQ_EBADREQ);
    if (strcmp(op, "sets") == 0)
        return op_sets(c);
    if (strcmp(op, "ordinal") == 0)
        return op_ordinal(c);
    if (strcmp(op, "numeric") == 0)
        return op_numeric(c);
    if (strcmp(op, "text") == 0)
        return op_text(c);
    if (strcmp(op, "spans") == 0)
        return op_spans(c);
    if (strcmp(op, "boxes") == 0)
        return op_boxes(c);
    return rc_only(LQ_EBADREQ);
}

int main(void)
{
    json_error_t err;
    json_t *cases = json_loadf(stdin, JSON_ALLOW_NUL, &err), *out, *c;
    size_t i;

    if (!json_is_array(cases)) {
        fprintf(stderr, "labeltypes_driver: bad input: %s (line %d)\n", err.text, err.line);
        return 1;
    }
    out = json_array();
    json_array_foreach(cases, i, c)
    {
        json_array_append_new(out, run_case(c));
    }
    json_dumpf(out, stdout, JSON_COMPACT | JSON_REAL_PRECISION(17));
    putchar('\n');
    json_decref(out);
    json_decref(cases);
    return 0;
}
