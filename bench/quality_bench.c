/* Times quality/'s heavy computations on synthetic data, one thread:
 *   alpha UNITS          Krippendorff's alpha (nominal), UNITS units x 5 ratings, 4 labels
 *   ds RATINGS ANN ITER  Dawid-Skene, RATINGS ratings (5 per unit), 4 classes, ANN
 *                        annotators with accuracies 0.55-0.95, ITER iterations
 * Prints one JSON object per run: what ran, its size and its seconds (data
 * generation not included). The data comes from a fixed-seed generator, so
 * every run times the same input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quality/agreement.h"
#include "quality/dawid_skene.h"

#define RATINGS_PER_UNIT 5
#define CLASSES 4

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: fast, and the same sequence on every machine. */
static uint64_t next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static double uniform(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_alpha(uint32_t units)
{
    size_t n = (size_t)units * RATINGS_PER_UNIT;
    lq_rating *v = malloc(n * sizeof(*v));
    if (!v)
        return 1;
    for (size_t i = 0; i < n; i++)
        v[i] = (lq_rating){(uint32_t)(i / RATINGS_PER_UNIT), (uint32_t)(i % RATINGS_PER_UNIT),
                           (uint32_t)(next() % CLASSES)};
    lq_ratings r = {v, n, units, RATINGS_PER_UNIT, CLASSES, NULL};
    double alpha, t0 = now();
    int rc = lq_krippendorff_alpha(&r, LQ_METRIC_NOMINAL, &alpha);
    double secs = now() - t0;
    printf("{\"bench\": \"krippendorff_alpha_nominal\", \"units\": %u, \"ratings\": %zu, "
           "\"seconds\": %.4f, \"alpha\": %.6f, \"rc\": %d}\n",
           units, n, secs, alpha, rc);
    free(v);
    return rc != 0;
}

static int bench_ds(size_t n, uint32_t annotators, unsigned iterations)
{
    uint32_t units = (uint32_t)(n / RATINGS_PER_UNIT);
    lq_rating *v = malloc(n * sizeof(*v));
    double *accuracy = malloc(annotators * sizeof(*accuracy));
    uint32_t *truth = malloc(units * sizeof(*truth));
    if (!v || !accuracy || !truth)
        return 1;
    for (uint32_t a = 0; a < annotators; a++)
        accuracy[a] = 0.55 + 0.4 * uniform();
    for (uint32_t u = 0; u < units; u++)
        truth[u] = (uint32_t)(next() % CLASSES);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)(i / RATINGS_PER_UNIT), a = (uint32_t)(next() % annotators);
        uint32_t label = truth[u];
        if (uniform() >= accuracy[a])
            label = (label + 1 + (uint32_t)(next() % (CLASSES - 1))) % CLASSES;
        v[i] = (lq_rating){u, a, label};
    }
    lq_ratings r = {v, n, units, annotators, CLASSES, NULL};
    lq_ds_options o;
    lq_ds_options_default(&o);
    o.max_iterations = iterations;
    o.tolerance = 0; /* run every iteration: the figure is per fixed work */
    lq_consensus c;
    double t0 = now();
    int rc = lq_dawid_skene(&r, &o, &c);
    double secs = now() - t0;
    size_t right = 0;
    for (uint32_t u = 0; rc == 0 && u < units; u++)
        right += c.label[u] == truth[u];
    printf("{\"bench\": \"dawid_skene\", \"ratings\": %zu, \"units\": %u, \"annotators\": %u, "
           "\"classes\": %d, \"iterations\": %u, \"seconds\": %.4f, \"units_right\": %.4f, "
           "\"rc\": %d}\n",
           n, units, annotators, CLASSES, rc == 0 ? c.iterations : 0, secs,
           units ? (double)right / units : 0.0, rc);
    if (rc == 0)
        lq_consensus_free(&c);
    free(v);
    free(accuracy);
    free(truth);
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "alpha") == 0)
        return bench_alpha((uint32_t)strtoul(argv[2], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "ds") == 0)
        return bench_ds(strtoull(argv[2], NULL, 10), (uint32_t)strtoul(argv[3], NULL, 10),
                        (unsigned)strtoul(argv[4], NULL, 10));
    fprintf(stderr, "usage: quality_bench alpha UNITS | quality_bench ds RATINGS ANNOTATORS "
                    "ITERATIONS\n");
    return 2;
}
