/* Gold items cannot be told from other tasks by what an annotator reads:
 *
 * - annotator_view: GetProject by an annotator gives the settings labeling
 *   needs (name, type, labels, instructions, lease TTL) and nothing else:
 *   no counts, no agreement figures, no overlap or gold settings; an admin
 *   still gets everything. Before, an annotator saw the counts, and a lease
 *   that left `leased` as it was, was a gold item.
 * - nothing_moves: an annotator reads its GetProject before and after every
 *   lease and every submit, gold or not, through a whole project: the reply
 *   never changes, byte for byte.
 * - own_gold_order: two annotators work through a pool of 20 gold items
 *   (plus regular tasks at gold_ratio 0.5): each meets every gold item
 *   exactly once, and they meet them in different orders (before, everyone
 *   got the pool in import order). 5 gold items imported in the middle of
 *   the walk come after the pool the walk began with; after a restart
 *   (which starts each walk again, passing over what was labeled) each
 *   annotator still gets every gold item once and the ratio holds. The
 *   orders come from the (project, annotator) ids, so the test is
 *   deterministic. */
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

#define N_GOLD 20
#define N_LATE_GOLD 5
#define N_ALL_GOLD (N_GOLD + N_LATE_GOLD)
#define N_REGULAR 20
#define N_LATE_REGULAR 5
#define INSTRUCTIONS "Pick a if the text is about apples, else b."

static it_daemon D;
static char *const LABELS[] = {"a", "b"};

static void create(lq_client *admin, const char *name, unsigned overlap)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)name;
    cfg.labels = (char **)LABELS;
    cfg.n_labels = 2;
    cfg.overlap = overlap;
    cfg.lease_ttl_s = 300;
    cfg.instructions = INSTRUCTIONS;
    cfg.gold_ratio = 0.5;
    cfg.min_gold_accuracy = 0.5;
    cfg.min_gold_seen = 100; /* nobody is blocked here */
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);
}

/* Imports gold items gold-FIRST.. and regular items item-FIRST.. as one
 * chunk, interleaved, so task ids say nothing either. */
static void import(lq_client *admin, const char *project, int first_gold, int n_gold,
                   int first_regular, int n_regular)
{
    char buf[64][128];
    const char *lines[64];
    size_t n = 0;
    for (int i = 0; i < n_gold || i < n_regular; i++) {
        if (i < n_gold) {
            snprintf(buf[n], sizeof buf[n],
                     "{\"id\":\"gold-%02d\",\"data\":{\"t\":\"%d\"},\"gold\":\"a\"}",
                     first_gold + i, first_gold + i);
            lines[n] = buf[n];
            n++;
        }
        if (i < n_regular) {
            snprintf(buf[n], sizeof buf[n], "{\"id\":\"item-%02d\",\"data\":{\"t\":\"%d\"}}",
                     first_regular + i, 100 + first_regular + i);
            lines[n] = buf[n];
            n++;
        }
    }
    Labelq__ImportReply *r = it_import_lines(admin, project, lines, n, 1);
    assert_int_equal(r->imported, n);
    labelq__import_reply__free_unpacked(r, NULL);
}

static bool is_gold(const Labelq__LeasedTask *t)
{
    return strncmp(t->external_id, "gold-", 5) == 0;
}

/* c's GetProject reply for project, packed: what the annotator reads. */
static uint8_t *read_view(lq_client *c, const char *project, size_t *len)
{
    Labelq__ProjectInfo *info = it_project_info(c, project);
    *len = labelq__project_info__get_packed_size(info);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    labelq__project_info__pack(info, buf);
    labelq__project_info__free_unpacked(info, NULL);
    return buf;
}

static void annotator_view(void **state)
{
    (void)state;
    const char *p = "view";
    lq_client *admin = it_daemon_admin(&D);
    create(admin, p, 1);
    import(admin, p, 0, 4, 0, 4);
    char *token = it_annotator_add(admin, "viewer");
    lq_client *c = it_daemon_connect(&D, token);
    Labelq__LeaseReply *lr = it_lease(c, p, 2, 0); /* something leased, one of it gold */
    assert_int_equal(lr->n_tasks, 2);
    labelq__lease_reply__free_unpacked(lr, NULL);

    Labelq__ProjectInfo *all = it_project_info(admin, p);
    assert_int_equal(all->tasks, 4);
    assert_int_equal(all->gold, 4);
    assert_int_equal(all->leased, 1);
    assert_int_equal(all->active_annotators, 1);
    assert_true(all->config->gold_ratio > 0.4);
    assert_int_equal(all->config->overlap, 1);

    Labelq__ProjectInfo *mine = it_project_info(c, p);
    const Labelq__ProjectConfig *cfg = mine->config;
    assert_non_null(cfg);
    /* What labeling needs, as the admin sees it. */
    assert_string_equal(cfg->name, p);
    assert_int_equal(cfg->type, LABELQ__LABEL_TYPE__SINGLE);
    assert_int_equal(cfg->n_labels, 2);
    assert_string_equal(cfg->labels[0], "a");
    assert_string_equal(cfg->labels[1], "b");
    assert_string_equal(cfg->instructions, INSTRUCTIONS);
    assert_int_equal(cfg->lease_ttl_s, 300);
    assert_int_equal(mine->created_ms, all->created_ms);
    /* No counts, figures, or settings of how answers are judged. */
    assert_int_equal(mine->tasks, 0);
    assert_int_equal(mine->pending, 0);
    assert_int_equal(mine->leased, 0);
    assert_int_equal(mine->done, 0);
    assert_int_equal(mine->labels, 0);
    assert_int_equal(mine->gold, 0);
    assert_int_equal(mine->active_annotators, 0);
    assert_false(mine->has_alpha);
    assert_false(mine->has_percent_agreement);
    assert_int_equal(cfg->overlap, 0);
    assert_int_equal(cfg->max_overlap, 0);
    assert_true(cfg->agreement_target == 0.0);
    assert_true(cfg->gold_ratio == 0.0);
    assert_true(cfg->min_gold_accuracy == 0.0);
    assert_int_equal(cfg->min_gold_seen, 0);
    labelq__project_info__free_unpacked(mine, NULL);
    labelq__project_info__free_unpacked(all, NULL);
    lq_client_close(c);
    lq_client_close(admin);
    free(token);
}

static void nothing_moves(void **state)
{
    (void)state;
    const char *p = "still";
    lq_client *admin = it_daemon_admin(&D);
    create(admin, p, 1);
    import(admin, p, 0, 6, 0, 6);
    char *token = it_annotator_add(admin, "watcher");
    lq_client *c = it_daemon_connect(&D, token);
    size_t first_len, len;
    uint8_t *first = read_view(c, p, &first_len);
    int leases[2] = {0, 0}; /* regular, gold */
    for (;;) {
        Labelq__LeaseReply *lr = it_lease(c, p, 1, 0);
        if (lr->n_tasks == 0) {
            labelq__lease_reply__free_unpacked(lr, NULL);
            break;
        }
        bool gold = is_gold(lr->tasks[0]);
        leases[gold]++;
        for (int step = 0; step < 2; step++) {
            uint8_t *now = read_view(c, p, &len);
            if (len != first_len || memcmp(now, first, len) != 0)
                fail_msg("the annotator's GetProject changed after %s of a %s task (lease %d)",
                         step == 0 ? "the lease" : "the submit", gold ? "gold" : "regular",
                         leases[0] + leases[1]);
            free(now);
            if (step == 0)
                it_submit(c, lr->tasks[0]->task_id, gold ? "b" : "a", 5, false);
        }
        labelq__lease_reply__free_unpacked(lr, NULL);
    }
    assert_int_equal(leases[0], 6);
    assert_int_equal(leases[1], 6);
    free(first);
    lq_client_close(c);
    lq_client_close(admin);
    free(token);
}

/* ---- each annotator's own order over the gold pool ------------------- */

typedef struct walker {
    const char *name;
    char *token;
    lq_client *c;
    int order[N_ALL_GOLD]; /* gold item numbers, in the order met */
    int n_gold, n_regular;
    bool seen[N_ALL_GOLD];
} walker;

/* Leases and labels one task for w. Returns false when there was none. */
static bool work_one(walker *w, const char *project)
{
    Labelq__LeaseReply *lr = it_lease(w->c, project, 1, 0);
    bool got = lr->n_tasks == 1;
    if (got) {
        const Labelq__LeasedTask *t = lr->tasks[0];
        if (is_gold(t)) {
            int k = atoi(t->external_id + 5);
            assert_true(k >= 0 && k < N_ALL_GOLD);
            if (w->seen[k])
                fail_msg("%s met gold-%02d twice", w->name, k);
            w->seen[k] = true;
            w->order[w->n_gold++] = k;
        } else {
            w->n_regular++;
        }
        it_submit(w->c, t->task_id, "a", 5, false);
    }
    labelq__lease_reply__free_unpacked(lr, NULL);
    return got;
}

/* w works until it met n gold items in all. */
static void work_until_gold(walker *w, const char *project, int n)
{
    while (w->n_gold < n)
        if (!work_one(w, project))
            fail_msg("%s ran out of work after %d gold items", w->name, w->n_gold);
}

static void print_order(const walker *w)
{
    fprintf(stderr, "%s met gold in the order:", w->name);
    for (int i = 0; i < w->n_gold; i++)
        fprintf(stderr, " %d", w->order[i]);
    fprintf(stderr, "\n");
}

static void own_gold_order(void **state)
{
    (void)state;
    const char *p = "orders";
    lq_client *admin = it_daemon_admin(&D);
    create(admin, p, 2); /* both annotators label every regular task */
    import(admin, p, 0, N_GOLD, 0, N_REGULAR);
    walker w[2] = {{.name = "ann-1"}, {.name = "ann-2"}};
    for (int i = 0; i < 2; i++) {
        w[i].token = it_annotator_add(admin, w[i].name);
        w[i].c = it_daemon_connect(&D, w[i].token);
    }

    /* 8 gold items each, then 5 more come into the pool. */
    for (int i = 0; i < 2; i++)
        work_until_gold(&w[i], p, 8);
    import(admin, p, N_GOLD, N_LATE_GOLD, N_REGULAR, N_LATE_REGULAR);
    for (int i = 0; i < 2; i++)
        work_until_gold(&w[i], p, 13);
    /* The walk in progress is the pool as it was when it began. */
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < w[i].n_gold; k++)
            if (w[i].order[k] >= N_GOLD) {
                print_order(&w[i]);
                fail_msg("%s met late gold before the first pool was through", w[i].name);
            }

    /* A restart forgets the walks; they start over, passing what was
     * labeled. */
    for (int i = 0; i < 2; i++)
        lq_client_close(w[i].c);
    lq_client_close(admin);
    it_daemon_stop_ok(&D);
    it_daemon_restart(&D);
    for (int i = 0; i < 2; i++) {
        w[i].c = it_daemon_connect(&D, w[i].token);
        while (work_one(&w[i], p))
            ;
    }
    for (int i = 0; i < 2; i++) {
        if (w[i].n_gold != N_ALL_GOLD) {
            print_order(&w[i]);
            fail_msg("%s met %d gold items of %d", w[i].name, w[i].n_gold, N_ALL_GOLD);
        }
        assert_int_equal(w[i].n_regular, N_REGULAR + N_LATE_REGULAR);
    }
    /* Their own orders: not the same, and not import order. */
    if (memcmp(w[0].order, w[1].order, sizeof w[0].order) == 0) {
        print_order(&w[0]);
        print_order(&w[1]);
        fail_msg("both annotators met the gold pool in the same order");
    }
    for (int i = 0; i < 2; i++) {
        int in_place = 0;
        for (int k = 0; k < N_ALL_GOLD; k++)
            in_place += w[i].order[k] == k;
        if (in_place == N_ALL_GOLD)
            fail_msg("%s met the gold pool in import order", w[i].name);
    }
    admin = it_daemon_admin(&D);
    Labelq__ProjectInfo *info = it_project_info(admin, p);
    assert_int_equal(info->tasks, N_REGULAR + N_LATE_REGULAR);
    assert_int_equal(info->done, N_REGULAR + N_LATE_REGULAR);
    assert_int_equal(info->gold, N_ALL_GOLD);
    labelq__project_info__free_unpacked(info, NULL);
    for (int i = 0; i < 2; i++) {
        lq_client_close(w[i].c);
        free(w[i].token);
    }
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(annotator_view),
        cmocka_unit_test(nothing_moves),
        cmocka_unit_test(own_gold_order),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
