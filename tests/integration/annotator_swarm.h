/* A swarm of annotator threads for the durability tests: each thread has its
 * own client and annotator token, leases and submits as fast as it can, and
 * records every acknowledged submit. The tests then kill or stop the daemon
 * and check that every acknowledgement survived.
 *
 * A worker picks its label from (task id, annotator name) alone, so a
 * task it were wrongly offered again would get the same label and come back
 * as a duplicate; duplicates and re-offered tasks are counted as faults. */
#ifndef IT_ANNOTATOR_SWARM_H
#define IT_ANNOTATOR_SWARM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon_harness.h"
#include "export_check.h"

#define IT_SWARM_LEASE_BATCH 4
#define IT_SWARM_LABEL_LEN 32
#define IT_SWARM_NAME_LEN 64

typedef struct it_ack {
    uint64_t task_id;
    char external_id[IT_SWARM_NAME_LEN];
    char label[IT_SWARM_LABEL_LEN];
} it_ack;

typedef struct it_worker {
    /* set by the test */
    const it_daemon *daemon;
    const char *project;
    const char *const *labels;
    size_t n_labels;
    char name[IT_SWARM_NAME_LEN]; /* annotator name */
    char *token;
    atomic_bool *stop;       /* checked between calls */
    atomic_size_t *progress; /* shared count of acknowledgements, or NULL */
    long long until_ms;      /* it_now_ms() deadline */
    bool until_done;         /* run until the project reports every task done */

    /* results, kept across runs */
    it_ack *acks;
    size_t n_acks, cap_acks;
    size_t faults;       /* duplicate acks or re-offered labeled tasks */
    char fault_msg[256]; /* the first fault */
    int end_rc;          /* why the last run ended: 0 or the failing call's code */
    char end_msg[512];
    size_t rejected; /* submits answered with an error other than a lost connection */
    pthread_t thread;
} it_worker;

/* The label a worker gives task_id. Cannot fail. */
const char *it_swarm_label(const it_worker *w, uint64_t task_id);

/* Starts one thread per worker. */
void it_swarm_start(it_worker *w, size_t n);

/* Joins them all. */
void it_swarm_join(it_worker *w, size_t n);

/* Frees the workers' records and tokens. */
void it_swarm_free(it_worker *w, size_t n);

/* True when rc means the connection is gone (daemon killed or stopping). */
bool it_swarm_conn_lost(int rc);

/* Main thread only (asserts with cmocka): adds n annotators named
 * PREFIX-0.. and fills w[0..n-1] for project (stop flag and labels shared). */
void it_swarm_setup(it_worker *w, size_t n, const it_daemon *d, lq_client *admin,
                    const char *project, const char *const *labels, size_t n_labels,
                    const char *prefix, atomic_bool *stop);

/* Main thread only: runs the workers until the project reports every task
 * done (at most budget_ms) and asserts each ended that way, without faults
 * or refused submits. Use after a restart to finish the project. */
void it_swarm_finish(it_worker *w, size_t n, long long budget_ms);

/* Waits until *progress reaches target or max_ms pass; returns the count
 * seen. Lets a test stop the daemon while the swarm is mid-flight, however
 * fast the daemon is. */
size_t it_swarm_wait_progress(atomic_size_t *progress, size_t target, long long max_ms);

/* Sum of the workers' acknowledgements. Cannot fail. */
size_t it_swarm_acks(const it_worker *w, size_t n);

/* Main thread only. Asserts that no worker recorded a fault. */
void it_swarm_assert_no_faults(const it_worker *w, size_t n);

/* Main thread only. For an export of a finished project: asserts that every
 * acknowledged label of every worker appears exactly once with its value,
 * and that every exported task has exactly overlap annotations by distinct
 * annotators. Returns the number of acknowledgements checked. */
size_t it_swarm_check_export(const it_worker *w, size_t n, const it_export *e, unsigned overlap);

#endif
