/* A real labelqd for integration tests: started as a child process on a
 * fresh temporary data dir and a free loopback port, talked to with the real
 * client library over real TLS.
 *
 * Layout of one harness: ROOT (mkdtemp) holds data/ (the daemon's --data)
 * and labelqd.log (the daemon's stdout and stderr, appended across
 * restarts). The binary is LABELQD_PATH (set by the build), or
 * $LABELQ_IT_LABELQD when set, to test another build of the daemon. The
 * functions assert with cmocka: call them from a test, a setup or a
 * teardown. */
#ifndef IT_DAEMON_HARNESS_H
#define IT_DAEMON_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "client/lib/labelq.h"

#define IT_START_TIMEOUT_MS 15000 /* first start: TLS material and token */
#define IT_STOP_TIMEOUT_MS 20000  /* SIGTERM until exit */
#define IT_CLIENT_TIMEOUT_MS 20000
#define IT_PATH_LEN 1024 /* the temp dir's path; $TMPDIR must be shorter */

typedef struct it_daemon {
    char root[IT_PATH_LEN];          /* temp dir: data/ and labelqd.log */
    char data_dir[IT_PATH_LEN + 16]; /* passed as --data */
    char log_path[IT_PATH_LEN + 16];
    char ca_file[IT_PATH_LEN + 32];    /* data/tls/ca.pem */
    char token_path[IT_PATH_LEN + 32]; /* data/admin.token */
    char server[64];                   /* "127.0.0.1:PORT" */
    char admin_token[256];
    int port;
    const char *const *extra_args; /* more labelqd arguments, NULL-terminated; or NULL */
    pid_t pid;   /* 0 when not running */
    bool passed; /* set by the test as its last act; false keeps ROOT */
} it_daemon;

/* Creates the temp dir, picks a free port and starts labelqd; returns once
 * the admin token works (asserts that it does within IT_START_TIMEOUT_MS). */
void it_daemon_start(it_daemon *d);

/* it_daemon_start with more labelqd arguments after --data and --listen
 * (args is NULL-terminated, e.g. {"--map-size", "65536", NULL}). args must
 * outlive the daemon: it_daemon_restart passes them again. */
void it_daemon_start_args(it_daemon *d, const char *const *args);

/* What it_daemon_start does before starting labelqd: creates ROOT and an
 * empty data/, picks the port. The test can then lay out the data dir (a
 * restored store, copied TLS files) and start labelqd with
 * it_daemon_restart. */
void it_daemon_prepare(it_daemon *d);

/* Starts labelqd again on the same data dir and port (after stop or kill). */
void it_daemon_restart(it_daemon *d);

/* Sends SIGTERM and waits for the exit; returns the raw wait status (-1 if
 * it did not exit within IT_STOP_TIMEOUT_MS, after which it was killed). */
int it_daemon_stop(it_daemon *d);

/* it_daemon_stop, then asserts the daemon exited with status 0. */
void it_daemon_stop_ok(it_daemon *d);

/* SIGKILL and reap. */
void it_daemon_kill(it_daemon *d);

/* Kills a still-running daemon; removes ROOT if d->passed, else prints where
 * the data and the log are. Safe on a zeroed struct. */
void it_daemon_cleanup(it_daemon *d);

struct CMUnitTest;

/* Runs one cmocka group against a fresh daemon, the common main of a test
 * program: the group setup is it_daemon_start(d), then the n tests run
 * (the last one usually it_test_daemon_stops_cleanly), then d->passed is
 * set to whether all passed and it_daemon_cleanup(d) runs. Returns what
 * main returns (it_exit_status). Programs that start the
 * daemon another way (extra arguments, fixtures in the setup) call
 * cmocka_run_group_tests themselves. Not reentrant: one group at a time. */
int it_run_with_daemon(it_daemon *d, const struct CMUnitTest *tests, size_t n);

/* it_run_with_daemon(d, tests, n) with n taken from the array tests. */
#define IT_RUN_WITH_DAEMON(d, tests) \
    it_run_with_daemon((d), (tests), sizeof(tests) / sizeof((tests)[0]))

/* The exit status ctest reports as SKIP (LQ_TEST_SKIP, tests/CMakeLists.txt). */
#define IT_SKIP_STATUS 77

/* Skips the running cmocka test because this machine cannot run it (a
 * limit set too low, a missing tool), printing why; does not return
 * (cmocka's skip jumps out of the test). The program's exit status then
 * says so: see it_exit_status. */
void it_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What main returns once cmocka ran its tests, failed of them failing:
 * failed when a test failed, else IT_SKIP_STATUS when one called it_skip,
 * else 0. A skipped test never counts as passed. */
int it_exit_status(int failed);

/* A cmocka test, the last of a group run by it_run_with_daemon: stops that
 * group's daemon with it_daemon_stop_ok (SIGTERM, exit status 0). */
void it_test_daemon_stops_cleanly(void **state);

/* Connects with token. Returns lq_client_connect's code; errbuf gets the
 * reason. */
int it_daemon_try_connect(const it_daemon *d, const char *token, lq_client **out, char *errbuf,
                          size_t errlen);

/* Connects with token and asserts success. */
lq_client *it_daemon_connect(const it_daemon *d, const char *token);

/* Connects as the admin. */
lq_client *it_daemon_admin(const it_daemon *d);

/* Prints the last lines of the daemon log to stderr (for failure context). */
void it_daemon_dump_log(const it_daemon *d, int max_lines);

/* Milliseconds on a monotonic clock. */
long long it_now_ms(void);

/* Sleeps ms milliseconds (restarting after signals). */
void it_sleep_ms(long long ms);

#endif
