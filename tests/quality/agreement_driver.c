/* Runs every agreement metric on ratings read from stdin and prints the
 * results as JSON, so crosscheck_agreement.py can compare them with
 * independent implementations.
 *
 * Input (whitespace-separated integers, except the values):
 *   n_units n_annotators n_labels has_values
 *   v_0 ... v_{n_labels-1}          (only when has_values is 1)
 *   unit annotator label            (one rating per line, any number)
 *
 * Output: {"percent_agreement": M, "cohen": {"none": M, "linear": M,
 * "quadratic": M}, "fleiss": M, "alpha": {"nominal": M, ...}, "item": M,
 * "pairwise": M} where M is {"rc": code, "value": result} ("value" only when
 * rc is 0; a list for item and pairwise).
 *
 * With "--bench UNITS" it instead times Krippendorff's nominal alpha on UNITS
 * random units of 5 ratings and 4 labels, index building included. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/error.h"
#include "quality/agreement.h"

typedef struct input {
    lq_ratings r;
    lq_rating *v;
    double *values;
} input;

static int read_input(FILE *in, input *d)
{
    unsigned nu, na, nl, has_values;
    size_t cap = 1024;
    lq_rating x;

    memset(d, 0, sizeof(*d));
    if (fscanf(in, "%u %u %u %u", &nu, &na, &nl, &has_values) != 4)
        return -1;
    d->r = (lq_ratings){.n_units = nu, .n_annotators = na, .n_labels = nl};
    if (has_values) {
        d->values = malloc((nl ? nl : 1) * sizeof(double));
        for (unsigned l = 0; d->values && l < nl; l++)
            if (fscanf(in, "%lf", &d->values[l]) != 1)
                return -1;
        d->r.values = d->values;
    }
    d->v = malloc(cap * sizeof(*d->v));
    while (d->v && fscanf(in, "%u %u %u", &x.unit, &x.annotator, &x.label) == 3) {
        if (d->r.n == cap)
            d->v = realloc(d->v, (cap *= 2) * sizeof(*d->v));
        if (d->v)
            d->v[d->r.n++] = x;
    }
    d->r.v = d->v;
    return d->v ? 0 : -1;
}

static json_t *result(int rc, double value)
{
    json_t *o = json_pack("{s:i}", "rc", rc);

    if (rc == 0)
        json_object_set_new(o, "value", json_real(value));
    return o;
}

static json_t *result_list(int rc, const double *v, size_t n)
{
    json_t *o = json_pack("{s:i}", "rc", rc);
    json_t *a = json_array();

    for (size_t i = 0; rc == 0 && i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    json_object_set_new(o, "value", a);
    return o;
}

static json_t *cohen_all(const lq_ratings *r)
{
    static const char *names[] = {"none", "linear", "quadratic"};
    static const lq_kappa_weights w[] = {LQ_WEIGHTS_NONE, LQ_WEIGHTS_LINEAR, LQ_WEIGHTS_QUADRATIC};
    json_t *o = json_object();

    for (int i = 0; i < 3; i++) {
        double k = 0.0;
        int rc = lq_cohen_kappa(r, w[i], &k);

        json_object_set_new(o, names[i], result(rc, k));
    }
    return o;
}

static json_t *alpha_all(const lq_ratings *r)
{
    static const char *names[] = {"nominal", "ordinal", "interval", "ratio"};
    static const lq_metric m[] = {LQ_METRIC_NOMINAL, LQ_METRIC_ORDINAL, LQ_METRIC_INTERVAL,
                                  LQ_METRIC_RATIO};
    json_t *o = json_object();

    for (int i = 0; i < 4; i++) {
        double a = 0.0;
        int rc = lq_krippendorff_alpha(r, m[i], &a);

        json_object_set_new(o, names[i], result(rc, a));
    }
    return o;
}

static json_t *all_metrics(const lq_ratings *r)
{
    size_t na = r->n_annotators;
    double *item = malloc((r->n_units ? r->n_units : 1) * sizeof(double));
    double *pair = malloc((na ? na * na : 1) * sizeof(double));
    json_t *o = json_object();
    double v = 0.0;
    int rc;

    rc = lq_percent_agreement(r, &v);
    json_object_set_new(o, "percent_agreement", result(rc, v));
    json_object_set_new(o, "cohen", cohen_all(r));
    rc = lq_fleiss_kappa(r, &v);
    json_object_set_new(o, "fleiss", result(rc, v));
    json_object_set_new(o, "alpha", alpha_all(r));
    rc = item && pair ? lq_item_agreement(r, item) : LQ_ENOMEM;
    json_object_set_new(o, "item", result_list(rc, item, r->n_units));
    rc = item && pair ? lq_pairwise_agreement(r, pair) : LQ_ENOMEM;
    json_object_set_new(o, "pairwise", result_list(rc, pair, na * na));
    free(item);
    free(pair);
    return o;
}

/* xorshift64*: a fixed, fast generator so the benchmark data is the same on
 * every run. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int bench(uint32_t units)
{
    const uint32_t per_unit = 5, n_annotators = 20, n_labels = 4;
    size_t n = (size_t)units * per_unit;
    lq_rating *v = malloc(n * sizeof(*v));
    uint64_t seed = 42;
    struct timespec t0, t1;
    double alpha = 0.0;
    int rc;

    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)(i / per_unit);
        uint32_t a = (uint32_t)((u + i % per_unit) % n_annotators);

        v[i] = (lq_rating){u, a, (uint32_t)(next_random(&seed) % n_labels)};
    }
    lq_ratings r = {
        .v = v, .n = n, .n_units = units, .n_annotators = n_annotators, .n_labels = n_labels};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = lq_krippendorff_alpha(&r, LQ_METRIC_NOMINAL, &alpha);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("{\"units\": %u, \"ratings\": %zu, \"rc\": %d, \"alpha\": %.17g, \"seconds\": %.6f}\n",
           units, n, rc, alpha,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    free(v);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    input d;
    json_t *o;

    if (argc == 3 && strcmp(argv[1], "--bench") == 0)
        return bench((uint32_t)strtoul(argv[2], NULL, 10));
    if (read_input(stdin, &d)) {
        fprintf(stderr, "agreement_driver: bad input\n");
        return 2;
    }
    o = all_metrics(&d.r);
    json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(17));
    putchar('\n');
    json_decref(o);
    free(d.v);
    free(d.values);
    return 0;
}
