/* Writes fuzz_frame's seed inputs into DIR: a mode byte (see fuzz_frame.c)
 * then encoded frames, one file per conversation. Run by `run.sh seeds`;
 * the results are committed under corpus/fuzz_frame/. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/envelope.h"
#include "proto/frame.h"

#define ADMIN_TOKEN "fuzz-admin-token-0123456789abcdef" /* as in fuzz_frame.c */
enum { AS_NOBODY, AS_ADMIN, AS_ANN1, AS_ANN2 };

typedef struct seed {
    FILE *f;
    uint64_t next_id;
} seed;

static void open_seed(seed *s, const char *dir, const char *name, int mode)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    s->f = fopen(path, "wb");
    if (!s->f) {
        perror(path);
        exit(1);
    }
    fputc(mode, s->f);
    s->next_id = 1;
}

static void put(seed *s, Labelq__Envelope__BodyCase kind, void *body)
{
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    lq_envelope_wrap(&env, s->next_id++, kind, body);
    uint8_t *frame;
    size_t len;
    if (lq_frame_encode(&env, LQ_FRAME_DEFAULT_MAX, &frame, &len) != 0)
        exit(1);
    fwrite(frame, 1, len, s->f);
    free(frame);
}

static void close_seed(seed *s)
{
    if (fclose(s->f) != 0)
        exit(1);
}

static void hello(seed *s, char *token)
{
    Labelq__Hello h = LABELQ__HELLO__INIT;
    h.token = token;
    h.client = "fuzz";
    put(s, LABELQ__ENVELOPE__BODY_HELLO, &h);
}

static void lease(seed *s, char *project, uint32_t max, uint32_t wait_ms)
{
    Labelq__Lease l = LABELQ__LEASE__INIT;
    l.project = project;
    l.max_tasks = max;
    l.wait_ms = wait_ms;
    put(s, LABELQ__ENVELOPE__BODY_LEASE, &l);
}

static void submit(seed *s, uint64_t task, char *label)
{
    Labelq__Submit m = LABELQ__SUBMIT__INIT;
    m.task_id = task;
    m.label = label;
    m.duration_ms = 1200;
    put(s, LABELQ__ENVELOPE__BODY_SUBMIT, &m);
}

static void import(seed *s, char *project, char **lines, size_t n)
{
    Labelq__ImportLine l[8], *p[8];
    Labelq__ImportChunk c = LABELQ__IMPORT_CHUNK__INIT;
    for (size_t i = 0; i < n; i++) {
        labelq__import_line__init(&l[i]);
        l[i].line_no = i + 1;
        l[i].json = lines[i];
        p[i] = &l[i];
    }
    c.project = project;
    c.lines = p;
    c.n_lines = n;
    put(s, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, &c);
}

static void named(seed *s, Labelq__Envelope__BodyCase kind, char *project)
{
    /* GetProject, Report and Export all start with the project's name. */
    Labelq__GetProject g = LABELQ__GET_PROJECT__INIT;
    g.project = project;
    put(s, kind, &g);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_frame_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    seed s;
    Labelq__Empty empty = LABELQ__EMPTY__INIT;

    open_seed(&s, dir, "valid-hello-admin", AS_NOBODY);
    hello(&s, ADMIN_TOKEN);
    put(&s, LABELQ__ENVELOPE__BODY_LIST_PROJECTS, &empty);
    named(&s, LABELQ__ENVELOPE__BODY_GET_PROJECT, "p");
    put(&s, LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS, &empty);
    close_seed(&s);

    open_seed(&s, dir, "valid-lease-submit", AS_ANN1);
    lease(&s, "p", 2, 0);
    submit(&s, 2, "a");
    submit(&s, 1, "b");
    Labelq__Extend ext = LABELQ__EXTEND__INIT;
    ext.task_id = 3;
    put(&s, LABELQ__ENVELOPE__BODY_EXTEND, &ext);
    Labelq__Release rel = LABELQ__RELEASE__INIT;
    rel.task_id = 3;
    rel.skip = 1;
    put(&s, LABELQ__ENVELOPE__BODY_RELEASE, &rel);
    close_seed(&s);

    open_seed(&s, dir, "valid-gold-wait", AS_ANN2);
    lease(&s, "q", 4, 3);
    submit(&s, 5, "a");
    submit(&s, 6, "c");
    submit(&s, 7, "b");
    lease(&s, "q", 1, 3);
    close_seed(&s);

    open_seed(&s, dir, "valid-admin-import", AS_ADMIN);
    char *lines[] = {
        "{\"id\":\"n1\",\"data\":{\"text\":\"new\"},\"priority\":3}",
        "{\"id\":\"t1\",\"data\":{\"text\":\"again\"}}",
        "{\"id\":\"g9\",\"data\":null,\"gold\":\"c\"}",
        "{\"data\":1}",
        "not json",
    };
    import(&s, "p", lines, 5);
    import(&s, "q", lines, 3);
    Labelq__ProjectConfig pc = LABELQ__PROJECT_CONFIG__INIT;
    char *labels[] = {"x", "y"};
    pc.name = "r";
    pc.labels = labels;
    pc.n_labels = 2;
    Labelq__CreateProject cp = LABELQ__CREATE_PROJECT__INIT;
    cp.config = &pc;
    put(&s, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &cp);
    Labelq__AddAnnotator aa = LABELQ__ADD_ANNOTATOR__INIT;
    aa.name = "ann3";
    put(&s, LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR, &aa);
    Labelq__BlockAnnotator ba = LABELQ__BLOCK_ANNOTATOR__INIT;
    ba.name = "ann1";
    put(&s, LABELQ__ENVELOPE__BODY_BLOCK_ANNOTATOR, &ba);
    close_seed(&s);

    open_seed(&s, dir, "valid-report-export", AS_ADMIN);
    named(&s, LABELQ__ENVELOPE__BODY_REPORT, "p");
    named(&s, LABELQ__ENVELOPE__BODY_EXPORT, "q");
    named(&s, LABELQ__ENVELOPE__BODY_REPORT, "nope");
    close_seed(&s);

    /* Batches: create (plain and append), import into one, list, get, every
     * change, and the refusals (unknown batch, resume after cancel). */
    open_seed(&s, dir, "valid-batches", AS_ADMIN);
    Labelq__CreateBatch cb = LABELQ__CREATE_BATCH__INIT;
    cb.project = "p";
    cb.name = "mon";
    cb.has_priority = true;
    cb.priority = 5;
    put(&s, LABELQ__ENVELOPE__BODY_CREATE_BATCH, &cb);
    cb.append = true;
    put(&s, LABELQ__ENVELOPE__BODY_CREATE_BATCH, &cb);
    char *blines[] = {"{\"id\":\"b1\",\"data\":{\"text\":\"batch\"}}"};
    Labelq__ImportLine bl = LABELQ__IMPORT_LINE__INIT, *blp = &bl;
    bl.line_no = 1;
    bl.json = blines[0];
    Labelq__ImportChunk bc = LABELQ__IMPORT_CHUNK__INIT;
    bc.project = "p";
    bc.batch = "mon";
    bc.lines = &blp;
    bc.n_lines = 1;
    put(&s, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, &bc);
    Labelq__ListBatches lb = LABELQ__LIST_BATCHES__INIT;
    lb.project = "p";
    put(&s, LABELQ__ENVELOPE__BODY_LIST_BATCHES, &lb);
    Labelq__GetBatch gb = LABELQ__GET_BATCH__INIT;
    gb.project = "p";
    gb.name = "mon";
    put(&s, LABELQ__ENVELOPE__BODY_GET_BATCH, &gb);
    Labelq__UpdateBatch ub = LABELQ__UPDATE_BATCH__INIT;
    ub.project = "p";
    ub.name = "mon";
    Labelq__UpdateBatch__Action acts[] = {
        LABELQ__UPDATE_BATCH__ACTION__PAUSE, LABELQ__UPDATE_BATCH__ACTION__RESUME,
        LABELQ__UPDATE_BATCH__ACTION__PRIORITY, LABELQ__UPDATE_BATCH__ACTION__CANCEL,
        LABELQ__UPDATE_BATCH__ACTION__RESUME};
    for (size_t i = 0; i < sizeof(acts) / sizeof(*acts); i++) {
        ub.action = acts[i];
        ub.priority = (int32_t)i - 2;
        put(&s, LABELQ__ENVELOPE__BODY_UPDATE_BATCH, &ub);
    }
    gb.name = "nope";
    put(&s, LABELQ__ENVELOPE__BODY_GET_BATCH, &gb);
    close_seed(&s);

    /* Typed projects: one of each kind, an item for spans, and labels of
     * every shape submitted (most to tasks that are not leased: the value
     * checks run first). */
    open_seed(&s, dir, "valid-typed-projects", AS_ADMIN);
    static const struct {
        char *name;
        Labelq__LabelType type;
    } kinds[] = {{"tm", LABELQ__LABEL_TYPE__MULTI},   {"to", LABELQ__LABEL_TYPE__ORDINAL},
                 {"tn", LABELQ__LABEL_TYPE__NUMERIC}, {"tt", LABELQ__LABEL_TYPE__TEXT},
                 {"ts", LABELQ__LABEL_TYPE__SPANS},   {"tb", LABELQ__LABEL_TYPE__BOXES}};
    char *tlabels[] = {"PER", "LOC", "ORG"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
        Labelq__ProjectConfig tc = LABELQ__PROJECT_CONFIG__INIT;
        tc.name = kinds[i].name;
        tc.type = kinds[i].type;
        tc.overlap = 1;
        if (tc.type == LABELQ__LABEL_TYPE__NUMERIC) {
            tc.number_min = -1;
            tc.number_max = 10;
        } else if (tc.type != LABELQ__LABEL_TYPE__TEXT) {
            tc.labels = tlabels;
            tc.n_labels = 3;
        }
        Labelq__CreateProject tcp = LABELQ__CREATE_PROJECT__INIT;
        tcp.config = &tc;
        put(&s, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &tcp);
    }
    char *slines[] = {"{\"id\":\"s1\",\"data\":{\"text\":\"Ada met Bob in Rome\"}}",
                      "{\"id\":\"s2\",\"data\":{\"image\":\"http://x/1.png\"}}"};
    import(&s, "ts", slines, 1);
    import(&s, "tb", slines + 1, 1);
    lease(&s, "ts", 1, 0);
    char *values[] = {"[\"PER\",\"ORG\"]", "LOC", "4.5", "caf\xc3\xa9",
                      "[{\"start\":0,\"end\":3,\"label\":\"PER\"}]",
                      "[{\"x\":1,\"y\":2,\"w\":3,\"h\":4,\"label\":\"ORG\"}]"};
    for (uint64_t t = 1; t <= 12; t++)
        submit(&s, t, values[t % 6]);
    close_seed(&s);

    /* Submit with next, and a token revoked and renewed. */
    open_seed(&s, dir, "valid-submit-next", AS_ANN1);
    lease(&s, "p", 2, 0);
    Labelq__Lease next = LABELQ__LEASE__INIT;
    next.max_tasks = 2;
    Labelq__Submit sn = LABELQ__SUBMIT__INIT;
    sn.task_id = 1;
    sn.label = "a";
    sn.next = &next;
    put(&s, LABELQ__ENVELOPE__BODY_SUBMIT, &sn);
    sn.task_id = 2;
    next.project = "nope";
    put(&s, LABELQ__ENVELOPE__BODY_SUBMIT, &sn);
    close_seed(&s);

    open_seed(&s, dir, "valid-revoke", AS_ADMIN);
    Labelq__RevokeToken rt = LABELQ__REVOKE_TOKEN__INIT;
    rt.name = "ann2";
    put(&s, LABELQ__ENVELOPE__BODY_REVOKE_TOKEN, &rt);
    rt.new_token = true;
    put(&s, LABELQ__ENVELOPE__BODY_REVOKE_TOKEN, &rt);
    rt.name = "admin";
    put(&s, LABELQ__ENVELOPE__BODY_REVOKE_TOKEN, &rt);
    close_seed(&s);

    open_seed(&s, dir, "invalid-request-before-hello", AS_NOBODY);
    lease(&s, "p", 1, 0);
    close_seed(&s);

    open_seed(&s, dir, "invalid-annotator-does-admin", AS_ANN1);
    put(&s, LABELQ__ENVELOPE__BODY_LIST_PROJECTS, &empty);
    hello(&s, "wrong");
    close_seed(&s);

    open_seed(&s, dir, "invalid-bad-token", AS_NOBODY);
    hello(&s, "not-the-token");
    put(&s, LABELQ__ENVELOPE__BODY_LIST_PROJECTS, &empty);
    close_seed(&s);

    /* Frames the reader or decoder must refuse. */
    static const uint8_t oversize[] = {AS_ADMIN, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
    static const uint8_t garbage[] = {AS_ADMIN, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t truncated[] = {AS_ADMIN, 0, 0, 0, 40, 8, 1, 0x3a, 0};
    static const uint8_t empty_frame[] = {AS_ADMIN, 0, 0, 0, 0, 0, 0, 0, 0};
    const struct {
        const char *name;
        const uint8_t *b;
        size_t n;
    } raw[] = {{"invalid-oversize", oversize, sizeof(oversize)},
               {"invalid-garbage", garbage, sizeof(garbage)},
               {"invalid-truncated", truncated, sizeof(truncated)},
               {"invalid-empty-frames", empty_frame, sizeof(empty_frame)}};
    for (size_t i = 0; i < sizeof(raw) / sizeof(*raw); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, raw[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(raw[i].b, 1, raw[i].n, f) != raw[i].n || fclose(f) != 0)
            return 1;
    }
    return 0;
}
