/* splitmix64 (Steele, Lea, Flood 2014); see bench_rng.h. */
#include "bench/sim/rng.h"

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ull

uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t z = (r->state += GOLDEN_GAMMA);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void bench_rng_seed(bench_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mixing once keeps seeds 1 and 2 from giving overlapping streams. */
    r->state = seed + stream;
    r->state = bench_rng_next(r);
}

double bench_rng_unit(bench_rng *r)
{
    return (double)(bench_rng_next(r) >> 11) * 0x1.0p-53;
}

size_t bench_rng_below(bench_rng *r, size_t n)
{
    /* Rejection keeps it exactly uniform even for n not a power of two. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = bench_rng_next(r);
    } while (x >= limit);
    return (size_t)(x % n);
}
