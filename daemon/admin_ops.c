#include "daemon/admin_ops.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon/log.h"
#include "proto/error.h"

/* One stored record (a project or an annotator) and the reply to send once
 * it is durable. */
typedef struct record_op {
    lq_write_op op;
    lq_conn *conn;          /* NULL at start-up */
    uint64_t req_id;
    lq_project *project;
    lq_annotator *annotator;
    bool blocked;           /* the annotator's new block state */
    char token[LQ_TOKEN_HEX + 1];
    bool finished;
    int status;
} record_op;

static int record_apply(lq_write_op *op, lq_txn *txn)
{
    record_op *r = (record_op *)op;
    if (r->project) {
        Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
        rec.id = r->project->id;
        rec.config = r->project->config;
        rec.created_ms = r->project->created_ms;
        return lq_store_put_project(txn, &rec);
    }
    Labelq__AnnotatorRecord rec;
    lq_annotator_record(r->annotator, &rec);
    rec.blocked = r->blocked;
    return lq_store_put_annotator(txn, &rec);
}

static record_op *record_op_new(lq_conn *c, uint64_t id, void (*done)(lq_write_op *, int))
{
    record_op *r = calloc(1, sizeof(*r));
    if (!r) {
        if (c)
            lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return NULL;
    }
    r->op.apply = record_apply;
    r->op.done = done;
    r->conn = c;
    r->req_id = id;
    if (c)
        lq_conn_ref(c);
    return r;
}

static void record_op_free(record_op *r)
{
    if (r->conn)
        lq_conn_unref(r->conn);
    OPENSSL_cleanse(r->token, sizeof(r->token));
    free(r);
}

/* Replies with p's ProjectInfo; its active annotators are counted now, over
 * every lease (lq_project_active). */
static void send_project_info(lq_conn *c, uint64_t id, const lq_project *p)
{
    Labelq__ProjectInfo info;
    uint32_t active;
    if (lq_project_active(&c->srv->leases, p, &active) < 0) {
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    lq_project_info(p, active, &info);
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
}

static void project_created(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    lq_project *p = r->project;
    lq_server *srv = r->conn->srv;
    if (status == 0) {
        p->pending = false;
        lq_log(LQ_LOG_INFO, "project created", "project=%s overlap=%u labels=%zu",
               p->config->name, p->overlap, p->config->n_labels);
        Labelq__ProjectInfo info;
        lq_project_info(p, 0, &info); /* new: nobody can hold a lease in it yet */
        lq_conn_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
    } else {
        srv->projects[p->id] = NULL;
        lq_conn_send_error(r->conn, r->req_id, status, "project not created: %s",
                           lq_strerror(status));
        lq_project_free(p);
    }
    record_op_free(r);
}

void lq_admin_create_project(lq_conn *c, uint64_t id, const Labelq__CreateProject *req)
{
    lq_server *srv = c->srv;
    char err[256];
    if (!req->config) {
        lq_conn_send_error(c, id, LQ_EBADREQ, "CreateProject needs a config");
        return;
    }
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.config = req->config;
    rec.id = srv->next_project_id;
    rec.created_ms = lq_now_ms();
    lq_project *p = lq_project_new(&rec);
    if (!p) {
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    int rc = lq_project_config_check(p->config, err, sizeof(err));
    if (rc == 0 && lq_server_name_taken(srv, p->config->name)) {
        snprintf(err, sizeof(err), "a project named '%s' already exists", p->config->name);
        rc = LQ_ECONFLICT;
    }
    record_op *r = rc == 0 ? record_op_new(c, id, project_created) : NULL;
    if (rc == 0 && (!r || lq_server_add_project(srv, p) < 0)) {
        rc = LQ_EEXHAUSTED;
        snprintf(err, sizeof(err), "out of memory");
    }
    if (rc < 0) {
        lq_conn_send_error(c, id, rc, "%s", err);
        lq_project_free(p);
        if (r)
            record_op_free(r);
        return;
    }
    p->overlap = p->config->overlap;
    p->pending = true; /* reserved: invisible until durable */
    srv->next_project_id++;
    r->project = p;
    lq_writer_submit(srv->writer, &r->op);
}

/* Every visible project's ProjectInfo. The active annotators of all of them
 * come from one pass over the leases (lq_project_count_active), so a request
 * costs O(L log L + P) for L leases and P projects. */
void lq_admin_list_projects(lq_conn *c, uint64_t id)
{
    lq_server *srv = c->srv;
    size_t n = 0;
    Labelq__ProjectInfo *infos = calloc(srv->n_projects + 1, sizeof(*infos));
    Labelq__ProjectInfo **ptrs = calloc(srv->n_projects + 1, sizeof(*ptrs));
    uint32_t *active = calloc(srv->n_projects + 1, sizeof(*active));
    if (!infos || !ptrs || !active ||
        lq_project_count_active(&srv->leases, active, srv->n_projects) < 0) {
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < srv->n_projects; i++) {
        lq_project *p = srv->projects[i];
        if (!p || p->pending)
            continue;
        lq_project_info(p, active[i], &infos[n]);
        ptrs[n] = &infos[n];
        n++;
    }
    Labelq__ListProjectsReply reply = LABELQ__LIST_PROJECTS_REPLY__INIT;
    reply.n_projects = n;
    reply.projects = ptrs;
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY, &reply);
out:
    free(infos);
    free(ptrs);
    free(active);
}

void lq_admin_get_project(lq_conn *c, uint64_t id, const Labelq__GetProject *req)
{
    lq_project *p = lq_server_project(c->srv, req->project);
    if (!p) {
        lq_conn_send_error(c, id, LQ_ENOTFOUND, "no project named '%s'", req->project);
        return;
    }
    send_project_info(c, id, p);
}

static void annotator_added(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    lq_annotator *a = r->annotator;
    if (status == 0) {
        a->pending = false;
        lq_log(LQ_LOG_INFO, "annotator added", "annotator=%s role=%s", a->name,
               a->role == LABELQ__ROLE__ADMIN ? "admin" : "annotator");
        Labelq__AddAnnotatorReply reply = LABELQ__ADD_ANNOTATOR_REPLY__INIT;
        reply.name = a->name;
        reply.token = r->token;
        lq_conn_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR_REPLY, &reply);
    } else {
        r->conn->srv->annotators[a->id] = NULL;
        lq_conn_send_error(r->conn, r->req_id, status, "annotator not added: %s",
                           lq_strerror(status));
        lq_annotator_free(a);
    }
    record_op_free(r);
}

void lq_admin_add_annotator(lq_conn *c, uint64_t id, const Labelq__AddAnnotator *req)
{
    lq_server *srv = c->srv;
    if (!lq_valid_name(req->name)) {
        lq_conn_send_error(c, id, LQ_EBADREQ,
                           "annotator name must be 1-%d characters of letters, digits, '_', "
                           "'.', '-' or '@'",
                           LQ_MAX_NAME_LEN);
        return;
    }
    if (lq_server_annotator_by_name(srv, req->name)) {
        lq_conn_send_error(c, id, LQ_ECONFLICT, "an annotator named '%s' already exists",
                           req->name);
        return;
    }
    record_op *r = record_op_new(c, id, annotator_added);
    if (!r)
        return;
    Labelq__AnnotatorRecord rec = LABELQ__ANNOTATOR_RECORD__INIT;
    rec.id = srv->next_annotator_id;
    rec.name = req->name;
    rec.role = req->role == LABELQ__ROLE__ADMIN ? LABELQ__ROLE__ADMIN : LABELQ__ROLE__ANNOTATOR;
    rec.created_ms = lq_now_ms();
    lq_annotator *a = lq_token_new(r->token) == 0 ? lq_annotator_new(&rec) : NULL;
    if (!a || lq_server_add_annotator(srv, a) < 0) {
        lq_annotator_free(a);
        lq_conn_send_error(c, id, LQ_EINTERNAL, "cannot create a token");
        record_op_free(r);
        return;
    }
    lq_token_hash(r->token, a->token_sha256);
    a->pending = true;
    srv->next_annotator_id++;
    r->annotator = a;
    lq_writer_submit(srv->writer, &r->op);
}

void lq_admin_list_annotators(lq_conn *c, uint64_t id)
{
    lq_server *srv = c->srv;
    size_t n = 0;
    Labelq__AnnotatorInfo *infos = calloc(srv->n_annotators + 1, sizeof(*infos));
    Labelq__AnnotatorInfo **ptrs = calloc(srv->n_annotators + 1, sizeof(*ptrs));
    if (!infos || !ptrs) {
        lq_conn_send_error(c, id, LQ_EEXHAUSTED, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < srv->n_annotators; i++) {
        lq_annotator *a = srv->annotators[i];
        if (!a || a->pending)
            continue;
        Labelq__AnnotatorInfo *info = &infos[n];
        labelq__annotator_info__init(info);
        info->name = a->name;
        info->role = a->role;
        info->blocked = a->blocked;
        info->labels = a->labels;
        info->created_ms = a->created_ms;
        ptrs[n++] = info;
    }
    Labelq__ListAnnotatorsReply reply = LABELQ__LIST_ANNOTATORS_REPLY__INIT;
    reply.n_annotators = n;
    reply.annotators = ptrs;
    lq_conn_reply(c, id, LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS_REPLY, &reply);
out:
    free(infos);
    free(ptrs);
}

static void block_done(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    if (status == 0) {
        r->annotator->blocked = r->blocked;
        lq_log(LQ_LOG_INFO, r->blocked ? "annotator blocked" : "annotator unblocked",
               "annotator=%s", r->annotator->name);
        lq_conn_send_ok(r->conn, r->req_id);
    } else {
        lq_conn_send_error(r->conn, r->req_id, status, "annotator state not changed: %s",
                           lq_strerror(status));
    }
    record_op_free(r);
}

void lq_admin_block_annotator(lq_conn *c, uint64_t id, const Labelq__BlockAnnotator *req)
{
    lq_annotator *a = lq_server_annotator_by_name(c->srv, req->name);
    if (!a) {
        lq_conn_send_error(c, id, LQ_ENOTFOUND, "no annotator named '%s'", req->name);
        return;
    }
    if (a == c->who && !req->unblock) {
        lq_conn_send_error(c, id, LQ_EBADREQ, "you cannot block yourself");
        return;
    }
    record_op *r = record_op_new(c, id, block_done);
    if (!r)
        return;
    r->annotator = a;
    r->blocked = !req->unblock;
    lq_writer_submit(c->srv->writer, &r->op);
}

static void sync_done(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    r->finished = true;
    r->status = status;
}

int lq_admin_store_annotator_sync(lq_server *srv, lq_annotator *a)
{
    record_op *r = record_op_new(NULL, 0, sync_done);
    if (!r)
        return LQ_ENOMEM;
    r->annotator = a;
    r->blocked = a->blocked;
    lq_writer_submit(srv->writer, &r->op);
    /* The writer's async handle wakes the loop when the commit is done. */
    while (!r->finished)
        uv_run(srv->loop, UV_RUN_ONCE);
    int status = r->status;
    record_op_free(r);
    return status;
}
