/* Every string field of a request is UTF-8 without NUL (issue 15, point 6).
 * A NUL used to cut a string short after decoding (a label "pos\0junk"
 * stored as "pos", a text answer "abc\0def" acknowledged as "abc", the
 * admin token followed by "\0garbage" logging in), and bytes that are not
 * UTF-8 were stored and echoed into error messages, after which strict
 * protobuf decoders (Python, Go, Java) could not read ListProjects. Now
 * such a request gets BAD_REQUEST naming the field, never its bytes, and
 * nothing is stored; every message the daemon sends is UTF-8.
 *
 * Requests are written byte by byte (protobuf-c's packer stops a string at
 * its first NUL) and sent over real TLS to a real labelqd. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "project_fixture.h"
#include "raw_wire.h"

#define SINGLE "strs"
#define TEXT "texts"

static it_daemon D;
static char *ANNOTATOR_TOKEN;

/* Strict UTF-8 as RFC 3629 has it (shortest form, no surrogates, nothing
 * past U+10FFFF), written out here rather than taken from proto/ so that
 * the test does not share a bug with the daemon. */
static bool valid_utf8(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (k == 0 || n - i < k)
            return false;
        unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (k > 1 && (s[i + 1] < lo || s[i + 1] > hi))
            return false;
        for (size_t j = 2; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

/* Wire bytes of a message, written by hand. */
typedef struct wire {
    uint8_t buf[4096];
    size_t len;
} wire;

static void put(wire *w, const void *bytes, size_t n)
{
    assert_true(w->len + n <= sizeof w->buf);
    memcpy(w->buf + w->len, bytes, n);
    w->len += n;
}

static void put_varint(wire *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    put(w, b, n);
}

static void put_uint(wire *w, uint32_t field, uint64_t v)
{
    put_varint(w, (uint64_t)field << 3);
    put_varint(w, v);
}

/* A length-delimited field: a string of n bytes (NULs and all), or a
 * message. */
static void put_bytes(wire *w, uint32_t field, const void *bytes, size_t n)
{
    put_varint(w, (uint64_t)field << 3 | 2);
    put_varint(w, n);
    put(w, bytes, n);
}

static void put_str(wire *w, uint32_t field, const char *s)
{
    put_bytes(w, field, s, strlen(s));
}

static void put_msg(wire *w, uint32_t field, const wire *m)
{
    put_bytes(w, field, m->buf, m->len);
}

/* Sends Envelope{id, body} with body as the oneof member kind. */
static void send_body(it_raw *r, uint64_t id, Labelq__Envelope__BodyCase kind, const wire *body)
{
    wire env = {.len = 0};
    put_uint(&env, 1, id);
    put_msg(&env, (uint32_t)kind, body);
    uint8_t hdr[IT_RAW_FRAME_HEADER] = {(uint8_t)(env.len >> 24), (uint8_t)(env.len >> 16),
                                        (uint8_t)(env.len >> 8), (uint8_t)env.len};
    assert_true(it_raw_write(r, hdr, sizeof hdr));
    assert_true(it_raw_write(r, env.buf, env.len));
}

/* The next envelope from r, asserted to be there. */
static Labelq__Envelope *next_reply(it_raw *r, const char *what)
{
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(r, IT_RAW_READ_MS, &e);
    if (st != IT_RAW_ENVELOPE)
        fail_msg("%s: no reply (status %d)", what, (int)st);
    return e;
}

/* Asserts the next reply is BAD_REQUEST for request id naming field and
 * problem ("NUL" or "UTF-8"), as valid UTF-8 without any of the bytes the
 * request carried past the bad spot (leak, when not NULL). */
static void expect_field_error(it_raw *r, uint64_t id, const char *field, const char *problem,
                               const char *leak)
{
    Labelq__Envelope *e = next_reply(r, field);
    if (e->body_case != LABELQ__ENVELOPE__BODY_ERROR) {
        int body = (int)e->body_case;
        labelq__envelope__free_unpacked(e, NULL);
        fail_msg("%s: the request was taken (reply body %d), want BAD_REQUEST", field, body);
    }
    char msg[1024], want[256];
    snprintf(msg, sizeof msg, "%s", e->error->message);
    int code = (int)e->error->code;
    uint64_t got_id = e->id;
    labelq__envelope__free_unpacked(e, NULL);
    snprintf(want, sizeof want, "field %s:", field);
    if (code != LABELQ__ERROR_CODE__BAD_REQUEST || got_id != id || !strstr(msg, want) ||
        !strstr(msg, problem))
        fail_msg("%s: want BAD_REQUEST id %llu saying '%s ... %s', got code %d id %llu: %s", field,
                 (unsigned long long)id, want, problem, code, (unsigned long long)got_id, msg);
    if (!valid_utf8(msg, strlen(msg)))
        fail_msg("%s: the error message is not UTF-8", field);
    if (leak && strstr(msg, leak))
        fail_msg("%s: the error message echoes the request's bytes: %s", field, msg);
}

/* An open raw connection, Hello done with token. */
static void open_as(it_raw *r, const char *token)
{
    it_raw_open(r, &D);
    it_raw_hello(r, token);
}

/* The connection still answers: GetProject SINGLE gets its ProjectInfo. */
static void still_serves(it_raw *r, uint64_t id)
{
    wire gp = {.len = 0};
    put_str(&gp, 1, SINGLE);
    send_body(r, id, LABELQ__ENVELOPE__BODY_GET_PROJECT, &gp);
    Labelq__Envelope *e = next_reply(r, "GetProject after a refused request");
    bool ok = e->id == id && e->body_case == LABELQ__ENVELOPE__BODY_PROJECT_INFO;
    labelq__envelope__free_unpacked(e, NULL);
    if (!ok)
        fail_msg("after a refused string the connection did not answer GetProject");
}

static uint64_t project_labels(const char *project)
{
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *info = it_project_info(admin, project);
    uint64_t n = info->labels;
    labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(admin);
    return n;
}

/* Leases one task of project on r (request id) and returns its id. */
static uint64_t lease_one(it_raw *r, uint64_t id, const char *project)
{
    wire lease = {.len = 0};
    put_str(&lease, 1, project);
    put_uint(&lease, 2, 1);
    send_body(r, id, LABELQ__ENVELOPE__BODY_LEASE, &lease);
    Labelq__Envelope *e = next_reply(r, "Lease");
    if (e->body_case != LABELQ__ENVELOPE__BODY_LEASE_REPLY || e->lease_reply->n_tasks != 1)
        fail_msg("lease in %s: no task", project);
    uint64_t task = e->lease_reply->tasks[0]->task_id;
    labelq__envelope__free_unpacked(e, NULL);
    return task;
}

/* Submits label (n bytes) for task on r as request id. */
static void submit(it_raw *r, uint64_t id, uint64_t task, const char *label, size_t n)
{
    wire s = {.len = 0};
    put_uint(&s, 1, task);
    put_bytes(&s, 2, label, n);
    send_body(r, id, LABELQ__ENVELOPE__BODY_SUBMIT, &s);
}

static void expect_submit_reply(it_raw *r, uint64_t id)
{
    Labelq__Envelope *e = next_reply(r, "Submit");
    bool ok = e->id == id && e->body_case == LABELQ__ENVELOPE__BODY_SUBMIT_REPLY &&
              !e->submit_reply->duplicate;
    labelq__envelope__free_unpacked(e, NULL);
    if (!ok)
        fail_msg("a valid submit after the refused one was not stored as new");
}

/* "pos\0junk" is not "pos": refused, nothing stored, the lease kept. */
static void nul_in_label(void **state)
{
    (void)state;
    it_raw r;
    open_as(&r, ANNOTATOR_TOKEN);
    uint64_t task = lease_one(&r, 2, SINGLE);
    submit(&r, 3, task, "pos\0junk", 8);
    expect_field_error(&r, 3, "Submit.label", "NUL", "junk");
    assert_int_equal(project_labels(SINGLE), 0);
    still_serves(&r, 4);
    submit(&r, 5, task, "pos", 3);
    expect_submit_reply(&r, 5);
    assert_int_equal(project_labels(SINGLE), 1);
    it_raw_close(&r);
}

/* A text answer "abc\0def" used to be acknowledged and exported as "abc". */
static void nul_in_text_answer(void **state)
{
    (void)state;
    it_raw r;
    open_as(&r, ANNOTATOR_TOKEN);
    uint64_t task = lease_one(&r, 2, TEXT);
    submit(&r, 3, task, "abc\0def", 7);
    expect_field_error(&r, 3, "Submit.label", "NUL", "def");
    submit(&r, 4, task, "caf\xc3\xa9 \xff", 7);
    expect_field_error(&r, 4, "Submit.label", "UTF-8", "\xff");
    assert_int_equal(project_labels(TEXT), 0);
    submit(&r, 5, task, "abc def", 7);
    expect_submit_reply(&r, 5);
    assert_int_equal(project_labels(TEXT), 1);
    it_raw_close(&r);
}

/* ProjectConfig{name, labels} as a CreateProject body, with instructions
 * when not NULL. Strings are NUL-terminated here unless given with n. */
static wire create_body(const char *name, size_t name_len, const char *const *labels,
                        const size_t *label_lens, size_t n_labels, const char *instructions,
                        size_t instructions_len)
{
    wire cfg = {.len = 0}, body = {.len = 0};
    put_bytes(&cfg, 1, name, name_len);
    for (size_t i = 0; i < n_labels; i++)
        put_bytes(&cfg, 2, labels[i], label_lens[i]);
    if (instructions)
        put_bytes(&cfg, 5, instructions, instructions_len);
    put_msg(&body, 1, &cfg);
    return body;
}

static void assert_no_project(const char *name)
{
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *info = NULL;
    int rc = lq_project_get(admin, name, &info);
    if (rc == 0) {
        labelq__project_info__free_unpacked(info, NULL);
        fail_msg("project '%s' was created from a refused request", name);
    }
    it_assert_code(admin, rc, LQ_ENOTFOUND);
    lq_client_close(admin);
}

static void nul_in_project_and_import_fields(void **state)
{
    (void)state;
    static const char *const ok_labels[] = {"pos", "neg"};
    static const size_t ok_lens[] = {3, 3};
    it_raw r;
    open_as(&r, D.admin_token);

    wire b = create_body("nulname\0junk", 12, ok_labels, ok_lens, 2, NULL, 0);
    send_body(&r, 2, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 2, "CreateProject.config.name", "NUL", "junk");
    assert_no_project("nulname");

    static const char *const nul_labels[] = {"pos", "neg\0junk"};
    static const size_t nul_lens[] = {3, 8};
    b = create_body("nullabel", 8, nul_labels, nul_lens, 2, NULL, 0);
    send_body(&r, 3, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 3, "CreateProject.config.labels[1]", "NUL", "junk");
    assert_no_project("nullabel");

    /* An import line with a NUL after its JSON: the whole chunk is refused. */
    wire chunk = {.len = 0}, line = {.len = 0};
    put_str(&chunk, 1, SINGLE);
    put_uint(&line, 1, 1);
    put_str(&line, 2, "{\"id\": \"nul-ok\", \"data\": 1}");
    put_msg(&chunk, 2, &line);
    line.len = 0;
    put_uint(&line, 1, 2);
    static const char nul_line[] = "{\"id\": \"nul-1\", \"data\": 1}\0junk";
    put_bytes(&line, 2, nul_line, sizeof nul_line - 1);
    put_msg(&chunk, 2, &line);
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *before = it_project_info(admin, SINGLE);
    send_body(&r, 4, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, &chunk);
    expect_field_error(&r, 4, "ImportChunk.lines[1].json", "NUL", "junk");
    Labelq__ProjectInfo *after = it_project_info(admin, SINGLE);
    assert_int_equal(after->tasks, before->tasks);
    labelq__project_info__free_unpacked(before, NULL);
    labelq__project_info__free_unpacked(after, NULL);
    lq_client_close(admin);
    still_serves(&r, 5);
    it_raw_close(&r);
}

/* The admin token followed by "\0garbage" is not the admin token: refused
 * as a bad request and the connection closed, whatever the prefix. */
static void nul_in_token(void **state)
{
    (void)state;
    char token[300];
    size_t n = strlen(D.admin_token);
    assert_true(n + 9 < sizeof token);
    memcpy(token, D.admin_token, n);
    memcpy(token + n, "\0garbage", 8);
    wire hello = {.len = 0};
    put_bytes(&hello, 1, token, n + 8);
    it_raw r;
    it_raw_open(&r, &D);
    send_body(&r, 1, LABELQ__ENVELOPE__BODY_HELLO, &hello);
    expect_field_error(&r, 1, "Hello.token", "NUL", "garbage");
    it_raw_expect_close(&r, IT_RAW_READ_MS, "Hello with a NUL in the token");
    it_raw_close(&r);
}

static void invalid_utf8_in_project_fields(void **state)
{
    (void)state;
    static const char *const ok_labels[] = {"pos", "neg"};
    static const size_t ok_lens[] = {3, 3};
    it_raw r;
    open_as(&r, D.admin_token);

    wire b = create_body("caf\xe9", 4, ok_labels, ok_lens, 2, NULL, 0); /* Latin-1 é */
    send_body(&r, 2, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 2, "CreateProject.config.name", "UTF-8", "\xe9");

    b = create_body("badinstr", 8, ok_labels, ok_lens, 2, "Pick \xff\xfe one", 11);
    send_body(&r, 3, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 3, "CreateProject.config.instructions", "UTF-8", "\xff");
    assert_no_project("badinstr");

    static const char *const bad_labels[] = {"\xc3\x28", "neg", "\xed\xa0\x80"};
    static const size_t bad_lens[] = {2, 3, 3};
    b = create_body("badlabel", 8, bad_labels, bad_lens, 3, NULL, 0);
    send_body(&r, 4, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 4, "CreateProject.config.labels[0]", "UTF-8", "\xc3\x28");
    assert_no_project("badlabel");

    static const char *const surrogate[] = {"pos", "neg", "\xed\xa0\x80"};
    b = create_body("badlabel", 8, surrogate, bad_lens, 3, NULL, 0);
    send_body(&r, 5, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    expect_field_error(&r, 5, "CreateProject.config.labels[2]", "UTF-8", "\xed\xa0");
    assert_no_project("badlabel");

    /* Valid UTF-8 beyond ASCII is taken. */
    static const char *const good[] = {"caf\xc3\xa9", "th\xc3\xa9"};
    static const size_t good_lens[] = {5, 4};
    b = create_body("goodlabel", 9, good, good_lens, 2, "\xf0\x9f\x98\x80 pick", 9);
    send_body(&r, 6, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    Labelq__Envelope *e = next_reply(&r, "CreateProject with UTF-8 labels");
    assert_int_equal(e->body_case, LABELQ__ENVELOPE__BODY_PROJECT_INFO);
    labelq__envelope__free_unpacked(e, NULL);
    it_raw_close(&r);
}

/* A name the daemon looks up and does not find used to be quoted as it
 * came, making the Error itself unreadable to a strict decoder. */
static void error_messages_never_echo_raw_bytes(void **state)
{
    (void)state;
    it_raw r;
    open_as(&r, ANNOTATOR_TOKEN);
    wire gp = {.len = 0};
    put_str(&gp, 1,
            "\xff\xfe"
            "abc");
    send_body(&r, 2, LABELQ__ENVELOPE__BODY_GET_PROJECT, &gp);
    expect_field_error(&r, 2, "GetProject.project", "UTF-8", "\xff");
    wire lease = {.len = 0};
    put_str(&lease, 1, "x\xc3");
    send_body(&r, 3, LABELQ__ENVELOPE__BODY_LEASE, &lease);
    expect_field_error(&r, 3, "Lease.project", "UTF-8", "x\xc3");
    still_serves(&r, 4);
    it_raw_close(&r);
}

static void assert_utf8_field(const char *s, const char *what, const char *project)
{
    if (s && !valid_utf8(s, strlen(s)))
        fail_msg("ListProjects: %s of project '%.64s' is not UTF-8", what, project);
}

/* After attempts to create projects with bytes that are not UTF-8, every
 * string ListProjects returns is UTF-8: a strict decoder can read it. */
static void list_projects_stays_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {"ok", "n\xe9g"};
    static const size_t bad_lens[] = {2, 3};
    it_raw r;
    open_as(&r, D.admin_token);
    wire b = create_body("listbad", 7, bad, bad_lens, 2, "\xc0\xaf", 2);
    send_body(&r, 2, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &b);
    labelq__envelope__free_unpacked(next_reply(&r, "CreateProject"), NULL);
    wire list = {.len = 0};
    send_body(&r, 3, LABELQ__ENVELOPE__BODY_LIST_PROJECTS, &list);
    Labelq__Envelope *e = next_reply(&r, "ListProjects");
    assert_int_equal(e->body_case, LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY);
    const Labelq__ListProjectsReply *lp = e->list_projects_reply;
    assert_true(lp->n_projects >= 3);
    for (size_t i = 0; i < lp->n_projects; i++) {
        const Labelq__ProjectConfig *c = lp->projects[i]->config;
        assert_utf8_field(c->name, "the name", c->name);
        assert_utf8_field(c->instructions, "the instructions", c->name);
        assert_utf8_field(c->field, "the field", c->name);
        for (size_t k = 0; k < c->n_labels; k++)
            assert_utf8_field(c->labels[k], "a label", c->name);
    }
    labelq__envelope__free_unpacked(e, NULL);
    it_raw_close(&r);
}

/* A line error quotes the line's gold answer cut at 64 bytes, which can
 * fall inside a character; it goes out as UTF-8 all the same. */
static void import_line_errors_stay_utf8(void **state)
{
    (void)state;
    char line[256], gold[80];
    memset(gold, 'a', 63);
    memcpy(gold + 63, "\xc3\xa9", 3); /* é across the 64th byte, and the NUL */
    snprintf(line, sizeof line, "{\"id\": \"gold-cut\", \"data\": 1, \"gold\": \"%s\"}", gold);
    const char *lines[] = {line};
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ImportReply *reply = it_import_lines(admin, SINGLE, lines, 1, 1);
    assert_int_equal(reply->n_rejected, 1);
    const char *msg = reply->rejected[0]->message;
    if (!valid_utf8(msg, strlen(msg)))
        fail_msg("the line error is not UTF-8: %s", msg);
    assert_non_null(strstr(msg, "gold"));
    labelq__import_reply__free_unpacked(reply, NULL);
    lq_client_close(admin);
}

/* A CONFLICT quotes the stored answer, cut to fit the message: a long text
 * answer of two-byte characters is cut inside one on one offset or the
 * other, so both offsets are tried. The message is UTF-8 all the same. */
static void long_quote_cut_stays_utf8(void **state)
{
    (void)state;
    it_raw r;
    open_as(&r, ANNOTATOR_TOKEN);
    for (int shift = 0; shift < 2; shift++) {
        char text[4096];
        size_t n = 0;
        if (shift)
            text[n++] = 'x';
        while (n + 2 < 4000) {
            memcpy(text + n, "\xc3\xa9", 2);
            n += 2;
        }
        uint64_t id = 10 + 10 * (uint64_t)shift;
        uint64_t task = lease_one(&r, id, TEXT);
        submit(&r, id + 1, task, text, n);
        expect_submit_reply(&r, id + 1);
        submit(&r, id + 2, task, "another answer", 14);
        Labelq__Envelope *e = next_reply(&r, "a second, different answer");
        bool conflict = e->body_case == LABELQ__ENVELOPE__BODY_ERROR &&
                        e->error->code == LABELQ__ERROR_CODE__CONFLICT;
        bool utf8 = conflict && valid_utf8(e->error->message, strlen(e->error->message));
        labelq__envelope__free_unpacked(e, NULL);
        if (!conflict)
            fail_msg("a different answer to a labeled task did not get CONFLICT");
        if (!utf8)
            fail_msg("the CONFLICT quoting a long answer (offset %d) is not UTF-8", shift);
    }
    it_raw_close(&r);
}

/* Submit.next naming a project that does not exist: the SubmitReply's
 * next_error quotes the name, cut to fit its buffer, here inside a
 * character; it is UTF-8 all the same. */
static void next_error_stays_utf8(void **state)
{
    (void)state;
    it_raw r;
    open_as(&r, ANNOTATOR_TOKEN);
    uint64_t task = lease_one(&r, 30, SINGLE);
    char project[700];
    size_t n = 0;
    while (n + 2 <= 600) {
        memcpy(project + n, "\xc3\xa9", 2);
        n += 2;
    }
    wire next = {.len = 0}, s = {.len = 0};
    put_bytes(&next, 1, project, n);
    put_uint(&s, 1, task);
    put_str(&s, 2, "neg");
    put_msg(&s, 4, &next);
    send_body(&r, 31, LABELQ__ENVELOPE__BODY_SUBMIT, &s);
    Labelq__Envelope *e = next_reply(&r, "Submit with next");
    bool stored = e->body_case == LABELQ__ENVELOPE__BODY_SUBMIT_REPLY;
    const Labelq__Error *err = stored ? e->submit_reply->next_error : NULL;
    bool utf8 = err && valid_utf8(err->message, strlen(err->message));
    int code = err ? (int)err->code : -1;
    labelq__envelope__free_unpacked(e, NULL);
    if (!stored || code != LABELQ__ERROR_CODE__NOT_FOUND)
        fail_msg("Submit with next to an unknown project: want a SubmitReply with next_error "
                 "NOT_FOUND, got code %d",
                 code);
    if (!utf8)
        fail_msg("next_error quoting a long project name is not UTF-8");
    it_raw_close(&r);
}

static int start(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    it_daemon_start(&D);
    lq_client *admin = it_daemon_admin(&D);
    static const char *const labels[] = {"pos", "neg"};
    it_project_create(admin, SINGLE, labels, 2, 1, 600);
    it_import_items(admin, SINGLE, "s", 5);
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = TEXT;
    cfg.type = LABELQ__LABEL_TYPE__TEXT;
    cfg.overlap = 1;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
    it_import_items(admin, TEXT, "t", 3);
    ANNOTATOR_TOKEN = it_annotator_add(admin, "writer");
    lq_client_close(admin);
    return 0;
}

static int stop(void **state)
{
    (void)state;
    free(ANNOTATOR_TOKEN);
    ANNOTATOR_TOKEN = NULL;
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
        cmocka_unit_test(nul_in_label),
        cmocka_unit_test(nul_in_text_answer),
        cmocka_unit_test(nul_in_project_and_import_fields),
        cmocka_unit_test(nul_in_token),
        cmocka_unit_test(invalid_utf8_in_project_fields),
        cmocka_unit_test(error_messages_never_echo_raw_bytes),
        cmocka_unit_test(list_projects_stays_utf8),
        cmocka_unit_test(import_line_errors_stay_utf8),
        cmocka_unit_test(long_quote_cut_stays_utf8),
        cmocka_unit_test(next_error_stays_utf8),
        cmocka_unit_test(daemon_stops_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, start, stop);
    D.passed = failed == 0;
    it_daemon_cleanup(&D);
    return it_exit_status(failed);
}
