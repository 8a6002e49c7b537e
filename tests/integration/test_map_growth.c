/* A store that starts with the smallest map (--map-size 65536) and is then
 * given several MB: the writer grows the map as it fills, so every import
 * chunk and every submit succeeds at once, the counts and the export are
 * complete, and a restart (which reopens at the grown size) keeps it all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "annotator_swarm.h"
#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define N_TASKS 5000
#define ITEM_TEXT_LEN 1024 /* bytes of text per item: ~5 MB in all */
#define CHUNK 250
#define LINE_LEN (ITEM_TEXT_LEN + 128)
#define N_WORKERS 4
#define FINISH_BUDGET_MS 240000
#define INITIAL_MAP 65536

static it_daemon D;
static const char *const DAEMON_ARGS[] = {"--map-size", "65536", NULL};
static const char *const LABELS[] = {"cat", "dog"};
static const char *P = "grow";

/* Imports N_TASKS items of ITEM_TEXT_LEN bytes, CHUNK lines per request;
 * each chunk must be taken whole on its first try. */
static void import_big_items(lq_client *admin)
{
    char *text = malloc((size_t)CHUNK * LINE_LEN);
    const char **lines = malloc(CHUNK * sizeof *lines);
    char pad[ITEM_TEXT_LEN + 1];
    assert_non_null(text);
    assert_non_null(lines);
    for (size_t start = 0; start < N_TASKS; start += CHUNK) {
        for (size_t i = 0; i < CHUNK; i++) {
            /* Different text per item, so nothing compresses or dedups. */
            for (size_t k = 0; k < ITEM_TEXT_LEN; k++)
                pad[k] = (char)('a' + (start + i + k * 7) % 26);
            pad[ITEM_TEXT_LEN] = '\0';
            lines[i] = text + i * LINE_LEN;
            snprintf(text + i * LINE_LEN, LINE_LEN,
                     "{\"id\": \"big-%05zu\", \"data\": {\"text\": \"%s\"}}", start + i, pad);
        }
        Labelq__ImportReply *r = it_import_lines(admin, P, lines, CHUNK, start + 1);
        assert_int_equal(r->n_rejected, 0);
        assert_int_equal(r->imported, CHUNK);
        labelq__import_reply__free_unpacked(r, NULL);
    }
    free(lines);
    free(text);
}

static off_t store_file_size(void)
{
    char path[sizeof D.data_dir + 32];
    struct stat sb;
    snprintf(path, sizeof path, "%s/store/data.mdb", D.data_dir);
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_size;
}

/* Everything is there: counts, and an export with every acknowledged label. */
static void assert_complete(lq_client *admin, const it_worker *w)
{
    Labelq__ProjectInfo *info = it_project_info(admin, P);
    it_assert_status(info, N_TASKS, N_TASKS, N_TASKS, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_export e;
    it_export_fetch(admin, P, &e);
    assert_int_equal(e.n, N_TASKS);
    assert_int_equal(it_swarm_check_export(w, N_WORKERS, &e, 1), N_TASKS);
    json_t *last = it_export_find(&e, "big-04999");
    assert_non_null(last);
    const char *text = json_string_value(json_object_get(json_object_get(last, "data"), "text"));
    assert_non_null(text);
    assert_int_equal(strlen(text), ITEM_TEXT_LEN);
    it_export_free(&e);
}

static void small_map_grows_and_loses_nothing(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, P, LABELS, 2, 1, 600);
    import_big_items(admin);

    /* The items alone are ~5 MB: the 64 KiB map must have grown. */
    off_t size = store_file_size();
    print_message("data.mdb is %lld bytes after the import (map started at %d)\n",
                  (long long)size, INITIAL_MAP);
    assert_true(size > (off_t)N_TASKS * ITEM_TEXT_LEN);

    static it_worker w[N_WORKERS];
    static atomic_bool stop;
    atomic_store(&stop, false);
    it_swarm_setup(w, N_WORKERS, &D, admin, P, LABELS, 2, "grower", &stop);
    it_swarm_finish(w, N_WORKERS, FINISH_BUDGET_MS);
    assert_complete(admin, w);
    lq_client_close(admin);

    /* The restart passes --map-size 65536 again; the store keeps its size. */
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    assert_complete(admin, w);
    lq_client_close(admin);
    it_swarm_free(w, N_WORKERS);
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static int start_daemon(void **state)
{
    (void)state;
    it_daemon_start_args(&D, DAEMON_ARGS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_map_grows_and_loses_nothing),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start_daemon, NULL);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return failed;
}
