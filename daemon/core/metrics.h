/* labelqd's metrics: a few counters and latency histograms bumped where
 * things happen, and everything else read from the server's state when
 * /metrics is scraped (metrics_http.c serves it). Loop thread only. */
#ifndef LQ_METRICS_H
#define LQ_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct lq_server;

/* Events counted as they happen. */
typedef enum lq_metric_counter {
    LQ_M_TLS_FAIL,  /* a TLS handshake failed or offered no ALPN */
    LQ_M_AUTH_FAIL, /* a Hello was refused: unknown token or blocked annotator */
    LQ_M_N_COUNTERS
} lq_metric_counter;

/* Latencies measured per request. */
typedef enum lq_metric_hist {
    LQ_H_LEASE,  /* Lease request's arrival to its reply (parked ones included) */
    LQ_H_COMMIT, /* Submit's arrival to its answer after the commit */
    LQ_H_N
} lq_metric_hist;

/* Upper bounds of the histogram buckets: 0.0001 s .. 5 s, then +Inf. */
#define LQ_HIST_BUCKETS 18

typedef struct lq_histogram {
    uint64_t counts[LQ_HIST_BUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
    uint64_t sum_ns;
    uint64_t count;
} lq_histogram;

/* All-zero is the empty state: a memset server has valid metrics. */
typedef struct lq_metrics {
    uint64_t counters[LQ_M_N_COUNTERS];
    lq_histogram hist[LQ_H_N];
    unsigned live_conns; /* client connections whose handles are not yet closed */
} lq_metrics;

/* Adds one to a counter. Cannot fail. */
void lq_metrics_count(struct lq_server *srv, lq_metric_counter which);

/* A monotonic timestamp in ns for lq_metrics_observe. Cannot fail. */
uint64_t lq_metrics_clock(void);

/* Records the time from start (lq_metrics_clock) to now. Cannot fail. */
void lq_metrics_observe(struct lq_server *srv, lq_metric_hist which, uint64_t start);

/* A client connection was accepted / has closed its last handle (conn.c):
 * shutdown keeps /healthz answering 503 until the last one is gone. */
void lq_metrics_conn_open(struct lq_server *srv);
void lq_metrics_conn_gone(struct lq_server *srv);

/* Writes every metric family in Prometheus' text format 0.0.4 to out.
 * Returns 0, or -1 when out reports a write error. */
int lq_metrics_render(struct lq_server *srv, FILE *out);

#endif
