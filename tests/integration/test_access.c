/* Access: tokens are kept only as hashes, a revoked token stops working at
 * once and for good, and an annotator is never sent gold answers or other
 * annotators' labels.
 *
 * tokens_hashed_at_rest reads the LMDB file itself: no raw token is in it,
 * while each token's SHA-256 is (so the search does find stored values).
 *
 * revoke_ends_sessions: an annotator on two connections, one holding a
 * lease and one parked in a long-poll, is revoked. Without sending
 * anything, each connection gets the pushed Error (id 0, UNAUTHENTICATED)
 * and then finds itself closed, within a second or two; the parked request
 * is not served; the held task is leased by another annotator at once; the
 * old token is refused on a new connection, also after a restart; the
 * account and its label stay; a new token works, also after a restart.
 *
 * no_leaks_to_annotators: how the check is made conclusive.
 * - Every string a leak could consist of is a unique marker: each other
 *   annotator labels only with its own label ("mark-lbl-A", "-B", "-C"),
 *   the gold items' answer is "mark-gold-answer", the other annotators are
 *   named "ann-a", "ann-b", "ann-c", and the JSON key "\"gold\"" is one
 *   too. The observer labels with "obs-label" (and tries "spare-label");
 *   item data and ids contain no marker.
 * - Labels are schema names, and the schema (ProjectInfo.config.labels) is
 *   legitimately sent to annotators. So each envelope the observer
 *   receives is checked as packed again with exactly that list left out;
 *   every other field, and any field this test does not know (protobuf-c
 *   keeps unknown fields and packs them again), is searched byte for byte
 *   for every marker. That the schema alone held the markers is checked
 *   too: the first ProjectInfo has them before it is scrubbed.
 * - The observer speaks the wire by hand (raw_wire.c), so every envelope
 *   it receives passes the check: Hello, GetProject, leases served at once
 *   and after a long-poll, gold items, extends, submits (new, duplicate,
 *   conflicting), a release, a long-poll that times out, and error replies.
 *   The tasks it labels already carry the other annotators' labels, and the
 *   gold item it gets was labeled by all three others before.
 * - The same marker search run over the admin's export finds every marker:
 *   the check can fail. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define PROMPT_CLOSE_MS 2000 /* a revoked connection must be closed within this */
#define SHORT_WAIT_MS 300    /* long enough for a reply that is not parked */
#define PARK_MS 20000        /* wait_ms of a lease that should park */

static it_daemon D;

/* ---- tokens at rest ---------------------------------------------------- */

/* The whole store file; the caller frees it. */
static uint8_t *read_store(size_t *len)
{
    char path[sizeof D.data_dir + 32];
    snprintf(path, sizeof path, "%s/store/data.mdb", D.data_dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    assert_int_equal(*len, (size_t)st.st_size);
    return buf;
}

static void token_only_hashed(const uint8_t *store, size_t len, const char *token,
                              const char *whose)
{
    uint8_t hash[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), hash);
    if (memmem(store, len, token, strlen(token)))
        fail_msg("the store holds %s's raw token", whose);
    if (!memmem(store, len, hash, sizeof hash))
        fail_msg("the store does not hold the SHA-256 of %s's token (so the search above "
                 "proves nothing)",
                 whose);
}

static void tokens_hashed_at_rest(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    char *t1 = it_annotator_add(admin, "rest-1");
    char *t2 = NULL;
    it_assert_code(admin, lq_annotator_add(admin, "rest-2", LABELQ__ROLE__ADMIN, &t2), 0);
    lq_client_close(admin);
    size_t len;
    uint8_t *store = read_store(&len); /* the adds are durable: they were answered */
    token_only_hashed(store, len, t1, "rest-1");
    token_only_hashed(store, len, t2, "rest-2");
    token_only_hashed(store, len, D.admin_token, "admin");
    free(store);
    free(t1);
    free(t2);
}

/* ---- revoke ------------------------------------------------------------ */

static const char *const RV_LABELS[] = {"x", "y"};

/* The next two things c receives, without sending anything: the pushed
 * Error saying the token was revoked, then the close. */
static void expect_revoked_close(lq_client *c, const char *which)
{
    long long start = it_now_ms();
    Labelq__Envelope *env = NULL;
    int rc = lq_client_recv(c, &env, PROMPT_CLOSE_MS);
    if (rc != 0)
        fail_msg("%s: got %s (%s) instead of the pushed Error", which, lq_strerror(rc),
                 lq_client_error(c));
    if (env->id != 0 || env->body_case != LABELQ__ENVELOPE__BODY_ERROR)
        fail_msg("%s: got an envelope with id %llu, body %d, instead of the pushed Error", which,
                 (unsigned long long)env->id, (int)env->body_case);
    assert_int_equal(env->error->code, LABELQ__ERROR_CODE__UNAUTHENTICATED);
    assert_non_null(strstr(env->error->message, "revoked"));
    labelq__envelope__free_unpacked(env, NULL);
    rc = lq_client_recv(c, &env, PROMPT_CLOSE_MS);
    if (rc != LQ_ECLOSED)
        fail_msg("%s: after the pushed Error, want the connection closed, got %s (%s)", which,
                 lq_strerror(rc), lq_client_error(c));
    long long took = it_now_ms() - start;
    if (took > PROMPT_CLOSE_MS)
        fail_msg("%s: closed only after %lld ms", which, took);
}

static void expect_refused(const char *token, const char *when)
{
    lq_client *c = NULL;
    char err[256] = "";
    int rc = it_daemon_try_connect(&D, token, &c, err, sizeof err);
    if (rc != LQ_EUNAUTH)
        fail_msg("revoked token %s: got %s (%s), want unauthenticated", when, lq_strerror(rc), err);
}

static const Labelq__AnnotatorInfo *find_annotator(const Labelq__ListAnnotatorsReply *l,
                                                   const char *name)
{
    for (size_t i = 0; i < l->n_annotators; i++)
        if (strcmp(l->annotators[i]->name, name) == 0)
            return l->annotators[i];
    return NULL;
}

/* The account is listed, with its one label still attributed to it. */
static void account_kept(lq_client *admin)
{
    Labelq__ListAnnotatorsReply *list = NULL;
    it_assert_code(admin, lq_annotator_list(admin, &list), 0);
    const Labelq__AnnotatorInfo *a = find_annotator(list, "rev");
    assert_non_null(a);
    assert_int_equal(a->labels, 1);
    assert_false(a->blocked);
    labelq__list_annotators_reply__free_unpacked(list, NULL);
}

static void restart(void)
{
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
}

/* Who may revoke what: admins only, not the bootstrap admin, not oneself. */
static void revoke_rules(lq_client *admin, lq_client *annotator)
{
    Labelq__RevokeTokenReply *r = NULL;
    it_assert_code(admin, lq_annotator_revoke(admin, "admin", false, &r), LQ_EBADREQ);
    assert_non_null(strstr(lq_client_error(admin), "admin.token"));
    it_assert_code(admin, lq_annotator_revoke(admin, "nobody", true, &r), LQ_ENOTFOUND);
    it_assert_code(annotator, lq_annotator_revoke(annotator, "other", false, &r), LQ_EPERM);
    char *ops_token = NULL;
    it_assert_code(admin, lq_annotator_add(admin, "ops", LABELQ__ROLE__ADMIN, &ops_token), 0);
    lq_client *ops = it_daemon_connect(&D, ops_token);
    it_assert_code(ops, lq_annotator_revoke(ops, "ops", true, &r), LQ_EBADREQ);
    it_assert_code(ops, lq_annotator_revoke(ops, "admin", true, &r), LQ_EBADREQ);
    assert_null(r);
    lq_client_close(ops);
    /* Another admin's token can go: the bootstrap admin always remains. */
    it_assert_code(admin, lq_annotator_revoke(admin, "ops", false, &r), 0);
    labelq__revoke_token_reply__free_unpacked(r, NULL);
    expect_refused(ops_token, "of the admin ops");
    free(ops_token);
}

static void revoke_ends_sessions(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "rv", RV_LABELS, 2, 1, 600);
    it_import_items(admin, "rv", "rv", 2);
    char *token = it_annotator_add(admin, "rev");
    char *other_token = it_annotator_add(admin, "other");
    lq_client *c1 = it_daemon_connect(&D, token);
    lq_client *c2 = it_daemon_connect(&D, token);
    lq_client *other = it_daemon_connect(&D, other_token);

    /* One label of rev's stored, one task held on c1, a long-poll on c2. */
    Labelq__LeaseReply *lr = it_lease(c1, "rv", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    it_submit(c1, lr->tasks[0]->task_id, "x", 10, false);
    labelq__lease_reply__free_unpacked(lr, NULL);
    lr = it_lease(c1, "rv", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    uint64_t held = lr->tasks[0]->task_id;
    labelq__lease_reply__free_unpacked(lr, NULL);
    Labelq__Lease lease = LABELQ__LEASE__INIT;
    lease.project = "rv";
    lease.max_tasks = 1;
    lease.wait_ms = PARK_MS;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.body_case = LABELQ__ENVELOPE__BODY_LEASE;
    env.lease = &lease;
    assert_int_equal(lq_client_send(c2, &env, NULL), 0);
    lr = it_lease(other, "rv", 1, 0); /* overlap 1: the held task is not free */
    assert_int_equal(lr->n_tasks, 0);
    labelq__lease_reply__free_unpacked(lr, NULL);
    /* c2's lease is parked well before the revoke below is read. */

    Labelq__RevokeTokenReply *r = NULL;
    it_assert_code(admin, lq_annotator_revoke(admin, "rev", false, &r), 0);
    assert_string_equal(r->name, "rev");
    assert_string_equal(r->token, "");
    assert_int_equal(r->connections_closed, 2);
    assert_int_equal(r->leases_released, 1);
    labelq__revoke_token_reply__free_unpacked(r, NULL);

    expect_revoked_close(c1, "the connection holding a lease");
    expect_revoked_close(c2, "the connection with a parked lease");
    /* The held task is free, for someone else: it went neither to the
     * parked request nor back to its deadline. */
    lr = it_lease(other, "rv", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    assert_int_equal(lr->tasks[0]->task_id, held);
    labelq__lease_reply__free_unpacked(lr, NULL);
    lq_client_close(c1);
    lq_client_close(c2);
    expect_refused(token, "on a new connection");
    account_kept(admin);

    lq_client_close(other);
    lq_client_close(admin);
    restart();
    admin = it_daemon_admin(&D);
    expect_refused(token, "after a restart");
    account_kept(admin);

    /* A new token for the same account. */
    it_assert_code(admin, lq_annotator_revoke(admin, "rev", true, &r), 0);
    assert_int_equal(strlen(r->token), 64);
    assert_int_equal(r->connections_closed, 0);
    char *fresh = strdup(r->token);
    labelq__revoke_token_reply__free_unpacked(r, NULL);
    lq_client *c = it_daemon_connect(&D, fresh);
    assert_string_equal(lq_client_annotator(c), "rev");
    lq_client_close(c);
    expect_refused(token, "after a new one was issued");
    lq_client_close(admin);
    restart();
    admin = it_daemon_admin(&D);
    c = it_daemon_connect(&D, fresh);
    assert_string_equal(lq_client_annotator(c), "rev");
    expect_refused(token, "after a new one was issued and a restart");
    account_kept(admin);
    revoke_rules(admin, c);
    lq_client_close(c);
    lq_client_close(admin);
    free(fresh);
    free(token);
    free(other_token);
}

/* ---- no leaks to annotators -------------------------------------------- */

#define N_REGULAR 6
#define N_GOLD 3
#define LEAK_PROJECT "leakcheck"
#define OBS_LABEL "obs-label"

static const char *const LEAK_LABELS[] = {OBS_LABEL,    "mark-lbl-A",       "mark-lbl-B",
                                          "mark-lbl-C", "mark-gold-answer", "spare-label"};
static const char *const MARKERS[] = {"mark-lbl-A", "mark-lbl-B", "mark-lbl-C", "mark-gold-answer",
                                      "\"gold\"",   "ann-a",      "ann-b",      "ann-c"};
#define N_MARKERS (sizeof MARKERS / sizeof MARKERS[0])

/* The first marker in bytes, or NULL. */
static const char *first_marker(const void *bytes, size_t n)
{
    for (size_t i = 0; i < N_MARKERS; i++)
        if (memmem(bytes, n, MARKERS[i], strlen(MARKERS[i])))
            return MARKERS[i];
    return NULL;
}

/* env packed again, with ProjectInfo's label schema left out when
 * scrub_schema; the caller frees it. */
static uint8_t *pack(Labelq__Envelope *env, bool scrub_schema, size_t *n)
{
    Labelq__ProjectConfig *cfg = NULL;
    if (env->body_case == LABELQ__ENVELOPE__BODY_PROJECT_INFO && env->project_info)
        cfg = env->project_info->config;
    size_t n_labels = cfg ? cfg->n_labels : 0;
    if (cfg && scrub_schema)
        cfg->n_labels = 0;
    *n = labelq__envelope__get_packed_size(env);
    uint8_t *buf = malloc(*n ? *n : 1);
    assert_non_null(buf);
    labelq__envelope__pack(env, buf);
    if (cfg)
        cfg->n_labels = n_labels;
    return buf;
}

/* The observer: one annotator on a hand-spoken connection, every
 * envelope it receives checked. */
typedef struct observer {
    it_raw r;
    uint64_t last_id;
    size_t checked;   /* envelopes received and found clean */
    size_t tasks;     /* tasks leased */
    size_t gold;      /* of them, gold items */
    size_t labeled;   /* tasks labeled */
    bool schema_seen; /* a ProjectInfo held the markers in its schema */
} observer;

static void check_envelope(observer *o, Labelq__Envelope *env)
{
    size_t n;
    uint8_t *buf = pack(env, true, &n);
    const char *m = first_marker(buf, n);
    free(buf);
    if (m)
        fail_msg("the annotator received '%s' in an envelope with id %llu, body %d", m,
                 (unsigned long long)env->id, (int)env->body_case);
    if (env->body_case == LABELQ__ENVELOPE__BODY_PROJECT_INFO) {
        buf = pack(env, false, &n);
        o->schema_seen |= first_marker(buf, n) != NULL;
        free(buf);
    }
    o->checked++;
}

/* Sends a request of kind with body; returns its id. */
static uint64_t obs_send(observer *o, Labelq__Envelope__BodyCase kind, void *body)
{
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = ++o->last_id;
    env.body_case = kind;
    env.lease = body; /* a oneof: every member shares this storage */
    assert_true(it_raw_send(&o->r, &env));
    return env.id;
}

/* The next envelope, checked; NULL when nothing came within timeout_ms. */
static Labelq__Envelope *obs_read(observer *o, int timeout_ms)
{
    Labelq__Envelope *env = NULL;
    it_raw_status st = it_raw_read(&o->r, timeout_ms, &env);
    if (st == IT_RAW_TIMEOUT)
        return NULL;
    if (st != IT_RAW_ENVELOPE)
        fail_msg("the observer's connection failed (status %d)", (int)st);
    check_envelope(o, env);
    return env;
}

/* The reply to request id, which must be of kind want. */
static Labelq__Envelope *obs_reply(observer *o, uint64_t id, Labelq__Envelope__BodyCase want)
{
    Labelq__Envelope *env = obs_read(o, IT_RAW_READ_MS);
    if (!env)
        fail_msg("no reply to request %llu", (unsigned long long)id);
    assert_int_equal(env->id, id);
    if (env->body_case != want)
        fail_msg("request %llu: want body %d, got %d (%s)", (unsigned long long)id, (int)want,
                 (int)env->body_case,
                 env->body_case == LABELQ__ENVELOPE__BODY_ERROR ? env->error->message : "");
    return env;
}

static Labelq__Envelope *obs_call(observer *o, Labelq__Envelope__BodyCase kind, void *body,
                                  Labelq__Envelope__BodyCase want)
{
    return obs_reply(o, obs_send(o, kind, body), want);
}

/* Asserts that the request gets Error{code}. */
static void obs_error(observer *o, Labelq__Envelope__BodyCase kind, void *body,
                      Labelq__ErrorCode code)
{
    Labelq__Envelope *e = obs_call(o, kind, body, LABELQ__ENVELOPE__BODY_ERROR);
    assert_int_equal(e->error->code, code);
    labelq__envelope__free_unpacked(e, NULL);
}

static void obs_submit(observer *o, uint64_t task, const char *label,
                       Labelq__Envelope__BodyCase want)
{
    Labelq__Submit s = LABELQ__SUBMIT__INIT;
    s.task_id = task;
    s.label = (char *)label;
    s.duration_ms = 5;
    labelq__envelope__free_unpacked(obs_call(o, LABELQ__ENVELOPE__BODY_SUBMIT, &s, want), NULL);
}

/* Extends, submits, retries and contradicts each leased task. */
static void obs_work(observer *o, const Labelq__LeaseReply *lr)
{
    for (size_t i = 0; i < lr->n_tasks; i++) {
        const Labelq__LeasedTask *t = lr->tasks[i];
        o->tasks++;
        o->gold += strncmp(t->external_id, "g-", 2) == 0;
        Labelq__Extend x = LABELQ__EXTEND__INIT;
        x.task_id = t->task_id;
        labelq__envelope__free_unpacked(
            obs_call(o, LABELQ__ENVELOPE__BODY_EXTEND, &x, LABELQ__ENVELOPE__BODY_EXTEND_REPLY),
            NULL);
        obs_submit(o, t->task_id, OBS_LABEL, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY);
        obs_submit(o, t->task_id, OBS_LABEL, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY); /* duplicate */
        obs_submit(o, t->task_id, "spare-label", LABELQ__ENVELOPE__BODY_ERROR);    /* conflict */
        o->labeled++;
    }
}

static uint64_t obs_lease(observer *o, unsigned max, unsigned wait_ms)
{
    Labelq__Lease l = LABELQ__LEASE__INIT;
    l.project = LEAK_PROJECT;
    l.max_tasks = max;
    l.wait_ms = wait_ms;
    return obs_send(o, LABELQ__ENVELOPE__BODY_LEASE, &l);
}

static void import_leak_items(lq_client *admin)
{
    char buf[N_REGULAR + N_GOLD][128];
    const char *lines[N_REGULAR + N_GOLD];
    for (int i = 0; i < N_REGULAR + N_GOLD; i++) {
        if (i < N_REGULAR)
            snprintf(buf[i], sizeof buf[i], "{\"id\":\"r-%d\",\"data\":{\"text\":\"item %d\"}}", i,
                     i);
        else
            snprintf(
                buf[i], sizeof buf[i],
                "{\"id\":\"g-%d\",\"data\":{\"text\":\"check %d\"},\"gold\":\"mark-gold-answer\"}",
                i, i);
        lines[i] = buf[i];
    }
    Labelq__ImportReply *r = it_import_lines(admin, LEAK_PROJECT, lines, N_REGULAR + N_GOLD, 1);
    assert_int_equal(r->imported, N_REGULAR + N_GOLD);
    labelq__import_reply__free_unpacked(r, NULL);
}

/* Labels everything c is offered with label. */
static void label_all(lq_client *c, const char *label)
{
    for (;;) {
        Labelq__LeaseReply *lr = it_lease(c, LEAK_PROJECT, 4, 0);
        size_t n = lr->n_tasks;
        for (size_t i = 0; i < n; i++)
            it_submit(c, lr->tasks[i]->task_id, label, 5, false);
        labelq__lease_reply__free_unpacked(lr, NULL);
        if (n == 0)
            return;
    }
}

/* Error replies, each checked like every other envelope. not_held: a task
 * the observer never held (done before it could). */
static void obs_errors(observer *o, uint64_t not_held)
{
    Labelq__Hello h = LABELQ__HELLO__INIT;
    h.token = "whatever";
    obs_error(o, LABELQ__ENVELOPE__BODY_HELLO, &h, LABELQ__ERROR_CODE__BAD_REQUEST);
    Labelq__GetProject g = LABELQ__GET_PROJECT__INIT;
    g.project = "no-such-project";
    obs_error(o, LABELQ__ENVELOPE__BODY_GET_PROJECT, &g, LABELQ__ERROR_CODE__NOT_FOUND);
    Labelq__Submit s = LABELQ__SUBMIT__INIT;
    s.task_id = 999999;
    s.label = OBS_LABEL;
    obs_error(o, LABELQ__ENVELOPE__BODY_SUBMIT, &s, LABELQ__ERROR_CODE__NOT_FOUND);
    s.task_id = not_held;
    obs_error(o, LABELQ__ENVELOPE__BODY_SUBMIT, &s, LABELQ__ERROR_CODE__LEASE_EXPIRED);
    s.label = "nope";
    /* Not the observer's task: refused before its label is looked at. */
    obs_error(o, LABELQ__ENVELOPE__BODY_SUBMIT, &s, LABELQ__ERROR_CODE__LEASE_EXPIRED);
    Labelq__Extend x = LABELQ__EXTEND__INIT;
    x.task_id = not_held;
    obs_error(o, LABELQ__ENVELOPE__BODY_EXTEND, &x, LABELQ__ERROR_CODE__LEASE_EXPIRED);
    Labelq__Release rel = LABELQ__RELEASE__INIT;
    rel.task_id = not_held;
    obs_error(o, LABELQ__ENVELOPE__BODY_RELEASE, &rel, LABELQ__ERROR_CODE__LEASE_EXPIRED);
    Labelq__ListAnnotators la = LABELQ__LIST_ANNOTATORS__INIT;
    obs_error(o, LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS, &la,
              LABELQ__ERROR_CODE__PERMISSION_DENIED);
    Labelq__Export ex = LABELQ__EXPORT__INIT;
    ex.project = LEAK_PROJECT;
    ex.include_gold = true;
    obs_error(o, LABELQ__ENVELOPE__BODY_EXPORT, &ex, LABELQ__ERROR_CODE__PERMISSION_DENIED);
    Labelq__Report rep = LABELQ__REPORT__INIT;
    rep.project = LEAK_PROJECT;
    obs_error(o, LABELQ__ENVELOPE__BODY_REPORT, &rep, LABELQ__ERROR_CODE__PERMISSION_DENIED);
}

/* The observer's part: C hands it regular tasks one at a time through
 * releases, mostly while it waits in a long-poll. */
static void observe(observer *o, const char *token, lq_client *c, const uint64_t *held,
                    size_t n_held)
{
    Labelq__Hello h = LABELQ__HELLO__INIT;
    h.token = (char *)token;
    h.client = "labelq-it-observer/1";
    labelq__envelope__free_unpacked(
        obs_call(o, LABELQ__ENVELOPE__BODY_HELLO, &h, LABELQ__ENVELOPE__BODY_HELLO_REPLY), NULL);
    Labelq__Envelope *e;
    Labelq__GetProject g = LABELQ__GET_PROJECT__INIT;
    g.project = LEAK_PROJECT;
    labelq__envelope__free_unpacked(
        obs_call(o, LABELQ__ENVELOPE__BODY_GET_PROJECT, &g, LABELQ__ENVELOPE__BODY_PROJECT_INFO),
        NULL);
    assert_true(o->schema_seen); /* the scrub above is what kept the markers out */

    size_t next = 0;
    bool released_once = false;
    while (next < n_held) {
        uint64_t id = obs_lease(o, 1, PARK_MS);
        e = obs_read(o, SHORT_WAIT_MS);
        if (!e) { /* parked: free one task for it */
            it_assert_code(c, lq_release(c, held[next++]), 0);
            e = obs_reply(o, id, LABELQ__ENVELOPE__BODY_LEASE_REPLY);
        }
        assert_int_equal(e->id, id);
        assert_int_equal(e->body_case, LABELQ__ENVELOPE__BODY_LEASE_REPLY);
        if (!released_once && e->lease_reply->n_tasks == 1 &&
            strncmp(e->lease_reply->tasks[0]->external_id, "r-", 2) == 0) {
            /* Give one back and take it again. */
            Labelq__Release rel = LABELQ__RELEASE__INIT;
            rel.task_id = e->lease_reply->tasks[0]->task_id;
            labelq__envelope__free_unpacked(
                obs_call(o, LABELQ__ENVELOPE__BODY_RELEASE, &rel, LABELQ__ENVELOPE__BODY_OK), NULL);
            labelq__envelope__free_unpacked(e, NULL);
            e = obs_reply(o, obs_lease(o, 2, 0), LABELQ__ENVELOPE__BODY_LEASE_REPLY);
            released_once = true;
        }
        obs_work(o, e->lease_reply);
        labelq__envelope__free_unpacked(e, NULL);
    }
    /* Whatever else is offered (gold comes at the project's ratio). */
    for (;;) {
        e = obs_reply(o, obs_lease(o, 4, 0), LABELQ__ENVELOPE__BODY_LEASE_REPLY);
        size_t n = e->lease_reply->n_tasks;
        obs_work(o, e->lease_reply);
        labelq__envelope__free_unpacked(e, NULL);
        if (n == 0)
            break;
    }
    assert_true(released_once);
    /* A long-poll that runs out. */
    Labelq__Lease l = LABELQ__LEASE__INIT;
    l.project = LEAK_PROJECT;
    l.max_tasks = 2;
    l.wait_ms = 500;
    e = obs_call(o, LABELQ__ENVELOPE__BODY_LEASE, &l, LABELQ__ENVELOPE__BODY_LEASE_REPLY);
    assert_int_equal(e->lease_reply->n_tasks, 0);
    labelq__envelope__free_unpacked(e, NULL);
}

static void no_leaks_to_annotators(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = LEAK_PROJECT;
    cfg.labels = (char **)LEAK_LABELS;
    cfg.n_labels = sizeof LEAK_LABELS / sizeof LEAK_LABELS[0];
    cfg.overlap = 3;
    cfg.gold_ratio = 0.25;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
    import_leak_items(admin);
    char *ta = it_annotator_add(admin, "ann-a"), *tb = it_annotator_add(admin, "ann-b");
    char *tc = it_annotator_add(admin, "ann-c"), *to = it_annotator_add(admin, "observer");
    lq_client *a = it_daemon_connect(&D, ta), *b = it_daemon_connect(&D, tb);
    lq_client *c = it_daemon_connect(&D, tc);

    /* A and B label every regular task and the gold they are served. */
    label_all(a, "mark-lbl-A");
    label_all(b, "mark-lbl-B");
    /* C takes the last slot of every regular task, labels the gold it gets
     * and one regular task, and holds the rest for the observer. */
    Labelq__LeaseReply *lr = it_lease(c, LEAK_PROJECT, N_REGULAR + N_GOLD, 0);
    uint64_t held[N_REGULAR], c_done = 0;
    size_t n_held = 0;
    for (size_t i = 0; i < lr->n_tasks; i++) {
        const Labelq__LeasedTask *t = lr->tasks[i];
        bool gold = strncmp(t->external_id, "g-", 2) == 0;
        if (gold || !c_done) {
            if (!gold)
                c_done = t->task_id;
            it_submit(c, t->task_id, "mark-lbl-C", 5, false);
        } else {
            held[n_held++] = t->task_id;
        }
    }
    labelq__lease_reply__free_unpacked(lr, NULL);
    assert_int_equal(n_held, N_REGULAR - 1);

    observer o;
    memset(&o, 0, sizeof o);
    it_raw_open(&o.r, &D);
    observe(&o, to, c, held, n_held);
    obs_errors(&o, c_done);
    Labelq__Envelope *late = obs_read(&o, SHORT_WAIT_MS);
    if (late)
        fail_msg("an unexpected envelope arrived (id %llu, body %d)", (unsigned long long)late->id,
                 (int)late->body_case);
    assert_int_equal(o.labeled, N_REGULAR - 1 + o.gold);
    assert_true(o.gold >= 1);
    assert_true(o.checked >= 40);
    it_raw_close(&o.r);

    /* The same search over the admin's export finds every marker. */
    lq_export_options eo = {.include_gold = true};
    it_export e;
    it_export_fetch_with(admin, LEAK_PROJECT, &eo, &e);
    assert_int_equal(e.n, N_REGULAR + N_GOLD);
    for (size_t i = 0; i < N_MARKERS; i++)
        if (!memmem(e.raw, e.len, MARKERS[i], strlen(MARKERS[i])))
            fail_msg("the export lacks marker %s: the leak check would not have seen it",
                     MARKERS[i]);
    /* The regular tasks the observer labeled, each after A and B had. */
    size_t with_observer = 0;
    for (size_t i = 0; i < e.n; i++) {
        const char *id = json_string_value(json_object_get(e.lines[i], "id"));
        json_t *anns = json_object_get(e.lines[i], "annotations");
        if (strncmp(id, "r-", 2) != 0)
            continue;
        assert_int_equal(json_array_size(anns), 3);
        for (size_t k = 0; k < json_array_size(anns); k++)
            with_observer +=
                strcmp(json_string_value(json_object_get(json_array_get(anns, k), "annotator")),
                       "observer") == 0;
    }
    assert_int_equal(with_observer, N_REGULAR - 1);
    it_export_free(&e);

    lq_client_close(a);
    lq_client_close(b);
    lq_client_close(c);
    lq_client_close(admin);
    free(ta);
    free(tb);
    free(tc);
    free(to);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tokens_hashed_at_rest),
        cmocka_unit_test(revoke_ends_sessions),
        cmocka_unit_test(no_leaks_to_annotators),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
