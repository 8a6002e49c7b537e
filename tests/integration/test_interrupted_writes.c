/* The daemon is interrupted while annotators submit as fast as they can:
 * by kill -9, and by SIGTERM (which must exit 0). After a restart every
 * acknowledged label is there exactly once, no task has more than K, and
 * the project can be finished. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotator_swarm.h"
#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define N_TASKS 2000
#define K 3
#define N_WORKERS 6
#define RUN_MS 2000          /* the longest the swarm runs before the interruption */
#define STOP_MIN_SHARE 30    /* interrupt once this many percent of all labels... */
#define STOP_SPREAD_SHARE 40 /* ...plus up to this many more are acknowledged */
#define FINISH_BUDGET_MS 180000

static it_daemon D;
static const char *const LABELS[] = {"north", "south", "east", "west"};

/* Runs the swarm on a new project p, interrupts the daemon (kill -9, or
 * SIGTERM with exit status 0 when graceful) mid-flight, restarts it and
 * checks that nothing acknowledged was lost or doubled. */
static void interrupt_mid_submit(const char *p, bool graceful)
{
    const char *how = graceful ? "SIGTERM" : "kill -9";
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s-ann", p);
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, p, LABELS, 4, K, 600);
    it_import_items(admin, p, p, N_TASKS);
    static it_worker w[N_WORKERS];
    static atomic_bool stop;
    /* Static for size, and each run starts from nothing. */
    memset(w, 0, sizeof(w));
    atomic_store(&stop, false);
    it_swarm_setup(w, N_WORKERS, &D, admin, p, LABELS, 4, prefix, &stop);
    lq_client_close(admin);

    static atomic_size_t progress;
    atomic_store(&progress, 0);
    for (size_t i = 0; i < N_WORKERS; i++)
        w[i].progress = &progress;
    size_t total = (size_t)N_TASKS * K;
    size_t share = STOP_MIN_SHARE + (size_t)getpid() % STOP_SPREAD_SHARE;
    long long t0 = it_now_ms();
    for (size_t i = 0; i < N_WORKERS; i++)
        w[i].until_ms = t0 + RUN_MS + 30000; /* the interruption ends them, not the clock */
    it_swarm_start(w, N_WORKERS);
    size_t at = it_swarm_wait_progress(&progress, total * share / 100, RUN_MS);
    long long after_ms = it_now_ms() - t0;
    if (graceful)
        it_daemon_stop_ok(&D); /* exit status 0, within IT_STOP_TIMEOUT_MS */
    else
        it_daemon_kill(&D);
    it_swarm_join(w, N_WORKERS);
    for (size_t i = 0; i < N_WORKERS; i++) {
        if (!it_swarm_conn_lost(w[i].end_rc))
            fail_msg("%s ended before the %s: %s", w[i].name, how,
                     w[i].end_rc ? w[i].end_msg : "ran out of time");
        if (w[i].rejected)
            fail_msg("%s had %zu submits refused", w[i].name, w[i].rejected);
    }
    it_swarm_assert_no_faults(w, N_WORKERS);
    size_t acked = it_swarm_acks(w, N_WORKERS);
    print_message("%s after %lld ms at %zu acknowledged labels (%zu when all ended)\n", how,
                  after_ms, at, acked);
    /* mid-flight: work was acknowledged and work was left */
    assert_true(acked > 0);
    if (acked >= total)
        fail_msg("the swarm finished all %zu labels before the %s: nothing was in flight", total,
                 how);

    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    /* each worker had at most one submit in flight, acknowledged or not */
    if (info->labels < acked || info->labels > acked + N_WORKERS)
        fail_msg("after %s: %llu labels stored, %zu acknowledged (at most %d more "
                 "may have been in flight)",
                 how, (unsigned long long)info->labels, acked, N_WORKERS);
    assert_int_equal(info->tasks, N_TASKS);
    assert_int_equal(info->leased, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_swarm_finish(w, N_WORKERS, FINISH_BUDGET_MS);
    info = it_project_info(admin, p);
    it_assert_status(info, N_TASKS, N_TASKS, (uint64_t)N_TASKS * K, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, p, &e);
    assert_int_equal(e.n, N_TASKS);
    size_t checked = it_swarm_check_export(w, N_WORKERS, &e, K);
    assert_true(checked + N_WORKERS >= (size_t)N_TASKS * K);
    for (size_t i = 0; i < e.n; i++)
        it_export_check_consensus(e.lines[i], LABELS, 4);
    it_export_free(&e);
    it_swarm_free(w, N_WORKERS);
    lq_client_close(admin);
}

static void acknowledged_labels_survive_kill9(void **state)
{
    (void)state;
    interrupt_mid_submit("crash", false);
}

static void sigterm_mid_submit_exits_0_and_keeps_labels(void **state)
{
    (void)state;
    interrupt_mid_submit("graceful", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_labels_survive_kill9),
        cmocka_unit_test(sigterm_mid_submit_exits_0_and_keeps_labels),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
