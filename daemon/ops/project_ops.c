/* Admin requests on projects: create (stored before it is visible), list,
 * get. GetProject is also an annotator's, for the labels and instructions,
 * without the counts. Loop thread only. */
#include "daemon/ops/project_ops.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "daemon/core/lookup.h"
#include "daemon/ops/record_op.h"
#include "proto/error.h"

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
    lq_record_op *r = (lq_record_op *)op;
    lq_project *p = r->project;
    lq_server *srv = r->conn->srv;
    if (status == 0) {
        p->pending = false;
        lq_log(LQ_LOG_INFO, "project created", "project=%s overlap=%u labels=%zu", p->config->name,
               p->overlap, p->config->n_labels);
        Labelq__ProjectInfo info;
        lq_project_info(p, 0, &info); /* new: nobody can hold a lease in it yet */
        lq_peer_reply(r->conn, r->req_id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
    } else {
        srv->projects[p->id] = NULL;
        lq_peer_error(r->conn, r->req_id, status, "project not created: %s", lq_strerror(status));
        lq_project_free(p);
    }
    lq_record_op_free(r);
}

void lq_project_ops_create(lq_peer *c, uint64_t id, const Labelq__CreateProject *req)
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
    lq_record_op *r = NULL;
    if (rc == 0 && !(r = lq_record_op_new(c, id, project_created))) {
        lq_project_free(p); /* lq_record_op_new replied: one reply per request */
        return;
    }
    if (rc == 0 && lq_server_add_project(srv, p) < 0) {
        rc = LQ_EEXHAUSTED;
        snprintf(err, sizeof(err), "out of memory");
    }
    if (rc < 0) {
        lq_peer_error(c, id, rc, "%s", err);
        lq_project_free(p);
        if (r)
            lq_record_op_free(r);
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
void lq_project_ops_list(lq_peer *c, uint64_t id)
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

/* An admin gets the whole ProjectInfo; anyone else what labeling needs
 * (lq_project_annotator_info): counts would tell a gold lease from another,
 * a gold lease leaving them as they were. */
void lq_project_ops_get(lq_peer *c, uint64_t id, const Labelq__GetProject *req)
{
    lq_project *p = lq_lookup_project(c, id, req->project);
    if (!p)
        return;
    if (c->who->role == LABELQ__ROLE__ADMIN) {
        send_project_info(c, id, p);
        return;
    }
    Labelq__ProjectConfig cfg;
    Labelq__ProjectInfo info;
    lq_project_annotator_info(p, &cfg, &info);
    lq_peer_reply(c, id, LABELQ__ENVELOPE__BODY_PROJECT_INFO, &info);
}
