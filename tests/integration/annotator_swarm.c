/* See annotator_swarm.h. The threads never call cmocka (its assertions are
 * not thread-safe): they record what happened and the test asserts after
 * joining them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotator_swarm.h"

#define IDLE_WAIT_MS 500 /* long-poll when no task is ready */

const char *it_swarm_label(const it_worker *w, uint64_t task_id)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = w->name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h ^= task_id * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return w->labels[h % w->n_labels];
}

bool it_swarm_conn_lost(int rc)
{
    return rc == LQ_EIO || rc == LQ_ECLOSED || rc == LQ_ETLS || rc == LQ_EPROTO ||
           rc == LQ_ETIMEDOUT || rc == LQ_EUNAVAIL;
}

static void fault(it_worker *w, const char *fmt, unsigned long long task_id)
{
    if (w->faults++ == 0)
        snprintf(w->fault_msg, sizeof w->fault_msg, fmt, w->name, task_id);
}

static bool has_ack(const it_worker *w, uint64_t task_id)
{
    for (size_t i = 0; i < w->n_acks; i++)
        if (w->acks[i].task_id == task_id)
            return true;
    return false;
}

static void record_ack(it_worker *w, const Labelq__LeasedTask *t, const char *label)
{
    if (w->n_acks == w->cap_acks) {
        size_t cap = w->cap_acks ? w->cap_acks * 2 : 256;
        it_ack *grown = realloc(w->acks, cap * sizeof *grown);
        if (!grown)
            abort();
        w->acks = grown;
        w->cap_acks = cap;
    }
    it_ack *a = &w->acks[w->n_acks++];
    a->task_id = t->task_id;
    snprintf(a->external_id, sizeof a->external_id, "%s", t->external_id);
    snprintf(a->label, sizeof a->label, "%s", label);
    if (w->progress)
        atomic_fetch_add(w->progress, 1);
}

size_t it_swarm_wait_progress(atomic_size_t *progress, size_t target, long long max_ms)
{
    long long until = it_now_ms() + max_ms;
    size_t seen;
    while ((seen = atomic_load(progress)) < target && it_now_ms() < until)
        it_sleep_ms(2);
    return seen;
}

static void end(it_worker *w, int rc, const char *what, lq_client *c)
{
    w->end_rc = rc;
    snprintf(w->end_msg, sizeof w->end_msg, "%s: %s: %s", what, lq_strerror(rc),
             c ? lq_client_error(c) : "");
}

/* Whether the project reports every task done, asked on a connection of
 * the admin's (an annotator's GetProject has no counts); *rc is the call's
 * code. */
static bool project_done(it_worker *w, int *rc)
{
    lq_client *admin = NULL;
    char err[256] = "";
    lq_client_options o = {.server = w->daemon->server,
                           .ca_file = w->daemon->ca_file,
                           .token = w->daemon->admin_token,
                           .client_name = "labelq-it-swarm",
                           .timeout_ms = IT_CLIENT_TIMEOUT_MS};
    Labelq__ProjectInfo *info = NULL;
    *rc = lq_client_connect(&o, &admin, err, sizeof err);
    if (*rc == 0)
        *rc = lq_project_get(admin, w->project, &info);
    lq_client_close(admin);
    if (*rc != 0)
        return false;
    bool done = info->done == info->tasks;
    labelq__project_info__free_unpacked(info, NULL);
    return done;
}

/* Submits every task of one lease reply. Returns 0 or the code that ended
 * the connection. */
static int submit_all(it_worker *w, lq_client *c, const Labelq__LeaseReply *r)
{
    for (size_t i = 0; i < r->n_tasks; i++) {
        const Labelq__LeasedTask *t = r->tasks[i];
        if (has_ack(w, t->task_id))
            fault(w, "%s was offered task %llu it had already labeled", t->task_id);
        const char *label = it_swarm_label(w, t->task_id);
        bool dup = false;
        int rc = lq_submit(c, t->task_id, label, 100, &dup);
        if (rc == 0) {
            if (dup)
                fault(w, "%s: first submit of task %llu acknowledged as duplicate", t->task_id);
            else
                record_ack(w, t, label);
        } else if (it_swarm_conn_lost(rc)) {
            end(w, rc, "submit", c);
            return rc;
        } else {
            w->rejected++;
        }
    }
    return 0;
}

static void *run(void *arg)
{
    it_worker *w = arg;
    w->end_rc = 0;
    w->end_msg[0] = '\0';
    lq_client *c = NULL;
    char err[256] = "";
    lq_client_options o = {.server = w->daemon->server,
                           .ca_file = w->daemon->ca_file,
                           .token = w->token,
                           .client_name = "labelq-it-swarm",
                           .timeout_ms = IT_CLIENT_TIMEOUT_MS};
    int rc = lq_client_connect(&o, &c, err, sizeof err);
    if (rc != 0) {
        w->end_rc = rc;
        snprintf(w->end_msg, sizeof w->end_msg, "connect: %s: %s", lq_strerror(rc), err);
        return NULL;
    }
    while (!atomic_load(w->stop) && it_now_ms() < w->until_ms) {
        Labelq__LeaseReply *r = NULL;
        rc = lq_lease(c, w->project, IT_SWARM_LEASE_BATCH, w->until_done ? IDLE_WAIT_MS : 0, &r);
        if (rc != 0) {
            end(w, rc, "lease", c);
            break;
        }
        size_t got = r->n_tasks;
        rc = submit_all(w, c, r);
        labelq__lease_reply__free_unpacked(r, NULL);
        if (rc != 0)
            break;
        if (got == 0 && w->until_done) {
            if (project_done(w, &rc))
                break;
            if (rc != 0) {
                end(w, rc, "project get (as the admin)", NULL);
                break;
            }
        }
    }
    lq_client_close(c);
    return NULL;
}

void it_swarm_start(it_worker *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pthread_create(&w[i].thread, NULL, run, &w[i]) != 0)
            abort();
}

void it_swarm_join(it_worker *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
}

void it_swarm_free(it_worker *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(w[i].acks);
        free(w[i].token);
        w[i].acks = NULL;
        w[i].token = NULL;
        w[i].n_acks = w[i].cap_acks = 0;
    }
}

size_t it_swarm_acks(const it_worker *w, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i].n_acks;
    return total;
}

void it_swarm_assert_no_faults(const it_worker *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].faults)
            fail_msg("%zu scheduling fault(s); first: %s", w[i].faults, w[i].fault_msg);
}

size_t it_swarm_check_export(const it_worker *w, size_t n, const it_export *e, unsigned overlap)
{
    for (size_t i = 0; i < e->n; i++) {
        json_t *anns = json_object_get(e->lines[i], "annotations");
        const char *id = json_string_value(json_object_get(e->lines[i], "id"));
        if (json_array_size(anns) != overlap)
            fail_msg("export line %s has %zu annotations, want exactly %u", id,
                     json_array_size(anns), overlap);
        size_t k;
        json_t *a;
        json_array_foreach(anns, k, a)
        {
            /* asserts the annotator appears once on this line */
            it_export_annotation(e->lines[i], json_string_value(json_object_get(a, "annotator")));
        }
    }
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < w[i].n_acks; k++) {
            const it_ack *ack = &w[i].acks[k];
            json_t *line = it_export_find(e, ack->external_id);
            if (!line)
                fail_msg("acknowledged label %s by %s on %s (task %llu) is missing: the "
                         "task is not in the export",
                         ack->label, w[i].name, ack->external_id, (unsigned long long)ack->task_id);
            json_t *a = it_export_annotation(line, w[i].name);
            if (!a)
                fail_msg("acknowledged label %s by %s on %s (task %llu) is missing from "
                         "its annotations",
                         ack->label, w[i].name, ack->external_id, (unsigned long long)ack->task_id);
            const char *got = json_string_value(json_object_get(a, "label"));
            if (strcmp(got, ack->label) != 0)
                fail_msg("%s on %s: exported label %s, acknowledged %s", w[i].name,
                         ack->external_id, got, ack->label);
            checked++;
        }
    }
    return checked;
}

void it_swarm_setup(it_worker *w, size_t n, const it_daemon *d, lq_client *admin,
                    const char *project, const char *const *labels, size_t n_labels,
                    const char *prefix, atomic_bool *stop)
{
    memset(w, 0, n * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        w[i].daemon = d;
        w[i].project = project;
        w[i].labels = labels;
        w[i].n_labels = n_labels;
        w[i].stop = stop;
        snprintf(w[i].name, sizeof w[i].name, "%s-%zu", prefix, i);
        char *token = NULL;
        int rc = lq_annotator_add(admin, w[i].name, LABELQ__ROLE__ANNOTATOR, &token);
        if (rc != 0)
            fail_msg("annotator add %s: %s: %s", w[i].name, lq_strerror(rc),
                     lq_client_error(admin));
        w[i].token = token;
    }
}

void it_swarm_finish(it_worker *w, size_t n, long long budget_ms)
{
    long long until = it_now_ms() + budget_ms;
    for (size_t i = 0; i < n; i++) {
        w[i].until_ms = until;
        w[i].until_done = true;
    }
    atomic_store(w[0].stop, false);
    it_swarm_start(w, n);
    it_swarm_join(w, n);
    for (size_t i = 0; i < n; i++) {
        if (w[i].end_rc != 0)
            fail_msg("%s stopped before the project was done: %s", w[i].name, w[i].end_msg);
        if (w[i].rejected)
            fail_msg("%s had %zu submits refused", w[i].name, w[i].rejected);
    }
    if (it_now_ms() >= until)
        fail_msg("the project was not done within %lld ms", budget_ms);
    it_swarm_assert_no_faults(w, n);
}
