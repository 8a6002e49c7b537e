/* The event loop of labelq-bench's load mode: one thread per core, each
 * owning some connections (bench_load_conn.h) and driving them with epoll
 * until the run's deadline.
 *
 * Paced (--rate), each loop keeps its own schedule, one token bucket for
 * all its connections (load_pacer): a due cycle goes to the next idle
 * connection (round robin), or to a chained Submit (--chain) that claims it.
 * When none is idle the due cycles wait, and their latency still counts
 * from when they were due, so a server that falls behind is charged for
 * the queueing (no coordinated omission). */
#ifndef LQ_BENCH_LOAD_LOOP_H
#define LQ_BENCH_LOAD_LOOP_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/sim/load_conn.h"

typedef struct load_loop {
    pthread_t thread;
    load_conn *conns; /* n of them, owned by this loop while it runs */
    size_t n;
    int64_t deadline_ns;                 /* stop counting and return then */
    const volatile sig_atomic_t *cancel; /* non-zero: return at once */
    load_pacer pacer;                    /* paced: the schedule; interval 0: closed loop */
    size_t cursor;                       /* paced: where the idle search goes on */
    load_stats stats;                    /* this loop's counts */
    size_t dead;                         /* connections that failed */
} load_loop;

/* The thread body: runs loop (a load_loop *) to its deadline. Connections
 * that fail are left out (counted in dead, reason printed on stderr).
 * Returns NULL. */
void *load_loop_main(void *loop);

#endif
