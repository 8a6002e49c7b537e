/* The bootstrap admin `admin` (its token is DATA/admin.token) always
 * remains able to connect:
 *
 * - blocked_admin_repaired: a store where admin is blocked, as an older
 *   labelqd could leave it (written here with storage/'s own functions
 *   while the daemon is stopped), is repaired at start-up: admin's Hello
 *   works, the account is listed unblocked, the log says so once at warn,
 *   and a second start finds nothing to repair (before, admin's Hello got
 *   PERMISSION_DENIED after every start);
 * - admin_cannot_be_blocked: a second admin's BlockAnnotator{admin} gets
 *   BAD_REQUEST and changes nothing (before, it was stored, and admin was
 *   locked out). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "storage/store.h"
#include "storage/writer.h"

#define REPAIRED_MSG "the bootstrap admin was blocked: unblocked it"

static it_daemon D;

/* admin's entry in the list, asserting there is one. */
static bool admin_blocked(lq_client *c)
{
    Labelq__ListAnnotatorsReply *l = NULL;
    it_assert_code(c, lq_annotator_list(c, &l), 0);
    int blocked = -1;
    for (size_t i = 0; i < l->n_annotators; i++)
        if (strcmp(l->annotators[i]->name, "admin") == 0)
            blocked = l->annotators[i]->blocked;
    labelq__list_annotators_reply__free_unpacked(l, NULL);
    assert_true(blocked >= 0);
    return blocked == 1;
}

static void admin_cannot_be_blocked(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    char *root_token = NULL;
    it_assert_code(admin, lq_annotator_add(admin, "root", LABELQ__ROLE__ADMIN, &root_token), 0);
    lq_client *root = it_daemon_connect(&D, root_token);

    it_assert_code(root, lq_annotator_block(root, "admin", false), LQ_EBADREQ);
    assert_non_null(strstr(lq_client_error(root), "bootstrap admin"));
    it_assert_code(admin, lq_annotator_block(admin, "admin", false), LQ_EBADREQ);
    it_assert_code(root, lq_annotator_block(root, "admin", true), 0); /* unblocking: a no-op */
    assert_false(admin_blocked(root));

    /* admin still works, on its open connection and on a new one. */
    lq_client_close(admin);
    admin = it_daemon_admin(&D);
    assert_false(admin_blocked(admin));
    /* Other admins can still be blocked. */
    it_assert_code(admin, lq_annotator_block(admin, "root", false), 0);
    lq_client_close(root);
    lq_client_close(admin);
    free(root_token);
}

/* ---- a store where admin is blocked ------------------------------------ */

typedef struct block_op {
    lq_write_op op;
    Labelq__AnnotatorRecord *rec;
    int status;
} block_op;

static int find_admin(void *ctx, const Labelq__AnnotatorRecord *rec)
{
    Labelq__AnnotatorRecord **out = ctx;
    if (strcmp(rec->name, "admin") != 0)
        return 0;
    /* rec dies with the transaction: keep a copy. */
    size_t n = labelq__annotator_record__get_packed_size(rec);
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    labelq__annotator_record__pack(rec, buf);
    *out = labelq__annotator_record__unpack(NULL, n, buf);
    free(buf);
    assert_non_null(*out);
    return 0;
}

static int put_blocked(lq_write_op *op, lq_txn *txn)
{
    block_op *b = (block_op *)op;
    b->rec->blocked = true;
    return lq_store_put_annotator(txn, b->rec);
}

static void op_done(lq_write_op *op, int status)
{
    ((block_op *)op)->status = status;
}

/* With the daemon stopped: admin's record, blocked, put with storage/'s
 * own writer, as any labelqd writes records. */
static void block_admin_in_store(void)
{
    char dir[sizeof D.data_dir + 16], err[256];
    snprintf(dir, sizeof dir, "%s/store", D.data_dir);
    lq_store_config cfg;
    lq_store_config_default(&cfg);
    lq_store *st = NULL;
    if (lq_store_open(dir, &cfg, &st, err, sizeof err) != 0)
        fail_msg("cannot open the store %s: %s", dir, err);
    lq_txn *txn = NULL;
    Labelq__AnnotatorRecord *rec = NULL;
    assert_int_equal(lq_store_read_begin(st, &txn), 0);
    assert_int_equal(lq_store_each_annotator(txn, find_admin, &rec), 0);
    lq_store_read_end(txn);
    assert_non_null(rec);
    assert_false(rec->blocked);

    lq_writer *w = NULL;
    assert_int_equal(lq_writer_start(st, NULL, NULL, &w), 0);
    block_op b = {.op = {.apply = put_blocked, .done = op_done}, .rec = rec, .status = 1};
    lq_writer_submit(w, &b.op);
    lq_writer_stop(w);
    lq_writer_drain(w);
    lq_writer_free(w);
    assert_int_equal(b.status, 0);
    labelq__annotator_record__free_unpacked(rec, NULL);
    lq_store_close(st);
}

/* Lines of the daemon log holding both strings. */
static int log_count(const char *a, const char *b)
{
    FILE *f = fopen(D.log_path, "r");
    assert_non_null(f);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, a) && strstr(line, b);
    fclose(f);
    return n;
}

static void blocked_admin_repaired(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
    block_admin_in_store();
    it_daemon_restart(&D); /* returns once the admin token works */
    lq_client *admin = it_daemon_admin(&D);
    assert_false(admin_blocked(admin));
    lq_client_close(admin);
    assert_int_equal(log_count("level=warn", REPAIRED_MSG), 1);

    /* The repair was stored: the next start has nothing to repair. */
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    admin = it_daemon_admin(&D);
    assert_false(admin_blocked(admin));
    lq_client_close(admin);
    assert_int_equal(log_count("level=warn", REPAIRED_MSG), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocked_admin_repaired),
        cmocka_unit_test(admin_cannot_be_blocked),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
