/* One simulated annotator: its own connection, thread, accuracy and random
 * stream. It leases in batches, answers each task (the truth with its
 * accuracy, a wrong label otherwise, a random one when there is no truth),
 * submits, and logs acknowledgements, until the run's stop flag is set.
 *
 * A lost connection is not the end: the worker reconnects with backoff
 * (crash tests restart labelqd under it). Being refused (bad token,
 * blocked, project gone) is: the worker says why on stderr and stops. */
#ifndef LQ_BENCH_WORKER_H
#define LQ_BENCH_WORKER_H

#include <pthread.h>

#include "bench/sim/bench.h"
#include "bench/sim/rng.h"
#include "labelq.h"

typedef struct bench_worker {
    bench_run *run;
    unsigned index;
    const char *token; /* borrowed from the fleet */
    lq_client *c;      /* connected before the thread starts; the thread's own */
    char name[128];    /* as the server knows us */
    double accuracy;   /* drawn once from --accuracy */
    /* This annotator's share of the run's counters, for the summary's
     * per-annotator table. Written only by the worker's thread; read only
     * after it was joined, so plain integers suffice. */
    uint64_t labels;  /* acknowledged submits */
    uint64_t judged;  /* of those, on tasks in the truth */
    uint64_t correct; /* of those, equal to the truth */
    bench_rng rng;
    pthread_t thread;
} bench_worker;

/* Prepares w (seeds its stream, draws its accuracy) around a connected
 * client, which w now owns. Cannot fail. */
void bench_worker_init(bench_worker *w, bench_run *run, unsigned index, const char *token,
                       lq_client *c);

/* The thread body: pthread_create(&w->thread, NULL, bench_worker_main, w).
 * Decrements run->stats.alive when it returns and closes its client. */
void *bench_worker_main(void *arg);

#endif
