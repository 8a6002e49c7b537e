/* hiccup: how long this machine takes a CPU away from a busy thread.
 *
 *   hiccup SECONDS    prints one JSON object
 *
 * One thread per CPU this process may run on, each pinned to its CPU at
 * normal priority, reads the monotonic clock in a tight loop for SECONDS.
 * A gap between two reads longer than STALL_NS is a stall: the thread did
 * not run, because the kernel gave the CPU to another task (a kernel
 * thread, an agent of the platform) or the hypervisor took the virtual CPU.
 * With every CPU busy at once, as under bench/compare.sh's load, nothing
 * idle is left to absorb such work, so the stalls are what the daemon, its
 * storage writer and the load client each meet. compare.sh prints them
 * next to the half-peak p99: a stall of d ms on the event loop's or the
 * client's CPU delays about rate x d cycles by up to d. */
/* CPU_SET, pthread_setaffinity_np */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/kit/clock.h"

#define STALL_NS 500000LL /* 0.5 ms: far above a read's cost or a timer tick's work */
#define MAX_SECONDS 600

typedef struct spinner {
    pthread_t thread;
    int cpu;
    int64_t seconds;
    int err; /* pinning failed: errno */
    uint64_t over_half_ms, over_1ms, over_2ms, over_5ms;
    int64_t stalled_ns, longest_ns;
} spinner;

static void *spin(void *arg)
{
    spinner *s = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(s->cpu, &set);
    s->err = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (s->err)
        return NULL;
    int64_t prev = bench_now_ns(), end = prev + s->seconds * 1000000000LL;
    while (prev < end) {
        int64_t now = bench_now_ns(), gap = now - prev;
        prev = now;
        if (gap <= STALL_NS)
            continue;
        s->over_half_ms++;
        s->over_1ms += gap > 1000000;
        s->over_2ms += gap > 2000000;
        s->over_5ms += gap > 5000000;
        s->stalled_ns += gap;
        if (gap > s->longest_ns)
            s->longest_ns = gap;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    char *end;
    long seconds = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || seconds < 1 || seconds > MAX_SECONDS) {
        fprintf(stderr,
                "usage: hiccup SECONDS (1 to %d): spins a thread on every CPU and "
                "prints the stalls each met, as JSON\n",
                MAX_SECONDS);
        return 2;
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) {
        fprintf(stderr, "hiccup: which CPUs may run this process: %s\n", strerror(errno));
        return 1;
    }
    int n = CPU_COUNT(&allowed), k = 0;
    spinner *s = calloc((size_t)n, sizeof *s);
    if (!s) {
        fprintf(stderr, "hiccup: out of memory\n");
        return 1;
    }
    for (int cpu = 0; k < n && cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        s[k].cpu = cpu;
        s[k].seconds = seconds;
        int rc = pthread_create(&s[k].thread, NULL, spin, &s[k]);
        if (rc) {
            fprintf(stderr, "hiccup: starting a thread for CPU %d: %s\n", cpu, strerror(rc));
            break; /* join those started, then fail */
        }
        k++;
    }
    int failed = k < n; /* a thread did not start */
    for (int i = 0; i < k; i++) {
        pthread_join(s[i].thread, NULL);
        if (s[i].err) {
            fprintf(stderr, "hiccup: pinning a thread to CPU %d: %s\n", s[i].cpu,
                    strerror(s[i].err));
            failed = 1;
        }
    }
    if (failed) {
        free(s);
        return 1;
    }
    printf("{\"seconds\": %ld, \"stall_threshold_ms\": %.1f, \"cpus\": [", seconds, STALL_NS / 1e6);
    for (int i = 0; i < k; i++)
        printf("%s{\"cpu\": %d, \"stalls_over_0_5ms\": %llu, \"stalls_over_1ms\": %llu, "
               "\"stalls_over_2ms\": %llu, \"stalls_over_5ms\": %llu, \"stalled_ms\": %.2f, "
               "\"longest_ms\": %.2f}",
               i ? ", " : "", s[i].cpu, (unsigned long long)s[i].over_half_ms,
               (unsigned long long)s[i].over_1ms, (unsigned long long)s[i].over_2ms,
               (unsigned long long)s[i].over_5ms, s[i].stalled_ns / 1e6, s[i].longest_ns / 1e6);
    printf("]}\n");
    free(s);
    return 0;
}
