/* Admin requests on annotators: add (the token shown once), list, block
 * and unblock, revoke a token; and storing an annotator at start-up. Every
 * change is stored before it takes effect. Loop thread only. */
#include "daemon/ops/annotator_ops.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/ops/record_op.h"
#include "daemon/sched/lease_end.h"
#include "daemon/sched/longpoll.h"
#include "proto/error.h"

static void annotator_added(lq_write_op *op, int status)
{
    lq_record_op *r = (lq_record_op *)op;
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
        lq_peer_error(r->conn, r->req_id, status, "annotator not added: %s", lq_strerror(status));
        lq_annotator_free(a);
    }
    lq_record_op_free(r);
}

void lq_annotator_ops_add(lq_peer *c, uint64_t id, const Labelq__AddAnnotator *req)
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
        lq_peer_error(c, id, LQ_ECONFLICT, "an annotator named '%s' already exists", req->name);
        return;
    }
    lq_record_op *r = lq_record_op_new(c, id, annotator_added);
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
        lq_record_op_free(r);
        return;
    }
    lq_token_hash(r->token, a->token_sha256);
    memcpy(r->token_sha256, a->token_sha256, sizeof(r->token_sha256));
    a->pending = true;
    srv->next_annotator_id++;
    r->annotator = a;
    lq_writer_submit(srv->writer, &r->op);
}

void lq_annotator_ops_list(lq_peer *c, uint64_t id)
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

/* Stops a blocked account's work: its parked lease requests are refused
 * first (they must not be served the tasks given back next), then its
 * leases go back to the queues as a revoke's do. Its idle connections stay
 * until their next request, which dispatch refuses. */
static void stop_work(lq_server *srv, lq_annotator *a)
{
    unsigned refused = lq_longpoll_refuse(srv, a);
    unsigned released = lq_sched_release_all(srv, a->id);
    lq_log(LQ_LOG_INFO, "annotator blocked", "annotator=%s parked_refused=%u leases_released=%u",
           a->name, refused, released);
}

static void block_done(lq_write_op *op, int status)
{
    lq_record_op *r = (lq_record_op *)op;
    lq_annotator *a = r->annotator;
    a->changing = false;
    if (status == 0) {
        a->blocked = r->blocked;
        if (r->blocked)
            stop_work(r->conn->srv, a);
        else
            lq_log(LQ_LOG_INFO, "annotator unblocked", "annotator=%s", a->name);
        lq_peer_ok(r->conn, r->req_id);
    } else {
        lq_peer_error(r->conn, r->req_id, status, "annotator state not changed: %s",
                      lq_strerror(status));
    }
    lq_record_op_free(r);
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

void lq_annotator_ops_block(lq_peer *c, uint64_t id, const Labelq__BlockAnnotator *req)
{
    lq_annotator *a = annotator_to_change(c, id, req->name);
    if (!a)
        return;
    if (strcmp(a->name, LQ_ADMIN_NAME) == 0 && !req->unblock) {
        /* Its token is the data directory's admin.token: the one account
         * that must always be able to connect, as it cannot be revoked. */
        lq_peer_error(c, id, LQ_EBADREQ,
                      "'" LQ_ADMIN_NAME "' is the bootstrap admin (its token is the data "
                      "directory's admin.token) and cannot be blocked");
        return;
    }
    if (a == c->who && !req->unblock) {
        lq_peer_error(c, id, LQ_EBADREQ, "you cannot block yourself");
        return;
    }
    lq_record_op *r = lq_record_op_new(c, id, block_done);
    if (!r)
        return;
    r->blocked = !req->unblock;
    memcpy(r->token_sha256, a->token_sha256, sizeof(r->token_sha256));
    lq_record_op_submit_annotator(c->srv, r, a);
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
    lq_record_op *r = (lq_record_op *)op;
    lq_annotator *a = r->annotator;
    lq_server *srv = r->conn->srv;
    a->changing = false;
    if (status != 0) {
        /* Nothing was stored: the old token still works, as it did. */
        lq_peer_error(r->conn, r->req_id, status, "token of '%s' not revoked: %s; retry", a->name,
                      lq_strerror(status));
        lq_record_op_free(r);
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
    lq_record_op_free(r);
}

void lq_annotator_ops_revoke(lq_peer *c, uint64_t id, const Labelq__RevokeToken *req)
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
        lq_peer_error(c, id, LQ_EBADREQ,
                      "you cannot revoke your own token (use another admin's, e.g. '" LQ_ADMIN_NAME
                      "')");
        return;
    }
    lq_record_op *r = lq_record_op_new(c, id, revoke_done);
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
        lq_record_op_free(r);
        return;
    }
    r->blocked = a->blocked;
    lq_record_op_submit_annotator(c->srv, r, a);
}

static void sync_done(lq_write_op *op, int status)
{
    lq_record_op *r = (lq_record_op *)op;
    r->finished = true;
    r->status = status;
}

int lq_annotator_ops_store_sync(lq_server *srv, lq_annotator *a)
{
    lq_record_op *r = lq_record_op_new(NULL, 0, sync_done);
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
    lq_record_op_free(r);
    return status;
}
