#include "daemon/net/dispatch.h"

#include <string.h>

#include "daemon/ops/annotator_ops.h"
#include "daemon/net/net.h"
#include "daemon/ops/backup.h"
#include "daemon/ops/batch_ops.h"
#include "daemon/ops/project_ops.h"
#include "daemon/export/stream.h"
#include "daemon/ops/import.h"
#include "daemon/core/log.h"
#include "daemon/estimate/report.h"
#include "daemon/sched/lease.h"
#include "daemon/sched/lease_end.h"
#include "daemon/sched/submit.h"
#include "proto/error.h"

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown" /* built outside CMake (the fuzz targets) */
#endif
#define LQ_SERVER_VERSION "labelqd/" LABELQ_VERSION

static void hello(lq_peer *c, uint64_t id, const Labelq__Hello *req)
{
    if (c->who) {
        lq_peer_error(c, id, LQ_EBADREQ, "already authenticated on this connection");
        return;
    }
    uint8_t hash[32];
    lq_token_hash(req->token, hash);
    lq_annotator *a = lq_annotator_match(c->srv->annotators, c->srv->n_annotators, hash);
    if (!a) {
        /* Only failures are throttled: a right token is never slowed down,
         * whatever its address did before. */
        unsigned delay = lq_auth_throttle_fail(&c->srv->net->auth_throttle, c->srv->cfg, &c->addr,
                                               uv_now(c->srv->loop));
        lq_log(LQ_LOG_WARN, "authentication failed", "peer=%s delay_ms=%u", c->name, delay);
        lq_metrics_count(c->srv, LQ_M_AUTH_FAIL);
        if (delay > 0) {
            lq_peer_refuse_later(c, id, LQ_EUNAUTH, "unknown token", delay);
            return;
        }
        lq_peer_error(c, id, LQ_EUNAUTH, "unknown token");
        lq_peer_close(c, "bad token");
        return;
    }
    if (a->blocked) {
        lq_log(LQ_LOG_WARN, "blocked annotator refused", "peer=%s annotator=%s", c->name,
               a->name);
        lq_metrics_count(c->srv, LQ_M_AUTH_FAIL);
        lq_peer_error(c, id, LQ_EPERM, "annotator '%s' is blocked", a->name);
        lq_peer_close(c, "blocked");
        return;
    }
    if (a->sessions >= c->srv->cfg->max_connections_per_annotator) {
        lq_log(LQ_LOG_WARN, "connection refused: too many for one token",
               "peer=%s annotator=%s limit=%u", c->name, a->name,
               c->srv->cfg->max_connections_per_annotator);
        lq_peer_error(c, id, LQ_EEXHAUSTED,
                      "annotator '%s' has %u connections open, the most one token may have; "
                      "close one, or retry later",
                      a->name, a->sessions);
        lq_peer_close(c, "too many connections for one token");
        return;
    }
    c->who = a;
    a->sessions++;
    c->ops->hello_done(c);
    Labelq__HelloReply reply = LABELQ__HELLO_REPLY__INIT;
    reply.annotator = a->name;
    reply.role = a->role;
    reply.server_version = LQ_SERVER_VERSION;
    reply.max_frame = (uint32_t)c->srv->cfg->max_frame;
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_HELLO_REPLY, &reply);
    lq_log(LQ_LOG_DEBUG, "authenticated", "peer=%s annotator=%s", c->name, a->name);
}

static bool admin_only(Labelq__Envelope__BodyCase kind)
{
    switch (kind) {
    case LABELQ__ENVELOPE__BODY_CREATE_PROJECT:
    case LABELQ__ENVELOPE__BODY_LIST_PROJECTS:
    case LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR:
    case LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS:
    case LABELQ__ENVELOPE__BODY_BLOCK_ANNOTATOR:
    case LABELQ__ENVELOPE__BODY_REVOKE_TOKEN:
    case LABELQ__ENVELOPE__BODY_IMPORT_CHUNK:
    case LABELQ__ENVELOPE__BODY_EXPORT:
    case LABELQ__ENVELOPE__BODY_REPORT:
    case LABELQ__ENVELOPE__BODY_BACKUP:
    case LABELQ__ENVELOPE__BODY_CREATE_BATCH:
    case LABELQ__ENVELOPE__BODY_LIST_BATCHES:
    case LABELQ__ENVELOPE__BODY_GET_BATCH:
    case LABELQ__ENVELOPE__BODY_UPDATE_BATCH:
        return true;
    default:
        return false;
    }
}

void lq_dispatch(lq_peer *c, const Labelq__Envelope *env)
{
    uint64_t id = env->id;
    if (env->body_case == LABELQ__ENVELOPE__BODY_HELLO) {
        hello(c, id, env->hello);
        return;
    }
    if (!c->who) {
        lq_peer_error(c, id, LQ_EUNAUTH, "the first request must be Hello with a token");
        lq_peer_close(c, "request before hello");
        return;
    }
    if (c->who->blocked) {
        lq_peer_error(c, id, LQ_EPERM, "annotator '%s' is blocked", c->who->name);
        lq_peer_close(c, "blocked");
        return;
    }
    if (c->srv->stopping) {
        lq_peer_error(c, id, LQ_EUNAVAIL, "labelqd is shutting down; retry shortly");
        return;
    }
    if (admin_only(env->body_case) && c->who->role != LABELQ__ROLE__ADMIN) {
        lq_peer_error(c, id, LQ_EPERM, "this operation needs an admin token");
        return;
    }
    switch (env->body_case) {
    case LABELQ__ENVELOPE__BODY_CREATE_PROJECT:
        lq_project_ops_create(c, id, env->create_project);
        break;
    case LABELQ__ENVELOPE__BODY_LIST_PROJECTS: lq_project_ops_list(c, id); break;
    case LABELQ__ENVELOPE__BODY_GET_PROJECT: lq_project_ops_get(c, id, env->get_project); break;
    case LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR:
        lq_annotator_ops_add(c, id, env->add_annotator);
        break;
    case LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS: lq_annotator_ops_list(c, id); break;
    case LABELQ__ENVELOPE__BODY_BLOCK_ANNOTATOR:
        lq_annotator_ops_block(c, id, env->block_annotator);
        break;
    case LABELQ__ENVELOPE__BODY_REVOKE_TOKEN:
        lq_annotator_ops_revoke(c, id, env->revoke_token);
        break;
    case LABELQ__ENVELOPE__BODY_IMPORT_CHUNK: lq_import_add_chunk(c, id, env->import_chunk); break;
    case LABELQ__ENVELOPE__BODY_EXPORT: lq_export_start(c, id, env->export); break;
    case LABELQ__ENVELOPE__BODY_REPORT: lq_report_start(c, id, env->report); break;
    case LABELQ__ENVELOPE__BODY_BACKUP: lq_backup_start(c, id); break;
    case LABELQ__ENVELOPE__BODY_CREATE_BATCH: lq_batch_ops_create(c, id, env->create_batch); break;
    case LABELQ__ENVELOPE__BODY_LIST_BATCHES: lq_batch_ops_list(c, id, env->list_batches); break;
    case LABELQ__ENVELOPE__BODY_GET_BATCH: lq_batch_ops_get(c, id, env->get_batch); break;
    case LABELQ__ENVELOPE__BODY_UPDATE_BATCH: lq_batch_ops_update(c, id, env->update_batch); break;
    case LABELQ__ENVELOPE__BODY_LEASE: lq_sched_lease(c, id, env->lease); break;
    case LABELQ__ENVELOPE__BODY_SUBMIT: lq_sched_submit(c, id, env->submit); break;
    case LABELQ__ENVELOPE__BODY_EXTEND: lq_sched_extend(c, id, env->extend); break;
    case LABELQ__ENVELOPE__BODY_RELEASE: lq_sched_release(c, id, env->release); break;
    default:
        lq_peer_error(c, id, LQ_EBADREQ, "unknown or unexpected message type %d",
                           (int)env->body_case);
        break;
    }
}
