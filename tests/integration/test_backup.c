/* Online backup: lq_backup copies the whole store while labelqd serves, and
 * a second labelqd started on the copy serves the same data. Quiet, the
 * restored export equals the live one byte for byte; with labels arriving
 * during the backup, the copy holds a state between "before the backup" and
 * "after it", and nothing the live store lacks. Annotators cannot back up. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define N_ITEMS 400
#define N_QUIET_LABELS 80 /* under 100: no Dawid-Skene run changes the export later */
#define MIN_CONCURRENT_SUBMITS 10

static it_daemon D;
static const char *const LABELS[] = {"a", "b"};
static const char *P = "backup";
static char *worker_token;

static const char *label_for(uint64_t task_id)
{
    return LABELS[task_id % 2];
}

/* Leases and labels up to n tasks with c; returns how many it labeled. */
static size_t label_tasks(lq_client *c, size_t n)
{
    size_t done = 0;
    while (done < n) {
        Labelq__LeaseReply *r = it_lease(c, P, 10, 0);
        size_t got = r->n_tasks;
        for (size_t i = 0; i < r->n_tasks; i++) {
            if (done < n) {
                it_submit(c, r->tasks[i]->task_id, label_for(r->tasks[i]->task_id), 1000, false);
                done++;
            } else {
                lq_release(c, r->tasks[i]->task_id);
            }
        }
        labelq__lease_reply__free_unpacked(r, NULL);
        if (got == 0)
            break;
    }
    return done;
}

/* Runs lq_backup into a new file at path; asserts success and returns the
 * size reported, checked against the file's. */
static int write_piece(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static uint64_t backup_to(lq_client *admin, const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    uint64_t bytes = 0;
    it_assert_code(admin, lq_backup(admin, write_piece, f, &bytes), 0);
    assert_int_equal(fclose(f), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, bytes);
    return bytes;
}

static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    assert_true(in >= 0);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    assert_int_equal(n, 0);
    close(in);
    assert_int_equal(close(out), 0);
}

/* Lays out a data dir for R as an operator restoring on a new machine
 * would: store/data.mdb is the backup, tls/ and admin.token come from the
 * live daemon's data dir. Then starts labelqd on it. */
static void restore(it_daemon *R, const char *backup_path)
{
    char from[2200], to[2200];
    it_daemon_prepare(R);
    snprintf(to, sizeof to, "%s/store", R->data_dir);
    assert_int_equal(mkdir(to, 0700), 0);
    snprintf(to, sizeof to, "%s/store/data.mdb", R->data_dir);
    copy_file(backup_path, to);
    snprintf(to, sizeof to, "%s/tls", R->data_dir);
    assert_int_equal(mkdir(to, 0700), 0);
    snprintf(from, sizeof from, "%s/tls", D.data_dir);
    DIR *dir = opendir(from);
    assert_non_null(dir);
    struct dirent *ent;
    while ((ent = readdir(dir)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        snprintf(from, sizeof from, "%s/tls/%s", D.data_dir, ent->d_name);
        snprintf(to, sizeof to, "%s/tls/%s", R->data_dir, ent->d_name);
        copy_file(from, to);
    }
    closedir(dir);
    snprintf(to, sizeof to, "%s/admin.token", R->data_dir);
    copy_file(D.token_path, to);
    it_daemon_restart(R);
}

static void backup_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", D.root, name);
}

static void quiet_backup_restores_the_same_export(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    lq_client *worker = it_daemon_connect(&D, worker_token);
    assert_int_equal(label_tasks(worker, N_QUIET_LABELS), N_QUIET_LABELS);

    char path[IT_PATH_LEN + 32];
    backup_path(path, sizeof path, "quiet.mdb");
    uint64_t bytes = backup_to(admin, path);
    assert_true(bytes > 0);
    it_export live;
    it_export_fetch(admin, P, &live);
    assert_int_equal(live.n, N_QUIET_LABELS);
    Labelq__ProjectInfo *live_info = it_project_info(admin, P);

    it_daemon R;
    restore(&R, path);
    lq_client *radmin = it_daemon_admin(&R);
    it_export restored;
    it_export_fetch(radmin, P, &restored);
    assert_int_equal(restored.len, live.len);
    assert_memory_equal(restored.raw, live.raw, live.len);
    Labelq__ProjectInfo *info = it_project_info(radmin, P);
    it_assert_status(info, live_info->tasks, live_info->done, live_info->labels, 0, info->pending);
    /* The annotator's token is in the store: it works on the copy. */
    lq_client *rworker = it_daemon_connect(&R, worker_token);
    assert_int_equal(label_tasks(rworker, 1), 1);

    lq_client_close(rworker);
    lq_client_close(radmin);
    it_daemon_stop_ok(&R);
    R.passed = true;
    it_daemon_cleanup(&R);
    labelq__project_info__free_unpacked(info, NULL);
    labelq__project_info__free_unpacked(live_info, NULL);
    it_export_free(&restored);
    it_export_free(&live);
    lq_client_close(worker);
    lq_client_close(admin);
}

typedef struct submitter {
    pthread_t thread;
    atomic_bool stop;
    atomic_size_t submits;
    int failed; /* the first failing code, or 0 */
} submitter;

/* Labels tasks one at a time until told to stop or the project runs out.
 * No cmocka asserts off the test's thread: failures are recorded. */
static void *submit_loop(void *arg)
{
    submitter *s = arg;
    lq_client *c = NULL;
    char err[256];
    if ((s->failed = it_daemon_try_connect(&D, worker_token, &c, err, sizeof err)) < 0)
        return NULL;
    while (!atomic_load(&s->stop)) {
        Labelq__LeaseReply *r = NULL;
        int rc = lq_lease(c, P, 1, 0, &r);
        if (rc < 0) {
            s->failed = rc;
            break;
        }
        size_t got = r->n_tasks;
        for (size_t i = 0; i < r->n_tasks && rc == 0; i++) {
            bool dup;
            uint64_t id = r->tasks[i]->task_id;
            if ((rc = lq_submit(c, id, label_for(id), 500, &dup)) < 0)
                s->failed = rc;
            else
                atomic_fetch_add(&s->submits, 1);
        }
        labelq__lease_reply__free_unpacked(r, NULL);
        if (rc < 0 || got == 0)
            break;
    }
    lq_client_close(c);
    return NULL;
}

static bool same_json(const json_t *a, const json_t *b)
{
    return a && b && json_equal(a, b);
}

static void backup_during_submits_is_consistent(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *before = it_project_info(admin, P);
    submitter s = {0};
    assert_int_equal(pthread_create(&s.thread, NULL, submit_loop, &s), 0);
    long long deadline = it_now_ms() + IT_CLIENT_TIMEOUT_MS;
    while (atomic_load(&s.submits) < MIN_CONCURRENT_SUBMITS && !s.failed && it_now_ms() < deadline)
        it_sleep_ms(5);

    char path[IT_PATH_LEN + 32];
    backup_path(path, sizeof path, "busy.mdb");
    size_t submits_at_start = atomic_load(&s.submits);
    assert_true(backup_to(admin, path) > 0);
    size_t submits_at_end = atomic_load(&s.submits);
    atomic_store(&s.stop, true);
    pthread_join(s.thread, NULL);
    it_assert_code(admin, s.failed, 0);
    assert_true(submits_at_start >= MIN_CONCURRENT_SUBMITS);
    print_message("backup ran while %zu labels were submitted\n",
                  submits_at_end - submits_at_start);

    Labelq__ProjectInfo *live = it_project_info(admin, P);
    it_export live_export;
    it_export_fetch(admin, P, &live_export);

    it_daemon R;
    restore(&R, path);
    lq_client *radmin = it_daemon_admin(&R);
    Labelq__ProjectInfo *copy = it_project_info(radmin, P);
    assert_int_equal(copy->tasks, live->tasks);
    assert_in_range(copy->labels, before->labels, live->labels);
    assert_in_range(copy->done, before->done, live->done);
    it_export restored;
    it_export_fetch(radmin, P, &restored);
    assert_int_equal(restored.n, copy->done);
    for (size_t i = 0; i < restored.n; i++) {
        const char *id = json_string_value(json_object_get(restored.lines[i], "id"));
        json_t *line = it_export_find(&live_export, id);
        if (!line)
            fail_msg("item %s is done in the backup but not in the live store", id);
        if (!same_json(json_object_get(line, "annotations"),
                       json_object_get(restored.lines[i], "annotations")))
            fail_msg("item %s has other labels in the backup than in the live store", id);
    }

    lq_client_close(radmin);
    it_daemon_stop_ok(&R);
    R.passed = true;
    it_daemon_cleanup(&R);
    it_export_free(&restored);
    it_export_free(&live_export);
    labelq__project_info__free_unpacked(copy, NULL);
    labelq__project_info__free_unpacked(live, NULL);
    labelq__project_info__free_unpacked(before, NULL);
    lq_client_close(admin);
}

static int discard(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

static void annotator_cannot_back_up(void **state)
{
    (void)state;
    lq_client *worker = it_daemon_connect(&D, worker_token);
    uint64_t bytes = 1;
    it_assert_code(worker, lq_backup(worker, discard, NULL, &bytes), LQ_EPERM);
    assert_int_equal(bytes, 0);
    /* Refused, not disconnected. */
    Labelq__ProjectInfo *info = it_project_info(worker, P);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(worker);
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static int start_daemon(void **state)
{
    (void)state;
    it_daemon_start(&D);
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, P, LABELS, 2, 1, 600);
    it_import_items(admin, P, "bk", N_ITEMS);
    worker_token = it_annotator_add(admin, "worker");
    lq_client_close(admin);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_backup_restores_the_same_export),
        cmocka_unit_test(backup_during_submits_is_consistent),
        cmocka_unit_test(annotator_cannot_back_up),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start_daemon, NULL);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    free(worker_token);
    return failed;
}
