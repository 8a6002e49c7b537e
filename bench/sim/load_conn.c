/* A pipelined, non-blocking annotator connection; see bench_load_conn.h. */
#include "bench/sim/load_conn.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "client/lib/client_internal.h"
#include "client/lib/tls.h"
#include "proto/envelope.h"
#include "bench/kit/clock.h"

#define READ_CHUNK 65536
#define NS_PER_MS 1000000

int64_t load_pacer_next(const load_pacer *pacer)
{
    return pacer->first_start_ns + (int64_t)((double)pacer->started * pacer->interval_ns);
}

bool load_pacer_claim(load_pacer *pacer, int64_t now_ns, int64_t *at)
{
    int64_t due = load_pacer_next(pacer);
    if (due > now_ns || due >= pacer->deadline_ns)
        return false;
    pacer->started++;
    *at = due;
    return true;
}

int load_conn_init(load_conn *lc, const load_params *p, lq_client *client, uint64_t seed,
                   unsigned index)
{
    memset(lc, 0, sizeof *lc);
    lc->p = p;
    lc->q_cap = p->lease_batch;
    lc->pending = calloc(p->inflight, sizeof *lc->pending);
    lc->queue = calloc(lc->q_cap, sizeof *lc->queue);
    if (!lc->pending || !lc->queue) {
        free(lc->pending);
        free(lc->queue);
        return LQ_ENOMEM;
    }
    lc->client = client;
    lc->fd = lq__client_fd(client);
    SSL *ssl = lq__client_ssl(client);
    /* Requests are appended to the output while an earlier write waits. */
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* One read(2) takes whatever the socket holds instead of one for each
     * record header and one for each record body; read_available stops
     * when nothing is buffered (SSL_has_pending). */
    SSL_set_read_ahead(ssl, 1);
    lc->ssl = ssl;
    /* liblabelq used id 1 for Hello. */
    lc->next_id = 2;
    lq_frame_reader_init(&lc->in, p->max_frame);
    bench_rng_seed(&lc->rng, seed, index);
    return 0;
}

void load_conn_free(load_conn *lc)
{
    lq_client_close(lc->client);
    lq_frame_reader_free(&lc->in);
    free(lc->out);
    free(lc->pending);
    free(lc->queue);
    memset(lc, 0, sizeof *lc);
}

/* Marks the connection failed; returns code. */
static int broken(load_conn *lc, load_stats *st, int code, const char *why)
{
    if (!lc->dead) {
        st->errors++;
        snprintf(lc->err, sizeof lc->err, "%s", why);
    }
    lc->dead = true;
    return code;
}

/* Encodes env with a fresh id onto the output and takes a window slot,
 * remembered as slot (whose id is set here). */
static int queue_request(load_conn *lc, load_stats *st, Labelq__Envelope *env, load_pending slot)
{
    uint8_t *frame;
    size_t len;
    env->id = lc->next_id++;
    int rc = lq_frame_encode(env, LQ_FRAME_DEFAULT_MAX, &frame, &len);
    if (rc < 0)
        return broken(lc, st, rc, "cannot encode a request");
    if (lc->out_len + len > lc->out_cap) {
        size_t cap = lc->out_cap ? lc->out_cap : 4096;
        while (cap < lc->out_len + len)
            cap *= 2;
        uint8_t *grown = realloc(lc->out, cap);
        if (!grown) {
            free(frame);
            return broken(lc, st, LQ_ENOMEM, "out of memory");
        }
        lc->out = grown;
        lc->out_cap = cap;
    }
    memcpy(lc->out + lc->out_len, frame, len);
    lc->out_len += len;
    free(frame);
    slot.id = env->id;
    lc->pending[lc->n_pending++] = slot;
    return 0;
}

static int send_lease(load_conn *lc, load_stats *st, int64_t now_ns)
{
    Labelq__Lease m = LABELQ__LEASE__INIT;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    m.project = (char *)lc->p->project;
    m.max_tasks = lc->p->lease_batch;
    m.wait_ms = lc->p->wait_ms;
    lq_envelope_wrap(&env, 0, LABELQ__ENVELOPE__BODY_LEASE, &m);
    lc->lease_out = true;
    return queue_request(lc, st, &env, (load_pending){.start_ns = now_ns});
}

/* Whether the Submit about to go out should also lease: chained, no lease
 * out and no other task in hand, and (paced) a cycle due, which it takes.
 * *start_ns gets where the leased tasks' latency starts. */
static bool chain_next(load_conn *lc, int64_t now_ns, int64_t *start_ns)
{
    if (!lc->p->chain || lc->lease_out || lc->q_len > 0)
        return false;
    *start_ns = now_ns;
    return !lc->pacer || load_pacer_claim(lc->pacer, now_ns, start_ns);
}

static int send_submit(load_conn *lc, load_stats *st, const load_pending *task, int64_t now_ns)
{
    Labelq__Submit m = LABELQ__SUBMIT__INIT;
    Labelq__Lease next = LABELQ__LEASE__INIT;
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    load_pending slot = {.task_id = task->task_id, .start_ns = task->start_ns};
    m.task_id = task->task_id;
    m.label = lc->p->labels[bench_rng_below(&lc->rng, lc->p->n_labels)];
    m.duration_ms = (uint32_t)((now_ns - task->start_ns) / NS_PER_MS);
    if (chain_next(lc, now_ns, &slot.next_start_ns)) {
        next.max_tasks = lc->p->lease_batch; /* project "": the task's */
        m.next = &next;
        slot.chained = true;
        lc->lease_out = true;
    }
    lq_envelope_wrap(&env, 0, LABELQ__ENVELOPE__BODY_SUBMIT, &m);
    return queue_request(lc, st, &env, slot);
}

/* Writes the output; sets wants_write when the socket is full. */
static int flush(load_conn *lc, load_stats *st)
{
    lc->wants_write = false;
    if (lc->out_len == 0)
        return 0;
    size_t n = 0;
    ERR_clear_error();
    int ret = SSL_write_ex(lc->ssl, lc->out, lc->out_len, &n);
    if (ret == 1) {
        /* Without SSL_MODE_ENABLE_PARTIAL_WRITE a success writes it all. */
        lc->out_len = 0;
        return 0;
    }
    int e = SSL_get_error(lc->ssl, ret);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        lc->wants_write = e == SSL_ERROR_WANT_WRITE;
        return 0;
    }
    char why[200];
    int rc = lq_tls_io_error(lc->ssl, ret, "send", why, sizeof why);
    return broken(lc, st, rc, why);
}

int load_conn_pump(load_conn *lc, load_stats *st, int64_t now_ns)
{
    int rc = 0;
    if (lc->dead)
        return LQ_ECLOSED;
    while (rc == 0 && lc->n_pending < lc->p->inflight) {
        if (lc->q_len > 0) {
            load_pending task = lc->queue[lc->q_head];
            lc->q_head = (lc->q_head + 1) % lc->q_cap;
            lc->q_len--;
            rc = send_submit(lc, st, &task, now_ns);
        } else if (!lc->lease_out && !lc->p->paced) {
            rc = send_lease(lc, st, now_ns);
        } else {
            break;
        }
    }
    return rc < 0 ? rc : flush(lc, st);
}

bool load_conn_idle(const load_conn *lc)
{
    return !lc->dead && !lc->lease_out && lc->q_len == 0 && lc->n_pending < lc->p->inflight;
}

int load_conn_start(load_conn *lc, load_stats *st, int64_t scheduled_ns)
{
    if (lc->dead)
        return LQ_ECLOSED;
    int rc = send_lease(lc, st, scheduled_ns);
    return rc < 0 ? rc : flush(lc, st);
}

/* Removes and returns the window slot of id; false when there is none. */
static bool take_pending(load_conn *lc, uint64_t id, load_pending *out)
{
    for (unsigned i = 0; i < lc->n_pending; i++) {
        if (lc->pending[i].id == id) {
            *out = lc->pending[i];
            lc->pending[i] = lc->pending[--lc->n_pending];
            return true;
        }
    }
    return false;
}

/* Queues the tasks of a lease (a LeaseReply or a SubmitReply's next). */
static void take_leased(load_conn *lc, load_stats *st, const Labelq__LeaseReply *r,
                        int64_t start_ns)
{
    st->leases++;
    if (r->n_tasks == 0)
        st->empty_leases++;
    for (size_t i = 0; i < r->n_tasks && lc->q_len < lc->q_cap; i++) {
        size_t at = (lc->q_head + lc->q_len++) % lc->q_cap;
        lc->queue[at] = (load_pending){.task_id = r->tasks[i]->task_id, .start_ns = start_ns};
    }
}

static void on_lease_reply(load_conn *lc, load_stats *st, const Labelq__Envelope *env,
                           int64_t start_ns)
{
    lc->lease_out = false;
    if (env->body_case != LABELQ__ENVELOPE__BODY_LEASE_REPLY) {
        st->errors++;
        return;
    }
    take_leased(lc, st, env->lease_reply, start_ns);
}

/* Whether a lease error means that leasing again cannot help. */
static bool lease_hopeless(int code)
{
    return code == LQ_ENOTFOUND || code == LQ_EPERM || code == LQ_EUNAUTH;
}

/* The lease part of a chained Submit's reply. An Error reply stored
 * nothing and leased nothing: the next lease is a plain one. Returns 0 or
 * a negative code (leasing cannot go on). */
static int on_chained_lease(load_conn *lc, load_stats *st, const Labelq__Envelope *env,
                            int64_t start_ns)
{
    lc->lease_out = false;
    if (env->body_case != LABELQ__ENVELOPE__BODY_SUBMIT_REPLY)
        return 0;
    const Labelq__SubmitReply *r = env->submit_reply;
    if (r->next) {
        st->chained_leases++;
        take_leased(lc, st, r->next, start_ns);
        return 0;
    }
    const Labelq__Error *e = r->next_error;
    if (!e)
        return broken(lc, st, LQ_EPROTO,
                      "the server ignored Submit.next (is it older than --chain?)");
    int code = lq_error_from_wire(e->code);
    if (lease_hopeless(code))
        return broken(lc, st, code, e->message);
    st->errors++;
    return 0;
}

static void on_submit_reply(load_stats *st, const Labelq__Envelope *env, int64_t start_ns,
                            int64_t now_ns, int64_t deadline_ns)
{
    if (env->body_case != LABELQ__ENVELOPE__BODY_SUBMIT_REPLY) {
        st->errors++;
        if (env->body_case == LABELQ__ENVELOPE__BODY_ERROR && env->error &&
            lq_error_from_wire(env->error->code) == LQ_EEXPIRED)
            st->expired++;
        return;
    }
    if (now_ns >= deadline_ns)
        return;
    st->completed++;
    bench_histogram_record(&st->latency, (uint64_t)(now_ns - start_ns));
}

/* Handles one reply. Returns 0 or a negative code (the connection failed). */
static int on_reply(load_conn *lc, load_stats *st, const Labelq__Envelope *env, int64_t deadline_ns)
{
    load_pending req;
    if (env->id == 0)
        return broken(lc, st, LQ_EPROTO,
                      env->error && env->error->message[0] ? env->error->message
                                                           : "the server closed the connection");
    if (!take_pending(lc, env->id, &req))
        return broken(lc, st, LQ_EPROTO, "a reply to a request never sent");
    if (req.task_id == 0) {
        if (env->body_case == LABELQ__ENVELOPE__BODY_ERROR && env->error) {
            int code = lq_error_from_wire(env->error->code);
            /* The project is gone or we may not lease: retrying cannot help. */
            if (lease_hopeless(code))
                return broken(lc, st, code, env->error->message);
        }
        on_lease_reply(lc, st, env, req.start_ns);
    } else {
        on_submit_reply(st, env, req.start_ns, bench_now_ns(), deadline_ns);
        if (req.chained)
            return on_chained_lease(lc, st, env, req.next_start_ns);
    }
    return 0;
}

/* Reads and buffers what has arrived. Returns 0 or a negative code. */
static int read_available(load_conn *lc, load_stats *st)
{
    uint8_t chunk[READ_CHUNK];
    for (;;) {
        size_t n = 0;
        ERR_clear_error();
        int ret = SSL_read_ex(lc->ssl, chunk, sizeof chunk, &n);
        if (ret == 1) {
            if (lq_frame_reader_feed(&lc->in, chunk, n) < 0)
                return broken(lc, st, LQ_ENOMEM, "out of memory buffering replies");
            /* Nothing buffered: the socket is empty as far as we know, and
             * the loop's level-triggered epoll reports it when it is not,
             * so skip the read(2) that would only say EAGAIN. */
            if (!SSL_has_pending(lc->ssl))
                return 0;
            continue;
        }
        int e = SSL_get_error(lc->ssl, ret);
        if (e == SSL_ERROR_WANT_READ)
            return 0;
        if (e == SSL_ERROR_WANT_WRITE) {
            lc->wants_write = true;
            return 0;
        }
        char why[200];
        int rc = lq_tls_io_error(lc->ssl, ret, "receive", why, sizeof why);
        return broken(lc, st, rc, why);
    }
}

int load_conn_readable(load_conn *lc, load_stats *st, int64_t deadline_ns)
{
    if (lc->dead)
        return LQ_ECLOSED;
    int rc = read_available(lc, st);
    for (;;) {
        const uint8_t *frame;
        size_t len;
        int got = lq_frame_reader_next(&lc->in, &frame, &len);
        if (got == LQ_EFRAME)
            return broken(lc, st, got, "the server sent an oversized frame");
        if (got == 0)
            break;
        Labelq__Envelope *env = lq_frame_decode(frame, len);
        if (!env)
            return broken(lc, st, LQ_EPROTO, "the server sent a message that is not labelq's");
        int hrc = on_reply(lc, st, env, deadline_ns);
        labelq__envelope__free_unpacked(env, NULL);
        if (hrc < 0)
            return hrc;
    }
    if (rc < 0)
        return rc;
    return load_conn_pump(lc, st, bench_now_ns());
}
