/* A small, fast, reproducible PRNG per annotator thread (splitmix64), so
 * that --seed gives every simulated annotator the same stream on every run
 * regardless of how threads interleave. Not for anything secret. */
#ifndef LQ_BENCH_RNG_H
#define LQ_BENCH_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_rng {
    uint64_t state;
} bench_rng;

/* Seeds from seed and a stream index (the annotator's). Cannot fail. */
void bench_rng_seed(bench_rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. Cannot fail. */
uint64_t bench_rng_next(bench_rng *r);

/* Uniform in [0, 1). Cannot fail. */
double bench_rng_unit(bench_rng *r);

/* Uniform in [0, n); n must be > 0. Cannot fail. */
size_t bench_rng_below(bench_rng *r, size_t n);

#endif
