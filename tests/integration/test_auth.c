/* Who may do what: unknown tokens and blocked annotators are refused at
 * Hello, annotators are refused admin operations without losing their
 * connection, and the daemon speaks nothing but TLS with ALPN labelq/1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "project_fixture.h"

#define RAW_READ_TIMEOUT_MS 3000
#define FRAME_HEADER 4 /* big-endian length before each Envelope */

static it_daemon D;
static const char *const LABELS[] = {"yes", "no"};

static void admin_token_file_is_private(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(D.token_path, &st), 0);
    if ((st.st_mode & 0777) != 0600)
        fail_msg("%s has mode %o, want 600", D.token_path, (unsigned)(st.st_mode & 0777));
    FILE *f = fopen(D.token_path, "r");
    assert_non_null(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl && nl[1] != '\0')
        fail_msg("%s holds more than one line", D.token_path);
    assert_true(strlen(D.admin_token) > 0);

    f = fopen(D.ca_file, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "-----BEGIN CERTIFICATE-----"));

    lq_client *admin = it_daemon_admin(&D);
    assert_int_equal(lq_client_role(admin), LABELQ__ROLE__ADMIN);
    lq_client_close(admin);
}

static void unknown_token_refused(void **state)
{
    (void)state;
    lq_client *c = NULL;
    char err[256] = "";
    int rc = it_daemon_try_connect(&D, "not-a-labelq-token", &c, err, sizeof err);
    if (rc != LQ_EUNAUTH)
        fail_msg("unknown token: got %s (%s), want unauthenticated", lq_strerror(rc), err);
    assert_null(c);
    /* a real token with one character changed */
    char near[sizeof D.admin_token];
    memcpy(near, D.admin_token, sizeof near);
    near[0] = near[0] == 'A' ? 'B' : 'A';
    rc = it_daemon_try_connect(&D, near, &c, err, sizeof err);
    if (rc != LQ_EUNAUTH)
        fail_msg("altered admin token: got %s (%s), want unauthenticated", lq_strerror(rc), err);
}

static void blocked_annotator_refused(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    char *token = it_annotator_add(admin, "blocky");
    lq_client *c = it_daemon_connect(&D, token);
    lq_client_close(c);

    it_assert_code(admin, lq_annotator_block(admin, "blocky", false), 0);
    char err[256] = "";
    int rc = it_daemon_try_connect(&D, token, &c, err, sizeof err);
    if (rc != LQ_EPERM)
        fail_msg("blocked annotator: got %s (%s), want permission_denied", lq_strerror(rc), err);

    Labelq__ListAnnotatorsReply *list = NULL;
    it_assert_code(admin, lq_annotator_list(admin, &list), 0);
    bool seen = false;
    for (size_t i = 0; i < list->n_annotators; i++) {
        if (strcmp(list->annotators[i]->name, "blocky") == 0) {
            seen = true;
            assert_true(list->annotators[i]->blocked);
        }
    }
    assert_true(seen);
    labelq__list_annotators_reply__free_unpacked(list, NULL);

    it_assert_code(admin, lq_annotator_block(admin, "blocky", true), 0);
    c = it_daemon_connect(&D, token);
    lq_client_close(c);
    free(token);
    lq_client_close(admin);
}

/* After a refused admin call the annotator's connection still works. */
static void still_usable(lq_client *c, const char *after)
{
    Labelq__ProjectInfo *info = NULL;
    int rc = lq_project_get(c, "auth", &info);
    if (rc != 0)
        fail_msg("after refused %s the connection failed: %s: %s", after, lq_strerror(rc),
                 lq_client_error(c));
    labelq__project_info__free_unpacked(info, NULL);
}

static int discard(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

static void annotator_refused_admin_ops(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, "auth", LABELS, 2, 1, 600);
    it_import_items(admin, "auth", "auth", 3);
    char *token = it_annotator_add(admin, "auth-ann");
    lq_client *c = it_daemon_connect(&D, token);
    free(token);
    assert_int_equal(lq_client_role(c), LABELQ__ROLE__ANNOTATOR);
    assert_string_equal(lq_client_annotator(c), "auth-ann");
    still_usable(c, "nothing");

    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "sneaky";
    cfg.labels = (char **)LABELS;
    cfg.n_labels = 2;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(c, lq_project_create(c, &cfg, &info), LQ_EPERM);
    still_usable(c, "project create");

    Labelq__ListProjectsReply *projects = NULL;
    it_assert_code(c, lq_project_list(c, &projects), LQ_EPERM);
    still_usable(c, "project list");

    char *other = NULL;
    it_assert_code(c, lq_annotator_add(c, "sneaky", LABELQ__ROLE__ADMIN, &other), LQ_EPERM);
    still_usable(c, "annotator add");

    Labelq__ListAnnotatorsReply *anns = NULL;
    it_assert_code(c, lq_annotator_list(c, &anns), LQ_EPERM);
    still_usable(c, "annotator list");

    it_assert_code(c, lq_annotator_block(c, "auth-ann", false), LQ_EPERM);
    still_usable(c, "annotator block");

    Labelq__ImportLine line = LABELQ__IMPORT_LINE__INIT;
    line.line_no = 1;
    line.json = "{\"id\": \"sneaky\", \"data\": 1}";
    Labelq__ImportLine *lines[] = {&line};
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = "auth";
    chunk.lines = lines;
    chunk.n_lines = 1;
    Labelq__ImportReply *ir = NULL;
    it_assert_code(c, lq_import_chunk(c, &chunk, &ir), LQ_EPERM);
    still_usable(c, "import");

    size_t bytes = 0;
    uint64_t items = 0;
    it_assert_code(c, lq_export(c, "auth", "jsonl", discard, &bytes, &items), LQ_EPERM);
    assert_int_equal(bytes, 0);
    still_usable(c, "export");

    /* nothing the refused calls asked for happened */
    info = it_project_info(admin, "auth");
    assert_int_equal(info->tasks, 3);
    labelq__project_info__free_unpacked(info, NULL);
    assert_int_equal(lq_project_get(admin, "sneaky", &info), LQ_ENOTFOUND);
    /* and the annotator can still work */
    Labelq__LeaseReply *lr = it_lease(c, "auth", 1, 0);
    assert_int_equal(lr->n_tasks, 1);
    it_submit(c, lr->tasks[0]->task_id, "yes", 10, false);
    labelq__lease_reply__free_unpacked(lr, NULL);

    /* a second admin made with role ADMIN may do admin work */
    char *ops = NULL;
    it_assert_code(admin, lq_annotator_add(admin, "ops", LABELQ__ROLE__ADMIN, &ops), 0);
    lq_client *o = it_daemon_connect(&D, ops);
    free(ops);
    assert_int_equal(lq_client_role(o), LABELQ__ROLE__ADMIN);
    it_assert_code(o, lq_project_list(o, &projects), 0);
    labelq__list_projects_reply__free_unpacked(projects, NULL);
    lq_client_close(o);
    lq_client_close(c);
    lq_client_close(admin);
}

static int tcp_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)D.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* The wire framing is written out here rather than taken from proto/ so
 * the test does not share a bug with the code under test. */
static void hello_frame(uint8_t **frame, size_t *len)
{
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = D.admin_token;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 1;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    size_t n = labelq__envelope__get_packed_size(&env);
    uint8_t *buf = malloc(FRAME_HEADER + n);
    assert_non_null(buf);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    labelq__envelope__pack(&env, buf + FRAME_HEADER);
    *frame = buf;
    *len = FRAME_HEADER + n;
}

/* True when bytes (what the server answered) hold a HelloReply frame. */
static bool is_hello_reply(const uint8_t *bytes, size_t n)
{
    if (n < FRAME_HEADER)
        return false;
    size_t len = (size_t)bytes[0] << 24 | (size_t)bytes[1] << 16 | (size_t)bytes[2] << 8 | bytes[3];
    if (len > n - FRAME_HEADER)
        return false;
    Labelq__Envelope *env = labelq__envelope__unpack(NULL, len, bytes + FRAME_HEADER);
    bool yes = env && env->body_case == LABELQ__ENVELOPE__BODY_HELLO_REPLY;
    if (env)
        labelq__envelope__free_unpacked(env, NULL);
    return yes;
}

static void plaintext_refused(void **state)
{
    (void)state;
    int fd = tcp_connect();
    uint8_t *frame;
    size_t len;
    hello_frame(&frame, &len);
    (void)!write(fd, frame, len);
    free(frame);
    uint8_t buf[4096];
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < sizeof buf && poll(&p, 1, RAW_READ_TIMEOUT_MS) > 0) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (is_hello_reply(buf, got))
        fail_msg("the daemon answered a plaintext Hello");
}

/* Whether the daemon answers a Hello on a TLS session that offered alpn
 * (a wire-format ALPN list; NULL offers none). */
static bool hello_answered_with_alpn(const unsigned char *alpn, unsigned alpn_len)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, D.ca_file, NULL), 1);
    if (alpn)
        assert_int_equal(SSL_CTX_set_alpn_protos(ctx, alpn, alpn_len), 0);
    int fd = tcp_connect();
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    bool answered = false;
    if (SSL_connect(ssl) == 1) {
        uint8_t *frame;
        size_t len;
        hello_frame(&frame, &len);
        int wrote = SSL_write(ssl, frame, (int)len);
        free(frame);
        if (wrote > 0) {
            uint8_t buf[4096];
            size_t got = 0;
            struct pollfd p = {.fd = fd, .events = POLLIN};
            while (got < sizeof buf &&
                   (SSL_pending(ssl) > 0 || poll(&p, 1, RAW_READ_TIMEOUT_MS) > 0)) {
                int n = SSL_read(ssl, buf + got, (int)(sizeof buf - got));
                if (n <= 0)
                    break;
                got += (size_t)n;
                if (is_hello_reply(buf, got))
                    break;
            }
            answered = is_hello_reply(buf, got);
        }
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return answered;
}

static void wrong_alpn_refused(void **state)
{
    (void)state;
    static const unsigned char http[] = "\x08http/1.1";
    if (hello_answered_with_alpn(http, sizeof http - 1))
        fail_msg("the daemon answered Hello on a TLS session that offered only ALPN http/1.1");
    if (hello_answered_with_alpn(NULL, 0))
        fail_msg("the daemon answered Hello on a TLS session that offered no ALPN");
    /* The same path with labelq/1 is answered: the checks above can fail. */
    static const unsigned char ours[] = "\x08labelq/1";
    assert_true(hello_answered_with_alpn(ours, sizeof ours - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(admin_token_file_is_private),
        cmocka_unit_test(unknown_token_refused),
        cmocka_unit_test(blocked_annotator_refused),
        cmocka_unit_test(annotator_refused_admin_ops),
        cmocka_unit_test(plaintext_refused),
        cmocka_unit_test(wrong_alpn_refused),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
