/* labelqd's state: everything the event-loop thread owns.
 *
 * One loop thread owns all of this; the storage writer thread only sees
 * lq_write_op structs handed to it, and thread-pool workers (export) only
 * see snapshots copied for them. */
#ifndef LQ_SERVER_H
#define LQ_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "daemon/model/annotator.h"
#include "daemon/net/auth_throttle.h"
#include "daemon/core/config.h"
#include "daemon/model/heap.h"
#include "daemon/core/metrics.h"
#include "daemon/net/metrics_http.h"
#include "daemon/model/project.h"
#include "daemon/model/standing.h"
#include "daemon/model/task.h"
#include "storage/store.h"
#include "storage/writer.h"

typedef struct lq_conn lq_conn;

typedef struct lq_server {
    uv_loop_t *loop;
    const lq_config *cfg;
    lq_store *store;
    lq_writer *writer;
    uv_async_t writer_async;
    SSL_CTX *ssl_ctx;
    uv_tcp_t listener;
    uv_timer_t lease_timer;
    uv_signal_t sig_term, sig_int;

    lq_task_table tasks;
    lq_project **projects;   /* by id; NULL holes allowed */
    uint32_t n_projects;     /* array length (max id + 1) */
    lq_annotator **annotators; /* by id */
    uint32_t n_annotators;
    uint64_t next_task_id;
    uint32_t next_project_id, next_annotator_id;
    lq_heap leases;          /* active leases by deadline */
    lq_standings standings;  /* each annotator's standing in each project */

    lq_conn *conns;          /* every open connection */
    unsigned n_conns;        /* served connections (not those being refused) */
    unsigned n_refusing;     /* past max_connections, waiting to be told so */
    lq_auth_throttle auth_throttle; /* failed Hellos by address (auth_throttle.c) */
    bool stopping;
    int exit_code;
    uint64_t started_ms;          /* unix ms at lq_server_start: recent rates count from here */
    lq_metrics metrics;           /* counters and histograms (metrics.c) */
    lq_metrics_http metrics_http; /* the /metrics and /healthz listener */
} lq_server;

/* Current wall-clock time in unix ms. Cannot fail. */
uint64_t lq_now_ms(void);

/* Converts a loop-time deadline to unix ms for clients. */
uint64_t lq_server_unix_ms(lq_server *srv, uint64_t loop_ms);

/* Lookups return NULL for unknown names and for objects not yet durable. */
lq_project *lq_server_project(lq_server *srv, const char *name);
/* Whether a project of that name exists or is being created. */
bool lq_server_name_taken(lq_server *srv, const char *name);
lq_project *lq_server_project_by_id(lq_server *srv, uint32_t id);
lq_annotator *lq_server_annotator_by_name(lq_server *srv, const char *name);
lq_annotator *lq_server_annotator(lq_server *srv, uint32_t id);

/* Registers objects in the by-id arrays. Return 0 or LQ_ENOMEM. */
int lq_server_add_project(lq_server *srv, lq_project *p);
int lq_server_add_annotator(lq_server *srv, lq_annotator *a);

/* Parses HOST:PORT, localhost:PORT or [V6]:PORT (no name lookup) into ss.
 * Returns 0 or LQ_EBADREQ. */
int lq_server_parse_addr(const char *spec, struct sockaddr_storage *ss);

/* Starts listening and serving. Returns 0 or an LQ_E* code (logged). */
int lq_server_start(lq_server *srv);

/* Begins graceful shutdown: stop accepting, let in-flight commits finish and
 * their replies go out, close connections. The loop then ends. */
void lq_server_stop(lq_server *srv);

#endif
