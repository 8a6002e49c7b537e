/* libFuzzer target: the bytes a client sends after TLS, through the frame
 * reader, the checks before decoding (net/frame_check.c: size, field
 * budget, strings), the Envelope decoder and lq_dispatch, in one process.
 *
 * Input: one mode byte, then the byte stream. The mode's low two bits say
 * who the connection is already authenticated as (0: nobody, so it must
 * send Hello; 1: the admin; 2 and 3: two annotators); its other bits seed
 * how the stream is cut into the pieces fed to the reader, as reads would.
 *
 * The server is real (store in a temporary directory, the writer thread,
 * a libuv loop, recovery, the bootstrap admin), set up with two projects
 * ("p": labels a,b,c, overlap 2; "q": a gold pool and dynamic overlap),
 * two annotators and a few tasks. Only the connection is fake
 * (fuzz_conn.c, a peer of its own). Between pieces the loop runs without waiting; after the
 * input it runs until every reply owed to the connection was sent, so a
 * request whose reply never comes shows up as a libFuzzer timeout.
 *
 * The server is built afresh every LQ_FUZZ_RESET inputs. The default, 1,
 * gives each input the same starting state, so a crash reproduces from its
 * input alone; run.sh fuzzes with 16, ten times faster (a fresh server
 * costs about 13 ms), at the price that a crash may need the state earlier
 * inputs left.
 *
 * The admin's token is fixed (FUZZ_ADMIN_TOKEN) so that seeds can say
 * Hello. LQ_FUZZ_LOG=debug turns the daemon's log on. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/core/log.h"
#include "daemon/core/server.h"
#include "daemon/net/dispatch.h"
#include "daemon/net/frame_check.h"
#include "daemon/net/net.h"
#include "daemon/sched/longpoll.h"
#include "daemon/server/recovery.h"
#include "fuzz_conn.h"
#include "proto/error.h"

#define FUZZ_ADMIN_TOKEN "fuzz-admin-token-0123456789abcdef"
#define FUZZ_MAX_FRAME (64u * 1024u)
#define FUZZ_MAX_WAIT_MS 5 /* long polls end quickly */
#define FUZZ_MAP_SIZE ((size_t)8 << 20)
#define FUZZ_MAX_PIECE 512

static lq_config cfg;
static lq_server srv;
static lq_net net;
static uv_loop_t loop;
static char data_dir[256];
static lq_annotator *who_by_mode[4];
static unsigned long inputs_per_server = 1, inputs_on_server;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_frame: %s\n", what);
    abort();
}


/* Runs the loop until nothing more is owed to c (its only reference is the
 * caller's), then closes and frees it. */
static void conn_finish(fuzz_conn *c)
{
    while (c->base.refs > 1)
        uv_run(&loop, UV_RUN_ONCE);
    lq_peer_close(&c->base, "end of input");
    lq_peer_unref(&c->base);
}

/* Dispatches every whole frame the reader holds that passes the checks
 * before decoding, as conn_read.c does (the same lq_frame_check_next). */
static void process_frames(fuzz_conn *fc)
{
    lq_peer *c = &fc->base;
    const uint8_t *frame;
    size_t len;
    int rc;
    while (!c->closing && (rc = lq_frame_check_next(c, &fc->reader, &frame, &len)) != 0) {
        if (rc < 0)
            continue; /* refused before decoding, and answered */
        Labelq__Envelope *env = lq_frame_decode(frame, len);
        if (!env) {
            lq_peer_error(c, 0, LQ_EBADREQ, "frame of %zu bytes is not a valid Envelope", len);
            lq_peer_close(c, "undecodable frame");
            return;
        }
        lq_dispatch(c, env);
        labelq__envelope__free_unpacked(env, NULL);
    }
}

static void send_request(fuzz_conn *c, Labelq__Envelope__BodyCase kind, void *body)
{
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 1;
    env.body_case = kind;
    env.hello = body; /* one union: any member stores the body */
    lq_dispatch(&c->base, &env);
    while (c->base.refs > 1)
        uv_run(&loop, UV_RUN_ONCE);
}

static void create_project(fuzz_conn *c, Labelq__ProjectConfig *pc)
{
    Labelq__CreateProject req = LABELQ__CREATE_PROJECT__INIT;
    req.config = pc;
    send_request(c, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &req);
}

static void add_annotator(fuzz_conn *c, char *name)
{
    Labelq__AddAnnotator req = LABELQ__ADD_ANNOTATOR__INIT;
    req.name = name;
    send_request(c, LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR, &req);
}

static void import_lines(fuzz_conn *c, char *project, char **json, size_t n)
{
    Labelq__ImportLine lines[8], *ptrs[8];
    Labelq__ImportChunk req = LABELQ__IMPORT_CHUNK__INIT;
    for (size_t i = 0; i < n && i < 8; i++) {
        labelq__import_line__init(&lines[i]);
        lines[i].line_no = i + 1;
        lines[i].json = json[i];
        ptrs[i] = &lines[i];
    }
    req.project = project;
    req.lines = ptrs;
    req.n_lines = n < 8 ? n : 8;
    send_request(c, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, &req);
}

/* The starting state every input sees, made through lq_dispatch itself. */
static void populate(void)
{
    static char *labels[] = {"a", "b", "c"};
    static char *p_items[] = {
        "{\"id\":\"t1\",\"data\":{\"text\":\"one\"}}",
        "{\"id\":\"t2\",\"data\":{\"text\":\"two\"},\"priority\":5}",
        "{\"id\":3,\"data\":[1,2,3]}",
        "{\"id\":\"t4\",\"data\":\"four\"}",
    };
    static char *q_items[] = {
        "{\"id\":\"g1\",\"data\":{\"text\":\"gold\"},\"gold\":\"a\"}",
        "{\"id\":\"g2\",\"data\":{\"text\":\"gold\"},\"gold\":\"b\"}",
        "{\"id\":\"u1\",\"data\":{\"text\":\"u1\"}}",
        "{\"id\":\"u2\",\"data\":{\"text\":\"u2\"}}",
    };
    fuzz_conn *c = fuzz_conn_new(&srv, lq_server_annotator_by_name(&srv, "admin"));
    if (!c->base.who)
        die("no admin after bootstrap");
    Labelq__ProjectConfig p = LABELQ__PROJECT_CONFIG__INIT;
    p.name = "p";
    p.labels = labels;
    p.n_labels = 3;
    p.overlap = 2;
    create_project(c, &p);
    Labelq__ProjectConfig q = p;
    q.name = "q";
    q.max_overlap = 3;
    q.agreement_target = 0.9;
    q.gold_ratio = 0.3;
    q.min_gold_accuracy = 0.5;
    q.min_gold_seen = 1;
    create_project(c, &q);
    add_annotator(c, "ann1");
    add_annotator(c, "ann2");
    import_lines(c, "p", p_items, sizeof(p_items) / sizeof(*p_items));
    import_lines(c, "q", q_items, sizeof(q_items) / sizeof(*q_items));
    who_by_mode[0] = NULL;
    who_by_mode[1] = c->base.who;
    who_by_mode[2] = lq_server_annotator_by_name(&srv, "ann1");
    who_by_mode[3] = lq_server_annotator_by_name(&srv, "ann2");
    if (!who_by_mode[2] || !who_by_mode[3] || !lq_server_project(&srv, "p") ||
        !lq_server_project(&srv, "q"))
        die("setup requests failed");
    conn_finish(c);
}

static void write_admin_token(void)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/admin.token", data_dir);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", FUZZ_ADMIN_TOKEN) < 0 || fclose(f) != 0)
        die("cannot write the admin token");
}

static void server_up(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(data_dir, sizeof(data_dir), "%s/lq-fuzz-frame-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(data_dir))
        die("cannot create a temporary directory");
    write_admin_token();
    lq_config_default(&cfg);
    cfg.data_dir = data_dir;
    cfg.max_frame = FUZZ_MAX_FRAME;
    cfg.max_wait_ms = FUZZ_MAX_WAIT_MS;
    cfg.map_size = FUZZ_MAP_SIZE;

    if (uv_loop_init(&loop) != 0)
        die("uv_loop_init failed");
    lq_server_init(&srv, &cfg, &loop);
    memset(&net, 0, sizeof(net)); /* no listener, no TLS: only the auth throttle is used */
    net.srv = &srv;
    srv.net = &net;

    char store_dir[300], err[512];
    snprintf(store_dir, sizeof(store_dir), "%s/store", data_dir);
    if (mkdir(store_dir, 0700) != 0)
        die("cannot create the store directory");
    lq_store_config scfg;
    lq_store_config_default(&scfg);
    scfg.map_size = cfg.map_size;
    scfg.no_sync = true;
    if (lq_store_open(store_dir, &scfg, &srv.store, err, sizeof(err)) < 0)
        die(err);
    if (lq_writer_start(srv.store, lq_server_writer_notify, &srv.writer_async, &srv.writer) < 0)
        die("cannot start the writer");
    if (lq_recover(&srv) < 0 || lq_bootstrap_admin(&srv) < 0)
        die("recovery failed");
    populate();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void server_down(void)
{
    srv.stopping = true;
    lq_sched_cancel_waiters(&srv);
    lq_writer_stop(srv.writer);
    lq_writer_drain(srv.writer);
    uv_close((uv_handle_t *)&srv.writer_async, NULL);
    uv_close((uv_handle_t *)&srv.lease_timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT); /* closes, and quality runs still on the pool */
    lq_writer_free(srv.writer);
    lq_server_free_state(&srv);
    lq_store_close(srv.store);
    if (uv_loop_close(&loop) != 0)
        die("a libuv handle outlived the server");
    nftw(data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void server_down_at_exit(void)
{
    server_down();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Quiet unless asked: LQ_FUZZ_LOG=debug shows what a reproducer does. */
    const char *log = getenv("LQ_FUZZ_LOG");
    lq_log_set_level(log && lq_log_parse_level(log) >= 0 ? lq_log_parse_level(log)
                                                         : LQ_LOG_ERROR + 1);
    const char *reset = getenv("LQ_FUZZ_RESET");
    if (reset && atol(reset) > 0)
        inputs_per_server = (unsigned long)atol(reset);
    server_up();
    atexit(server_down_at_exit);
    return 0;
}

/* xorshift32: the piece sizes only need to vary, reproducibly. */
static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (inputs_on_server++ == inputs_per_server) {
        server_down();
        server_up();
        inputs_on_server = 1;
    }
    uint8_t mode = data[0];
    uint32_t seed = 0x9e3779b9u ^ mode;
    fuzz_conn *c = fuzz_conn_new(&srv, who_by_mode[mode & 3]);
    size_t at = 1;
    while (at < size && !c->base.closing) {
        size_t piece = 1 + next_rand(&seed) % FUZZ_MAX_PIECE;
        if (piece > size - at)
            piece = size - at;
        if (lq_frame_reader_feed(&c->reader, data + at, piece) < 0)
            die("out of memory feeding the reader");
        at += piece;
        process_frames(c);
        uv_run(&loop, UV_RUN_NOWAIT);
    }
    conn_finish(c);
    return 0;
}
