/* A connection labelqd has no memory for, when it arrives: the allocation
 * of the connection fails (failalloc.so, preloaded, makes calloc of
 * sizeof(lq_conn) fail the first three times), and labelqd takes the
 * pending connection on a second try instead of leaving its listener
 * stopped for good (libuv polls a listener no more until its pending
 * connection is accepted). The first client is served after the retries,
 * every later one at once, and the log says what happened. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"

#define FAILURES "3"
#define CLIENTS 5
#define LATER_CONNECT_MS 2000 /* a loaded machine; a stopped listener never answers */

static it_daemon D;

size_t it_conn_size(void); /* conn_size.c */

static void log_has(const char *what)
{
    FILE *f = fopen(D.log_path, "r");
    assert_non_null(f);
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, what) != NULL;
    fclose(f);
    if (!found)
        fail_msg("the log has no line with '%s'", what);
}

static void pending_connection_is_taken_later(void **state)
{
    (void)state;
    /* it_daemon_start's own connection (it waits for the admin token to
     * work) met the failures; had the listener stopped, the start would
     * have timed out. */
    log_has("out of memory accepting a connection");
    for (int i = 0; i < CLIENTS; i++) {
        long long t0 = it_now_ms();
        lq_client *c = it_daemon_connect(&D, D.admin_token);
        long long ms = it_now_ms() - t0;
        lq_client_close(c);
        if (ms > LATER_CONNECT_MS)
            fail_msg("connection %d took %lld ms", i + 1, ms);
    }
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static int start(void **state)
{
    (void)state;
    char size[32];
    snprintf(size, sizeof size, "%zu", it_conn_size());
    setenv("LD_PRELOAD", FAILALLOC_PATH, 1);
    setenv("LQ_FAILALLOC_SIZE", size, 1);
    setenv("LQ_FAILALLOC_COUNT", FAILURES, 1);
    it_daemon_start(&D);
    unsetenv("LD_PRELOAD");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_connection_is_taken_later),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start, NULL);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return it_exit_status(failed);
}
