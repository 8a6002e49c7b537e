/* Observed agreement between pairs of annotators: the annotator matrix and
 * its average, percent agreement (NLTK's avg_Ao).
 *
 * Repeated ratings: a pair is compared on each annotator's first rating of a
 * unit (see first_ratings.h for why).
 *
 * Both walk the same sweep: for each annotator a, over the units a rated,
 * count for every later annotator b the units they share and the ones they
 * agree on. That costs O(n + sum over units of raters^2) time and O(n +
 * annotators) memory, so a crowd of many annotators who each meet few others
 * never needs an annotators x annotators table (only the matrix's caller,
 * who asked for one, pays for it). */
#include "quality/agreement.h"

#include <stdlib.h>

#include "proto/error.h"
#include "quality/first_ratings.h"

/* Called once for each pair a < b sharing at least one unit. */
typedef void (*pair_fn)(void *ctx, uint32_t a, uint32_t b, size_t shared, size_t agree);

typedef struct sweep {
    const lq_first_ratings *f;
    size_t *astart; /* n_annotators + 1: a's ratings are apos[astart[a] .. astart[a+1]) */
    size_t *apos;   /* positions in f->v, grouped by annotator */
    size_t *shared; /* per b, for the current a */
    size_t *agree;
    uint32_t *touched;
    uint32_t n_touched;
} sweep;

static void sweep_free(sweep *s)
{
    free(s->astart);
    free(s->apos);
    free(s->shared);
    free(s->agree);
    free(s->touched);
    *s = (sweep){0};
}

/* Groups the first ratings by annotator (counting sort). */
static int sweep_init(sweep *s, const lq_first_ratings *f, uint32_t n_annotators)
{
    size_t na = n_annotators ? n_annotators : 1;

    *s = (sweep){.f = f};
    s->astart = calloc((size_t)n_annotators + 1, sizeof(*s->astart));
    s->apos = malloc((f->n ? f->n : 1) * sizeof(*s->apos));
    s->shared = calloc(na, sizeof(*s->shared));
    s->agree = calloc(na, sizeof(*s->agree));
    s->touched = malloc(na * sizeof(*s->touched));
    if (!s->astart || !s->apos || !s->shared || !s->agree || !s->touched) {
        sweep_free(s);
        return LQ_ENOMEM;
    }
    for (size_t p = 0; p < f->n; p++)
        s->astart[f->v[p].annotator + 1]++;
    for (uint32_t a = 0; a < n_annotators; a++)
        s->astart[a + 1] += s->astart[a];
    /* Placing advances astart[a] to a's end, which is where a + 1 starts;
     * shifting by one then restores every start. */
    for (size_t p = 0; p < f->n; p++)
        s->apos[s->astart[f->v[p].annotator]++] = p;
    for (uint32_t a = n_annotators; a > 0; a--)
        s->astart[a] = s->astart[a - 1];
    s->astart[0] = 0;
    return 0;
}

/* Counts, for annotator a's rating at position p, the later annotators in
 * the same unit. */
static void count_unit(sweep *s, uint32_t a, size_t p)
{
    const lq_rating *x = &s->f->v[p];

    for (size_t q = s->f->start[x->unit]; q < s->f->start[x->unit + 1]; q++) {
        const lq_rating *y = &s->f->v[q];

        if (y->annotator <= a)
            continue;
        if (s->shared[y->annotator]++ == 0)
            s->touched[s->n_touched++] = y->annotator;
        s->agree[y->annotator] += y->label == x->label;
    }
}

static void sweep_run(sweep *s, uint32_t n_annotators, pair_fn fn, void *ctx)
{
    for (uint32_t a = 0; a < n_annotators; a++) {
        for (size_t i = s->astart[a]; i < s->astart[a + 1]; i++)
            count_unit(s, a, s->apos[i]);
        for (uint32_t t = 0; t < s->n_touched; t++) {
            uint32_t b = s->touched[t];

            fn(ctx, a, b, s->shared[b], s->agree[b]);
            s->shared[b] = 0;
            s->agree[b] = 0;
        }
        s->n_touched = 0;
    }
}

/* Builds the views and runs fn over every pair that shares a unit. If
 * diag_out is not NULL it is the annotator matrix, whose diagonal gets 1 for
 * each annotator with ratings and -1 for the others. */
static int for_each_pair(const lq_ratings *r, pair_fn fn, void *ctx, double *diag_out)
{
    lq_first_ratings f = {0};
    sweep s = {0};
    size_t na = r->n_annotators;
    int rc = lq_ratings_check(r);

    if (rc)
        return rc;
    rc = lq_first_ratings_build(r, &f);
    if (rc)
        return rc;
    rc = sweep_init(&s, &f, r->n_annotators);
    if (rc)
        goto out;
    sweep_run(&s, r->n_annotators, fn, ctx);
    for (uint32_t a = 0; diag_out && a < r->n_annotators; a++)
        diag_out[a * na + a] = s.astart[a + 1] > s.astart[a] ? 1.0 : -1.0;
out:
    sweep_free(&s);
    lq_first_ratings_free(&f);
    return rc;
}

typedef struct mean_acc {
    double sum;
    size_t pairs;
} mean_acc;

static void add_to_mean(void *ctx, uint32_t a, uint32_t b, size_t shared, size_t agree)
{
    mean_acc *m = ctx;

    (void)a;
    (void)b;
    m->sum += (double)agree / (double)shared;
    m->pairs++;
}

int lq_percent_agreement(const lq_ratings *r, double *out)
{
    mean_acc m = {0};
    int rc = for_each_pair(r, add_to_mean, &m, NULL);

    if (rc)
        return rc;
    if (m.pairs == 0)
        return LQ_EBADREQ;
    *out = m.sum / (double)m.pairs;
    return 0;
}

typedef struct matrix {
    double *out;
    size_t n;
} matrix;

static void put_in_matrix(void *ctx, uint32_t a, uint32_t b, size_t shared, size_t agree)
{
    matrix *m = ctx;
    double v = (double)agree / (double)shared;

    m->out[a * m->n + b] = v;
    m->out[b * m->n + a] = v;
}

int lq_pairwise_agreement(const lq_ratings *r, double *out)
{
    size_t na = r->n_annotators;
    matrix m = {.out = out, .n = na};

    /* Pairs that share no unit are never visited, so they stay at -1. */
    for (size_t i = 0; i < na * na; i++)
        out[i] = -1.0;
    return for_each_pair(r, put_in_matrix, &m, out);
}
