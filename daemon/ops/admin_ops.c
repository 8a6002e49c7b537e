#include "daemon/ops/admin_ops.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/sched/lease_end.h"
#include "proto/error.h"

/* One stored record (a project or an annotator) and the reply to send once
 * it is durable. */
typedef struct record_op {
    lq_write_op op;
    lq_peer *conn;          /* NULL at start-up */
    uint64_t req_id;
    lq_project *project;
    lq_annotator *annotator;
    /* The annotator's stored state after this write, copied when it is
     * queued: the writer thread reads these, never the live annotator's. */
    bool blocked;
    uint8_t token_sha256[32];
    char token[LQ_TOKEN_HEX + 1]; /* a new token to show once, or "" */
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
    rec.token_sha256.data = r->token_sha256;
    rec.token_sha256.len = sizeof(r->token_sha256);
    return lq_store_put_annotator(txn, &rec);
}

/* Queues a's record as it is now but for what r says, the next change to
 * a (which must not be changing already). */
static void submit_annotator(lq_server *srv, record_op *r, lq_annotator *a)
{
    r->annotator = a;
    a->changing = true;
    lq_writer_submit(srv->writer, &r->op);
}

static record_op *record_op_new(lq_peer *c, uint64_t id, void (*done)(lq_write_op *, int))
{
    record_op *r = calloc(1, sizeof(*r));
    if (!r) {
        if (c)
            lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return NULL;
    }
    r->op.apply = record_apply;
    r->op.done = done;
    r->conn = c;
    r->req_id = id;
    if (c)
        lq_peer_ref(c);
    return r;
}

static void record_op_free(record_op *r)
{
    if (r->conn)
        lq_peer_unref(r->conn);
    OPENSSL_cleanse(r->token, sizeof(r->token));
    free(r);
}

/* Replies with p's ProjectInfo; its active annotators are counted now, over
 * every lease (lq_project_active). */
static void send_project_info(lq_peer *c, uint64_t id, const lq_project *p)
{
    Labelq__ProjectInfo info;
    uint32_t active;
    if (lq_project_active(&c->srv->leases, p, &active) < 0) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    lq_project_info(p, active, &info);
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
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
        lq_peer_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
    } else {
        srv->projects[p->id] = NULL;
        lq_peer_error(r->conn, r->req_id, status, "project not created: %s",
                           lq_strerror(status));
        lq_project_free(p);
    }
    record_op_free(r);
}

void lq_admin_create_project(lq_peer *c, uint64_t id, const Labelq__CreateProject *req)
{
    lq_server *srv = c->srv;
    char err[256];
    if (!req->config) {
        lq_peer_error(c, id, LQ_EBADREQ, "CreateProject needs a config");
        return;
    }
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.config = req->config;
    rec.id = srv->next_project_id;
    rec.created_ms = lq_now_ms();
    lq_project *p = lq_project_new(&rec);
    if (!p) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
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
        lq_peer_error(c, id, rc, "%s", err);
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
void lq_admin_list_projects(lq_peer *c, uint64_t id)
{
    lq_server *srv = c->srv;
    size_t n = 0;
    Labelq__ProjectInfo *infos = calloc(srv->n_projects + 1, sizeof(*infos));
    Labelq__ProjectInfo **ptrs = calloc(srv->n_projects + 1, sizeof(*ptrs));
    uint32_t *active = calloc(srv->n_projects + 1, sizeof(*active));
    if (!infos || !ptrs || !active ||
        lq_project_count_active(&srv->leases, active, srv->n_projects) < 0) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
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
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY, &reply);
out:
    free(infos);
    free(ptrs);
    free(active);
}

void lq_admin_get_project(lq_peer *c, uint64_t id, const Labelq__GetProject *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
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
        lq_peer_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR_REPLY, &reply);
    } else {
        r->conn->srv->annotators[a->id] = NULL;
        lq_peer_error(r->conn, r->req_id, status, "annotator not added: %s",
                           lq_strerror(status));
        lq_annotator_free(a);
    }
    record_op_free(r);
}

void lq_admin_add_annotator(lq_peer *c, uint64_t id, const Labelq__AddAnnotator *req)
{
    lq_server *srv = c->srv;
    if (!lq_valid_name(req->name)) {
        lq_peer_error(c, id, LQ_EBADREQ,
                           "annotator name must be 1-%d characters of letters, digits, '_', "
                           "'.', '-' or '@'",
                           LQ_MAX_NAME_LEN);
        return;
    }
    if (lq_server_annotator_by_name(srv, req->name)) {
        lq_peer_error(c, id, LQ_ECONFLICT, "an annotator named '%s' already exists",
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
        lq_peer_error(c, id, LQ_EINTERNAL, "cannot create a token");
        record_op_free(r);
        return;
    }
    lq_token_hash(r->token, a->token_sha256);
    memcpy(r->token_sha256, a->token_sha256, sizeof(r->token_sha256));
    a->pending = true;
    srv->next_annotator_id++;
    r->annotator = a;
    lq_writer_submit(srv->writer, &r->op);
}

void lq_admin_list_annotators(lq_peer *c, uint64_t id)
{
    lq_server *srv = c->srv;
    size_t n = 0;
    Labelq__AnnotatorInfo *infos = calloc(srv->n_annotators + 1, sizeof(*infos));
    Labelq__AnnotatorInfo **ptrs = calloc(srv->n_annotators + 1, sizeof(*ptrs));
    if (!infos || !ptrs) {
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
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
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS_REPLY, &reply);
out:
    free(infos);
    free(ptrs);
}

static void block_done(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    r->annotator->changing = false;
    if (status == 0) {
        r->annotator->blocked = r->blocked;
        lq_log(LQ_LOG_INFO, r->blocked ? "annotator blocked" : "annotator unblocked",
               "annotator=%s", r->annotator->name);
        lq_peer_ok(r->conn, r->req_id);
    } else {
        lq_peer_error(r->conn, r->req_id, status, "annotator state not changed: %s",
                           lq_strerror(status));
    }
    record_op_free(r);
}

/* The durable annotator req_name names, or NULL after replying why not:
 * NOT_FOUND, or CONFLICT while another change to it is being stored. */
static lq_annotator *annotator_to_change(lq_peer *c, uint64_t id, const char *name)
{
    lq_annotator *a = lq_server_annotator_by_name(c->srv, name);
    if (!a || a->pending) {
        lq_peer_error(c, id, LQ_ENOTFOUND, "no annotator named '%s'", name);
        return NULL;
    }
    if (a->changing) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "another change to annotator '%s' is being stored; retry", name);
        return NULL;
    }
    return a;
}

void lq_admin_block_annotator(lq_peer *c, uint64_t id, const Labelq__BlockAnnotator *req)
{
    lq_annotator *a = annotator_to_change(c, id, req->name);
    if (!a)
        return;
    if (a == c->who && !req->unblock) {
        lq_peer_error(c, id, LQ_EBADREQ, "you cannot block yourself");
        return;
    }
    record_op *r = record_op_new(c, id, block_done);
    if (!r)
        return;
    r->blocked = !req->unblock;
    memcpy(r->token_sha256, a->token_sha256, sizeof(r->token_sha256));
    submit_annotator(c->srv, r, a);
}

/* Closes every connection authenticated as a, each told why first (an
 * Error pushed with id 0). Returns how many. A request of theirs already
 * with the writer completes; its reply is dropped. */
static unsigned close_sessions(lq_server *srv, const lq_annotator *a)
{
    unsigned n = 0;
    lq_peer *next;
    for (lq_peer *x = srv->peers; x; x = next) {
        next = x->next; /* closing unlinks x */
        if (x->who != a || x->closing)
            continue;
        lq_peer_error(x, 0, LQ_EUNAUTH,
                           "the token of annotator '%s' was revoked; this connection is closed",
                           a->name);
        lq_peer_close(x, "token revoked");
        n++;
    }
    return n;
}

static void revoke_done(lq_write_op *op, int status)
{
    record_op *r = (record_op *)op;
    lq_annotator *a = r->annotator;
    lq_server *srv = r->conn->srv;
    a->changing = false;
    if (status != 0) {
        /* Nothing was stored: the old token still works, as it did. */
        lq_peer_error(r->conn, r->req_id, status, "token of '%s' not revoked: %s; retry",
                           a->name, lq_strerror(status));
        record_op_free(r);
        return;
    }
    memcpy(a->token_sha256, r->token_sha256, sizeof(a->token_sha256));
    /* Connections first: a parked lease of theirs must not be served the
     * tasks their leases give back. */
    Labelq__RevokeTokenReply reply = LABELQ__REVOKE_TOKEN_REPLY__INIT;
    reply.connections_closed = close_sessions(srv, a);
    reply.leases_released = lq_sched_release_all(srv, a->id);
    lq_log(LQ_LOG_INFO, "annotator token revoked",
           "annotator=%s connections_closed=%u leases_released=%u new_token=%s", a->name,
           reply.connections_closed, reply.leases_released, r->token[0] ? "yes" : "no");
    reply.name = a->name;
    reply.token = r->token;
    lq_peer_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_REVOKE_TOKEN_REPLY, &reply);
    record_op_free(r);
}

void lq_admin_revoke_token(lq_peer *c, uint64_t id, const Labelq__RevokeToken *req)
{
    lq_annotator *a = annotator_to_change(c, id, req->name);
    if (!a)
        return;
    if (strcmp(a->name, LQ_ADMIN_NAME) == 0) {
        /* labelqd resets it from the file at every start, so a revoke
         * here would not outlive a restart. */
        lq_peer_error(c, id, LQ_EBADREQ,
                           "the token of '" LQ_ADMIN_NAME "' is the data directory's admin.token: "
                           "to change it, stop labelqd, delete that file and start labelqd again");
        return;
    }
    if (a == c->who) {
        lq_peer_error(
            c, id, LQ_EBADREQ,
            "you cannot revoke your own token (use another admin's, e.g. '" LQ_ADMIN_NAME "')");
        return;
    }
    record_op *r = record_op_new(c, id, revoke_done);
    if (!r)
        return;
    /* Without a new token the hash is of 256 random bits nobody keeps: no
     * token matches it, and nothing in the record says it was revoked. */
    int rc = LQ_EINTERNAL;
    if (req->new_token && lq_token_new(r->token) == 0) {
        lq_token_hash(r->token, r->token_sha256);
        rc = 0;
    } else if (!req->new_token && RAND_bytes(r->token_sha256, sizeof(r->token_sha256)) == 1) {
        rc = 0;
    }
    if (rc < 0) {
        lq_peer_error(c, id, rc, "cannot create random bytes for a token");
        record_op_free(r);
        return;
    }
    r->blocked = a->blocked;
    submit_annotator(c->srv, r, a);
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
    memcpy(r->token_sha256, a->token_sha256, sizeof(r->token_sha256));
    lq_writer_submit(srv->writer, &r->op);
    /* The writer's async handle wakes the loop when the commit is done. */
    while (!r->finished)
        uv_run(srv->loop, UV_RUN_ONCE);
    int status = r->status;
    record_op_free(r);
    return status;
}
