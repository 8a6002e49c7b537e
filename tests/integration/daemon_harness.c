/* See daemon_harness.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"

#ifndef LABELQD_PATH
#error "LABELQD_PATH must name the labelqd binary"
#endif

#define POLL_INTERVAL_MS 50
#define MAX_EXTRA_ARGS 16
#define PROBE_TIMEOUT_MS 2000

long long it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_sleep_ms(long long ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Asks the kernel for a free loopback port: bind :0, read it back, close.
 * Another process could take it before labelqd binds; on a test machine
 * that race is rare enough. */
static int pick_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void log_marker(const it_daemon *d, const char *what)
{
    FILE *f = fopen(d->log_path, "a");
    if (f) {
        fprintf(f, "==== harness: %s (port %d) ====\n", what, d->port);
        fclose(f);
    }
}

/* Forks and execs labelqd with its output appended to the log. The child
 * gets default signal dispositions: the test ignores SIGPIPE, the daemon
 * must cope with it on its own. */
static void spawn(it_daemon *d)
{
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", d->port);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int log = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (log < 0 || null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(log, 1);
        dup2(log, 2);
        const char *path = getenv("LABELQ_IT_LABELQD");
        if (!path || !*path)
            path = LABELQD_PATH;
        char *argv[5 + MAX_EXTRA_ARGS + 1] = {"labelqd", "--data", d->data_dir, "--listen", listen};
        size_t n = 5;
        for (size_t i = 0; d->extra_args && d->extra_args[i] && i < MAX_EXTRA_ARGS; i++)
            argv[n++] = (char *)d->extra_args[i];
        argv[n] = NULL;
        execv(path, argv);
        dprintf(2, "harness: exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    d->pid = pid;
}

/* Reads the first line of the admin token file into d->admin_token.
 * Returns true when a non-empty line was read. */
static bool read_token(it_daemon *d)
{
    FILE *f = fopen(d->token_path, "r");
    if (!f)
        return false;
    char buf[sizeof d->admin_token];
    bool ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0')
        return false;
    memcpy(d->admin_token, buf, sizeof buf);
    return true;
}

static int connect_with_timeout(const it_daemon *d, const char *token, int timeout_ms,
                                lq_client **out, char *errbuf, size_t errlen)
{
    lq_client_options o = {
        .server = d->server,
        .ca_file = d->ca_file,
        .token = token,
        .client_name = "labelq-integration-test",
        .timeout_ms = timeout_ms,
    };
    return lq_client_connect(&o, out, errbuf, errlen);
}

/* Polls until the admin token works, the child dies, or the deadline. */
static void wait_ready(it_daemon *d)
{
    long long deadline = it_now_ms() + IT_START_TIMEOUT_MS;
    char err[512] = "";
    int rc = 0;
    while (it_now_ms() < deadline) {
        int status;
        pid_t w = waitpid(d->pid, &status, WNOHANG);
        if (w == d->pid) {
            d->pid = 0;
            it_daemon_dump_log(d, 40);
            fail_msg("labelqd exited during start (status 0x%x); log: %s", status, d->log_path);
        }
        if (read_token(d)) {
            lq_client *c = NULL;
            rc = connect_with_timeout(d, d->admin_token, PROBE_TIMEOUT_MS, &c, err, sizeof err);
            if (rc == 0) {
                lq_client_close(c);
                return;
            }
        }
        it_sleep_ms(POLL_INTERVAL_MS);
    }
    it_daemon_dump_log(d, 40);
    fail_msg("labelqd not ready within %d ms (last connect: %s: %s); log: %s", IT_START_TIMEOUT_MS,
             lq_strerror(rc), err, d->log_path);
}

void it_daemon_prepare(it_daemon *d)
{
    memset(d, 0, sizeof *d);
    signal(SIGPIPE, SIG_IGN); /* a write to a killed daemon must be an error, not death */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(d->root, sizeof d->root, "%s/labelq-it-XXXXXX", tmp);
    assert_non_null(mkdtemp(d->root));
    snprintf(d->data_dir, sizeof d->data_dir, "%s/data", d->root);
    snprintf(d->log_path, sizeof d->log_path, "%s/labelqd.log", d->root);
    snprintf(d->ca_file, sizeof d->ca_file, "%s/tls/ca.pem", d->data_dir);
    snprintf(d->token_path, sizeof d->token_path, "%s/admin.token", d->data_dir);
    d->port = pick_free_port();
    snprintf(d->server, sizeof d->server, "127.0.0.1:%d", d->port);
    assert_int_equal(mkdir(d->data_dir, 0700), 0);
}

void it_daemon_start(it_daemon *d)
{
    it_daemon_start_args(d, NULL);
}

void it_daemon_start_args(it_daemon *d, const char *const *args)
{
    it_daemon_prepare(d);
    d->extra_args = args;
    log_marker(d, "start");
    spawn(d);
    wait_ready(d);
}

void it_daemon_restart(it_daemon *d)
{
    assert_int_equal(d->pid, 0);
    log_marker(d, "restart");
    spawn(d);
    wait_ready(d);
}

int it_daemon_stop(it_daemon *d)
{
    if (d->pid <= 0)
        return -1;
    log_marker(d, "SIGTERM");
    kill(d->pid, SIGTERM);
    long long deadline = it_now_ms() + IT_STOP_TIMEOUT_MS;
    int status = 0;
    while (it_now_ms() < deadline) {
        pid_t w = waitpid(d->pid, &status, WNOHANG);
        if (w == d->pid) {
            d->pid = 0;
            return status;
        }
        it_sleep_ms(POLL_INTERVAL_MS);
    }
    fprintf(stderr, "harness: labelqd ignored SIGTERM for %d ms; killing it\n", IT_STOP_TIMEOUT_MS);
    it_daemon_kill(d);
    return -1;
}

void it_daemon_stop_ok(it_daemon *d)
{
    int status = it_daemon_stop(d);
    if (status == -1)
        fail_msg("labelqd did not exit within %d ms of SIGTERM", IT_STOP_TIMEOUT_MS);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        it_daemon_dump_log(d, 40);
        if (WIFSIGNALED(status))
            fail_msg("labelqd died of signal %d after SIGTERM (expected exit 0)", WTERMSIG(status));
        fail_msg("labelqd exited with status %d after SIGTERM (expected 0)", WEXITSTATUS(status));
    }
}

void it_daemon_kill(it_daemon *d)
{
    if (d->pid <= 0)
        return;
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = 0;
    log_marker(d, "SIGKILL done");
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void it_daemon_cleanup(it_daemon *d)
{
    if (d->root[0] == '\0')
        return;
    it_daemon_kill(d);
    if (d->passed) {
        nftw(d->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    } else {
        fprintf(stderr, "harness: test failed; labelqd log: %s (data dir %s)\n", d->log_path,
                d->data_dir);
        it_daemon_dump_log(d, 30);
    }
    d->root[0] = '\0';
}

/* The daemon of the group it_run_with_daemon runs now. */
static it_daemon *group_daemon;

static int start_group_daemon(void **state)
{
    (void)state;
    it_daemon_start(group_daemon);
    return 0;
}

int it_run_with_daemon(it_daemon *d, const struct CMUnitTest *tests, size_t n)
{
    group_daemon = d;
    int failed = _cmocka_run_group_tests("tests", tests, n, start_group_daemon, NULL);
    d->passed = failed == 0;
    it_daemon_cleanup(d);
    group_daemon = NULL;
    return it_exit_status(failed);
}

/* Whether a test of this program called it_skip. */
static bool skipped;

void it_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("SKIP: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    skipped = true;
    skip();
}

int it_exit_status(int failed)
{
    if (failed)
        return failed;
    return skipped ? IT_SKIP_STATUS : 0;
}

void it_test_daemon_stops_cleanly(void **state)
{
    (void)state;
    assert_non_null(group_daemon);
    it_daemon_stop_ok(group_daemon);
}

int it_daemon_try_connect(const it_daemon *d, const char *token, lq_client **out, char *errbuf,
                          size_t errlen)
{
    return connect_with_timeout(d, token, IT_CLIENT_TIMEOUT_MS, out, errbuf, errlen);
}

lq_client *it_daemon_connect(const it_daemon *d, const char *token)
{
    lq_client *c = NULL;
    char err[512] = "";
    int rc = it_daemon_try_connect(d, token, &c, err, sizeof err);
    if (rc != 0)
        fail_msg("connect to %s failed: %s: %s", d->server, lq_strerror(rc), err);
    assert_non_null(c);
    return c;
}

lq_client *it_daemon_admin(const it_daemon *d)
{
    return it_daemon_connect(d, d->admin_token);
}

void it_daemon_dump_log(const it_daemon *d, int max_lines)
{
    FILE *f = fopen(d->log_path, "r");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long from = size > 16384 ? size - 16384 : 0;
    fseek(f, from, SEEK_SET);
    char *buf = malloc((size_t)(size - from) + 1);
    size_t n = buf ? fread(buf, 1, (size_t)(size - from), f) : 0;
    fclose(f);
    if (!buf)
        return;
    buf[n] = '\0';
    const char *start = buf + n;
    int lines = 0;
    while (start > buf && lines <= max_lines) {
        start--;
        if (*start == '\n')
            lines++;
    }
    if (*start == '\n')
        start++;
    fprintf(stderr, "---- last lines of %s ----\n%s---- end of log ----\n", d->log_path, start);
    free(buf);
}
