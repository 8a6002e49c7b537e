/* Clients that ask more than they take: an annotator that pipelines
 * requests and never reads the replies, one that pipelines writes faster
 * than they are stored, one that parks lease request after lease request,
 * and one token opening connection after connection. Each is bounded by
 * back-pressure (labelqd stops reading the connection) or a per-connection
 * or per-token cap answered RESOURCE_EXHAUSTED, and a well-behaved
 * annotator connected before it is served as usual throughout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define BIG "big"                /* a project with the largest instructions */
#define WORK "work"              /* the bystander's */
#define INSTRUCTIONS 65536       /* LQ_MAX_INSTRUCTIONS: each GetProject reply is that big */
#define FLOOD_REQUESTS 8000      /* unread GetProjects: 500 MiB of replies if all were made */
#define RSS_BOUND_KB (64 * 1024) /* what the flood may add to labelqd (issue 15) */
#define PARKED_CAP "2"
#define PARKED_CAP_N 2u
#define TOKEN_CAP "3"
#define TOKEN_CAP_N 3
#define WRITES_CAP "4"
#define PIPELINED_WRITES 200
#define BYSTANDER_TRIES 50
#define BYSTANDER_MS_BOUND 1000 /* a loaded CI machine; the bench measures the p99 */

static it_daemon D;
static lq_client *ADMIN, *BYSTANDER;
static char *ANN_TOKEN;
static const char *const LABELS[] = {"yes", "no"};
static const char *const ARGS[] = {"--max-parked-per-connection",
                                   PARKED_CAP,
                                   "--max-connections-per-annotator",
                                   TOKEN_CAP,
                                   "--max-writes-per-connection",
                                   WRITES_CAP,
                                   NULL};

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

/* The bystander looks at its project BYSTANDER_TRIES times; each answer
 * must come within BYSTANDER_MS_BOUND. */
static void bystander_served(const char *during)
{
    long long worst = 0;
    for (int i = 0; i < BYSTANDER_TRIES; i++) {
        long long t0 = it_now_ms();
        Labelq__ProjectInfo *info = it_project_info(BYSTANDER, WORK);
        long long ms = it_now_ms() - t0;
        labelq__project_info__free_unpacked(info, NULL);
        worst = ms > worst ? ms : worst;
    }
    fprintf(stderr, "bystander during %s: worst of %d GetProject %lld ms\n", during,
            BYSTANDER_TRIES, worst);
    if (worst > BYSTANDER_MS_BOUND)
        fail_msg("during %s the bystander waited %lld ms (bound %d)", during, worst,
                 BYSTANDER_MS_BOUND);
}

static Labelq__Envelope get_project(uint64_t id, Labelq__GetProject *gp, const char *project)
{
    labelq__get_project__init(gp);
    gp->project = (char *)project;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = id;
    env.body_case = LABELQ__ENVELOPE__BODY_GET_PROJECT;
    env.get_project = gp;
    return env;
}

/* Sends up to n frames of env (ids from 2), stopping when the socket takes
 * no more for a while: that is labelqd not reading. Returns how many went. */
static int send_unread(it_raw *r, Labelq__Envelope *env, int n)
{
    struct timeval tv = {0, 200 * 1000}; /* a full socket for this long: not read */
    setsockopt(r->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int sent = 0;
    for (; sent < n; sent++) {
        env->id = (uint64_t)sent + 2;
        if (!it_raw_send(r, env))
            break;
    }
    return sent;
}

/* An annotator asks for a 64 KiB reply 8000 times and reads none of them:
 * labelqd stops reading it once a write-queue-high of replies is unsent,
 * so its memory grows by about that, not by 500 MiB. */
static void unread_replies_cost_bounded_memory(void **state)
{
    (void)state;
    long rss0 = status_kb(D.pid, "VmRSS");
    assert_true(rss0 > 0);
    it_raw r = {0};
    it_raw_open(&r, &D);
    it_raw_hello(&r, ANN_TOKEN);
    Labelq__GetProject gp;
    Labelq__Envelope env = get_project(2, &gp, BIG);
    int sent = send_unread(&r, &env, FLOOD_REQUESTS);
    it_sleep_ms(500); /* let labelqd answer what it read */
    long rss1 = status_kb(D.pid, "VmRSS");
    fprintf(stderr,
            "flood: %d of %d requests sent before the socket filled; labelqd VmRSS "
            "%ld -> %ld kB\n",
            sent, FLOOD_REQUESTS, rss0, rss1);
    if (rss1 - rss0 > RSS_BOUND_KB)
        fail_msg("labelqd grew by %ld kB under a flood of unread replies (bound %d kB)",
                 rss1 - rss0, RSS_BOUND_KB);
    bystander_served("a flood of unread replies");
    /* The flooder reads now: everything it sent is answered, in order. */
    for (int i = 0; i < sent; i++) {
        Labelq__Envelope *reply = NULL;
        it_raw_status st = it_raw_read(&r, IT_RAW_READ_MS, &reply);
        if (st != IT_RAW_ENVELOPE)
            fail_msg("reply %d of %d: status %d", i + 1, sent, (int)st);
        assert_int_equal(reply->id, (uint64_t)i + 2);
        assert_int_equal(reply->body_case, LABELQ__ENVELOPE__BODY_PROJECT_INFO);
        labelq__envelope__free_unpacked(reply, NULL);
    }
    it_raw_close(&r);
}

/* An admin pipelines 200 CreateBatch requests (each a write) and reads
 * nothing until all are sent: with max-writes-per-connection 4 labelqd
 * stops reading while 4 are being stored and reads on as they are, so all
 * 200 are made and answered. */
static void pipelined_writes_are_all_answered(void **state)
{
    (void)state;
    it_raw r = {0};
    it_raw_open(&r, &D);
    it_raw_hello(&r, D.admin_token);
    char names[PIPELINED_WRITES][16];
    for (int i = 0; i < PIPELINED_WRITES; i++) {
        Labelq__CreateBatch cb = LABELQ__CREATE_BATCH__INIT;
        snprintf(names[i], sizeof names[i], "b%03d", i);
        cb.project = WORK;
        cb.name = names[i];
        Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
        env.id = (uint64_t)i + 2;
        env.body_case = LABELQ__ENVELOPE__BODY_CREATE_BATCH;
        env.create_batch = &cb;
        assert_true(it_raw_send(&r, &env));
    }
    for (int i = 0; i < PIPELINED_WRITES; i++) {
        Labelq__Envelope *reply = NULL;
        it_raw_status st = it_raw_read(&r, IT_RAW_READ_MS, &reply);
        if (st != IT_RAW_ENVELOPE)
            fail_msg("reply %d of %d: status %d", i + 1, PIPELINED_WRITES, (int)st);
        if (reply->body_case != LABELQ__ENVELOPE__BODY_BATCH_INFO)
            fail_msg("reply %d: body %d (%s)", i + 1, (int)reply->body_case,
                     reply->body_case == LABELQ__ENVELOPE__BODY_ERROR ? reply->error->message : "");
        labelq__envelope__free_unpacked(reply, NULL);
    }
    it_raw_close(&r);
    Labelq__ListBatchesReply *list = NULL;
    assert_int_equal(lq_batch_list(ADMIN, WORK, &list), 0);
    assert_true(list->n_batches >= PIPELINED_WRITES);
    labelq__list_batches_reply__free_unpacked(list, NULL);
}

/* Lease requests that wait for work: max-parked-per-connection (2) of
 * them may wait on one connection; the third is told at once. */
static void parked_leases_are_capped(void **state)
{
    (void)state;
    it_project_create(ADMIN, "empty", LABELS, 2, 1, 60);
    it_raw r = {0};
    it_raw_open(&r, &D);
    it_raw_hello(&r, ANN_TOKEN);
    for (unsigned i = 0; i <= PARKED_CAP_N; i++) {
        Labelq__Lease lease = LABELQ__LEASE__INIT;
        lease.project = "empty";
        lease.wait_ms = 3000;
        Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
        env.id = i + 2;
        env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
        env.lease = &lease;
        assert_true(it_raw_send(&r, &env));
    }
    /* The one past the cap is refused at once, before the parked ones end. */
    it_raw_expect_error(&r, PARKED_CAP_N + 2, LABELQ__ERROR_CODE__RESOURCE_EXHAUSTED,
                        "a lease request past max-parked-per-connection");
    for (unsigned i = 0; i < PARKED_CAP_N; i++) {
        Labelq__Envelope *reply = NULL;
        assert_int_equal(it_raw_read(&r, IT_RAW_READ_MS, &reply), IT_RAW_ENVELOPE);
        assert_int_equal(reply->body_case, LABELQ__ENVELOPE__BODY_LEASE_REPLY);
        assert_int_equal(reply->lease_reply->n_tasks, 0);
        labelq__envelope__free_unpacked(reply, NULL);
    }
    it_raw_close(&r);
}

/* One token, max-connections-per-annotator (3) connections; the Hello of a
 * fourth is refused, and once one closes a new one is let in. */
static void connections_per_token_are_capped(void **state)
{
    (void)state;
    char *token = it_annotator_add(ADMIN, "many");
    it_raw conns[TOKEN_CAP_N + 1];
    memset(conns, 0, sizeof conns);
    for (int i = 0; i < TOKEN_CAP_N; i++) {
        it_raw_open(&conns[i], &D);
        it_raw_hello(&conns[i], token);
    }
    it_raw extra = {0};
    it_raw_open(&extra, &D);
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = token;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 1;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    assert_true(it_raw_send(&extra, &env));
    it_raw_expect_error(&extra, 1, LABELQ__ERROR_CODE__RESOURCE_EXHAUSTED,
                        "a Hello past max-connections-per-annotator");
    it_raw_expect_close(&extra, IT_RAW_READ_MS, "the refused connection");
    it_raw_close(&extra);
    it_raw_close(&conns[0]);
    /* The daemon counts the closed one off once it sees the close. */
    long long deadline = it_now_ms() + IT_RAW_READ_MS;
    lq_client *c = NULL;
    char err[256];
    while (it_daemon_try_connect(&D, token, &c, err, sizeof err) != 0) {
        if (it_now_ms() > deadline)
            fail_msg("no connection let in after one closed: %s", err);
        it_sleep_ms(50);
    }
    lq_client_close(c);
    for (int i = 1; i < TOKEN_CAP_N; i++)
        it_raw_close(&conns[i]);
    free(token);
}

static void daemon_stops_cleanly(void **state)
{
    (void)state;
    it_daemon_stop_ok(&D);
}

static int start(void **state)
{
    (void)state;
    it_daemon_start_args(&D, ARGS);
    ADMIN = it_daemon_connect(&D, D.admin_token);
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    char *labels[] = {"yes", "no"};
    char *instructions = malloc(INSTRUCTIONS + 1);
    assert_non_null(instructions);
    memset(instructions, 'i', INSTRUCTIONS);
    instructions[INSTRUCTIONS] = '\0';
    cfg.name = BIG;
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    cfg.instructions = instructions;
    Labelq__ProjectInfo *info = NULL;
    assert_int_equal(lq_project_create(ADMIN, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
    free(instructions);
    it_project_create(ADMIN, WORK, LABELS, 2, 1, 60);
    ANN_TOKEN = it_annotator_add(ADMIN, "flooder");
    char *bystander = it_annotator_add(ADMIN, "bystander");
    BYSTANDER = it_daemon_connect(&D, bystander);
    free(bystander);
    return 0;
}

static int stop(void **state)
{
    (void)state;
    lq_client_close(BYSTANDER);
    lq_client_close(ADMIN);
    free(ANN_TOKEN);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unread_replies_cost_bounded_memory),
        cmocka_unit_test(pipelined_writes_are_all_answered),
        cmocka_unit_test(parked_leases_are_capped),
        cmocka_unit_test(connections_per_token_are_capped),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start, stop);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return it_exit_status(failed);
}
