#include "daemon/server/recovery.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon/ops/annotator_ops.h"
#include "daemon/sched/settle.h"
#include "daemon/core/log.h"

#include "proto/error.h"


static int load_project(void *ctx, const Labelq__ProjectRecord *rec)
{
    lq_server *srv = ctx;
    lq_project *p = lq_project_new(rec);
    if (!p || lq_server_add_project(srv, p) < 0) {
        lq_project_free(p);
        return LQ_ENOMEM;
    }
    return 0;
}

static int load_annotator(void *ctx, const Labelq__AnnotatorRecord *rec)
{
    lq_server *srv = ctx;
    lq_annotator *a = lq_annotator_new(rec);
    if (!a || lq_server_add_annotator(srv, a) < 0) {
        lq_annotator_free(a);
        return LQ_ENOMEM;
    }
    return 0;
}

static int load_batch(void *ctx, const Labelq__BatchRecord *rec)
{
    lq_server *srv = ctx;
    lq_project *p = lq_server_project_by_id(srv, rec->project_id);
    if (!p) {
        lq_log(LQ_LOG_WARN, "batch of an unknown project ignored", "batch=%s project=%u",
               rec->name, rec->project_id);
        return 0;
    }
    return lq_batch_add(p, rec) ? 0 : LQ_ENOMEM;
}

/* The batch a stored task names. A task whose batch has no record (stored
 * before batches existed: id 0, or one whose record was lost) gets a batch
 * made up for it, stored with the next change to it. */
static lq_batch *task_batch(lq_project *p, uint32_t id)
{
    lq_batch *b = lq_batch_by_id(p, id);
    if (b)
        return b;
    char name[32];
    Labelq__BatchRecord rec = LABELQ__BATCH_RECORD__INIT;
    snprintf(name, sizeof(name), id == 0 ? LQ_DEFAULT_BATCH : "batch-%u", id);
    rec.id = id;
    rec.project_id = p->id;
    rec.name = name;
    rec.created_ms = p->created_ms;
    if (lq_batch_find(p, name)) {
        snprintf(name, sizeof(name), "batch-%u-restored", id);
    }
    if (id == 0) /* a store from before batches: expected, not a fault */
        lq_log(LQ_LOG_INFO, "tasks from before batches are in batch default", "project=%s",
               p->config->name);
    else
        lq_log(LQ_LOG_WARN, "tasks of a batch without a record: named it", "project=%s batch=%s",
               p->config->name, name);
    return lq_batch_add(p, &rec);
}

static int load_task(void *ctx, const Labelq__TaskRecord *rec)
{
    lq_server *srv = ctx;
    lq_project *p = lq_server_project_by_id(srv, rec->project_id);
    if (!p) {
        lq_log(LQ_LOG_WARN, "task of an unknown project ignored", "task=%lu project=%u",
               (unsigned long)rec->id, rec->project_id);
        return 0;
    }
    lq_batch *b = task_batch(p, rec->batch_id);
    lq_task *t = b ? lq_task_table_add(&srv->tasks, rec->id) : NULL;
    if (!t)
        return LQ_ENOMEM;
    t->priority = rec->priority;
    int k = rec->gold[0] ? lq_project_label_index(p, rec->gold) : -1;
    t->gold = (uint16_t)(k + 1);
    return lq_project_adopt(b, t);
}

static int load_label(void *ctx, const Labelq__LabelRecord *rec)
{
    lq_server *srv = ctx;
    lq_task *t = lq_task_table_get(&srv->tasks, rec->task_id);
    if (!t)
        return 0;
    lq_seen *s = lq_task_mark_seen(t, rec->annotator_id);
    if (!s)
        return LQ_ENOMEM;
    s->labeled = true;
    t->labels++;
    lq_annotator *a = lq_server_annotator(srv, rec->annotator_id);
    if (a)
        a->labels++;
    lq_project *p = t->batch->project;
    lq_standing *st = lq_standing_get(&srv->standings, p->id, rec->annotator_id);
    if (!st)
        return LQ_ENOMEM;
    if (lq_task_pooled(t)) {
        st->gold_served++;
    } else {
        st->served++;
        p->labels++;
        t->batch->labels++;
    }
    if (t->gold) {
        st->gold_seen++;
        st->gold_correct += lq_project_label_index(p, rec->value) + 1 == t->gold;
    }
    return 0;
}

/* Judges each standing from the counts load_label rebuilt. Their walks
 * over the gold pools start at the beginning again: gold an annotator
 * labeled is passed over when the walk comes to it (sched/lease.c). */
static void judge_standings(lq_server *srv)
{
    for (size_t i = 0; i < srv->standings.cap; i++) {
        lq_standing *st = &srv->standings.v[i];
        lq_project *p = st->project ? lq_server_project_by_id(srv, st->project) : NULL;
        if (p)
            lq_standing_judge(st, p->config);
    }
}

int lq_recover(lq_server *srv)
{
    lq_txn *txn;
    int rc = lq_store_read_begin(srv->store, &txn);
    if (rc < 0)
        return rc;
    uint32_t max_project, max_annotator;
    uint64_t max_task;
    if ((rc = lq_store_max_ids(txn, &max_project, &max_annotator, &max_task)) ||
        (rc = lq_store_each_project(txn, load_project, srv)) ||
        (rc = lq_store_each_annotator(txn, load_annotator, srv)) ||
        (rc = lq_store_each_batch(txn, load_batch, srv)) ||
        (rc = lq_store_each_task_all(txn, load_task, srv)) ||
        (rc = lq_store_each_label(txn, load_label, srv)))
        goto out;
    judge_standings(srv);
    srv->next_project_id = max_project + 1;
    srv->next_annotator_id = max_annotator + 1;
    srv->next_task_id = max_task + 1;
    uint64_t queued = 0;
    for (uint64_t id = 1; id <= max_task; id++) {
        lq_task *t = lq_task_table_get(&srv->tasks, id);
        if (!t)
            continue;
        if ((rc = lq_consensus_settle(txn, t)) < 0)
            goto out;
        lq_task_account(t, false, false); /* no lease survives a restart */
        if (!lq_task_done(t)) {
            if ((rc = lq_batch_requeue(t)) < 0)
                goto out;
            queued++;
        }
    }
    lq_log(LQ_LOG_INFO, "state loaded", "projects=%u annotators=%u tasks=%lu queued=%lu",
           max_project, max_annotator, (unsigned long)srv->tasks.count, (unsigned long)queued);
out:
    lq_store_read_end(txn);
    if (rc < 0)
        lq_log(LQ_LOG_ERROR, "cannot load state from the store", "error=%s", lq_strerror(rc));
    return rc;
}

static int read_token(const char *path, char token[LQ_TOKEN_HEX + 1])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? LQ_ENOTFOUND : LQ_EIO;
    char line[256];
    bool ok = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, " \t\r\n")] = '\0';
    if (!ok || strlen(line) < 32 || strlen(line) > LQ_TOKEN_HEX)
        return LQ_EBADREQ;
    strcpy(token, line);
    return 0;
}

static int write_token(const char *path, const char *token)
{
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return LQ_EIO;
    size_t n = strlen(token);
    bool ok = write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return LQ_EIO;
    }
    return 0;
}

int lq_bootstrap_admin(lq_server *srv)
{
    char path[4200], token[LQ_TOKEN_HEX + 1];
    snprintf(path, sizeof(path), "%s/admin.token", srv->cfg->data_dir);
    int rc = read_token(path, token);
    bool fresh = rc == LQ_ENOTFOUND;
    if (fresh)
        rc = lq_token_new(token);
    if (rc < 0) {
        lq_log(LQ_LOG_ERROR, "cannot read the admin token (delete it to make a new one)",
               "path=%s", path);
        return rc;
    }
    uint8_t hash[32];
    lq_token_hash(token, hash);
    lq_annotator *a = lq_server_annotator_by_name(srv, LQ_ADMIN_NAME);
    /* Blocked by a labelqd from before admin could not be blocked. */
    bool was_blocked = a && a->blocked;
    if (!a || a->role != LABELQ__ROLE__ADMIN || a->blocked ||
        CRYPTO_memcmp(a->token_sha256, hash, 32) != 0) {
        if (!a) {
            Labelq__AnnotatorRecord rec = LABELQ__ANNOTATOR_RECORD__INIT;
            rec.id = srv->next_annotator_id++;
            rec.name = LQ_ADMIN_NAME;
            rec.created_ms = lq_now_ms();
            a = lq_annotator_new(&rec);
            if (!a || lq_server_add_annotator(srv, a) < 0) {
                lq_annotator_free(a);
                return LQ_ENOMEM;
            }
        }
        a->role = LABELQ__ROLE__ADMIN;
        a->blocked = false;
        memcpy(a->token_sha256, hash, 32);
        /* Stored before the file is written: a token on disk always works. */
        if ((rc = lq_annotator_ops_store_sync(srv, a)) < 0) {
            lq_log(LQ_LOG_ERROR, "cannot store the admin account", "error=%s",
                   lq_strerror(rc));
            return rc;
        }
        if (was_blocked)
            lq_log(LQ_LOG_WARN, "the bootstrap admin was blocked: unblocked it", "annotator=%s",
                   LQ_ADMIN_NAME);
    }
    if (fresh && (rc = write_token(path, token)) < 0) {
        lq_log(LQ_LOG_ERROR, "cannot write the admin token", "path=%s", path);
        return rc;
    }
    OPENSSL_cleanse(token, sizeof(token));
    if (fresh)
        lq_log(LQ_LOG_INFO, "created admin token", "path=%s", path);
    return 0;
}
