/* A latency histogram for labelq-bench's load mode, HDR-style: log-linear
 * buckets, 2^BENCH_HIST_SUB_BITS of them per power of two, so any recorded
 * value is known to within 1/2^BENCH_HIST_SUB_BITS of itself (under 1%)
 * with a fixed size, whatever the run's length. One per thread, merged at
 * the end; not thread-safe. */
#ifndef LQ_BENCH_HISTOGRAM_H
#define LQ_BENCH_HISTOGRAM_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 7
/* Values up to 2^BENCH_HIST_MAX_BITS - 1 (in the caller's unit; with
 * nanoseconds, about 18 minutes) are kept exactly; larger ones are
 * counted in the last bucket. */
#define BENCH_HIST_MAX_BITS 40
#define BENCH_HIST_BUCKETS ((BENCH_HIST_MAX_BITS - BENCH_HIST_SUB_BITS + 1) << BENCH_HIST_SUB_BITS)

typedef struct bench_histogram {
    uint64_t count[BENCH_HIST_BUCKETS];
    uint64_t total; /* values recorded */
    uint64_t max;   /* the largest value recorded, exact */
    double sum;     /* for the mean */
} bench_histogram;

/* Empties h. Cannot fail. */
void bench_histogram_init(bench_histogram *h);

/* Records one value. Cannot fail. */
void bench_histogram_record(bench_histogram *h, uint64_t value);

/* Adds src's values to dst. Cannot fail. */
void bench_histogram_merge(bench_histogram *dst, const bench_histogram *src);

/* The value at quantile q (0 to 1): the middle of the bucket holding the
 * ceil(q * total)-th smallest value (never above max); 0 when h is empty.
 * Cannot fail. */
uint64_t bench_histogram_quantile(const bench_histogram *h, double q);

/* The mean of the recorded values; 0 when h is empty. Cannot fail. */
double bench_histogram_mean(const bench_histogram *h);

#endif
