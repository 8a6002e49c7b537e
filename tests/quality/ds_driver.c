/* ds_driver: runs lq_dawid_skene (or lq_majority_vote) on ratings read from
 * stdin and prints the whole lq_consensus as JSON, so crosscheck_ds.py can
 * compare it with an independent implementation.
 *
 *   ds_driver [--majority] [--max-iter N] [--tol X] [--smoothing S] < ratings
 *
 * Input: a header line "n_units n_annotators n_labels", then one rating per
 * line, "unit annotator label" (0-based). Output: one JSON object with
 * label (null for a unit without ratings), confidence, tie, posterior
 * [unit][label], priors, confusion [annotator][true][given] (null for
 * majority), accuracy, iterations, converged. Doubles are printed with 17
 * significant digits so nothing is lost. Exit status 0, 1 on bad input or
 * usage, 2 when the library returned an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"
#include "quality/dawid_skene.h"

/* Reads the header and every rating into r (r->v malloc'd). Returns 0 or -1. */
static int read_ratings(FILE *in, lq_ratings *r)
{
    size_t cap = 1024;
    lq_rating *v = malloc(cap * sizeof(*v));
    unsigned u, a, l;
    memset(r, 0, sizeof(*r));
    if (!v || fscanf(in, "%u %u %u", &r->n_units, &r->n_annotators, &r->n_labels) != 3) {
        free(v);
        return -1;
    }
    while (fscanf(in, "%u %u %u", &u, &a, &l) == 3) {
        if (r->n == cap) {
            lq_rating *bigger = realloc(v, 2 * cap * sizeof(*v));
            if (!bigger) {
                free(v);
                return -1;
            }
            v = bigger;
            cap *= 2;
        }
        v[r->n++] = (lq_rating){.unit = u, .annotator = a, .label = l};
    }
    r->v = v;
    return feof(in) ? 0 : -1;
}

static json_t *doubles(const double *x, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_real(x[i]));
    return arr;
}

/* rows arrays of cols doubles each. */
static json_t *matrix(const double *x, size_t rows, size_t cols)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < rows; i++)
        json_array_append_new(arr, doubles(x + i * cols, cols));
    return arr;
}

static json_t *to_json(const lq_consensus *c)
{
    size_t k = c->n_labels;
    json_t *o = json_object(), *labels = json_array(), *ties = json_array();
    for (uint32_t u = 0; u < c->n_units; u++) {
        json_array_append_new(labels,
                              c->label[u] == UINT32_MAX ? json_null() : json_integer(c->label[u]));
        json_array_append_new(ties, json_boolean(c->tie[u]));
    }
    json_object_set_new(o, "label", labels);
    json_object_set_new(o, "confidence", doubles(c->confidence, c->n_units));
    json_object_set_new(o, "tie", ties);
    json_object_set_new(o, "posterior", matrix(c->posterior, c->n_units, k));
    json_object_set_new(o, "priors", doubles(c->priors, k));
    json_t *conf = json_null();
    if (c->confusion) {
        conf = json_array();
        for (uint32_t a = 0; a < c->n_annotators; a++)
            json_array_append_new(conf, matrix(c->confusion + (size_t)a * k * k, k, k));
    }
    json_object_set_new(o, "confusion", conf);
    json_object_set_new(o, "accuracy", doubles(c->accuracy, c->n_annotators));
    json_object_set_new(o, "iterations", json_integer(c->iterations));
    json_object_set_new(o, "converged", json_boolean(c->converged));
    return o;
}

/* Parses the options; returns 0, or -1 on a usage error. */
static int parse_args(int argc, char **argv, lq_ds_options *o, int *majority)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--majority") == 0) {
            *majority = 1;
            continue;
        }
        if (!val)
            return -1;
        if (strcmp(arg, "--max-iter") == 0)
            o->max_iterations = (unsigned)strtoul(val, NULL, 10);
        else if (strcmp(arg, "--tol") == 0)
            o->tolerance = strtod(val, NULL);
        else if (strcmp(arg, "--smoothing") == 0)
            o->smoothing = strtod(val, NULL);
        else
            return -1;
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    lq_ds_options o;
    lq_ratings r;
    lq_consensus c;
    int majority = 0;
    lq_ds_options_default(&o);
    if (parse_args(argc, argv, &o, &majority) != 0) {
        fprintf(stderr, "usage: ds_driver [--majority] [--max-iter N] [--tol X] "
                        "[--smoothing S] < ratings\n");
        return 1;
    }
    if (read_ratings(stdin, &r) != 0) {
        fprintf(stderr, "ds_driver: bad input\n");
        return 1;
    }
    int rc = majority ? lq_majority_vote(&r, &c) : lq_dawid_skene(&r, &o, &c);
    free((void *)r.v);
    if (rc != 0) {
        /* The code only: lq_strerror lives in lq_proto, which this driver
         * does not need to link. */
        fprintf(stderr, "ds_driver: error %d (%s)\n", rc,
                rc == LQ_EBADREQ  ? "bad request"
                : rc == LQ_ENOMEM ? "out of memory"
                                  : "other");
        return 2;
    }
    json_t *j = to_json(&c);
    lq_consensus_free(&c);
    json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    putchar('\n');
    json_decref(j);
    return 0;
}
