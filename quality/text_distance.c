/* Edit distance over UTF-8 code points, and the alpha and medoid built on
 * it; contracts in text_distance.h.
 *
 * The dynamic programme keeps one row, as long as the shorter string plus
 * one, and walks the longer string's code points straight from its bytes,
 * so a call holds only the shorter string decoded: O(min(m, n)) memory.
 *
 * Alpha and the medoid compare the same strings many times, so they first
 * build a table of the distinct texts (sorted bytes, deduplicated), each
 * decoded once, and one row buffer for the longest: after that a distance
 * call allocates nothing and cannot fail. */
#include "quality/text_distance.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/unit_groups.h"

/* Sums of distances closer than this are the same sum (see the header). */
static const double MEDOID_TIE_EPS = 1e-9;

/* The bytes of the character led by c, from its top bits alone (1 for a
 * byte that cannot lead one), at most avail. A decoder, not a check: the
 * caller checked the text (proto's lq_utf8_check), and for bytes that are
 * not UTF-8 this only has to stay inside them and be deterministic. */
static size_t char_bytes(unsigned char c, size_t avail)
{
    size_t k = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

    return k <= avail ? k : 1;
}

size_t lq_text_length(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;

    for (size_t i = 0; i < len; n++)
        i += char_bytes(p[i], len - i);
    return n;
}

/* Decodes the character at p[*i] (of len bytes), advancing *i. */
static uint32_t next_code_point(const unsigned char *p, size_t len, size_t *i)
{
    unsigned char c = p[*i];
    size_t k = char_bytes(c, len - *i);
    uint32_t cp;

    if (k == 1) {
        (*i)++;
        return c;
    }
    cp = c & (0x7f >> k);
    for (size_t j = 1; j < k; j++)
        cp = (cp << 6) | (p[*i + j] & 0x3f);
    *i += k;
    return cp;
}

/* Decodes s into cp (room for lq_text_length code points). */
static void decode(const char *s, size_t len, uint32_t *cp)
{
    size_t i = 0, n = 0;

    while (i < len)
        cp[n++] = next_code_point((const unsigned char *)s, len, &i);
}

/* Levenshtein distance between the ns code points of s and the UTF-8
 * bytes of l. row has ns + 1 entries; row[j] holds D[i][j] for the i code
 * points of l seen so far. */
static size_t levenshtein_row(const uint32_t *s, size_t ns, const char *l, size_t llen, size_t *row)
{
    const unsigned char *p = (const unsigned char *)l;
    size_t pos = 0, i = 0;

    for (size_t j = 0; j <= ns; j++)
        row[j] = j;
    while (pos < llen) {
        uint32_t c = next_code_point(p, llen, &pos);
        size_t diag = row[0]; /* D[i][0] */

        row[0] = ++i;
        for (size_t j = 1; j <= ns; j++) {
            size_t up = row[j], best = diag + (s[j - 1] != c);

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[ns];
}

/* Distance between a (na code points) and b (nb). The shorter is decoded
 * into a buffer, the longer streamed. */
static int levenshtein_counted(const char *a, size_t alen, size_t na, const char *b, size_t blen,
                               size_t nb, size_t *out)
{
    uint32_t *cp;
    size_t *row;

    if (na > nb)
        return levenshtein_counted(b, blen, nb, a, alen, na, out);
    cp = malloc((na ? na : 1) * sizeof(*cp));
    row = malloc((na + 1) * sizeof(*row));
    if (!cp || !row) {
        free(cp);
        free(row);
        return LQ_ENOMEM;
    }
    decode(a, alen, cp);
    *out = levenshtein_row(cp, na, b, blen, row);
    free(cp);
    free(row);
    return 0;
}

int lq_levenshtein(const char *a, size_t alen, const char *b, size_t blen, size_t *out)
{
    return levenshtein_counted(a, alen, lq_text_length(a, alen), b, blen,
                               lq_text_length(b, blen), out);
}

int lq_text_distance(const char *a, size_t alen, const char *b, size_t blen, double *out)
{
    size_t na = lq_text_length(a, alen), nb = lq_text_length(b, blen), d;
    int rc;

    if (na == 0 && nb == 0) {
        *out = 0.0;
        return 0;
    }
    if ((rc = levenshtein_counted(a, alen, na, b, blen, nb, &d)) != 0)
        return rc;
    *out = (double)d / (double)(na > nb ? na : nb);
    return 0;
}

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t lq_text_normalize(const char *in, size_t len, char *out)
{
    size_t w = 0;
    int pending_space = 0;

    /* Writing never gets ahead of reading, so out may be in. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];

        if (is_ascii_space(c)) {
            pending_space = w > 0;
            continue;
        }
        if (pending_space)
            out[w++] = ' ';
        pending_space = 0;
        out[w++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return w;
}

/* The distinct texts of a rating set, each decoded once. */
typedef struct text_table {
    uint32_t k;         /* distinct texts */
    uint32_t *id;       /* n: each rating's distinct text */
    const char **bytes; /* k: a copy's bytes (borrowed from the ratings) */
    size_t *len;        /* k */
    size_t *cp_start;   /* k + 1: text t is cps[cp_start[t] .. cp_start[t + 1]) */
    uint32_t *cps;
    size_t *row; /* longest text's code points + 1 */
} text_table;

static void table_free(text_table *t)
{
    free(t->id);
    free(t->bytes);
    free(t->len);
    free(t->cp_start);
    free(t->cps);
    free(t->row);
    memset(t, 0, sizeof(*t));
}

static int by_text(const void *pa, const void *pb)
{
    const lq_text_rating *a = *(const lq_text_rating *const *)pa;
    const lq_text_rating *b = *(const lq_text_rating *const *)pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->text, b->text, n) : 0;

    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* Assigns each rating its distinct text; sorted[] are pointers to the
 * ratings in text order. */
static void number_texts(const lq_text_ratings *r, const lq_text_rating **sorted, text_table *t)
{
    for (size_t i = 0; i < r->n; i++) {
        if (i == 0 || by_text(&sorted[i - 1], &sorted[i]) != 0) {
            t->bytes[t->k] = sorted[i]->text;
            t->len[t->k++] = sorted[i]->len;
        }
        t->id[sorted[i] - r->v] = t->k - 1;
    }
}

/* Decodes every distinct text and sizes the row for the longest. */
static int decode_texts(text_table *t)
{
    size_t total = 0, longest = 0;

    t->cp_start = malloc(((size_t)t->k + 1) * sizeof(*t->cp_start));
    if (!t->cp_start)
        return LQ_ENOMEM;
    for (uint32_t i = 0; i < t->k; i++) {
        size_t n = lq_text_length(t->bytes[i], t->len[i]);

        t->cp_start[i] = total;
        total += n;
        longest = n > longest ? n : longest;
    }
    t->cp_start[t->k] = total;
    t->cps = malloc((total ? total : 1) * sizeof(*t->cps));
    t->row = malloc((longest + 1) * sizeof(*t->row));
    if (!t->cps || !t->row)
        return LQ_ENOMEM;
    for (uint32_t i = 0; i < t->k; i++)
        decode(t->bytes[i], t->len[i], t->cps + t->cp_start[i]);
    return 0;
}

static int table_build(const lq_text_ratings *r, text_table *t)
{
    const lq_text_rating **sorted = NULL;
    size_t n = r->n ? r->n : 1;
    int rc = LQ_EBADREQ;

    memset(t, 0, sizeof(*t));
    if (r->n > UINT32_MAX)
        return LQ_EBADREQ; /* distinct texts must fit a label index */
    for (size_t i = 0; i < r->n; i++) {
        const lq_text_rating *x = &r->v[i];

        if (x->unit >= r->n_units || x->annotator >= r->n_annotators || (!x->text && x->len))
            return LQ_EBADREQ;
    }
    rc = LQ_ENOMEM;
    sorted = malloc(n * sizeof(*sorted));
    t->id = malloc(n * sizeof(*t->id));
    t->bytes = malloc(n * sizeof(*t->bytes));
    t->len = malloc(n * sizeof(*t->len));
    if (!sorted || !t->id || !t->bytes || !t->len)
        goto out;
    for (size_t i = 0; i < r->n; i++)
        sorted[i] = &r->v[i];
    qsort(sorted, r->n, sizeof(*sorted), by_text);
    number_texts(r, sorted, t);
    rc = decode_texts(t);
out:
    free(sorted);
    if (rc != 0)
        table_free(t);
    return rc;
}

/* lq_text_distance between distinct texts a and b; a lq_distance_fn. */
static double table_distance(void *ctx, uint32_t a, uint32_t b)
{
    text_table *t = ctx;
    size_t na = t->cp_start[a + 1] - t->cp_start[a], nb = t->cp_start[b + 1] - t->cp_start[b];

    if (a == b || (na == 0 && nb == 0))
        return 0.0;
    if (na > nb) {
        uint32_t s = a;
        size_t sn = na;

        a = b, b = s;
        na = nb, nb = sn;
    }
    return (double)levenshtein_row(t->cps + t->cp_start[a], na, t->bytes[b], t->len[b], t->row) /
           (double)nb;
}

int lq_text_alpha(const lq_text_ratings *r, const lq_distance_alpha_options *o,
                  lq_alpha_result *out)
{
    lq_distance_alpha_options def;
    text_table t;
    lq_rating *v;
    lq_ratings lr;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = table_build(r, &t)) != 0)
        return rc;
    if (!(v = malloc((r->n ? r->n : 1) * sizeof(*v)))) {
        table_free(&t);
        return LQ_ENOMEM;
    }
    for (size_t i = 0; i < r->n; i++)
        v[i] = (lq_rating){r->v[i].unit, r->v[i].annotator, t.id[i]};
    lr = (lq_ratings){
        .v = v, .n = r->n, .n_units = r->n_units, .n_annotators = r->n_annotators, .n_labels = t.k};
    if (!o) {
        lq_distance_alpha_options_default(&def);
        def.max_exact_values = LQ_TEXT_ALPHA_EXACT_VALUES;
        def.sample_pairs = LQ_TEXT_ALPHA_SAMPLE_PAIRS;
        o = &def;
    }
    rc = lq_distance_alpha(&lr, table_distance, &t, o, out);
    free(v);
    table_free(&t);
    return rc;
}

/* Medoid of the m ratings order[0..m) of one unit; sums is scratch of m. */
static void unit_medoid(text_table *t, const size_t *order, size_t m, double *sums, size_t *medoid,
                        double *mean)
{
    size_t best = 0;

    for (size_t i = 0; i < m; i++)
        sums[i] = 0.0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            double d = table_distance(t, t->id[order[i]], t->id[order[j]]);

            sums[i] += d;
            sums[j] += d;
        }
    /* order[] is in input order (a stable grouping), so the first sum
     * within the tolerance of the least is the lowest index. */
    for (size_t i = 1; i < m; i++)
        if (sums[i] < sums[best])
            best = i;
    for (size_t i = 0; i < best; i++)
        if (sums[i] <= sums[best] + MEDOID_TIE_EPS) {
            best = i;
            break;
        }
    *medoid = order[best];
    *mean = m > 1 ? sums[best] / (double)(m - 1) : 0.0;
}

int lq_text_medoid(const lq_text_ratings *r, size_t *medoid, double *mean_distance)
{
    lq_unit_groups g = {0};
    text_table t;
    double *sums = NULL, mean;
    int rc;

    if ((rc = table_build(r, &t)) != 0)
        return rc;
    rc = lq_unit_groups_build(r->v, r->n, sizeof(*r->v), offsetof(lq_text_rating, unit),
                              offsetof(lq_text_rating, annotator), r->n_units, r->n_annotators,
                              false, &g);
    if (rc != 0)
        goto out;
    rc = LQ_ENOMEM;
    if (!(sums = malloc((r->n ? r->n : 1) * sizeof(*sums))))
        goto out;
    for (uint32_t u = 0; u < r->n_units; u++) {
        size_t lo = g.start[u], m = g.start[u + 1] - lo;

        medoid[u] = SIZE_MAX;
        mean = -1.0;
        if (m > 0)
            unit_medoid(&t, g.order + lo, m, sums, &medoid[u], &mean);
        if (mean_distance)
            mean_distance[u] = mean;
    }
    rc = 0;
out:
    free(sums);
    lq_unit_groups_free(&g);
    table_free(&t);
    return rc;
}

typedef struct pair_table {
    text_table *t;
} pair_table;

static int pair_distance(const void *ctx, size_t i, size_t j, double *out)
{
    const pair_table *p = ctx;

    *out = table_distance(p->t, p->t->id[i], p->t->id[j]);
    return 0;
}

int lq_text_unit_distance(const lq_text_ratings *r, double *unit_mean)
{
    lq_unit_groups g = {0};
    text_table t;
    pair_table p = {&t};
    double overall;
    int rc;

    if ((rc = table_build(r, &t)) != 0)
        return rc;
    rc = lq_unit_groups_build(r->v, r->n, sizeof(*r->v), offsetof(lq_text_rating, unit),
                              offsetof(lq_text_rating, annotator), r->n_units, r->n_annotators,
                              false, &g);
    if (rc == 0) {
        rc = lq_unit_groups_mean_pairs(&g, r->n_units, pair_distance, &p, unit_mean, &overall);
        rc = rc == LQ_EBADREQ ? 0 : rc; /* no unit with a pair: every entry is -1 */
    }
    lq_unit_groups_free(&g);
    table_free(&t);
    return rc;
}

int lq_text_ratings_normalized(const lq_text_ratings *r, lq_text_ratings *out, void **storage)
{
    size_t bytes = 0, at;
    lq_text_rating *v;
    char *text;

    for (size_t i = 0; i < r->n; i++)
        bytes += r->v[i].len;
    at = (r->n ? r->n : 1) * sizeof(*v);
    if (!(*storage = malloc(at + bytes + 1)))
        return LQ_ENOMEM;
    v = *storage;
    text = (char *)*storage + at;
    for (size_t i = 0; i < r->n; i++) {
        size_t len = r->v[i].len ? lq_text_normalize(r->v[i].text, r->v[i].len, text) : 0;

        v[i] = (lq_text_rating){r->v[i].unit, r->v[i].annotator, text, len};
        text += len;
    }
    *out = (lq_text_ratings){v, r->n, r->n_units, r->n_annotators};
    return 0;
}
