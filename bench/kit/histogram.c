/* Log-linear latency histogram; see bench_histogram.h.
 *
 * Bucket index: values below 2^S (S = BENCH_HIST_SUB_BITS) have one bucket
 * each (group 0). A larger value whose top bit is b falls in group
 * g = b - S + 1, which splits [2^b, 2^(b+1)) into 2^S buckets of width
 * 2^(g-1); its index is g * 2^S plus its S bits below the top one. */
#include "bench/kit/histogram.h"

#include <math.h>
#include <string.h>

#define SUB (1u << BENCH_HIST_SUB_BITS)

static unsigned bucket_of(uint64_t v)
{
    if (v >= (1ull << BENCH_HIST_MAX_BITS))
        return BENCH_HIST_BUCKETS - 1;
    if (v < SUB)
        return (unsigned)v;
    unsigned top = 63u - (unsigned)__builtin_clzll(v);
    unsigned group = top - BENCH_HIST_SUB_BITS + 1;
    unsigned sub = (unsigned)(v >> (top - BENCH_HIST_SUB_BITS)) - SUB;
    return group * SUB + sub;
}

/* The smallest value of bucket i, and its width. */
static uint64_t bucket_low(unsigned i, uint64_t *width)
{
    unsigned group = i / SUB, sub = i % SUB;
    if (group == 0) {
        *width = 1;
        return sub;
    }
    *width = 1ull << (group - 1);
    return (uint64_t)(SUB + sub) << (group - 1);
}

void bench_histogram_init(bench_histogram *h)
{
    memset(h, 0, sizeof *h);
}

void bench_histogram_record(bench_histogram *h, uint64_t value)
{
    h->count[bucket_of(value)]++;
    h->total++;
    h->sum += (double)value;
    if (value > h->max)
        h->max = value;
}

void bench_histogram_merge(bench_histogram *dst, const bench_histogram *src)
{
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++)
        dst->count[i] += src->count[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t bench_histogram_quantile(const bench_histogram *h, double q)
{
    if (h->total == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= rank) {
            uint64_t width, mid = bucket_low(i, &width);
            mid += width / 2;
            return mid < h->max ? mid : h->max;
        }
    }
    return h->max;
}

double bench_histogram_mean(const bench_histogram *h)
{
    return h->total ? h->sum / (double)h->total : 0.0;
}
