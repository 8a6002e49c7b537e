/* A simulated annotator for labelq-bench; see bench_worker.h. */
#include "bench/sim/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/sim/acklog.h"
#include "bench/sim/answer.h"
#include "bench/kit/clock.h"
#include "schema/label_index.h"

/* An empty lease long-polls this long, so a stop is noticed soon after. */
#define LEASE_WAIT_MS 500
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define NAP_MS 50

/* What to do after a failed call. */
typedef enum next_step { GO_ON, RECONNECT, BACK_OFF, GIVE_UP } next_step;

static bool stopping(const bench_worker *w)
{
    return atomic_load(&w->run->stats.stop);
}

/* Sleeps ms in short naps so that a stop is not kept waiting. */
static void nap(const bench_worker *w, unsigned ms)
{
    int64_t until = bench_now_ms() + ms;
    while (!stopping(w)) {
        int64_t left = until - bench_now_ms();
        if (left <= 0)
            return;
        if (left > NAP_MS)
            left = NAP_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void bench_worker_init(bench_worker *w, bench_run *run, unsigned index, const char *token,
                       lq_client *c)
{
    const bench_config *cfg = run->cfg;
    const char *name = lq_client_annotator(c);
    memset(w, 0, sizeof *w);
    w->run = run;
    w->index = index;
    w->token = token;
    w->c = c;
    snprintf(w->name, sizeof w->name, "%s", name && *name ? name : "?");
    bench_rng_seed(&w->rng, cfg->seed, index);
    w->accuracy =
        cfg->accuracy_lo + (cfg->accuracy_hi - cfg->accuracy_lo) * bench_rng_unit(&w->rng);
}

/* Classifies a failure of call, counts it and says what to do. */
static next_step failed(bench_worker *w, const char *call, int rc)
{
    bench_stats *st = &w->run->stats;
    atomic_fetch_add(&st->errors, 1);
    switch (rc) {
    case LQ_EEXPIRED:
        atomic_fetch_add(&st->expired, 1);
        return GO_ON;
    case LQ_EBADREQ:
    case LQ_ECONFLICT:
    case LQ_EINTERNAL:
        return GO_ON;
    case LQ_EUNAVAIL:
    case LQ_EEXHAUSTED:
        return BACK_OFF;
    case LQ_ENOTFOUND:
        /* For a submit that is the task or its lease gone, not the project. */
        if (strcmp(call, "submit") == 0)
            return GO_ON;
        /* fall through */
    case LQ_EUNAUTH:
    case LQ_EPERM:
        fprintf(stderr, BENCH_PROG ": annotator %s: %s: %s; it stops\n", w->name, call,
                lq_client_error(w->c));
        return GIVE_UP;
    default:
        if (!stopping(w))
            fprintf(stderr, BENCH_PROG ": annotator %s: %s: %s; reconnecting\n", w->name, call,
                    lq_client_error(w->c));
        return RECONNECT;
    }
}

/* Reconnects with doubling backoff until connected or stopped. */
static bool reconnect(bench_worker *w)
{
    unsigned delay = BACKOFF_MIN_MS;
    lq_client_options o = w->run->cfg->conn;
    o.token = w->token;
    char err[512];
    lq_client_close(w->c);
    w->c = NULL;
    while (!stopping(w)) {
        nap(w, delay);
        if (stopping(w))
            break;
        if (lq_client_connect(&o, &w->c, err, sizeof err) == 0)
            return true;
        atomic_fetch_add(&w->run->stats.errors, 1);
        delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
    }
    return false;
}

static bool is_label(const bench_run *run, const char *value)
{
    return lq_label_index(run->labels, run->n_labels, value) >= 0;
}

/* A uniformly random label other than truth (truth itself when it is the
 * only label). */
static const char *wrong_label(bench_worker *w, const char *truth)
{
    const bench_run *run = w->run;
    size_t k = bench_rng_below(&w->rng, run->n_labels - 1 ? run->n_labels - 1 : 1);
    int t = lq_label_index(run->labels, run->n_labels, truth);
    if (t >= 0 && k >= (size_t)t)
        k++; /* the k-th label other than truth */
    return k < run->n_labels ? run->labels[k] : truth;
}

/* This annotator's answer for the item; *truth is its true label, or NULL
 * when there is none to judge by (no truth for the item, or a true label
 * the project does not have, which no answer could match). */
static const char *answer(bench_worker *w, const char *external_id, const char **truth)
{
    const bench_run *run = w->run;
    *truth = bench_truth_get(run->truth, external_id);
    if (*truth && !is_label(run, *truth))
        *truth = NULL;
    if (!*truth)
        return run->labels[bench_rng_below(&w->rng, run->n_labels)];
    if (bench_rng_unit(&w->rng) < w->accuracy)
        return *truth;
    return wrong_label(w, *truth);
}

/* Counts an acknowledged label; judged and correct say how it compares
 * with the truth. */
static void acknowledged(bench_worker *w, const Labelq__LeasedTask *t, const char *label,
                         bool judged, bool correct)
{
    bench_stats *st = &w->run->stats;
    atomic_fetch_add(&st->labels, 1);
    w->labels++;
    if (judged) {
        atomic_fetch_add(&st->judged, 1);
        w->judged++;
        if (correct) {
            atomic_fetch_add(&st->correct, 1);
            w->correct++;
        }
    }
    if (bench_acklog_write(w->run->ack_fd, t->task_id, t->external_id, w->name, label) < 0) {
        atomic_fetch_add(&st->errors, 1);
        fprintf(stderr, BENCH_PROG ": writing the ack log failed; stopping the run\n");
        atomic_store(&st->stop, true);
    }
}

/* This annotator's answer for task t: a single choice by answer(), other
 * types by bench_answer_typed. label points into *owned or the schema. */
static int choose(bench_worker *w, const Labelq__LeasedTask *t, char **owned, const char **label,
                  bool *judged, bool *correct)
{
    const bench_run *run = w->run;
    *owned = NULL;
    if (!run->config || run->config->type == LABELQ__LABEL_TYPE__SINGLE) {
        const char *truth;
        *label = answer(w, t->external_id, &truth);
        *judged = truth != NULL;
        *correct = truth && strcmp(*label, truth) == 0;
        return 0;
    }
    bench_answer a;
    int rc = bench_answer_typed(run->config, bench_truth_get(run->truth, t->external_id),
                                t->data_json, w->accuracy, &w->rng, &a);
    if (rc < 0)
        return rc;
    *owned = a.label;
    *label = a.label;
    *judged = a.judged;
    *correct = a.correct;
    return 0;
}

/* Labels one leased task. *start is when the annotator turned to it (the
 * lease, or the end of the previous item of the batch); duration_ms is the
 * real time since then, which includes the --think-ms pause. */
static next_step label_task(bench_worker *w, const Labelq__LeasedTask *t, int64_t *start)
{
    const char *label;
    char *owned;
    bool judged, correct, duplicate = false;
    int rc = choose(w, t, &owned, &label, &judged, &correct);
    if (rc < 0) {
        atomic_fetch_add(&w->run->stats.errors, 1);
        return BACK_OFF; /* out of memory: try again a little later */
    }
    if (w->run->cfg->think_ms)
        nap(w, w->run->cfg->think_ms);
    int64_t spent = bench_now_ms() - *start;
    rc = lq_submit(w->c, t->task_id, label, spent > UINT32_MAX ? UINT32_MAX : (uint32_t)spent,
                   &duplicate);
    *start = bench_now_ms();
    if (rc == 0)
        acknowledged(w, t, label, judged, correct);
    free(owned);
    return rc < 0 ? failed(w, "submit", rc) : GO_ON;
}

/* Gives back leases [from, n) when stopping mid-batch, so that other
 * annotators (or the next run) need not wait for them to expire. */
static void release_rest(bench_worker *w, const Labelq__LeaseReply *r, size_t from)
{
    for (size_t i = from; i < r->n_tasks; i++) {
        int rc = lq_release(w->c, r->tasks[i]->task_id);
        if (rc < 0 && rc != LQ_EEXPIRED && rc != LQ_ENOTFOUND) {
            atomic_fetch_add(&w->run->stats.errors, 1);
            return;
        }
    }
}

/* One lease and its tasks. */
static next_step one_batch(bench_worker *w)
{
    const bench_config *cfg = w->run->cfg;
    Labelq__LeaseReply *r = NULL;
    next_step step = GO_ON;
    int rc = lq_lease(w->c, cfg->project, cfg->lease_batch, LEASE_WAIT_MS, &r);
    if (rc < 0)
        return failed(w, "lease", rc);
    int64_t start = bench_now_ms();
    size_t i;
    for (i = 0; i < r->n_tasks && step != RECONNECT && step != GIVE_UP; i++) {
        if (stopping(w))
            break;
        step = label_task(w, r->tasks[i], &start);
        if (step == BACK_OFF)
            nap(w, BACKOFF_MIN_MS);
    }
    if (step != RECONNECT && i < r->n_tasks)
        release_rest(w, r, i);
    labelq__lease_reply__free_unpacked(r, NULL);
    return step;
}

void *bench_worker_main(void *arg)
{
    bench_worker *w = arg;
    unsigned backoff = BACKOFF_MIN_MS;
    while (!stopping(w)) {
        next_step step = one_batch(w);
        if (step == GIVE_UP)
            break;
        if (step == RECONNECT && !reconnect(w))
            break;
        if (step == BACK_OFF) {
            nap(w, backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        } else {
            backoff = BACKOFF_MIN_MS;
        }
    }
    lq_client_close(w->c);
    w->c = NULL;
    atomic_fetch_sub(&w->run->stats.alive, 1);
    return NULL;
}
