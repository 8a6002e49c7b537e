/* Hostile and broken input: bad frames, bodies that are not requests,
 * requests out of order, bad or revoked tokens, submits that are not the
 * caller's to make, bad labels and bad import lines. Each case must get the
 * error the protocol names (or a close), must leave the daemon up, and must
 * not disturb a well-behaved annotator connected before it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define WORK "hostile"       /* the bystander's project */
#define WORK_ITEMS 200       /* enough for one lease per case */
#define DEFAULT_MAX_FRAME 4194304u
#define SHORT_TTL_S 1
#define EXPIRY_WAIT_MS 2500  /* past SHORT_TTL_S, with room for the expiry sweep */
#define HUGE_LINE_BYTES (100u * 1024 * 1024)
#define CLI_TIMEOUT_MS 45000

static it_daemon D;
static lq_client *BYSTANDER; /* connected before every hostile client */
static const char *const LABELS[] = {"yes", "no"};

/* The daemon is still running and the bystander can still look at the
 * project and lease, label and submit a task on its old connection. */
static void bystander_ok(const char *after)
{
    int status = 0;
    if (waitpid(D.pid, &status, WNOHANG) != 0) {
        D.pid = 0;
        it_daemon_dump_log(&D, 30);
        fail_msg("the daemon died after %s (wait status %d)", after, status);
    }
    Labelq__ProjectInfo *info = NULL;
    int rc = lq_project_get(BYSTANDER, WORK, &info);
    if (rc != 0)
        fail_msg("after %s the bystander's project get failed: %s: %s", after, lq_strerror(rc),
                 lq_client_error(BYSTANDER));
    labelq__project_info__free_unpacked(info, NULL);
    Labelq__LeaseReply *lr = NULL;
    rc = lq_lease(BYSTANDER, WORK, 1, 0, &lr);
    if (rc != 0)
        fail_msg("after %s the bystander's lease failed: %s: %s", after, lq_strerror(rc),
                 lq_client_error(BYSTANDER));
    assert_int_equal(lr->n_tasks, 1);
    it_submit(BYSTANDER, lr->tasks[0]->task_id, "yes", 5, false);
    labelq__lease_reply__free_unpacked(lr, NULL);
}

static Labelq__Envelope get_project_env(uint64_t id, Labelq__GetProject *gp)
{
    labelq__get_project__init(gp);
    gp->project = WORK;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = id;
    env.body_case = LABELQ__ENVELOPE__BODY_GET_PROJECT;
    env.get_project = gp;
    return env;
}

/* An authenticated raw connection: admin Hello done. */
static void open_authed(it_raw *r)
{
    it_raw_open(r, &D);
    it_raw_hello(r, D.admin_token);
}

/* Writes a frame header announcing len bytes and expects BAD_REQUEST with
 * id 0, then a close. */
static void bad_length(uint32_t len, const char *what)
{
    it_raw r;
    open_authed(&r);
    uint8_t hdr[IT_RAW_FRAME_HEADER] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                                        (uint8_t)(len >> 8), (uint8_t)len};
    assert_true(it_raw_write(&r, hdr, sizeof hdr));
    it_raw_expect_error(&r, 0, LABELQ__ERROR_CODE__BAD_REQUEST, what);
    it_raw_expect_close(&r, IT_RAW_READ_MS, what);
    it_raw_close(&r);
    bystander_ok(what);
}

static void oversize_length_all_ones(void **state)
{
    (void)state;
    bad_length(0xFFFFFFFFu, "length prefix 0xFFFFFFFF");
}

static void oversize_length_max_frame_plus_one(void **state)
{
    (void)state;
    bad_length(DEFAULT_MAX_FRAME + 1, "length prefix max_frame+1");
}

/* A frame of exactly max_frame bytes is not refused for its length: the
 * check above is at the limit, not below it. Its body is not an Envelope,
 * so it still gets BAD_REQUEST, but only after the whole frame arrived. */
static void frame_at_max_frame_is_read_whole(void **state)
{
    (void)state;
    it_raw r;
    open_authed(&r);
    uint8_t *frame = malloc(IT_RAW_FRAME_HEADER + DEFAULT_MAX_FRAME);
    assert_non_null(frame);
    memset(frame, 0xFF, IT_RAW_FRAME_HEADER + DEFAULT_MAX_FRAME);
    frame[0] = (uint8_t)(DEFAULT_MAX_FRAME >> 24);
    frame[1] = (uint8_t)(DEFAULT_MAX_FRAME >> 16);
    frame[2] = (uint8_t)(DEFAULT_MAX_FRAME >> 8);
    frame[3] = (uint8_t)DEFAULT_MAX_FRAME;
    /* the header and half the body: no reply may come yet */
    assert_true(it_raw_write(&r, frame, IT_RAW_FRAME_HEADER + DEFAULT_MAX_FRAME / 2));
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(&r, 500, &e);
    if (e)
        labelq__envelope__free_unpacked(e, NULL);
    if (st != IT_RAW_TIMEOUT)
        fail_msg("a max_frame-long frame was answered (status %d) before its body arrived",
                 (int)st);
    assert_true(it_raw_write(&r, frame + IT_RAW_FRAME_HEADER + DEFAULT_MAX_FRAME / 2,
                             DEFAULT_MAX_FRAME - DEFAULT_MAX_FRAME / 2));
    free(frame);
    it_raw_expect_error(&r, 0, LABELQ__ERROR_CODE__BAD_REQUEST, "max_frame bytes of 0xFF");
    it_raw_expect_close(&r, IT_RAW_READ_MS, "max_frame bytes of 0xFF");
    it_raw_close(&r);
    bystander_ok("a max_frame-long undecodable frame");
}

static void truncated_frame_then_close(void **state)
{
    (void)state;
    it_raw r;
    open_authed(&r);
    Labelq__GetProject gp;
    Labelq__Envelope env = get_project_env(2, &gp);
    size_t n = labelq__envelope__get_packed_size(&env);
    uint8_t frame[256];
    assert_true(n + IT_RAW_FRAME_HEADER <= sizeof frame);
    frame[0] = 0;
    frame[1] = 0;
    frame[2] = (uint8_t)(n >> 8);
    frame[3] = (uint8_t)n;
    labelq__envelope__pack(&env, frame + IT_RAW_FRAME_HEADER);
    /* all but the last 3 bytes of the body, then a hard close */
    assert_true(it_raw_write(&r, frame, IT_RAW_FRAME_HEADER + n - 3));
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(&r, 300, &e);
    if (e)
        labelq__envelope__free_unpacked(e, NULL);
    if (st == IT_RAW_ENVELOPE)
        fail_msg("the daemon answered a request whose frame was not complete");
    it_raw_close(&r);
    bystander_ok("a truncated frame and a close");

    /* the same with only half a header */
    open_authed(&r);
    assert_true(it_raw_write(&r, frame, 2));
    it_raw_close(&r);
    bystander_ok("half a frame header and a close");
}

static void frame_not_protobuf(void **state)
{
    (void)state;
    it_raw r;
    open_authed(&r);
    /* eleven 0xFF bytes: a field tag whose varint never ends */
    uint8_t frame[IT_RAW_FRAME_HEADER + 11] = {0, 0, 0, 11};
    memset(frame + IT_RAW_FRAME_HEADER, 0xFF, 11);
    assert_true(it_raw_write(&r, frame, sizeof frame));
    it_raw_expect_error(&r, 0, LABELQ__ERROR_CODE__BAD_REQUEST, "a frame that is not protobuf");
    it_raw_expect_close(&r, IT_RAW_READ_MS, "a frame that is not protobuf");
    it_raw_close(&r);
    bystander_ok("a frame that is not protobuf");
}

/* A body that is not a request gets BAD_REQUEST with the request's id; it
 * is not a framing error, so the connection keeps working. */
static void not_a_request(Labelq__Envelope *env, const char *what)
{
    it_raw r;
    open_authed(&r);
    assert_true(it_raw_send(&r, env));
    it_raw_expect_error(&r, env->id, LABELQ__ERROR_CODE__BAD_REQUEST, what);
    Labelq__GetProject gp;
    Labelq__Envelope next = get_project_env(env->id + 1, &gp);
    assert_true(it_raw_send(&r, &next));
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(&r, IT_RAW_READ_MS, &e);
    bool ok = st == IT_RAW_ENVELOPE && e->id == next.id &&
              e->body_case == LABELQ__ENVELOPE__BODY_PROJECT_INFO;
    if (e)
        labelq__envelope__free_unpacked(e, NULL);
    if (!ok)
        fail_msg("after %s the connection did not answer GetProject (status %d)", what, (int)st);
    it_raw_close(&r);
    bystander_ok(what);
}

static void envelope_without_body(void **state)
{
    (void)state;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 7;
    not_a_request(&env, "an Envelope with no body");
}

static void reply_body_as_request(void **state)
{
    (void)state;
    Labelq__HelloReply hr = LABELQ__HELLO_REPLY__INIT;
    hr.annotator = "admin";
    hr.role = LABELQ__ROLE__ADMIN;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 9;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO_REPLY;
    env.hello_reply = &hr;
    not_a_request(&env, "a HelloReply sent as a request");

    Labelq__Empty ok = LABELQ__EMPTY__INIT;
    Labelq__Envelope env2 = LABELQ__ENVELOPE__INIT;
    env2.id = 11;
    env2.body_case = LABELQ__ENVELOPE__BODY_OK;
    env2.ok = &ok;
    not_a_request(&env2, "an Empty (ok) sent as a request");
}

static void request_before_hello(void **state)
{
    (void)state;
    it_raw r;
    it_raw_open(&r, &D);
    Labelq__GetProject gp;
    Labelq__Envelope env = get_project_env(1, &gp);
    assert_true(it_raw_send(&r, &env));
    it_raw_expect_error(&r, 1, LABELQ__ERROR_CODE__UNAUTHENTICATED, "GetProject before Hello");
    it_raw_expect_close(&r, IT_RAW_READ_MS, "GetProject before Hello");
    it_raw_close(&r);
    bystander_ok("a request before Hello");
}

static void hello_with(const char *token, Labelq__ErrorCode want, const char *what)
{
    it_raw r;
    it_raw_open(&r, &D);
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = (char *)token;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 1;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    assert_true(it_raw_send(&r, &env));
    it_raw_expect_error(&r, 1, want, what);
    it_raw_expect_close(&r, IT_RAW_READ_MS, what);
    it_raw_close(&r);
    bystander_ok(what);
}

static void wrong_token(void **state)
{
    (void)state;
    char token[65];
    memset(token, '0', 64);
    token[64] = '\0';
    hello_with(token, LABELQ__ERROR_CODE__UNAUTHENTICATED, "a well-formed unknown token");
    hello_with("", LABELQ__ERROR_CODE__UNAUTHENTICATED, "an empty token");
}

/* A token that worked, whose account was blocked while connected: its next
 * request is refused and the connection closed; a new Hello is refused. */
static void revoked_token(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    char *token = it_annotator_add(admin, "revoked");
    lq_client *c = it_daemon_connect(&D, token);
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(c, lq_project_get(c, WORK, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);

    it_assert_code(admin, lq_annotator_block(admin, "revoked", false), 0);
    it_assert_code(c, lq_project_get(c, WORK, &info), LQ_EPERM);
    int rc = lq_project_get(c, WORK, &info);
    if (rc == 0)
        labelq__project_info__free_unpacked(info, NULL);
    if (rc != LQ_ECLOSED && rc != LQ_EIO && rc != LQ_ETLS)
        fail_msg("after PERMISSION_DENIED for a blocked account the connection still answers: "
                 "%s (%s)",
                 lq_strerror(rc), lq_client_error(c));
    lq_client_close(c);
    hello_with(token, LABELQ__ERROR_CODE__PERMISSION_DENIED, "Hello with a revoked token");
    free(token);
    lq_client_close(admin);
}

static lq_client *annotator(lq_client *admin, const char *name)
{
    char *token = it_annotator_add(admin, name);
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    return c;
}

static void submit_not_yours(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "theirs", LABELS, 2, 1, 600);
    it_import_items(admin, "theirs", "th", 2);
    lq_client *owner = annotator(admin, "owner");
    lq_client *thief = annotator(admin, "thief");
    Labelq__LeaseReply *lr = it_lease(owner, "theirs", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    uint64_t task = lr->tasks[0]->task_id;
    bool dup = false;
    it_assert_code(thief, lq_submit(thief, task, "no", 5, &dup), LQ_EEXPIRED);
    /* A label the project would refuse changes nothing: the task is not the
     * thief's, and the answer says nothing of its project or type. */
    it_assert_code(thief, lq_submit(thief, task, "not-a-label", 5, &dup), LQ_EEXPIRED);
    if (strstr(lq_client_error(thief), "theirs") || strstr(lq_client_error(thief), "single"))
        fail_msg("a submit to another's task names its project: %s", lq_client_error(thief));
    bystander_ok("a submit on another annotator's lease");
    /* nothing was stored for the thief; the owner's lease is intact */
    Labelq__ProjectInfo *info = it_project_info(admin, "theirs");
    assert_int_equal(info->labels, 0);
    labelq__project_info__free_unpacked(info, NULL);
    it_submit(owner, task, "yes", 5, false);
    info = it_project_info(admin, "theirs");
    assert_int_equal(info->labels, 1);
    assert_int_equal(info->done, 1);
    labelq__project_info__free_unpacked(info, NULL);
    labelq__lease_reply__free_unpacked(lr, NULL);
    lq_client_close(thief);
    lq_client_close(owner);
    lq_client_close(admin);
}

/* A TLS record that does not decrypt, after the handshake: OpenSSL fails
 * the connection (bad record MAC), labelqd closes it without asking
 * OpenSSL to write or shut down again, and goes on serving. */
static void broken_tls_record(void **state)
{
    (void)state;
    it_raw r = {0};
    open_authed(&r);
    static const uint8_t record[] = {0x17, 0x03, 0x03, 0x00, 0x20, 1,  2,  3,  4,  5,  6,  7, 8,
                                     9,    10,   11,   12,   13,   14, 15, 16, 17, 18, 19, 20, 21,
                                     22,   23,   24,   25,   26,   27, 28, 29, 30, 31, 32};
    assert_int_equal(write(r.fd, record, sizeof record), (ssize_t)sizeof record);
    it_raw_expect_close(&r, IT_RAW_READ_MS, "a TLS record that does not decrypt");
    it_raw_close(&r);
    bystander_ok("a broken TLS record");
}

static void submit_expired_lease(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "shortlease", LABELS, 2, 1, SHORT_TTL_S);
    it_import_items(admin, "shortlease", "sl", 1);
    lq_client *late = annotator(admin, "late");
    Labelq__LeaseReply *lr = it_lease(late, "shortlease", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    it_sleep_ms(EXPIRY_WAIT_MS);
    bool dup = false;
    it_assert_code(late, lq_submit(late, lr->tasks[0]->task_id, "yes", 5, &dup), LQ_EEXPIRED);
    labelq__lease_reply__free_unpacked(lr, NULL);
    bystander_ok("a submit on an expired lease");
    Labelq__ProjectInfo *info = it_project_info(admin, "shortlease");
    it_assert_status(info, 1, 0, 0, 0, 1);
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(late);
    lq_client_close(admin);
}

static void submit_unknown_task(void **state)
{
    (void)state;
    bool dup = false;
    it_assert_code(BYSTANDER, lq_submit(BYSTANDER, 987654321u, "yes", 5, &dup), LQ_ENOTFOUND);
    bystander_ok("a submit for an unknown task id");
}

static void label_outside_schema(void **state)
{
    (void)state;
    Labelq__LeaseReply *lr = it_lease(BYSTANDER, WORK, 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    uint64_t task = lr->tasks[0]->task_id;
    bool dup = false;
    it_assert_code(BYSTANDER, lq_submit(BYSTANDER, task, "maybe", 5, &dup), LQ_EBADREQ);
    it_assert_code(BYSTANDER, lq_submit(BYSTANDER, task, "", 5, &dup), LQ_EBADREQ);
    /* the lease is still held: the right label goes through, as the first */
    it_submit(BYSTANDER, task, "no", 5, false);
    labelq__lease_reply__free_unpacked(lr, NULL);
    bystander_ok("a label outside the schema");
}

/* Asserts reply->rejected holds exactly the line numbers want[0..n-1], each
 * with a message. */
static void assert_rejected(const Labelq__ImportReply *reply, const uint64_t *want, size_t n)
{
    if (reply->n_rejected != n)
        fail_msg("import rejected %zu lines, want %zu", reply->n_rejected, n);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < reply->n_rejected; j++) {
            if (reply->rejected[j]->line_no == want[i]) {
                found = true;
                assert_non_null(reply->rejected[j]->message);
                assert_true(strlen(reply->rejected[j]->message) > 0);
            }
        }
        if (!found)
            fail_msg("line %llu was not among the rejected lines", (unsigned long long)want[i]);
    }
}

static void import_bad_lines(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "badimport", LABELS, 2, 1, 600);
    static const char *const lines[] = {
        "{\"id\": \"ok-1\", \"data\": {\"text\": \"fine\"}}",       /* 1 */
        "{\"id\": \"broken\", \"data\": ",                          /* 2: invalid JSON */
        "{\"data\": {\"text\": \"no id\"}}",                        /* 3: missing id */
        "{\"id\": \"ok-2\", \"data\": 2}",                          /* 4 */
        "{\"id\": \"ok-2\", \"data\": \"again\"}",                  /* 5: duplicate id */
        "{\"id\": \"gold-x\", \"data\": 3, \"gold\": \"maybe\"}",   /* 6: gold not a label */
        "[1, 2, 3]",                                                /* 7: not an object */
        "{\"id\": \"ok-3\", \"data\": null, \"gold\": \"yes\"}",    /* 8 */
    };
    Labelq__ImportReply *reply = it_import_lines(admin, "badimport", lines, 8, 1);
    static const uint64_t rejected[] = {2, 3, 6, 7};
    assert_rejected(reply, rejected, 4);
    assert_int_equal(reply->imported, 3);
    assert_int_equal(reply->skipped, 1);
    labelq__import_reply__free_unpacked(reply, NULL);
    Labelq__ProjectInfo *info = it_project_info(admin, "badimport");
    assert_int_equal(info->tasks, 3);
    labelq__project_info__free_unpacked(info, NULL);
    bystander_ok("an import with bad lines");
    lq_client_close(admin);
}

#ifdef LABELQ_CLI_PATH
/* Writes line 1 (valid), line 2 (HUGE_LINE_BYTES of one JSON string) and
 * line 3 (valid) to fd, then exits. Runs in a child process. */
static void generate_huge_input(int fd)
{
    static char block[65536];
    memset(block, 'x', sizeof block);
    const char *first = "{\"id\": \"small-1\", \"data\": 1}\n{\"id\": \"huge\", \"data\": \"";
    const char *last = "\"}\n{\"id\": \"small-2\", \"data\": 2}\n";
    if (write(fd, first, strlen(first)) < 0)
        _exit(1);
    for (size_t sent = 0; sent < HUGE_LINE_BYTES; sent += sizeof block)
        if (write(fd, block, sizeof block) < 0)
            _exit(1);
    if (write(fd, last, strlen(last)) < 0)
        _exit(1);
    _exit(0);
}

/* `labelq import P -` fed a 100 MB line through a pipe: the CLI rejects
 * that line by its number without sending it, imports the others and
 * exits 1; nothing of the huge line reaches the project. */
static void import_huge_line_cli(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "hugeline", LABELS, 2, 1, 600);
    char err_path[IT_PATH_LEN + 32];
    snprintf(err_path, sizeof err_path, "%s/import.err", D.root);
    int in[2];
    assert_int_equal(pipe(in), 0);
    fflush(NULL);
    pid_t gen = fork();
    assert_true(gen >= 0);
    if (gen == 0) {
        close(in[0]);
        generate_huge_input(in[1]);
    }
    close(in[1]);
    pid_t cli = fork();
    assert_true(cli >= 0);
    if (cli == 0) {
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int out = open("/dev/null", O_WRONLY);
        if (err < 0 || out < 0)
            _exit(126);
        dup2(in[0], 0);
        dup2(out, 1);
        dup2(err, 2);
        execl(LABELQ_CLI_PATH, "labelq", "--server", D.server, "--ca", D.ca_file, "--token",
              D.admin_token, "import", "hugeline", "-", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    long long deadline = it_now_ms() + CLI_TIMEOUT_MS;
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(cli, &status, WNOHANG)) == 0 && it_now_ms() < deadline)
        it_sleep_ms(50);
    if (done == 0) {
        kill(cli, SIGKILL);
        waitpid(cli, &status, 0);
    }
    kill(gen, SIGKILL);
    waitpid(gen, NULL, 0);
    if (done == 0)
        fail_msg("labelq import of a 100 MB line did not finish within %d ms", CLI_TIMEOUT_MS);

    char err_text[4096] = "";
    FILE *f = fopen(err_path, "r");
    assert_non_null(f);
    size_t n = fread(err_text, 1, sizeof err_text - 1, f);
    err_text[n] = '\0';
    fclose(f);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
        fail_msg("labelq import with a 100 MB line: wait status %d, want exit 1; stderr: %s",
                 status, err_text);
    if (!strstr(err_text, "line 2") && !strstr(err_text, "line 2:"))
        fail_msg("labelq import does not name line 2 on stderr: %s", err_text);
    Labelq__ProjectInfo *info = it_project_info(admin, "hugeline");
    if (info->tasks != 2)
        fail_msg("after importing 2 valid lines and a 100 MB one the project has %llu tasks",
                 (unsigned long long)info->tasks);
    labelq__project_info__free_unpacked(info, NULL);
    bystander_ok("a CLI import with a 100 MB line");
    lq_client_close(admin);
}
#endif

static int start(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    it_daemon_start(&D);
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, WORK, LABELS, 2, 1, 600);
    it_import_items(admin, WORK, "w", WORK_ITEMS);
    BYSTANDER = annotator(admin, "steady");
    lq_client_close(admin);
    return 0;
}

static int stop(void **state)
{
    (void)state;
    if (BYSTANDER)
        lq_client_close(BYSTANDER);
    BYSTANDER = NULL;
    return 0;
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oversize_length_all_ones),
        cmocka_unit_test(oversize_length_max_frame_plus_one),
        cmocka_unit_test(frame_at_max_frame_is_read_whole),
        cmocka_unit_test(truncated_frame_then_close),
        cmocka_unit_test(frame_not_protobuf),
        cmocka_unit_test(envelope_without_body),
        cmocka_unit_test(reply_body_as_request),
        cmocka_unit_test(request_before_hello),
        cmocka_unit_test(wrong_token),
        cmocka_unit_test(revoked_token),
        cmocka_unit_test(submit_not_yours),
        cmocka_unit_test(submit_expired_lease),
        cmocka_unit_test(broken_tls_record),
        cmocka_unit_test(submit_unknown_task),
        cmocka_unit_test(label_outside_schema),
        cmocka_unit_test(import_bad_lines),
#ifdef LABELQ_CLI_PATH
        cmocka_unit_test(import_huge_line_cli),
#endif
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start, stop);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return failed;
}
