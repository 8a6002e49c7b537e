/* The one JSON line each comparison client (beanstalk_load, redis_load)
 * prints for a run, in the shape bench/compare_table.py reads. */
#ifndef LQ_LOAD_RESULT_H
#define LQ_LOAD_RESULT_H

#include "bench/kit/histogram.h"

/* Prints completed cycles, empty reads (the queue ran dry), wall seconds,
 * the latency quantiles of h (nanoseconds, printed in µs) and the client's
 * CPU seconds to stdout. Cannot fail. */
void load_result_print(unsigned long long done, unsigned long long empty, double seconds,
                       const bench_histogram *h, double cpu_seconds);

#endif
