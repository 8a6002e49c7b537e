/* Span tokenising, BIO tags, F1, alpha and vote; contracts in spans.h. */
#include "quality/spans.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/agreement.h"
#include "quality/unit_groups.h"

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t lq_tokenize(const char *text, size_t len, lq_token *out)
{
    size_t n = 0, i = 0;

    while (i < len) {
        size_t start;

        while (i < len && is_space((unsigned char)text[i]))
            i++;
        if (i == len)
            break;
        start = i;
        while (i < len && !is_space((unsigned char)text[i]))
            i++;
        if (out)
            out[n] = (lq_token){start, i};
        n++;
    }
    return n;
}

static int by_start(const void *pa, const void *pb)
{
    const lq_span *a = pa, *b = pb;

    if (a->start != b->start)
        return (a->start > b->start) - (a->start < b->start);
    if (a->end != b->end)
        return (a->end > b->end) - (a->end < b->end);
    return (a->label > b->label) - (a->label < b->label);
}

/* A sorted copy of spans (by start, end, label), or NULL when out of
 * memory. */
static lq_span *sorted_copy(const lq_span *spans, size_t n)
{
    lq_span *s = malloc((n ? n : 1) * sizeof(*s));

    if (!s)
        return NULL;
    if (n)
        memcpy(s, spans, n * sizeof(*s));
    qsort(s, n, sizeof(*s), by_start);
    return s;
}

/* The rules on a sorted list: in range, not empty, no overlap. */
static int check_sorted(const lq_span *s, size_t n, uint32_t n_labels, size_t text_len)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].start >= s[i].end || s[i].end > text_len || s[i].label >= n_labels)
            return LQ_EBADREQ;
        if (i > 0 && s[i].start < s[i - 1].end)
            return LQ_EBADREQ;
    }
    return 0;
}

int lq_spans_check(const lq_span *spans, size_t n, uint32_t n_labels, size_t text_len)
{
    lq_span *s = sorted_copy(spans, n);
    int rc;

    if (!s)
        return LQ_ENOMEM;
    rc = check_sorted(s, n, n_labels, text_len);
    free(s);
    return rc;
}

/* The first token that ends after offset x (tokens are in text order). */
static size_t first_token_ending_after(const lq_token *tok, size_t n_tok, size_t x)
{
    size_t lo = 0, hi = n_tok;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tok[mid].end <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Tags from checked spans in text order: each span tags the still untagged
 * tokens it overlaps, so the span that starts first keeps a shared token. */
static void tag_sorted(const lq_span *s, size_t n, const lq_token *tok, size_t n_tok,
                       uint32_t *tags)
{
    for (size_t t = 0; t < n_tok; t++)
        tags[t] = LQ_TAG_O;
    for (size_t i = 0; i < n; i++) {
        bool first = true;

        for (size_t t = first_token_ending_after(tok, n_tok, s[i].start);
             t < n_tok && tok[t].start < s[i].end; t++) {
            if (tags[t] != LQ_TAG_O)
                continue;
            tags[t] = first ? LQ_TAG_B(s[i].label) : LQ_TAG_I(s[i].label);
            first = false;
        }
    }
}

int lq_spans_to_tags(const lq_span *spans, size_t n, uint32_t n_labels, size_t text_len,
                     const lq_token *tok, size_t n_tok, uint32_t *tags)
{
    lq_span *s = sorted_copy(spans, n);
    int rc;

    if (!s)
        return LQ_ENOMEM;
    rc = check_sorted(s, n, n_labels, text_len);
    if (rc == 0)
        tag_sorted(s, n, tok, n_tok, tags);
    free(s);
    return rc;
}

/* A run of tokens [first, last] forming one span. */
typedef struct tag_run {
    size_t first, last;
    uint32_t label;
} tag_run;

/* The runs encoded by tags (all valid); returns their number. */
static size_t runs_from_tags(const uint32_t *tags, size_t n_tok, tag_run *runs)
{
    size_t n = 0;
    bool open = false;

    for (size_t t = 0; t < n_tok; t++) {
        uint32_t label;
        bool begin;

        if (tags[t] == LQ_TAG_O) {
            open = false;
            continue;
        }
        label = (tags[t] - 1) / 2;
        begin = (tags[t] - 1) % 2 == 0;
        if (begin || !open || runs[n - 1].label != label) {
            runs[n++] = (tag_run){t, t, label};
            open = true;
        } else {
            runs[n - 1].last = t;
        }
    }
    return n;
}

int lq_spans_from_tags(const uint32_t *tags, const lq_token *tok, size_t n_tok, uint32_t n_labels,
                       lq_span *out, size_t *n_out)
{
    tag_run *runs;
    size_t n;

    for (size_t t = 0; t < n_tok; t++)
        if (tags[t] > 2u * (uint64_t)n_labels)
            return LQ_EBADREQ;
    if (!(runs = malloc((n_tok ? n_tok : 1) * sizeof(*runs))))
        return LQ_ENOMEM;
    n = runs_from_tags(tags, n_tok, runs);
    for (size_t i = 0; i < n; i++)
        out[i] = (lq_span){tok[runs[i].first].start, tok[runs[i].last].end, runs[i].label};
    *n_out = n;
    free(runs);
    return 0;
}

int lq_span_pair_f1(const lq_span *a, size_t na, const lq_span *b, size_t nb, double *f1)
{
    lq_span *sa, *sb;
    size_t i = 0, j = 0, matches = 0;

    if (na + nb == 0) {
        *f1 = 1.0;
        return 0;
    }
    sa = sorted_copy(a, na);
    sb = sorted_copy(b, nb);
    if (!sa || !sb) {
        free(sa);
        free(sb);
        return LQ_ENOMEM;
    }
    /* A merge of the two sorted lists counts each shared span once per
     * pair of equal entries, so a list with a span twice matches it twice
     * only if the other lists it twice too. */
    while (i < na && j < nb) {
        int c = by_start(&sa[i], &sb[j]);

        matches += c == 0;
        i += c <= 0;
        j += c >= 0;
    }
    free(sa);
    free(sb);
    *f1 = 2.0 * (double)matches / (double)(na + nb);
    return 0;
}

/* Groups d's annotations by unit and checks every one of them. */
static int group_checked(const lq_span_data *d, lq_unit_groups *g)
{
    int rc;

    if (d->n && (!d->text || !d->text_len))
        return LQ_EBADREQ;
    rc = lq_unit_groups_build(d->v, d->n, sizeof(*d->v), offsetof(lq_span_annotation, unit),
                              offsetof(lq_span_annotation, annotator), d->n_units, d->n_annotators,
                              true, g);
    for (size_t i = 0; rc == 0 && i < d->n; i++) {
        const lq_span_annotation *a = &d->v[i];

        if ((a->n_spans && !a->spans) || (d->text_len[a->unit] && !d->text[a->unit]))
            rc = LQ_EBADREQ;
        else
            rc = lq_spans_check(a->spans, a->n_spans, d->n_labels, d->text_len[a->unit]);
    }
    if (rc != 0)
        lq_unit_groups_free(g);
    return rc;
}

static int span_pair_f1(const void *ctx, size_t i, size_t j, double *out)
{
    const lq_span_data *d = ctx;
    const lq_span_annotation *a = &d->v[i], *b = &d->v[j];
    return lq_span_pair_f1(a->spans, a->n_spans, b->spans, b->n_spans, out);
}

int lq_span_f1(const lq_span_data *d, double *unit_f1, double *overall)
{
    lq_unit_groups g;
    int rc;

    if ((rc = group_checked(d, &g)) != 0)
        return rc;
    rc = lq_unit_groups_mean_pairs(&g, d->n_units, span_pair_f1, d, unit_f1, overall);
    lq_unit_groups_free(&g);
    return rc;
}

/* Tokens of every annotated unit, found once: unit u's are
 * tok[tok_start[u] .. tok_start[u+1]). */
typedef struct unit_tokens {
    size_t *tok_start; /* n_units + 1 */
    lq_token *tok;
    size_t largest; /* most tokens in one unit */
} unit_tokens;

static void unit_tokens_free(unit_tokens *t)
{
    free(t->tok_start);
    free(t->tok);
    memset(t, 0, sizeof(*t));
}

static int unit_tokens_build(const lq_span_data *d, const lq_unit_groups *g, unit_tokens *t)
{
    size_t total = 0;

    memset(t, 0, sizeof(*t));
    if (!(t->tok_start = malloc(((size_t)d->n_units + 1) * sizeof(*t->tok_start))))
        return LQ_ENOMEM;
    for (uint32_t u = 0; u < d->n_units; u++) {
        size_t k =
            g->start[u + 1] > g->start[u] ? lq_tokenize(d->text[u], d->text_len[u], NULL) : 0;

        t->tok_start[u] = total;
        total += k;
        t->largest = k > t->largest ? k : t->largest;
    }
    t->tok_start[d->n_units] = total;
    if (!(t->tok = malloc((total ? total : 1) * sizeof(*t->tok)))) {
        unit_tokens_free(t);
        return LQ_ENOMEM;
    }
    for (uint32_t u = 0; u < d->n_units; u++)
        if (t->tok_start[u + 1] > t->tok_start[u])
            lq_tokenize(d->text[u], d->text_len[u], t->tok + t->tok_start[u]);
    return 0;
}

/* Builds the (unit, token) ratings: every annotation tags every token of
 * its unit. */
static int token_ratings(const lq_span_data *d, const lq_unit_groups *g, const unit_tokens *t,
                         lq_rating **out, size_t *n)
{
    size_t total = 0, k = 0;
    uint32_t *tags;
    lq_rating *v;
    int rc = 0;

    for (size_t i = 0; i < d->n; i++)
        total += t->tok_start[d->v[i].unit + 1] - t->tok_start[d->v[i].unit];
    v = malloc((total ? total : 1) * sizeof(*v));
    tags = malloc((t->largest ? t->largest : 1) * sizeof(*tags));
    if (!v || !tags) {
        free(v);
        free(tags);
        return LQ_ENOMEM;
    }
    for (uint32_t u = 0; u < d->n_units && rc == 0; u++)
        for (size_t i = g->start[u]; i < g->start[u + 1] && rc == 0; i++) {
            const lq_span_annotation *a = &d->v[g->order[i]];
            size_t base = t->tok_start[u], n_tok = t->tok_start[u + 1] - base;

            rc = lq_spans_to_tags(a->spans, a->n_spans, d->n_labels, d->text_len[u], t->tok + base,
                                  n_tok, tags);
            for (size_t j = 0; rc == 0 && j < n_tok; j++)
                v[k++] = (lq_rating){(uint32_t)(base + j), a->annotator, tags[j]};
        }
    free(tags);
    if (rc != 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int lq_span_token_alpha(const lq_span_data *d, double *alpha)
{
    lq_unit_groups g;
    unit_tokens t = {0};
    lq_rating *v = NULL;
    lq_ratings r;
    size_t n = 0;
    int rc;

    if (d->n_labels > (UINT32_MAX - 1) / 2)
        return LQ_EBADREQ; /* the tags must fit a label index */
    if ((rc = group_checked(d, &g)) != 0)
        return rc;
    if ((rc = unit_tokens_build(d, &g, &t)) != 0)
        goto out;
    rc = LQ_EBADREQ; /* (unit, token) pairs must fit a unit index */
    if (t.tok_start[d->n_units] > UINT32_MAX)
        goto out;
    if ((rc = token_ratings(d, &g, &t, &v, &n)) != 0)
        goto out;
    r = (lq_ratings){.v = v,
                     .n = n,
                     .n_units = (uint32_t)t.tok_start[d->n_units],
                     .n_annotators = d->n_annotators,
                     .n_labels = 2 * d->n_labels + 1};
    rc = lq_krippendorff_alpha(&r, LQ_METRIC_NOMINAL, alpha);
out:
    free(v);
    unit_tokens_free(&t);
    lq_unit_groups_free(&g);
    return rc;
}

void lq_span_consensus_free(lq_span_consensus *c)
{
    free(c->start);
    free(c->spans);
    free(c->confidence);
    free(c->unit_confidence);
    memset(c, 0, sizeof(*c));
}

static int by_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

    return (a > b) - (a < b);
}

/* A tag's place in the vote's tie order: O, then every B tag, then every
 * I tag, labels in schema order within each (spans.h). */
static uint32_t tie_rank(uint32_t tag, uint32_t n_labels)
{
    if (tag == LQ_TAG_O)
        return 0;
    return (tag - 1) % 2 == 0 ? 1 + (tag - 1) / 2 : 1 + n_labels + (tag - 1) / 2;
}

static uint32_t tag_of_rank(uint32_t rank, uint32_t n_labels)
{
    if (rank == 0)
        return LQ_TAG_O;
    return rank <= n_labels ? LQ_TAG_B(rank - 1) : LQ_TAG_I(rank - 1 - n_labels);
}

/* The most frequent of the m tags in col (overwritten), the first in tie
 * order on a tie; *votes gets its count. */
static uint32_t mode(uint32_t *col, size_t m, uint32_t n_labels, size_t *votes)
{
    uint32_t best = 0;
    size_t best_n = 0;

    for (size_t i = 0; i < m; i++)
        col[i] = tie_rank(col[i], n_labels);
    qsort(col, m, sizeof(*col), by_u32);
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i; j < m && col[j] == col[i]; j++)
            ;
        if (j - i > best_n) {
            best = col[i];
            best_n = j - i;
        }
    }
    *votes = best_n;
    return tag_of_rank(best, n_labels);
}

/* Scratch for one unit's vote, sized for the largest unit. */
typedef struct vote_work {
    uint32_t *tags;  /* annotations x tokens: tags[i * n_tok + t] */
    uint32_t *col;   /* one token's tags from every annotation */
    uint32_t *voted; /* tokens */
    double *share;   /* tokens: the voted tag's share of the annotations */
    tag_run *runs;   /* tokens */
} vote_work;

/* Votes unit u and appends its spans to out (room reserved by the
 * caller). */
static int vote_unit(const lq_span_data *d, const lq_unit_groups *g, const unit_tokens *t,
                     uint32_t u, vote_work *w, lq_span_consensus *out)
{
    size_t lo = g->start[u], m = g->start[u + 1] - lo;
    size_t base = t->tok_start[u], n_tok = t->tok_start[u + 1] - base, n_runs;
    const lq_token *tok = t->tok + base;

    for (size_t i = 0; i < m; i++) {
        const lq_span_annotation *a = &d->v[g->order[lo + i]];
        int rc = lq_spans_to_tags(a->spans, a->n_spans, d->n_labels, d->text_len[u], tok, n_tok,
                                  w->tags + i * n_tok);

        if (rc != 0)
            return rc;
    }
    double shares = 0.0;

    for (size_t k = 0; k < n_tok; k++) {
        size_t votes;

        for (size_t i = 0; i < m; i++)
            w->col[i] = w->tags[i * n_tok + k];
        w->voted[k] = mode(w->col, m, d->n_labels, &votes);
        w->share[k] = (double)votes / (double)m;
        shares += w->share[k];
    }
    out->unit_confidence[u] = n_tok ? shares / (double)n_tok : 1.0;
    n_runs = runs_from_tags(w->voted, n_tok, w->runs);
    for (size_t i = 0; i < n_runs; i++) {
        const tag_run *run = &w->runs[i];
        double sum = 0.0;

        for (size_t k = run->first; k <= run->last; k++)
            sum += w->share[k];
        out->spans[out->n] = (lq_span){tok[run->first].start, tok[run->last].end, run->label};
        out->confidence[out->n++] = sum / (double)(run->last - run->first + 1);
    }
    return 0;
}

static int vote_all(const lq_span_data *d, const lq_unit_groups *g, const unit_tokens *t,
                    lq_span_consensus *out)
{
    size_t most = 0, cells = 0, total = t->tok_start[d->n_units];
    vote_work w = {0};
    int rc = LQ_ENOMEM;

    for (uint32_t u = 0; u < d->n_units; u++) {
        size_t m = g->start[u + 1] - g->start[u];
        size_t c = m * (t->tok_start[u + 1] - t->tok_start[u]);

        most = m > most ? m : most;
        cells = c > cells ? c : cells;
    }
    w.tags = malloc((cells ? cells : 1) * sizeof(*w.tags));
    w.col = malloc((most ? most : 1) * sizeof(*w.col));
    w.voted = malloc((t->largest ? t->largest : 1) * sizeof(*w.voted));
    w.share = malloc((t->largest ? t->largest : 1) * sizeof(*w.share));
    w.runs = malloc((t->largest ? t->largest : 1) * sizeof(*w.runs));
    /* A span has at least one token, so the tokens bound the spans. */
    out->spans = malloc((total ? total : 1) * sizeof(*out->spans));
    out->confidence = malloc((total ? total : 1) * sizeof(*out->confidence));
    out->unit_confidence = calloc(d->n_units ? d->n_units : 1, sizeof(*out->unit_confidence));
    if (!w.tags || !w.col || !w.voted || !w.share || !w.runs || !out->spans || !out->confidence ||
        !out->unit_confidence)
        goto out;
    rc = 0;
    for (uint32_t u = 0; u < d->n_units && rc == 0; u++) {
        out->start[u] = out->n;
        if (g->start[u + 1] > g->start[u])
            rc = vote_unit(d, g, t, u, &w, out);
    }
    out->start[d->n_units] = out->n;
out:
    free(w.tags);
    free(w.col);
    free(w.voted);
    free(w.share);
    free(w.runs);
    return rc;
}

int lq_span_vote(const lq_span_data *d, lq_span_consensus *out)
{
    lq_unit_groups g;
    unit_tokens t = {0};
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = group_checked(d, &g)) != 0)
        return rc;
    out->n_units = d->n_units;
    if (!(out->start = malloc(((size_t)d->n_units + 1) * sizeof(*out->start))))
        rc = LQ_ENOMEM;
    if (rc == 0)
        rc = unit_tokens_build(d, &g, &t);
    if (rc == 0)
        rc = vote_all(d, &g, &t, out);
    unit_tokens_free(&t);
    lq_unit_groups_free(&g);
    if (rc != 0)
        lq_span_consensus_free(out);
    return rc;
}

/* A label name usable in a CoNLL column. */
static bool name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (is_space((unsigned char)*s))
            return false;
    return true;
}

/* Appends n bytes of s at *w when they fit (buf NULL: only counts). */
static void put(char *buf, size_t cap, size_t *w, const char *s, size_t n)
{
    if (buf && *w + n < cap)
        memcpy(buf + *w, s, n);
    *w += n;
}

/* Writes (or, with buf NULL, measures) the lines; returns their length. */
static size_t conll_lines(const char *text, const lq_token *tok, size_t n_tok, const uint32_t *tags,
                          const char *const *names, char *buf, size_t cap)
{
    size_t w = 0;

    for (size_t t = 0; t < n_tok; t++) {
        put(buf, cap, &w, text + tok[t].start, tok[t].end - tok[t].start);
        if (tags[t] == LQ_TAG_O) {
            put(buf, cap, &w, "\tO\n", 3);
            continue;
        }
        put(buf, cap, &w, (tags[t] - 1) % 2 == 0 ? "\tB-" : "\tI-", 3);
        put(buf, cap, &w, names[(tags[t] - 1) / 2], strlen(names[(tags[t] - 1) / 2]));
        put(buf, cap, &w, "\n", 1);
    }
    return w;
}

int lq_spans_conll(const char *text, size_t len, const lq_span *spans, size_t n,
                   const char *const *label_names, uint32_t n_labels, char *buf, size_t cap,
                   size_t *out_len)
{
    size_t n_tok = lq_tokenize(text, len, NULL);
    lq_token *tok = malloc((n_tok ? n_tok : 1) * sizeof(*tok));
    uint32_t *tags = malloc((n_tok ? n_tok : 1) * sizeof(*tags));
    int rc = LQ_ENOMEM;

    if (!tok || !tags)
        goto out;
    rc = LQ_EBADREQ;
    if (!label_names && n_labels)
        goto out;
    for (uint32_t l = 0; l < n_labels; l++)
        if (!name_ok(label_names[l]))
            goto out;
    lq_tokenize(text, len, tok);
    if ((rc = lq_spans_to_tags(spans, n, n_labels, len, tok, n_tok, tags)) != 0)
        goto out;
    *out_len = conll_lines(text, tok, n_tok, tags, label_names, NULL, 0);
    if (buf && cap > *out_len) {
        conll_lines(text, tok, n_tok, tags, label_names, buf, cap);
        buf[*out_len] = '\0';
    }
out:
    free(tok);
    free(tags);
    return rc;
}
