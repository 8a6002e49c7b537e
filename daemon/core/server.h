/* labelqd's state: everything the event-loop thread owns.
 *
 * One loop thread owns all of this; the storage writer thread only sees
 * lq_write_op structs handed to it, and thread-pool workers (export) only
 * see snapshots copied for them. */
#ifndef LQ_SERVER_H
#define LQ_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "daemon/core/config.h"
#include "daemon/core/metrics.h"
#include "daemon/core/peer.h"
#include "daemon/model/annotator.h"
#include "daemon/model/heap.h"
#include "daemon/model/project.h"
#include "daemon/model/standing.h"
#include "daemon/model/task.h"
#include "storage/store.h"
#include "storage/writer.h"

struct lq_net;

typedef struct lq_server {
    uv_loop_t *loop;
    const lq_config *cfg;
    lq_store *store;
    lq_writer *writer;
    uv_async_t writer_async;
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

    lq_peer *peers;          /* every open peer (peer.c keeps the list) */
    unsigned n_conns;        /* served connections (not those being refused); net/ counts */
    unsigned n_refusing;     /* past max_connections, waiting to be told so */
    unsigned n_paused;       /* connections not read for back-pressure; net/ counts */
    struct lq_net *net;      /* the listeners and the TLS context (net/net.h) */
    bool stopping;
    int exit_code;
    uint64_t started_ms;          /* unix ms at lq_server_start: recent rates count from here */
    lq_metrics metrics;           /* counters and histograms (metrics.c) */
} lq_server;

/* Sets srv up empty on loop with cfg (borrowed for srv's life): no
 * projects, annotators, tasks or leases; the writer's wake-up and the
 * lease timer initialized on loop. The store and writer are the caller's
 * to open (srv->store, then lq_writer_start with lq_server_writer_notify
 * and &srv->writer_async). Cannot fail. */
void lq_server_init(lq_server *srv, const lq_config *cfg, uv_loop_t *loop);

/* The writer's notify callback (lq_writer_start): wakes srv's loop, which
 * then runs the finished writes' done callbacks. Any thread. */
void lq_server_writer_notify(void *writer_async);

/* Frees the in-memory state (projects, annotators, tasks, leases,
 * standings); the loop's handles must be closed already. Cannot fail. */
void lq_server_free_state(lq_server *srv);

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

#endif
