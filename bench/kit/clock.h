/* The clocks the benchmark programs share: monotonic time for latencies and
 * deadlines, and this process's CPU time for "how much did the client use". */
#ifndef LQ_BENCH_CLOCK_H
#define LQ_BENCH_CLOCK_H

#include <stdint.h>

/* Monotonic time in nanoseconds / milliseconds. Cannot fail. */
int64_t bench_now_ns(void);
int64_t bench_now_ms(void);

/* User plus system CPU seconds this process has used. Cannot fail. */
double bench_cpu_seconds(void);

#endif
