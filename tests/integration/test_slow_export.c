/* An export to a client that stops reading: the daemon holds back (reads
 * the next chunk only while the connection's unsent output is small), so
 * its memory stays flat while the reader stalls, other clients are served,
 * and closing the stalled connection leaves the daemon up; a reader that
 * stays stalled past --stall-timeout-ms is dropped by the daemon. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define PROJECT "bulk"
#define ITEMS "20000"
#define ITEMS_N 20000u
#define PAYLOAD "1024"
#define BENCH_TIMEOUT_MS 45000
#define STALL_MS 4000
#define SAMPLE_MS 200
#define RSS_BOUND_KB (100 * 1024)  /* VmRSS growth allowed while stalled */
#define ANON_BOUND_KB (16 * 1024)  /* heap growth: 1 MiB backlog plus slack */

static it_daemon D;
static const char *const LABELS[] = {"a", "b"};

/* A /proc/PID/status field in kB, or -1. */
static long status_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            kb = strtol(line + flen + 1, NULL, 10);
    fclose(f);
    return kb;
}

/* Runs labelq-bench with args (after the connection options) and asserts
 * it exits 0 within BENCH_TIMEOUT_MS. */
static void run_bench(const char *const *args, size_t n)
{
    const char *argv[32];
    size_t k = 0;
    argv[k++] = "labelq-bench";
    argv[k++] = "--server";
    argv[k++] = D.server;
    argv[k++] = "--ca";
    argv[k++] = D.ca_file;
    argv[k++] = "--token";
    argv[k++] = D.admin_token;
    for (size_t i = 0; i < n; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(126);
        execv(LABELQ_BENCH_PATH, (char *const *)argv);
        _exit(127);
    }
    long long deadline = it_now_ms() + BENCH_TIMEOUT_MS;
    int status = 0;
    pid_t done;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && it_now_ms() < deadline)
        it_sleep_ms(50);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("labelq-bench did not finish within %d ms", BENCH_TIMEOUT_MS);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("labelq-bench failed: wait status %d", status);
}

static int count_bytes(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

/* Other clients are served: an annotator reads the project, the admin lists
 * projects on a fresh connection. */
static void others_served(lq_client *ann, const char *when)
{
    Labelq__ProjectInfo *info = NULL;
    int rc = lq_project_get(ann, PROJECT, &info);
    if (rc != 0)
        fail_msg("%s: project get failed: %s: %s", when, lq_strerror(rc), lq_client_error(ann));
    assert_string_equal(info->config->name, PROJECT);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ListProjectsReply *list = NULL;
    it_assert_code(admin, lq_project_list(admin, &list), 0);
    size_t found = 0;
    for (size_t i = 0; i < list->n_projects; i++)
        if (strcmp(list->projects[i]->config->name, PROJECT) == 0) {
            assert_int_equal(list->projects[i]->done, ITEMS_N);
            found++;
        }
    assert_int_equal(found, 1);
    labelq__list_projects_reply__free_unpacked(list, NULL);
    lq_client_close(admin);
}

static void stalled_export_keeps_memory_flat(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, PROJECT, LABELS, 2, 1, 600);
    static const char *const preload[] = {"--preload", ITEMS, "--payload", PAYLOAD, PROJECT};
    run_bench(preload, 5);
    /* fleet mode: it stops as soon as every task is done */
    static const char *const label[] = {"--annotators", "4",   "--lease-batch", "64",
                                        "--until-done", "--duration", "40", PROJECT};
    run_bench(label, 8);
    Labelq__ProjectInfo *info = it_project_info(admin, PROJECT);
    it_assert_status(info, ITEMS_N, ITEMS_N, ITEMS_N, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    /* the whole export, read normally: big enough that holding it in memory
     * would break the bound below */
    size_t bytes = 0;
    uint64_t items = 0;
    it_assert_code(admin, lq_export(admin, PROJECT, "jsonl", count_bytes, &bytes, &items), 0);
    assert_int_equal(items, ITEMS_N);
    if (bytes <= (size_t)ANON_BOUND_KB * 1024)
        fail_msg("the export is only %zu bytes: too small to show buffering", bytes);
    lq_client_close(admin);

    admin = it_daemon_admin(&D);
    char *token = it_annotator_add(admin, "watcher");
    lq_client_close(admin);
    lq_client *ann = it_daemon_connect(&D, token);
    free(token);
    others_served(ann, "before the stalled export");

    it_sleep_ms(500); /* let the full export's buffers go */
    long rss0 = status_kb(D.pid, "VmRSS"), anon0 = status_kb(D.pid, "RssAnon");
    assert_true(rss0 > 0 && anon0 >= 0);

    it_raw r;
    it_raw_open(&r, &D);
    it_raw_hello(&r, D.admin_token);
    Labelq__Export ex = LABELQ__EXPORT__INIT;
    ex.project = PROJECT;
    ex.format = "jsonl";
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 2;
    env.body_case = LABELQ__ENVELOPE__BODY_EXPORT;
    env.export = &ex;
    assert_true(it_raw_send(&r, &env));

    long rss_max = rss0, anon_max = anon0;
    long long t0 = it_now_ms();
    while (it_now_ms() - t0 < STALL_MS) {
        it_sleep_ms(SAMPLE_MS);
        long rss = status_kb(D.pid, "VmRSS"), anon = status_kb(D.pid, "RssAnon");
        if (rss < 0) {
            it_daemon_dump_log(&D, 20);
            fail_msg("the daemon is gone while an export reader stalls");
        }
        rss_max = rss > rss_max ? rss : rss_max;
        anon_max = anon > anon_max ? anon : anon_max;
        if (it_now_ms() - t0 > STALL_MS / 2)
            others_served(ann, "while an export reader stalls");
    }
    fprintf(stderr, "export %zu bytes; daemon VmRSS %ld -> max %ld kB, RssAnon %ld -> max %ld kB\n",
            bytes, rss0, rss_max, anon0, anon_max);
    if (rss_max - rss0 > RSS_BOUND_KB)
        fail_msg("VmRSS grew by %ld kB while the export reader stalled (bound %d kB)",
                 rss_max - rss0, RSS_BOUND_KB);
    if (anon_max - anon0 > ANON_BOUND_KB)
        fail_msg("RssAnon grew by %ld kB while the export reader stalled (bound %d kB)",
                 anon_max - anon0, ANON_BOUND_KB);

    /* the stream was started: some of it is waiting for us */
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(&r, IT_RAW_READ_MS, &e);
    bool chunk = st == IT_RAW_ENVELOPE && e->id == 2 &&
                 e->body_case == LABELQ__ENVELOPE__BODY_EXPORT_CHUNK && !e->export_chunk->done;
    if (e)
        labelq__envelope__free_unpacked(e, NULL);
    if (!chunk)
        fail_msg("the stalled export did not start (status %d)", (int)st);
    it_raw_close(&r);

    it_sleep_ms(300);
    int status = 0;
    if (waitpid(D.pid, &status, WNOHANG) != 0) {
        D.pid = 0;
        fail_msg("the daemon died after a stalled export was closed (status %d)", status);
    }
    others_served(ann, "after the stalled export was closed");
    lq_client_close(ann);
}

/* Counts the log lines containing what. */
static int log_count(const char *what)
{
    FILE *f = fopen(D.log_path, "r");
    char line[2048];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        n += strstr(line, what) != NULL;
    fclose(f);
    return n;
}

#define DROP_LOG "dropping a connection whose reader stopped reading"
#define STALL_LIMIT_MS 1500

/* With --stall-timeout-ms, a reader that takes nothing while its export
 * waits is dropped: the daemon logs it and closes the connection (the
 * client finds the end of the stream after what was already sent), and
 * everyone else goes on. The project is the first test's. */
static void stalled_reader_is_dropped(void **state)
{
    (void)state;
    static const char *const args[] = {"--stall-timeout-ms", "1500", NULL};
    it_daemon_stop_ok(&D);
    D.extra_args = args;
    it_daemon_restart(&D);
    lq_client *admin = it_daemon_admin(&D);
    char *token = it_annotator_add(admin, "watcher2");
    lq_client_close(admin);
    lq_client *ann = it_daemon_connect(&D, token);
    free(token);
    int drops0 = log_count(DROP_LOG);
    assert_true(drops0 >= 0);

    it_raw r;
    it_raw_open(&r, &D);
    it_raw_hello(&r, D.admin_token);
    Labelq__Export ex = LABELQ__EXPORT__INIT;
    ex.project = PROJECT;
    ex.format = "jsonl";
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 3;
    env.body_case = LABELQ__ENVELOPE__BODY_EXPORT;
    env.export = &ex;
    assert_true(it_raw_send(&r, &env));
    long long t0 = it_now_ms();
    while (log_count(DROP_LOG) == drops0 && it_now_ms() - t0 < 4 * STALL_LIMIT_MS)
        it_sleep_ms(100);
    long long waited = it_now_ms() - t0;
    if (log_count(DROP_LOG) == drops0) {
        it_daemon_dump_log(&D, 20);
        fail_msg("a reader stalled for %lld ms was not dropped (limit %d ms)", waited,
                 STALL_LIMIT_MS);
    }
    if (waited < STALL_LIMIT_MS - 200)
        fail_msg("the reader was dropped after %lld ms, before its %d ms limit", waited,
                 STALL_LIMIT_MS);
    /* What was sent before the drop can still be read, then the stream ends
     * without its last chunk. */
    bool done = false;
    it_raw_status st;
    Labelq__Envelope *e = NULL;
    while ((st = it_raw_read(&r, IT_RAW_READ_MS, &e)) == IT_RAW_ENVELOPE) {
        done = done || (e->body_case == LABELQ__ENVELOPE__BODY_EXPORT_CHUNK && e->export_chunk->done);
        labelq__envelope__free_unpacked(e, NULL);
        e = NULL;
    }
    if (st != IT_RAW_CLOSED || done)
        fail_msg("after the drop: read status %d, last chunk seen %d; want a closed stream "
                 "without its end", (int)st, done);
    it_raw_close(&r);
    others_served(ann, "after a stalled reader was dropped");
    lq_client_close(ann);
}

int main(void)
{
#ifdef IT_SANITIZED
    /* ASan keeps freed blocks in a quarantine (256 MB by default), which
     * would show as heap growth while nothing accumulates: a small one
     * keeps the daemon's RssAnon meaningful. The daemon inherits this. */
    const char *old = getenv("ASAN_OPTIONS");
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=1", old ? old : "",
             old && *old ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stalled_export_keeps_memory_flat),
        cmocka_unit_test(stalled_reader_is_dropped),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
