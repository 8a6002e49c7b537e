#include "load_result.h"

#include <stdio.h>

void load_result_print(unsigned long long done, unsigned long long empty, double seconds,
                       const bench_histogram *h, double cpu_seconds)
{
    printf("{\"completed\":%llu,\"empty\":%llu,\"seconds\":%.3f,\"tasks_per_second\":%.1f,"
           "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"client_cpu_seconds\":%.3f}\n",
           done, empty, seconds, (double)done / seconds,
           bench_histogram_quantile(h, 0.5) / 1e3, bench_histogram_quantile(h, 0.99) / 1e3,
           bench_histogram_quantile(h, 0.999) / 1e3, cpu_seconds);
}
