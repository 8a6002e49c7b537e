/* labelq-bench: what the run was asked to do and what it has done so far,
 * shared by the main thread (setup, stop conditions, progress, summary) and
 * the annotator threads (bench_worker.c).
 *
 * Counters are C11 atomics written by the workers and read by the main
 * thread; everything else is written before the threads start and only read
 * afterwards. */
#ifndef LQ_BENCH_H
#define LQ_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/sim/truth.h"
#include "labelq.h"

#define BENCH_PROG "labelq-bench"
#define BENCH_CLIENT_NAME "labelq-bench/0.1"

typedef struct bench_config {
    const char *project;
    lq_client_options conn;          /* --server, --ca, --token; the annotators
                                        connect with it and their own tokens */
    const char *token_file;          /* --token-file */
    char *token_buf;                 /* the token read from a token file; owned */
    unsigned annotators;             /* --annotators */
    bool annotators_given;           /* the flag was given, not the default */
    const char *annotator_tokens;    /* --annotator-tokens FILE */
    const char *truth_file;          /* --truth FILE */
    double accuracy_lo, accuracy_hi; /* --accuracy LO-HI */
    unsigned lease_batch;            /* --lease-batch */
    unsigned think_ms;               /* --think-ms */
    bool until_done;                 /* --until-done */
    double duration_s;               /* --duration; 0: until done or interrupted */
    uint64_t seed;                   /* --seed, else from the clock */
    bool seed_given;
    bool json;            /* --json */
    const char *log_acks; /* --log-acks FILE */
    /* Load mode (bench_load.h), chosen by --connections. */
    unsigned connections; /* --connections; 0: the annotator fleet */
    unsigned inflight;    /* --inflight: requests out per connection */
    unsigned threads;     /* --threads: event loops; default the CPUs */
    uint64_t preload;     /* --preload: tasks to import first */
    unsigned payload;     /* --payload: bytes of data per preloaded task */
    double rate;          /* --rate: target tasks/s over all connections (open
                             loop); 0: each connection as fast as it can */
    bool chain;           /* --chain: each Submit also leases the next tasks */
} bench_config;

typedef struct bench_stats {
    atomic_uint_fast64_t labels;  /* acknowledged submits */
    atomic_uint_fast64_t judged;  /* of those, on tasks in the truth */
    atomic_uint_fast64_t correct; /* of those, equal to the truth */
    atomic_uint_fast64_t errors;  /* failed calls of any kind */
    atomic_uint_fast64_t expired; /* of the errors, submits after expiry */
    atomic_uint alive;            /* workers still running */
    atomic_bool stop;             /* set by the main thread: finish up */
} bench_stats;

/* The run as the workers see it: read-only apart from stats. */
typedef struct bench_run {
    const bench_config *cfg;
    bench_stats stats;
    const bench_truth *truth; /* NULL without --truth */
    char *const *labels;      /* the project's label values */
    size_t n_labels;
    const Labelq__ProjectConfig *config; /* the project's schema: its type decides
                                            what an answer looks like */
    int ack_fd; /* --log-acks, or -1 */
} bench_run;

#endif
