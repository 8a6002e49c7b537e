/* Typed calls: one request, one expected reply body, which is detached from
 * its envelope and handed to the caller. */
#include "client/lib/client_internal.h"
#include "proto/envelope.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Sends req and checks the reply carries body; on success *reply holds it. */
static int call_expect(lq_client *c, Labelq__Envelope *req, Labelq__Envelope__BodyCase body,
                       int timeout_ms, Labelq__Envelope **reply)
{
    int rc = lq__client_call_timeout(c, req, reply, timeout_ms);
    if (rc < 0)
        return rc;
    if ((*reply)->body_case == body)
        return 0;
    rc = lq__client_fail(c, LQ_EPROTO, "the server answered %s with %s (expected %s)",
                         lq__body_name(req->body_case), lq__body_name((*reply)->body_case),
                         lq__body_name(body));
    labelq__envelope__free_unpacked(*reply, NULL);
    *reply = NULL;
    return rc;
}

/* Sends a request of kind carrying body, waits for a reply of kind want and
 * hands its body to *out (the caller frees it), or frees it when out is NULL. */
static int call_take(lq_client *c, Labelq__Envelope__BodyCase kind, void *body,
                     Labelq__Envelope__BodyCase want, int timeout_ms, void *out)
{
    Labelq__Envelope req = LABELQ__ENVELOPE__INIT, *reply;
    lq_envelope_wrap(&req, 0, kind, body);
    if (out)
        *(void **)out = NULL;
    int rc = call_expect(c, &req, want, timeout_ms, &reply);
    if (rc < 0)
        return rc;
    if (out)
        *(void **)out = lq_envelope_take(reply);
    else
        labelq__envelope__free_unpacked(reply, NULL);
    return 0;
}

/* For calls whose reply body carries nothing the caller needs. */
static int call_ok(lq_client *c, Labelq__Envelope__BodyCase kind, void *body)
{
    return call_take(c, kind, body, LABELQ__ENVELOPE__BODY_OK, -1, NULL);
}

int lq_project_create(lq_client *c, const Labelq__ProjectConfig *cfg, Labelq__ProjectInfo **out)
{
    Labelq__CreateProject m = LABELQ__CREATE_PROJECT__INIT;
    /* protobuf-c packs through non-const pointers but never writes. */
    m.config = (Labelq__ProjectConfig *)cfg;
    return call_take(c, LABELQ__ENVELOPE__BODY_CREATE_PROJECT, &m,
                     LABELQ__ENVELOPE__BODY_PROJECT_INFO, -1, out);
}

int lq_project_list(lq_client *c, Labelq__ListProjectsReply **out)
{
    Labelq__ListProjects m = LABELQ__LIST_PROJECTS__INIT;
    return call_take(c, LABELQ__ENVELOPE__BODY_LIST_PROJECTS, &m,
                     LABELQ__ENVELOPE__BODY_LIST_PROJECTS_REPLY, -1, out);
}

int lq_project_get(lq_client *c, const char *project, Labelq__ProjectInfo **out)
{
    Labelq__GetProject m = LABELQ__GET_PROJECT__INIT;
    m.project = (char *)project;
    return call_take(c, LABELQ__ENVELOPE__BODY_GET_PROJECT, &m, LABELQ__ENVELOPE__BODY_PROJECT_INFO,
                     -1, out);
}

int lq_annotator_add(lq_client *c, const char *name, Labelq__Role role, char **token)
{
    Labelq__AddAnnotator m = LABELQ__ADD_ANNOTATOR__INIT;
    Labelq__AddAnnotatorReply *reply;
    m.name = (char *)name;
    m.role = role;
    *token = NULL;
    int rc = call_take(c, LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR, &m,
                       LABELQ__ENVELOPE__BODY_ADD_ANNOTATOR_REPLY, -1, &reply);
    if (rc < 0)
        return rc;
    /* Take the string itself: no copy of a secret left behind to scrub. */
    *token = reply->token;
    reply->token = (char *)protobuf_c_empty_string;
    labelq__add_annotator_reply__free_unpacked(reply, NULL);
    return 0;
}

int lq_annotator_list(lq_client *c, Labelq__ListAnnotatorsReply **out)
{
    Labelq__ListAnnotators m = LABELQ__LIST_ANNOTATORS__INIT;
    return call_take(c, LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS, &m,
                     LABELQ__ENVELOPE__BODY_LIST_ANNOTATORS_REPLY, -1, out);
}

int lq_annotator_block(lq_client *c, const char *name, bool unblock)
{
    Labelq__BlockAnnotator m = LABELQ__BLOCK_ANNOTATOR__INIT;
    m.name = (char *)name;
    m.unblock = unblock;
    return call_ok(c, LABELQ__ENVELOPE__BODY_BLOCK_ANNOTATOR, &m);
}

int lq_annotator_revoke(lq_client *c, const char *name, bool new_token,
                        Labelq__RevokeTokenReply **out)
{
    Labelq__RevokeToken m = LABELQ__REVOKE_TOKEN__INIT;
    m.name = (char *)name;
    m.new_token = new_token;
    return call_take(c, LABELQ__ENVELOPE__BODY_REVOKE_TOKEN, &m,
                     LABELQ__ENVELOPE__BODY_REVOKE_TOKEN_REPLY, -1, out);
}

int lq_import_chunk(lq_client *c, const Labelq__ImportChunk *chunk, Labelq__ImportReply **out)
{
    return call_take(c, LABELQ__ENVELOPE__BODY_IMPORT_CHUNK, (void *)chunk,
                     LABELQ__ENVELOPE__BODY_IMPORT_REPLY, -1, out);
}

/* What a streamed reply (ExportChunk, BackupChunk) carries. */
typedef struct stream_chunk {
    ProtobufCBinaryData data;
    bool done;
    uint64_t total; /* the stream's count: items, bytes */
} stream_chunk;

/* Reads env's body as a chunk of kind want. Returns false for another body. */
static bool chunk_of(const Labelq__Envelope *env, Labelq__Envelope__BodyCase want,
                     stream_chunk *out)
{
    if (env->body_case != want)
        return false;
    if (want == LABELQ__ENVELOPE__BODY_EXPORT_CHUNK)
        *out = (stream_chunk){env->export_chunk->data, env->export_chunk->done,
                              env->export_chunk->items};
    else if (want == LABELQ__ENVELOPE__BODY_BACKUP_CHUNK)
        *out = (stream_chunk){env->backup_chunk->data, env->backup_chunk->done,
                              env->backup_chunk->bytes_total};
    else
        return false;
    return true;
}

/* Handles one envelope of a stream of want chunks answering a request of
 * kind: hands its data to sink and adds its length to *received. Returns 1
 * when the stream is complete (*total set), 0 to read on, or a negative
 * code. Frees env. */
static int stream_piece(lq_client *c, Labelq__Envelope *env, Labelq__Envelope__BodyCase kind,
                        Labelq__Envelope__BodyCase want, lq_export_sink sink, void *ctx,
                        uint64_t *received, uint64_t *total)
{
    stream_chunk ch;
    int rc = 0;
    if (env->body_case == LABELQ__ENVELOPE__BODY_ERROR) {
        const Labelq__Error *e = env->error;
        rc = e ? lq_error_from_wire(e->code) : LQ_EPROTO;
        rc = lq__client_fail(c, rc ? rc : LQ_EPROTO, "%s",
                             e && e->message[0] ? e->message : lq_strerror(rc));
    } else if (!chunk_of(env, want, &ch)) {
        rc = lq__client_fail(c, LQ_EPROTO, "the server answered %s with %s", lq__body_name(kind),
                             lq__body_name(env->body_case));
    } else if (ch.data.len > 0 && sink(ctx, ch.data.data, ch.data.len) != 0) {
        rc = lq__client_fail(c, LQ_EIO, "cannot write the %s output", lq__body_name(kind));
    } else {
        *received += ch.data.len;
        if (ch.done) {
            *total = ch.total;
            rc = 1;
        }
    }
    labelq__envelope__free_unpacked(env, NULL);
    return rc;
}

/* Sends req (a request of kind answered by a stream of want chunks) and
 * feeds the stream to sink until its last chunk. *received gets the data
 * bytes handed to sink, *total the count the last chunk reports (0 after a
 * failure). Returns 0 or a negative code. */
static int stream_call(lq_client *c, Labelq__Envelope *req, Labelq__Envelope__BodyCase want,
                       lq_export_sink sink, void *ctx, uint64_t *received, uint64_t *total)
{
    uint64_t id;
    *received = *total = 0;
    int rc = lq_client_send(c, req, &id);
    while (rc == 0) {
        Labelq__Envelope *env;
        /* The timeout is per chunk, not for the whole stream: a large
         * dataset may take longer than any single reply should. */
        rc = lq_client_recv(c, &env, -1);
        if (rc < 0)
            break;
        if (env->id != id) {
            /* A push or a late reply to an abandoned request. If an aborted
             * stream's tail arrives later, lq_client_call skips it alike. */
            labelq__envelope__free_unpacked(env, NULL);
            continue;
        }
        rc = stream_piece(c, env, req->body_case, want, sink, ctx, received, total);
    }
    if (rc < 0)
        *total = 0;
    return rc < 0 ? rc : 0;
}

/* The server's limit on split parts (daemon/export_split.h). */
#define LQ_SPLIT_PARTS_MAX 16

int lq_export_with(lq_client *c, const char *project, const lq_export_options *o,
                   lq_export_sink sink, void *ctx, uint64_t *items)
{
    static const lq_export_options plain = {0};
    Labelq__Export m = LABELQ__EXPORT__INIT;
    Labelq__Envelope req = LABELQ__ENVELOPE__INIT;
    uint64_t received, count;
    if (!o)
        o = &plain;
    if (items)
        *items = 0;
    /* The server compares each confidence with it as given: a value
     * outside [0, 1] or NaN would silently export everything or nothing. */
    if (!(o->min_confidence >= 0.0 && o->min_confidence <= 1.0))
        return lq__client_fail(c, LQ_EBADREQ, "min_confidence must be from 0 to 1, not %g",
                               o->min_confidence);
    m.project = (char *)project;
    m.format = (char *)(o->format ? o->format : "");
    m.min_confidence = o->min_confidence;
    m.include_gold = o->include_gold;
    m.batch = (char *)(o->batch ? o->batch : "");
    m.include_canceled = o->include_canceled;
    Labelq__SplitPart parts[LQ_SPLIT_PARTS_MAX], *part_ptrs[LQ_SPLIT_PARTS_MAX];
    if (o->n_split > LQ_SPLIT_PARTS_MAX)
        return lq__client_fail(c, LQ_EBADREQ, "a split has at most %d parts",
                               LQ_SPLIT_PARTS_MAX);
    for (size_t i = 0; i < o->n_split; i++) {
        labelq__split_part__init(&parts[i]);
        parts[i].name = (char *)o->split_names[i];
        parts[i].share = o->split_shares[i];
        part_ptrs[i] = &parts[i];
    }
    m.n_split = o->n_split;
    m.split = part_ptrs;
    m.split_part = (char *)(o->split_part ? o->split_part : "");
    m.split_seed = o->split_seed;
    lq_envelope_wrap(&req, 0, LABELQ__ENVELOPE__BODY_EXPORT, &m);
    int rc = stream_call(c, &req, LABELQ__ENVELOPE__BODY_EXPORT_CHUNK, sink, ctx, &received,
                         &count);
    if (items)
        *items = count;
    return rc;
}

int lq_backup(lq_client *c, lq_export_sink sink, void *ctx, uint64_t *bytes)
{
    Labelq__Backup m = LABELQ__BACKUP__INIT;
    Labelq__Envelope req = LABELQ__ENVELOPE__INIT;
    uint64_t received, total;
    if (bytes)
        *bytes = 0;
    lq_envelope_wrap(&req, 0, LABELQ__ENVELOPE__BODY_BACKUP, &m);
    int rc = stream_call(c, &req, LABELQ__ENVELOPE__BODY_BACKUP_CHUNK, sink, ctx, &received,
                         &total);
    if (rc < 0)
        return rc;
    /* A short copy would open as a broken store; better to fail here. */
    if (received != total)
        return lq__client_fail(c, LQ_EPROTO, "the backup stream has %llu bytes, the server "
                                             "says %llu",
                               (unsigned long long)received, (unsigned long long)total);
    if (bytes)
        *bytes = total;
    return 0;
}

int lq_export(lq_client *c, const char *project, const char *format, lq_export_sink sink, void *ctx,
              uint64_t *items)
{
    lq_export_options o = {.format = format};
    return lq_export_with(c, project, &o, sink, ctx, items);
}

int lq_report(lq_client *c, const char *project, Labelq__ReportReply **out)
{
    return lq_report_batch(c, project, NULL, out);
}

int lq_report_batch(lq_client *c, const char *project, const char *batch, Labelq__ReportReply **out)
{
    Labelq__Report m = LABELQ__REPORT__INIT;
    m.project = (char *)project;
    m.batch = (char *)(batch ? batch : "");
    return call_take(c, LABELQ__ENVELOPE__BODY_REPORT, &m, LABELQ__ENVELOPE__BODY_REPORT_REPLY, -1,
                     out);
}

int lq_batch_create(lq_client *c, const char *project, const char *name, const int32_t *priority,
                    bool append, Labelq__BatchInfo **out)
{
    Labelq__CreateBatch m = LABELQ__CREATE_BATCH__INIT;
    m.project = (char *)project;
    m.name = (char *)name;
    m.has_priority = priority != NULL;
    m.priority = priority ? *priority : 0;
    m.append = append;
    return call_take(c, LABELQ__ENVELOPE__BODY_CREATE_BATCH, &m, LABELQ__ENVELOPE__BODY_BATCH_INFO,
                     -1, out);
}

int lq_batch_list(lq_client *c, const char *project, Labelq__ListBatchesReply **out)
{
    Labelq__ListBatches m = LABELQ__LIST_BATCHES__INIT;
    m.project = (char *)project;
    return call_take(c, LABELQ__ENVELOPE__BODY_LIST_BATCHES, &m,
                     LABELQ__ENVELOPE__BODY_LIST_BATCHES_REPLY, -1, out);
}

int lq_batch_get(lq_client *c, const char *project, const char *name, Labelq__BatchInfo **out)
{
    Labelq__GetBatch m = LABELQ__GET_BATCH__INIT;
    m.project = (char *)project;
    m.name = (char *)name;
    return call_take(c, LABELQ__ENVELOPE__BODY_GET_BATCH, &m, LABELQ__ENVELOPE__BODY_BATCH_INFO, -1,
                     out);
}

int lq_batch_update(lq_client *c, const char *project, const char *name,
                    Labelq__UpdateBatch__Action action, int32_t priority, Labelq__BatchInfo **out)
{
    Labelq__UpdateBatch m = LABELQ__UPDATE_BATCH__INIT;
    m.project = (char *)project;
    m.name = (char *)name;
    m.action = action;
    m.priority = action == LABELQ__UPDATE_BATCH__ACTION__PRIORITY ? priority : 0;
    return call_take(c, LABELQ__ENVELOPE__BODY_UPDATE_BATCH, &m, LABELQ__ENVELOPE__BODY_BATCH_INFO,
                     -1, out);
}

int lq_lease(lq_client *c, const char *project, unsigned max_tasks, unsigned wait_ms,
             Labelq__LeaseReply **out)
{
    Labelq__Lease m = LABELQ__LEASE__INIT;
    m.project = (char *)project;
    m.max_tasks = max_tasks;
    m.wait_ms = wait_ms;
    /* A parked lease answers only after up to wait_ms: that is not a
     * slow server, so it must not eat into the reply timeout. */
    int timeout = lq__client_timeout(c);
    if (timeout >= 0)
        timeout = wait_ms > (unsigned)(INT_MAX - timeout) ? -1 : timeout + (int)wait_ms;
    return call_take(c, LABELQ__ENVELOPE__BODY_LEASE, &m, LABELQ__ENVELOPE__BODY_LEASE_REPLY,
                     timeout, out);
}

int lq_submit(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
              bool *duplicate)
{
    Labelq__Submit m = LABELQ__SUBMIT__INIT;
    Labelq__SubmitReply *reply;
    m.task_id = task_id;
    m.label = (char *)label;
    m.duration_ms = duration_ms;
    int rc = call_take(c, LABELQ__ENVELOPE__BODY_SUBMIT, &m, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY,
                       -1, &reply);
    if (rc < 0)
        return rc;
    if (duplicate)
        *duplicate = reply->duplicate;
    labelq__submit_reply__free_unpacked(reply, NULL);
    return 0;
}

int lq_submit_lease(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
                    const char *project, unsigned max_tasks, bool *duplicate,
                    Labelq__LeaseReply **next, int *lease_rc)
{
    Labelq__Submit m = LABELQ__SUBMIT__INIT;
    Labelq__Lease want = LABELQ__LEASE__INIT;
    Labelq__SubmitReply *reply;
    *next = NULL;
    if (lease_rc)
        *lease_rc = 0;
    m.task_id = task_id;
    m.label = (char *)label;
    m.duration_ms = duration_ms;
    want.project = (char *)(project ? project : "");
    want.max_tasks = max_tasks;
    m.next = &want;
    int rc = call_take(c, LABELQ__ENVELOPE__BODY_SUBMIT, &m, LABELQ__ENVELOPE__BODY_SUBMIT_REPLY,
                       -1, &reply);
    if (rc < 0)
        return rc;
    if (duplicate)
        *duplicate = reply->duplicate;
    int lrc = 0;
    if (reply->next_error) {
        const Labelq__Error *e = reply->next_error;
        lrc = lq_error_from_wire(e->code);
        lrc = lq__client_fail(c, lrc ? lrc : LQ_EPROTO, "%s",
                              e->message[0] ? e->message : lq_strerror(lrc));
    } else if (reply->next) {
        *next = reply->next; /* taken out of the reply */
        reply->next = NULL;
    } else {
        /* The server stored the label but ignored the lease part: an old
         * server that does not know Submit.next. */
        lrc = lq__client_fail(c, LQ_EPROTO,
                              "the server stored the label but did not lease "
                              "(it may predate Submit.next)");
    }
    if (lease_rc)
        *lease_rc = lrc;
    labelq__submit_reply__free_unpacked(reply, NULL);
    return 0;
}

int lq_extend(lq_client *c, uint64_t task_id, unsigned seconds, uint64_t *deadline_ms)
{
    Labelq__Extend m = LABELQ__EXTEND__INIT;
    Labelq__ExtendReply *reply;
    m.task_id = task_id;
    m.seconds = seconds;
    int rc = call_take(c, LABELQ__ENVELOPE__BODY_EXTEND, &m, LABELQ__ENVELOPE__BODY_EXTEND_REPLY,
                       -1, &reply);
    if (rc < 0)
        return rc;
    if (deadline_ms)
        *deadline_ms = reply->deadline_ms;
    labelq__extend_reply__free_unpacked(reply, NULL);
    return 0;
}

static int give_back(lq_client *c, uint64_t task_id, bool skip)
{
    Labelq__Release m = LABELQ__RELEASE__INIT;
    m.task_id = task_id;
    m.skip = skip;
    return call_ok(c, LABELQ__ENVELOPE__BODY_RELEASE, &m);
}

int lq_release(lq_client *c, uint64_t task_id)
{
    return give_back(c, task_id, false);
}

int lq_skip(lq_client *c, uint64_t task_id)
{
    return give_back(c, task_id, true);
}
