/* The quality report and the filtered export, as an admin sees them: with
 * four careful annotators and two who answer at random, the report must
 * tell them apart (Dawid-Skene accuracy), count everyone's labels, and bin
 * every done item by confidence; an export with a minimum confidence keeps
 * only items at or above it; gold-pool items are exported on request with
 * method "gold"; annotators may not ask for a report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_harness.h"
#include "export_check.h"
#include "project_fixture.h"

#define N_ITEMS 300
#define OVERLAP 3
#define N_GOOD 4
#define N_RANDOM 2
#define N_WORKERS (N_GOOD + N_RANDOM)
/* Careful, not perfect: with perfect annotators every consensus would be
 * certain and a confidence filter would have nothing to leave out. */
#define GOOD_ACCURACY 0.85
#define LEASE_BATCH 4
#define MIN_CONFIDENCE 0.99

static it_daemon D;
static const char *const LABELS[] = {"a", "b", "c"};
#define N_LABELS (sizeof LABELS / sizeof LABELS[0])
static const char *P = "quality";

typedef struct worker {
    char name[32];
    char *token;
    lq_client *c;
    bool good;
    uint64_t state; /* xorshift64: fixed seed, so every run labels alike */
    uint64_t labels;
} worker;

static uint64_t next_random(worker *w)
{
    w->state ^= w->state << 13;
    w->state ^= w->state >> 7;
    w->state ^= w->state << 17;
    return w->state;
}

static double unit_random(worker *w)
{
    return (double)(next_random(w) >> 11) / 9007199254740992.0; /* 2^53 */
}

/* The truth follows from the item's index in its id "quality-NNNNN". */
static size_t truth_of(const char *external_id)
{
    const char *dash = strrchr(external_id, '-');
    assert_non_null(dash);
    return (size_t)strtoul(dash + 1, NULL, 10) % N_LABELS;
}

static const char *answer(worker *w, const char *external_id)
{
    size_t truth = truth_of(external_id);
    if (!w->good)
        return LABELS[next_random(w) % N_LABELS];
    if (unit_random(w) < GOOD_ACCURACY)
        return LABELS[truth];
    return LABELS[(truth + 1 + next_random(w) % (N_LABELS - 1)) % N_LABELS];
}

/* One lease for w, every task answered. Returns the number of tasks. */
static size_t work_batch(worker *w)
{
    Labelq__LeaseReply *r = it_lease(w->c, P, LEASE_BATCH, 0);
    size_t n = r->n_tasks;
    for (size_t i = 0; i < n; i++) {
        it_submit(w->c, r->tasks[i]->task_id, answer(w, r->tasks[i]->external_id), 10, false);
        w->labels++;
    }
    labelq__lease_reply__free_unpacked(r, NULL);
    return n;
}

static void start_workers(lq_client *admin, worker *ws)
{
    for (int i = 0; i < N_WORKERS; i++) {
        worker *w = &ws[i];
        w->good = i < N_GOOD;
        snprintf(w->name, sizeof w->name, "%s%d", w->good ? "good" : "random", i);
        w->token = it_annotator_add(admin, w->name);
        w->c = it_daemon_connect(&D, w->token);
        w->state = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
    }
}

/* Rounds in a shuffled order until no one gets any more work. A fixed
 * order would hand each batch to the same three annotators, splitting the
 * project into items seen only by careful annotators and items where two
 * random ones outvote one careful one: no estimator could tell who is who
 * there. */
static void label_everything(worker *ws)
{
    worker order_rng = {.state = 0x2545f4914f6cdd1dull};
    int order[N_WORKERS];
    size_t got;
    for (int i = 0; i < N_WORKERS; i++)
        order[i] = i;
    do {
        got = 0;
        for (int i = N_WORKERS - 1; i > 0; i--) {
            int j = (int)(next_random(&order_rng) % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < N_WORKERS; i++)
            got += work_batch(&ws[order[i]]);
    } while (got > 0);
}

static void stop_workers(worker *ws)
{
    for (int i = 0; i < N_WORKERS; i++) {
        lq_client_close(ws[i].c);
        free(ws[i].token);
    }
}

static const Labelq__AnnotatorReport *find_annotator(const Labelq__ReportReply *r, const char *name)
{
    for (size_t i = 0; i < r->n_annotators; i++)
        if (strcmp(r->annotators[i]->name, name) == 0)
            return r->annotators[i];
    fail_msg("the report has no row for annotator %s", name);
    return NULL;
}

static void check_report(lq_client *admin, const worker *ws)
{
    Labelq__ReportReply *r = NULL;
    it_assert_code(admin, lq_report(admin, P, &r), 0);
    assert_non_null(r);
    assert_string_equal(r->project, P);
    assert_int_equal(r->tasks, N_ITEMS);
    assert_int_equal(r->done, N_ITEMS);
    assert_int_equal(r->labels, N_ITEMS * OVERLAP);
    assert_string_equal(r->method, "dawid-skene");
    assert_true(r->iterations > 0);
    assert_true(r->has_alpha);
    if (!(r->alpha >= -1.0 && r->alpha <= 1.0))
        fail_msg("Krippendorff's alpha %g outside [-1, 1]", r->alpha);
    assert_int_equal(r->n_class_priors, N_LABELS);

    assert_int_equal(r->n_annotators, N_WORKERS);
    double worst_good = 1.0, best_random = 0.0;
    for (int i = 0; i < N_WORKERS; i++) {
        const Labelq__AnnotatorReport *a = find_annotator(r, ws[i].name);
        if (a->labels != ws[i].labels)
            fail_msg("%s: report counts %llu labels, the annotator submitted %llu", ws[i].name,
                     (unsigned long long)a->labels, (unsigned long long)ws[i].labels);
        assert_true(a->has_ds_accuracy);
        assert_true(a->has_consensus_agreement);
        assert_false(a->blocked);
        if (ws[i].good && a->ds_accuracy < worst_good)
            worst_good = a->ds_accuracy;
        if (!ws[i].good && a->ds_accuracy > best_random)
            best_random = a->ds_accuracy;
    }
    if (!(worst_good > best_random)) {
        for (size_t i = 0; i < r->n_annotators; i++)
            print_error("%s: labels %llu ds_accuracy %g consensus_agreement %g\n",
                        r->annotators[i]->name, (unsigned long long)r->annotators[i]->labels,
                        r->annotators[i]->ds_accuracy, r->annotators[i]->consensus_agreement);
        fail_msg("Dawid-Skene cannot tell them apart: worst careful annotator %g, best random %g",
                 worst_good, best_random);
    }

    assert_int_equal(r->n_confidence_bins, 10);
    uint64_t binned = 0;
    for (size_t i = 0; i < r->n_confidence_bins; i++)
        binned += r->confidence_bins[i];
    assert_int_equal(binned, r->done);
    labelq__report_reply__free_unpacked(r, NULL);
}

static void check_filtered_export(lq_client *admin)
{
    it_export all, confident;
    lq_export_options o = {.min_confidence = MIN_CONFIDENCE};
    it_export_fetch(admin, P, &all);
    assert_int_equal(all.n, N_ITEMS);
    for (size_t i = 0; i < all.n; i++)
        it_export_check_consensus(all.lines[i], LABELS, N_LABELS);
    it_export_fetch_with(admin, P, &o, &confident);
    if (!(confident.n < all.n))
        fail_msg("--min-confidence %g kept %zu of %zu items: nothing was left out", MIN_CONFIDENCE,
                 confident.n, all.n);
    for (size_t i = 0; i < confident.n; i++) {
        double conf = json_number_value(json_object_get(confident.lines[i], "confidence"));
        if (conf < MIN_CONFIDENCE)
            fail_msg("export with min_confidence %g kept %s with confidence %g", MIN_CONFIDENCE,
                     json_string_value(json_object_get(confident.lines[i], "id")), conf);
    }
    it_export_free(&confident);
    it_export_free(&all);
}

static void report_tells_annotators_apart(void **state)
{
    (void)state;
    worker ws[N_WORKERS];
    memset(ws, 0, sizeof ws);
    lq_client *admin = it_daemon_admin(&D);
    it_project_create(admin, P, LABELS, N_LABELS, OVERLAP, 0);
    it_import_items(admin, P, P, N_ITEMS);
    start_workers(admin, ws);
    label_everything(ws);
    Labelq__ProjectInfo *info = it_project_info(admin, P);
    it_assert_status(info, N_ITEMS, N_ITEMS, N_ITEMS * OVERLAP, 0, 0);
    labelq__project_info__free_unpacked(info, NULL);

    check_report(admin, ws);
    check_filtered_export(admin);

    /* Reports are for admins; the annotator's connection stays usable. */
    Labelq__ReportReply *r = NULL;
    it_assert_code(ws[0].c, lq_report(ws[0].c, P, &r), LQ_EPERM);
    assert_null(r);
    info = it_project_info(ws[0].c, P);
    labelq__project_info__free_unpacked(info, NULL);

    it_assert_code(admin, lq_report(admin, "no-such-project", &r), LQ_ENOTFOUND);
    stop_workers(ws);
    lq_client_close(admin);
}

static void export_rejects_bad_min_confidence(void **state)
{
    (void)state;
    lq_client *admin = it_daemon_admin(&D);
    lq_export_options o = {.min_confidence = 1.5};
    uint64_t items = 1;
    it_assert_code(admin, lq_export_with(admin, P, &o, NULL, NULL, &items), LQ_EBADREQ);
    assert_int_equal(items, 0);
    lq_client_close(admin);
}

#define N_GOLD 5
#define N_PLAIN 20

static void include_gold_exports_the_pool(void **state)
{
    (void)state;
    static const char *G = "goldpool";
    lq_client *admin = it_daemon_admin(&D);
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)G;
    cfg.labels = (char **)LABELS;
    cfg.n_labels = N_LABELS;
    cfg.overlap = 1;
    cfg.gold_ratio = 0.2;
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(admin, lq_project_create(admin, &cfg, &info), 0);
    labelq__project_info__free_unpacked(info, NULL);

    char buf[N_GOLD + N_PLAIN][128];
    const char *lines[N_GOLD + N_PLAIN];
    for (int i = 0; i < N_GOLD + N_PLAIN; i++) {
        if (i < N_GOLD)
            snprintf(buf[i], sizeof buf[i], "{\"id\":\"gold-%d\",\"data\":{},\"gold\":\"b\"}", i);
        else
            snprintf(buf[i], sizeof buf[i], "{\"id\":\"item-%d\",\"data\":{}}", i);
        lines[i] = buf[i];
    }
    Labelq__ImportReply *ir = it_import_lines(admin, G, lines, N_GOLD + N_PLAIN, 1);
    assert_int_equal(ir->imported, N_GOLD + N_PLAIN);
    labelq__import_reply__free_unpacked(ir, NULL);

    /* One annotator labels everything it is served, gold included. */
    char *token = it_annotator_add(admin, "solo");
    lq_client *solo = it_daemon_connect(&D, token);
    for (;;) {
        Labelq__LeaseReply *r = it_lease(solo, G, LEASE_BATCH, 0);
        size_t n = r->n_tasks;
        for (size_t i = 0; i < n; i++)
            it_submit(solo, r->tasks[i]->task_id, "a", 10, false);
        labelq__lease_reply__free_unpacked(r, NULL);
        if (n == 0)
            break;
    }

    it_export plain, with_gold;
    lq_export_options o = {.include_gold = true};
    it_export_fetch(admin, G, &plain);
    it_export_fetch_with(admin, G, &o, &with_gold);
    assert_int_equal(plain.n, N_PLAIN);
    assert_int_equal(with_gold.n, N_PLAIN + N_GOLD);
    size_t gold_lines = 0;
    for (size_t i = 0; i < with_gold.n; i++) {
        const json_t *l = with_gold.lines[i];
        const char *id = json_string_value(json_object_get(l, "id"));
        const char *method = json_string_value(json_object_get(l, "method"));
        bool gold = strncmp(id, "gold-", 5) == 0;
        if (gold != (strcmp(method, "gold") == 0))
            fail_msg("include_gold export: %s has method %s", id, method);
        if (gold) {
            gold_lines++;
            assert_string_equal(json_string_value(json_object_get(l, "label")), "b");
        }
    }
    assert_int_equal(gold_lines, N_GOLD);
    for (size_t i = 0; i < plain.n; i++)
        assert_string_not_equal(json_string_value(json_object_get(plain.lines[i], "method")),
                                "gold");
    it_export_free(&with_gold);
    it_export_free(&plain);
    lq_client_close(solo);
    free(token);
    lq_client_close(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_tells_annotators_apart),
        cmocka_unit_test(export_rejects_bad_min_confidence),
        cmocka_unit_test(include_gold_exports_the_pool),
        cmocka_unit_test(it_test_daemon_stops_cleanly),
    };
    return IT_RUN_WITH_DAEMON(&D, tests);
}
