/* liblabelq: the C client for labelqd.
 *
 * A client is one TLS connection to one labelqd, authenticated with a bearer
 * token. Calls block; a client is not thread-safe (use one per thread). Every
 * function returns 0 or a negative LQ_E* code (proto/error.h); after a
 * failure lq_client_error() says what went wrong in words a person can act
 * on (the server's message for server errors).
 *
 * Messages returned through out-parameters are malloc'd protobuf-c messages:
 * the caller frees each with the matching labelq__<type>__free_unpacked(msg,
 * NULL). Strings returned as char * are malloc'd; free() them.
 *
 * The library exports exactly what its installed headers declare: the
 * functions marked LQ_API here and in proto/error.h, and the generated
 * protobuf-c code of proto/labelq.pb-c.h. Everything else is hidden. */
#ifndef LABELQ_H
#define LABELQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/labelq.pb-c.h"

#define LQ_DEFAULT_SERVER "127.0.0.1:7443"
#define LQ_ALPN "labelq/1"
#define LQ_REPLY_FRAME_FACTOR 4

typedef struct lq_client lq_client;

typedef struct lq_client_options {
    const char *server;      /* "host:port", "[v6]:port"; NULL: LQ_DEFAULT_SERVER */
    const char *ca_file;     /* PEM file to verify the server; NULL: system trust store */
    const char *token;       /* bearer token for Hello (required) */
    const char *client_name; /* sent in Hello, e.g. "labelq/0.1"; may be NULL */
    int timeout_ms;          /* connect, handshake and each reply; 0: 30000 */
    size_t max_frame;        /* largest request sent; 0: LQ_FRAME_DEFAULT_MAX.
                              * Replies up to LQ_REPLY_FRAME_FACTOR times that
                              * are accepted. */
    const char *cert_file;   /* PEM client certificate, then any intermediates, for
                              * a server started with --client-ca; NULL: none */
    const char *key_file;    /* PEM private key of cert_file (unencrypted); NULL:
                              * read from cert_file, when that holds it too */
} lq_client_options;

/* Resolves a program's connection settings the way every labelq program
 * does, a flag always beating the environment. Fills the NULL fields of
 * opts: server from LABELQ_SERVER, else LQ_DEFAULT_SERVER; ca_file from
 * LABELQ_CA (else left NULL: the system trust store); cert_file from
 * LABELQ_CERT and key_file from LABELQ_KEY (else NULL). Resolves the token by
 * precedence: opts->token (a --token flag), else token_file (a --token-file
 * flag; may be NULL), else LABELQ_TOKEN, else LABELQ_TOKEN_FILE. Variables
 * set to "" count as unset. A token file holds the token with any
 * surrounding whitespace (a trailing newline) trimmed; more than 4096 bytes
 * is not a token file. Leaves opts->token NULL when no token is configured
 * anywhere; the caller decides whether that is an error.
 *
 * opts keeps pointing into the caller's strings and the environment. A
 * token read from a file is malloc'd into *owned (set to NULL otherwise);
 * free it after the client is closed. Returns 0, or LQ_EIO (token file
 * unreadable), LQ_EBADREQ (token file oversized or empty) or LQ_ENOMEM with
 * the reason in errbuf (if given); on failure *owned is NULL. */
LQ_API int lq_client_options_resolve(lq_client_options *opts, const char *token_file, char **owned,
                                     char *errbuf, size_t errlen);

/* Connects, verifies the server certificate against ca_file and the host
 * name, negotiates ALPN labelq/1 and says Hello. On failure *out is NULL and
 * errbuf (if given) holds the reason.
 *
 * With cert_file, the client presents that certificate when the server asks
 * for one (a server started with --client-ca always does, and refuses the
 * handshake without one it trusts); the token is needed all the same. The
 * files are read here: an unreadable file, one that holds no PEM
 * certificate or key, an encrypted key, or a key that does not match the
 * certificate fails with LQ_ETLS before anything is sent, and errbuf names
 * the file. key_file without cert_file is LQ_EBADREQ. A refusal of the
 * certificate by the server is LQ_ETLS (or, under TLS 1.3, where the client
 * learns it only after its side of the handshake, LQ_ETLS from the Hello),
 * and errbuf says whether a certificate was missing or not trusted. */
LQ_API int lq_client_connect(const lq_client_options *opts, lq_client **out, char *errbuf,
                             size_t errlen);

/* Closes the connection and frees the client. NULL is fine. */
LQ_API void lq_client_close(lq_client *c);

/* The message of the last failure on c ("" if none). Valid until the next call. */
LQ_API const char *lq_client_error(const lq_client *c);

/* Who the server says we are (from HelloReply). Valid while c is open. */
LQ_API const char *lq_client_annotator(const lq_client *c);
LQ_API Labelq__Role lq_client_role(const lq_client *c);

/* ---- pipelining (several requests in flight) ---- */

/* Sends req after setting req->id to a fresh id (returned in *id if non-NULL). */
LQ_API int lq_client_send(lq_client *c, Labelq__Envelope *req, uint64_t *id);

/* Receives the next reply, whatever its id; waits at most timeout_ms (<0: the
 * client's timeout). The caller frees *reply with
 * labelq__envelope__free_unpacked. Returns LQ_ETIMEDOUT when nothing came. */
LQ_API int lq_client_recv(lq_client *c, Labelq__Envelope **reply, int timeout_ms);

/* Sends req and waits for its reply. No other request may be in flight. If
 * the reply is an Error, returns its code (message in lq_client_error) and
 * frees it; otherwise *reply is the envelope to free. */
LQ_API int lq_client_call(lq_client *c, Labelq__Envelope *req, Labelq__Envelope **reply);

/* ---- admin ---- */

/* Creates a project from cfg (name, type and its schema, overlap, lease TTL,
 * gold and dynamic-overlap settings; zero fields take the server's
 * defaults), stored before it returns; *out gets its ProjectInfo with the
 * defaults filled in. cfg is only read. Admin only (LQ_EPERM).
 * LQ_EBADREQ with the server's reason for a config it refuses (bad name,
 * schema that does not fit the type, out-of-range numbers); LQ_ECONFLICT
 * when the name is taken. */
LQ_API int lq_project_create(lq_client *c, const Labelq__ProjectConfig *cfg,
                             Labelq__ProjectInfo **out);
/* Every project with its counts. Admin only (LQ_EPERM). */
LQ_API int lq_project_list(lq_client *c, Labelq__ListProjectsReply **out);
/* Status of one project (config, counts, active annotators, agreement of
 * the last estimate); annotators may call it too, to learn its labels and
 * instructions, and get only the settings labeling needs: no counts, no
 * figures, no overlap or gold settings. LQ_ENOTFOUND for an unknown
 * project. */
LQ_API int lq_project_get(lq_client *c, const char *project, Labelq__ProjectInfo **out);

/* Adds an annotator (role ANNOTATOR or ADMIN) and returns its token, shown
 * only this once. *token is malloc'd. The server keeps only its SHA-256. */
LQ_API int lq_annotator_add(lq_client *c, const char *name, Labelq__Role role, char **token);
/* Every account (annotators and admins) with role, block state and label
 * count; never tokens. Admin only (LQ_EPERM). */
LQ_API int lq_annotator_list(lq_client *c, Labelq__ListAnnotatorsReply **out);
/* Blocks (or, with unblock, unblocks) name, stored before it returns. A
 * blocked account's parked leases are refused and its leases released at
 * once; its next Hello or request is refused. LQ_ENOTFOUND for an unknown
 * name, LQ_EBADREQ for blocking yourself or the bootstrap admin "admin",
 * LQ_ECONFLICT while another change to the account is being stored. */
LQ_API int lq_annotator_block(lq_client *c, const char *name, bool unblock);

/* Revokes name's token, stored before it returns: the old token is refused
 * from then on (also after a server restart), every connection
 * authenticated as name is closed at once (it first gets an Error pushed
 * with id 0; a submit of theirs already being stored may still complete),
 * and the leases name holds go back to the queues. The account and its
 * labels stay. With new_token a fresh token replaces the old one in the
 * same step (a rotation), returned in (*out)->token: shown only this once,
 * so scrub it when done; without, the account has no working token until
 * this is called again with new_token. *out (may be NULL) also counts the
 * connections closed and leases released; free it with
 * labelq__revoke_token_reply__free_unpacked. Admin only (LQ_EPERM);
 * LQ_ENOTFOUND for an unknown name; LQ_EBADREQ for the bootstrap account
 * "admin" (its token is the data dir's admin.token: delete that file and
 * restart labelqd to change it) and for the caller's own account;
 * LQ_ECONFLICT while another change to the account is being stored. */
LQ_API int lq_annotator_revoke(lq_client *c, const char *name, bool new_token,
                               Labelq__RevokeTokenReply **out);

/* Sends one chunk of JSONL lines; the server commits its valid lines in one
 * transaction before replying. */
LQ_API int lq_import_chunk(lq_client *c, const Labelq__ImportChunk *chunk,
                           Labelq__ImportReply **out);

/* Streams an export: sink is called with each piece of output in order and
 * returns 0 to go on (non-zero aborts with LQ_EIO). *items gets the count
 * (0 after a failure). lq_export_with with only the format set. */
typedef int (*lq_export_sink)(void *ctx, const void *data, size_t len);
LQ_API int lq_export(lq_client *c, const char *project, const char *format, lq_export_sink sink,
                     void *ctx, uint64_t *items);

/* What an export includes. Zero-initialize, then set what you need: the
 * zero value is the plain export. */
typedef struct lq_export_options {
    const char *format;    /* "jsonl" (or NULL/""), "csv", "conll", "coco": the
                            * server refuses a format that does not fit the
                            * project's label type */
    double min_confidence; /* leave out items whose consensus confidence is
                            * below this (0 to 1; 0 keeps every done item) */
    bool include_gold;     /* also export the gold pool's items, with their
                            * gold answer as label and method "gold" */
    const char *batch;     /* only this batch's items; NULL/"" for every batch */
    bool include_canceled; /* also the items of canceled batches */
    /* A deterministic split (docs/protocol.md "Split"): the n_split parts,
     * of which this export writes split_part's items, by the item id's
     * hash under split_seed. n_split 0: no split. */
    const char *const *split_names;
    const double *split_shares;
    size_t n_split;
    const char *split_part;
    uint64_t split_seed;
} lq_export_options;

/* lq_export with options; o may be NULL (the plain export). o is only read
 * during the call. Errors as lq_export, plus LQ_EBADREQ (also from the
 * server) for an unknown format. min_confidence is checked here: outside
 * [0, 1] (or NaN) it is LQ_EBADREQ before anything is sent. */
LQ_API int lq_export_with(lq_client *c, const char *project, const lq_export_options *o,
                          lq_export_sink sink, void *ctx, uint64_t *items);

/* Streams a backup: a consistent, compacted copy of the server's whole
 * store (a complete LMDB data.mdb), made while the server keeps serving.
 * sink gets each piece in order, as lq_export's; a non-zero return aborts
 * with LQ_EIO. *bytes (may be NULL) gets the size of the copy, 0 after a
 * failure. Admin only (LQ_EPERM otherwise); LQ_EUNAVAIL when the server
 * could not copy the store; LQ_ECONFLICT when a backup already runs on this
 * connection. On failure what sink got so far is not a usable store. To
 * restore, start labelqd on a data dir whose store/data.mdb is the copy. */
LQ_API int lq_backup(lq_client *c, lq_export_sink sink, void *ctx, uint64_t *bytes);

/* A project's quality, computed by the server on request from every stored
 * label: agreement metrics, the consensus method (Dawid-Skene once the
 * project has enough labels, else majority vote), each annotator's
 * standing, and a histogram of done items by confidence. Admin only
 * (LQ_EPERM otherwise); LQ_ENOTFOUND for an unknown project. The caller
 * frees *out with labelq__report_reply__free_unpacked; on failure *out is
 * NULL. The computation reads every label of the project, so it takes
 * longer on large projects; the client's reply timeout applies. */
LQ_API int lq_report(lq_client *c, const char *project, Labelq__ReportReply **out);

/* lq_report restricted to one batch's tasks and labels (batch NULL or "":
 * the whole project, as lq_report). LQ_ENOTFOUND for an unknown batch. */
LQ_API int lq_report_batch(lq_client *c, const char *project, const char *batch,
                           Labelq__ReportReply **out);

/* ---- batches (admin) ----
 * Every import lands in a named batch of its project. The project's active
 * batches are served in order of priority (higher first), then creation;
 * paused and canceled batches are not served. All admin only (LQ_EPERM);
 * LQ_ENOTFOUND for an unknown project or batch. A BatchInfo or reply the
 * call returns is the caller's: free it with labelq__batch_info__free_unpacked
 * / labelq__list_batches_reply__free_unpacked; on failure *out is NULL. */

/* Creates batch name (1-64 of [A-Za-z0-9_.@-]) in project, with *priority
 * when priority is not NULL (else 0). With append, an existing batch of
 * that name is returned instead (its priority set when priority is given);
 * without, an existing name is LQ_ECONFLICT. A canceled batch takes no more
 * items: LQ_ECONFLICT. Durable when it returns. */
LQ_API int lq_batch_create(lq_client *c, const char *project, const char *name,
                           const int32_t *priority, bool append, Labelq__BatchInfo **out);

/* Every batch of project, in serving order. */
LQ_API int lq_batch_list(lq_client *c, const char *project, Labelq__ListBatchesReply **out);

/* One batch's state, counts, recent label rate and estimated time to
 * completion. */
LQ_API int lq_batch_get(lq_client *c, const char *project, const char *name,
                        Labelq__BatchInfo **out);

/* Pauses, resumes, cancels or reprioritizes a batch (priority is read for
 * PRIORITY only), stored before it returns; *out (may be NULL) gets the
 * batch as it is now. Pausing a paused batch, resuming an active one and
 * canceling a canceled one change nothing and succeed. Cancel is final:
 * any other change to a canceled batch is LQ_ECONFLICT and changes
 * nothing, as is any change while another change to the same batch is
 * being stored. */
LQ_API int lq_batch_update(lq_client *c, const char *project, const char *name,
                           Labelq__UpdateBatch__Action action, int32_t priority,
                           Labelq__BatchInfo **out);

/* ---- annotator work ---- */

/* Leases up to max_tasks tasks (0 means 1; the server caps it at its
 * max-lease-batch) of project, each with its deadline; waits up to wait_ms
 * (capped at the server's max-wait-ms) for work when none is ready, and
 * that wait does not count against the client's reply timeout. An empty
 * reply means no work for this annotator now (the project may be done, or
 * everything left was labeled, skipped or held by them). LQ_ENOTFOUND for
 * an unknown project; LQ_EPERM when the annotator is blocked from the
 * project by its gold accuracy (the message gives the figures). */
LQ_API int lq_lease(lq_client *c, const char *project, unsigned max_tasks, unsigned wait_ms,
                    Labelq__LeaseReply **out);
/* Submits a label for a task leased by this annotator, in the project's
 * label form (see proto/labelq.proto LabelType: a label name, a JSON array,
 * a number, text, spans or boxes); returns once it is stored durably. A
 * retry of an acknowledged submit with the same label succeeds again with
 * *duplicate = true (duplicate may be NULL). LQ_EBADREQ when the label does
 * not fit the schema (the message says why); LQ_EEXPIRED without a live
 * lease; LQ_ECONFLICT for a different label after one was stored, or when
 * the task's batch was canceled; LQ_EUNAVAIL when it could not be stored
 * (nothing was; retry). */
LQ_API int lq_submit(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
                     bool *duplicate);
/* lq_submit, then, once the label is stored, a lease in the same round
 * trip: "store this label, then lease me up to max_tasks more" (0 means 1;
 * the server caps it at its max-lease-batch). project NULL or "" means the
 * submitted task's project. The lease is the one lq_lease with wait_ms 0
 * makes (same order, distinct annotators, gold, batches); it never waits
 * for work. A retry answered as a duplicate leases too (tasks leased for a
 * reply that was lost stay leased to you until their deadline).
 *
 * The return value is about the label alone, as lq_submit's: 0 means
 * stored, any error means as for lq_submit, and then no lease was taken
 * (*next NULL, *lease_rc 0). After a 0 return, *lease_rc (may be NULL)
 * says how the lease went: 0 with *next the reply (possibly empty: no work
 * for you now), or LQ_ENOTFOUND (no such project), LQ_EPERM (blocked from
 * the project by its gold check), LQ_EUNAVAIL or LQ_EEXHAUSTED (or LQ_EPROTO
 * from a server that predates Submit.next and ignored it), with *next
 * NULL and the server's reason in lq_client_error. The caller frees *next
 * with labelq__lease_reply__free_unpacked. */
LQ_API int lq_submit_lease(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
                           const char *project, unsigned max_tasks, bool *duplicate,
                           Labelq__LeaseReply **next, int *lease_rc);
/* Extends this annotator's lease on task_id to seconds from now (0: the
 * project's lease TTL; capped at a day); *deadline_ms (may be NULL) gets
 * the new deadline in unix ms. LQ_EEXPIRED without a live lease;
 * LQ_ECONFLICT while a submit for it is being stored, or when its batch
 * was canceled (the lease then ends). */
LQ_API int lq_extend(lq_client *c, uint64_t task_id, unsigned seconds, uint64_t *deadline_ms);
/* Gives a leased task back at once; it may be offered to this annotator
 * again later (as after an expired lease). */
LQ_API int lq_release(lq_client *c, uint64_t task_id);
/* Gives a leased task back and declines it: the server does not offer it to
 * this annotator again. What a person's "skip" means. */
LQ_API int lq_skip(lq_client *c, uint64_t task_id);

#endif
