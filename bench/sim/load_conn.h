/* One annotator connection of labelq-bench's load mode: a pipeline of Lease
 * and Submit requests over a connection liblabelq opened (TCP, TLS, ALPN,
 * Hello) and that this file then drives without blocking, so that one
 * event loop (bench_load_loop.c) can run many of them.
 *
 * Every task leased is submitted with a random label of the schema; at
 * most `inflight` requests are out at a time, of which at most one Lease.
 * A task's latency runs from sending the Lease that got it to receiving
 * the acknowledgement of its Submit: the whole "hand a task to a worker,
 * the worker completes it" cycle. Paced (--rate), the connection leases
 * only when its loop tells it to (load_conn_start), and the latency runs
 * from the moment the schedule meant the cycle to start.
 *
 * Chained (--chain), the Submit of the last task in hand also asks for the
 * next ones (Submit.next: "store this label, then lease me more"), so that
 * a cycle takes one round trip instead of two; a connection's first lease,
 * and one after a chained lease came back empty, is a plain Lease. The
 * chained tasks' latency runs from sending that Submit (paced: the Submit
 * carries a lease only when a cycle of its loop's schedule is due, taken
 * from the schedule, and its tasks count from when that cycle was due). */
#ifndef LQ_BENCH_LOAD_CONN_H
#define LQ_BENCH_LOAD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/kit/clock.h"

#include "bench/kit/histogram.h"
#include "bench/sim/rng.h"
#include "labelq.h"
#include "proto/frame.h"

/* A loop's open-loop schedule (--rate), shared by its connections (one
 * thread): cycle k is due at first_start_ns + k * interval_ns. */
typedef struct load_pacer {
    int64_t first_start_ns; /* when cycle 0 is due */
    double interval_ns;     /* between due cycles; 0: closed loop */
    uint64_t started;       /* cycles started so far */
    int64_t deadline_ns;    /* no cycle is due at or after this */
} load_pacer;

/* When the next cycle of pacer is due. Cannot fail. */
int64_t load_pacer_next(const load_pacer *pacer);

/* Takes the next cycle when it is due by now_ns and before the deadline:
 * *at gets when it was due. Returns false (nothing taken) otherwise. */
bool load_pacer_claim(load_pacer *pacer, int64_t now_ns, int64_t *at);

/* What every connection of a run shares; read-only while it runs. */
typedef struct load_params {
    const char *project;
    char *const *labels; /* the project's schema */
    size_t n_labels;
    unsigned inflight;    /* requests out at a time, per connection */
    unsigned lease_batch; /* max_tasks of each Lease */
    unsigned wait_ms;     /* long poll of each Lease */
    size_t max_frame;     /* largest reply accepted */
    bool paced;           /* --rate: Leases only through load_conn_start */
    bool chain;           /* --chain: Submits also lease (Submit.next) */
} load_params;

/* What one event loop counts; each loop owns its own. */
typedef struct load_stats {
    uint64_t completed;      /* acknowledged submits, before the deadline */
    uint64_t leases;         /* Lease replies and chained leases (SubmitReply.next) */
    uint64_t empty_leases;   /* of those, without tasks */
    uint64_t chained_leases; /* of the leases, SubmitReply.next ones (--chain) */
    uint64_t errors;         /* Error replies, chained lease errors, broken connections */
    uint64_t expired;        /* of the errors, LEASE_EXPIRED on a submit */
    bench_histogram latency; /* nanoseconds, lease sent to submit acknowledged */
} load_stats;

typedef struct load_pending {
    uint64_t id;
    uint64_t task_id; /* 0 for a Lease */
    int64_t start_ns; /* when the Lease that got the task was sent (paced:
                         when the schedule meant to send it) */
    bool chained;     /* a Submit that also leases */
    int64_t next_start_ns; /* then: the start_ns of the tasks it leases */
} load_pending;

typedef struct load_conn {
    const load_params *p;
    load_pacer *pacer; /* paced: the loop's schedule, set by the loop */
    lq_client *client; /* owns fd and ssl; closed by load_conn_free */
    int fd;
    void *ssl; /* SSL *, kept opaque so that users need not include OpenSSL */
    lq_frame_reader in;
    uint8_t *out;
    size_t out_len, out_cap;
    uint64_t next_id;
    load_pending *pending; /* p->inflight slots, n_pending used */
    unsigned n_pending;
    bool lease_out;
    load_pending *queue; /* leased tasks not yet submitted */
    size_t q_head, q_len, q_cap;
    bench_rng rng;
    bool wants_write; /* output is waiting for the socket to drain */
    bool dead;        /* failed; err says why */
    char err[256];
} load_conn;

/* Takes over client (connected with an annotator's token). Returns 0 or
 * LQ_ENOMEM; on failure client is still the caller's. */
int load_conn_init(load_conn *lc, const load_params *p, lq_client *client, uint64_t seed,
                   unsigned index);

/* Queues requests up to the window and writes what the socket takes.
 * Returns 0, or a negative LQ_E* code when the connection failed (counted
 * in st; lc->err says why). */
int load_conn_pump(load_conn *lc, load_stats *st, int64_t now_ns);

/* Whether a paced cycle may start now: the connection works, has no Lease
 * out, no leased task waiting and a free window slot. Cannot fail. */
bool load_conn_idle(const load_conn *lc);

/* Starts a paced cycle: sends a Lease whose tasks' latency counts from
 * scheduled_ns (at or before now), then writes what the socket takes.
 * Call only when load_conn_idle. Returns as load_conn_pump. */
int load_conn_start(load_conn *lc, load_stats *st, int64_t scheduled_ns);

/* Reads what arrived, handles every whole reply (replies at or after
 * deadline_ns are not counted), then pumps. Returns as load_conn_pump. */
int load_conn_readable(load_conn *lc, load_stats *st, int64_t deadline_ns);

/* Closes the connection and frees lc's memory. Cannot fail. */
void load_conn_free(load_conn *lc);

#endif
