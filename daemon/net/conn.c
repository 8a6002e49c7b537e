#include "daemon/net/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "daemon/net/dispatch.h"
#include "daemon/core/log.h"
#include "daemon/core/metrics.h"
#include "proto/error.h"

/* How long a closing connection may take to flush before it is cut off. */
#define CLOSE_LINGER_MS 5000

/* Reply buffer a connection keeps between loop iterations; a larger one (an
 * export chunk, a big lease batch) is freed once sent, so idle connections
 * stay small. */
#define OUT_KEEP_BYTES 16384

/* Ciphertext is read out of OpenSSL in pieces of at most this size. */
#define WIRE_SLAB_BYTES 65536

/* Arena for decoding a Lease/Submit/... request; a bigger one is decoded
 * with malloc. */
#define DECODE_ARENA_BYTES 16384

typedef struct write_req {
    uv_write_t req;
    lq_conn *conn;
    size_t len;
    char data[];
} write_req;

static void on_close(uv_handle_t *h)
{
    lq_conn *c = h->data;
    if (--c->handles_open == 0) {
        lq_metrics_conn_gone(c->srv);
        lq_conn_unref(c);
    }
}

void lq_conn_ref(lq_conn *c)
{
    c->refs++;
}

void lq_conn_unref(lq_conn *c)
{
    if (--c->refs > 0)
        return;
    SSL_free(c->ssl); /* frees both BIOs */
    lq_frame_reader_free(&c->reader);
    lq_frame_buf_free(&c->out);
    free(c);
}

static void close_handles(lq_conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_close);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_close);
    if (!uv_is_closing((uv_handle_t *)&c->flush))
        uv_close((uv_handle_t *)&c->flush, on_close);
}

static void on_linger_timeout(uv_timer_t *t)
{
    close_handles(t->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    lq_conn *c = req->data;
    free(req);
    close_handles(c);
}

/* Bytes produced for c and not yet taken by the kernel. Cannot fail. */
static size_t unsent(const lq_conn *c)
{
    return c->out.len + c->write_pending;
}

bool lq_conn_congested(const lq_conn *c)
{
    return unsent(c) >= c->srv->cfg->write_queue_high;
}

/* A stream waited stall_timeout_ms on a reader that took nothing: drop the
 * connection, or a client could hold a stream and its buffers for ever. */
static void on_stalled(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_log(LQ_LOG_WARN, "dropping a connection whose reader stopped reading", "peer=%s "
           "unsent=%zu stall_ms=%u", c->peer, unsent(c), c->srv->cfg->stall_timeout_ms);
    lq_conn_close(c, "stalled reader");
}

/* While a stream waits for c to drain, c's timer (idle once the Hello is
 * done; the linger timer takes it over at close) measures the time since
 * the kernel last took bytes. */
static void arm_stall_timer(lq_conn *c)
{
    uv_timer_start(&c->timer, on_stalled, c->srv->cfg->stall_timeout_ms, 0);
}

void lq_conn_wait_drain(lq_conn *c, lq_drain_waiter *w)
{
    if (c->closing) {
        w->abort(w);
        return;
    }
    if (!c->drain_waiters)
        arm_stall_timer(c);
    w->next = c->drain_waiters;
    c->drain_waiters = w;
}

/* Empties the list first: a resumed stream may park itself again. */
static void wake_drain_waiters(lq_conn *c, bool closing)
{
    lq_drain_waiter *w = c->drain_waiters;
    if (w && !closing)
        uv_timer_stop(&c->timer); /* drained: no longer stalled */
    c->drain_waiters = NULL;
    while (w) {
        lq_drain_waiter *next = w->next;
        w->next = NULL;
        if (closing)
            w->abort(w);
        else
            w->resume(w);
        w = next;
    }
}

/* Resumes the streams parked on c once its unsent output is below half of
 * write_queue_high. */
static void maybe_wake_drain_waiters(lq_conn *c)
{
    if (c->drain_waiters && !c->closing && unsent(c) < c->srv->cfg->write_queue_high / 2)
        wake_drain_waiters(c, false);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    lq_conn *c = w->conn;
    c->write_pending -= w->len;
    free(w);
    if (status < 0 && !c->closing)
        lq_conn_close(c, uv_strerror(status));
    else if (c->drain_waiters && !c->closing)
        arm_stall_timer(c); /* the reader took bytes: it is slow, not stalled */
    maybe_wake_drain_waiters(c);
    lq_conn_unref(c);
}

/* A socket write failed at once: the connection is over. */
static void write_failed(lq_conn *c, int status)
{
    if (c->closing)
        close_handles(c);
    else
        lq_conn_close(c, uv_strerror(status));
}

/* Queues len bytes from data behind whatever libuv still has to write. */
static void queue_write(lq_conn *c, const char *data, size_t len)
{
    write_req *w = malloc(sizeof(*w) + len);
    if (!w) {
        lq_log(LQ_LOG_ERROR, "out of memory sending", "peer=%s", c->peer);
        write_failed(c, UV_ENOMEM);
        return;
    }
    memcpy(w->data, data, len);
    w->len = len;
    w->conn = c;
    uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
    if (rc < 0) {
        free(w);
        write_failed(c, rc);
        return;
    }
    lq_conn_ref(c);
    c->write_pending += len;
}

/* Moves whatever OpenSSL produced for the network onto the socket: straight
 * into the kernel when libuv has nothing queued (no request, no callback),
 * and what the kernel does not take behind it in libuv's queue. */
static void flush_tls(lq_conn *c)
{
    static char slab[WIRE_SLAB_BYTES]; /* one loop thread: shared by every connection */
    size_t pending;
    while (!uv_is_closing((uv_handle_t *)&c->tcp) && (pending = BIO_ctrl_pending(c->wbio)) > 0) {
        int n = BIO_read(c->wbio, slab, (int)(pending < sizeof(slab) ? pending : sizeof(slab)));
        if (n <= 0)
            return;
        uv_buf_t buf = uv_buf_init(slab, (unsigned)n);
        /* UV_EAGAIN when the kernel is full or libuv still has writes
         * queued: then these bytes go behind them, keeping the order. */
        int done = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
        if (done < 0 && done != UV_EAGAIN) {
            write_failed(c, done);
            return;
        }
        if (done < 0)
            done = 0;
        if (done < n)
            queue_write(c, slab + done, (size_t)(n - done));
    }
}

/* Encrypts the replies queued on c and sends them. */
static void send_queued(lq_conn *c)
{
    if (c->out.len == 0)
        return;
    size_t written;
    /* A memory BIO never pushes back: a success wrote everything. */
    int ok = SSL_write_ex(c->ssl, c->out.data, c->out.len, &written);
    lq_frame_buf_clear(&c->out, OUT_KEEP_BYTES);
    if (ok != 1) {
        lq_conn_close(c, "tls write failed");
        return;
    }
    flush_tls(c);
    maybe_wake_drain_waiters(c);
}

static void on_flush_due(uv_idle_t *h)
{
    lq_conn *c = h->data;
    uv_idle_stop(h);
    send_queued(c);
}

void lq_conn_close(lq_conn *c, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    lq_log(LQ_LOG_DEBUG, "connection closed", "peer=%s reason=\"%s\"", c->peer, reason);
    lq_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->refusing)
        srv->n_refusing--;
    else
        srv->n_conns--;
    wake_drain_waiters(c, true);
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_idle_stop(&c->flush);
    if (c->handshaken) {
        /* Replies queued before the close (an Error saying why) go first. */
        send_queued(c);
        SSL_shutdown(c->ssl);
        flush_tls(c);
    }
    lq_frame_buf_free(&c->out);
    uv_timer_start(&c->timer, on_linger_timeout, CLOSE_LINGER_MS, 0);
    uv_shutdown_t *req = malloc(sizeof(*req));
    if (!req) {
        close_handles(c);
        return;
    }
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        close_handles(c);
    }
}

void lq_conn_send(lq_conn *c, const Labelq__Envelope *env)
{
    if (c->closing)
        return;
    /* Replies are sized by the server; the frame limit guards requests. A
     * reply that cannot be encoded is a bug, not the client's fault. */
    int rc = lq_frame_buf_append(&c->out, env, UINT32_MAX);
    if (rc) {
        lq_log(LQ_LOG_ERROR, "cannot encode reply", "peer=%s error=%s", c->peer, lq_strerror(rc));
        lq_conn_close(c, "encode failure");
        return;
    }
    /* Sent from the idle phase of the next loop iteration, so that every
     * reply produced for c until then (this iteration's I/O callbacks, the
     * next one's timers) shares one TLS write. An active idle handle keeps
     * the loop from blocking in poll first, wherever the reply came from. */
    if (!uv_is_active((uv_handle_t *)&c->flush))
        uv_idle_start(&c->flush, on_flush_due);
}

static void log_tls_failure(lq_conn *c, const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    lq_log(LQ_LOG_INFO, what, "peer=%s error=\"%s\"", c->peer, buf);
}

static void on_refusal_due(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_conn_send_error(c, c->held_id, c->held_code, "%s", c->held_msg);
    lq_conn_close(c, "delayed refusal sent");
}

void lq_conn_refuse_later(lq_conn *c, uint64_t id, int code, const char *msg, unsigned delay_ms)
{
    if (c->closing || c->held)
        return;
    c->held = true;
    c->held_id = id;
    c->held_code = code;
    snprintf(c->held_msg, sizeof(c->held_msg), "%s", msg);
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_start(&c->timer, on_refusal_due, delay_ms, 0);
}

/* A connection past max_connections: its first request, whatever it is,
 * learns why it is not served. */
static void refuse_over_limit(lq_conn *c, uint64_t id)
{
    lq_conn_send_error(c, id, LQ_EEXHAUSTED, "too many connections (limit %u); retry later",
                       c->srv->cfg->max_connections);
    lq_conn_close(c, "connection limit");
}

/* Whether a request of kind may be decoded into the loop's arena: its
 * handler keeps nothing of the request past lq_dispatch (audited: Hello
 * hashes the token; Lease, Submit, Extend and Release copy what they keep,
 * e.g. Submit's label and next project). Others (imports keep lines,
 * exports and reports names) are decoded with malloc. */
static bool arena_kind(Labelq__Envelope__BodyCase kind)
{
    switch (kind) {
    case LABELQ__ENVELOPE__BODY_HELLO:
    case LABELQ__ENVELOPE__BODY_LEASE:
    case LABELQ__ENVELOPE__BODY_SUBMIT:
    case LABELQ__ENVELOPE__BODY_EXTEND:
    case LABELQ__ENVELOPE__BODY_RELEASE:
        return true;
    default:
        return false;
    }
}

/* Decodes a request frame: the hot kinds into a static arena (one loop
 * thread, one request dispatched at a time), which saves an allocation and
 * free per field. The kind is read off the wire first, so other requests
 * (an import chunk of a megabyte) are decoded once, with malloc. Sets
 * *in_arena; an arena message is not to be freed. */
static Labelq__Envelope *decode_request(const uint8_t *frame, size_t len, bool *in_arena)
{
    static _Alignas(16) uint8_t mem[DECODE_ARENA_BYTES]; /* as arena_alloc aligns */
    static lq_frame_arena arena = {mem, sizeof(mem), 0};
    Labelq__Envelope *env = NULL;
    if (arena_kind((Labelq__Envelope__BodyCase)lq_frame_peek_body(frame, len)))
        env = lq_frame_decode_arena(&arena, frame, len);
    /* Checked again: a frame that repeats the oneof decodes to its last. */
    *in_arena = env && arena_kind(env->body_case);
    return *in_arena ? env : lq_frame_decode(frame, len);
}

/* Requests a second from which a connection keeps OpenSSL's record
 * buffers instead of freeing them after every record. */
#define BUSY_REQUESTS_PER_S 32

/* The TLS context frees a connection's record buffers (~34 KB) whenever
 * they empty (SSL_MODE_RELEASE_BUFFERS), so thousands of quiet annotators
 * cost little. A connection sending many requests a second would free and
 * allocate them for every record: it keeps them while it stays that busy,
 * and releases them again after a quieter second. */
static void note_request(lq_conn *c)
{
    uint64_t now = uv_now(c->srv->loop);
    if (now - c->burst_start >= 1000) {
        if (c->tls_buffers_kept && c->burst_requests < BUSY_REQUESTS_PER_S) {
            SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
            c->tls_buffers_kept = false;
        }
        c->burst_start = now;
        c->burst_requests = 0;
    }
    if (++c->burst_requests == BUSY_REQUESTS_PER_S && !c->tls_buffers_kept) {
        SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
        c->tls_buffers_kept = true;
    }
}

/* Hands every whole frame to the dispatcher. */
static void process_frames(lq_conn *c)
{
    const uint8_t *frame;
    size_t len;
    int rc;
    bool in_arena;
    while (!c->closing && !c->held &&
           (rc = lq_frame_reader_next(&c->reader, &frame, &len)) == 1) {
        Labelq__Envelope *env = decode_request(frame, len, &in_arena);
        if (c->refusing) {
            refuse_over_limit(c, env ? env->id : 0);
            if (env && !in_arena)
                labelq__envelope__free_unpacked(env, NULL);
            return;
        }
        if (!env) {
            lq_conn_send_error(c, 0, LQ_EBADREQ, "frame of %zu bytes is not a valid Envelope",
                               len);
            lq_conn_close(c, "undecodable frame");
            return;
        }
        note_request(c);
        lq_dispatch(c, env);
        if (!in_arena)
            labelq__envelope__free_unpacked(env, NULL);
    }
    if (!c->closing && !c->held && rc == LQ_EFRAME) {
        lq_conn_send_error(c, 0, LQ_EBADREQ, "frame exceeds the %zu-byte limit",
                           c->reader.max_frame);
        lq_conn_close(c, "oversize frame");
    }
}

static bool tls_handshake(lq_conn *c)
{
    int r = SSL_do_handshake(c->ssl);
    flush_tls(c);
    if (r == 1) {
        const unsigned char *proto;
        unsigned len;
        SSL_get0_alpn_selected(c->ssl, &proto, &len);
        if (len == 0) {
            /* Only labelq/1 is spoken here; a client that does not say so
             * is some other program on the wrong port. */
            lq_log(LQ_LOG_INFO, "tls client offered no ALPN", "peer=%s", c->peer);
            lq_metrics_count(c->srv, LQ_M_TLS_FAIL);
            lq_conn_close(c, "no alpn");
            return false;
        }
        c->handshaken = true;
        return true;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        log_tls_failure(c, "tls handshake failed");
        lq_metrics_count(c->srv, LQ_M_TLS_FAIL);
        lq_conn_close(c, "tls handshake failed");
    }
    return false;
}

static void read_plaintext(lq_conn *c)
{
    char buf[16384];
    for (;;) {
        int n = SSL_read(c->ssl, buf, sizeof(buf));
        if (n > 0) {
            if (lq_frame_reader_feed(&c->reader, buf, (size_t)n) < 0) {
                lq_conn_close(c, "out of memory");
                return;
            }
            /* Nothing left to decrypt: skip the call that would only say
             * SSL_ERROR_WANT_READ. */
            if (!SSL_has_pending(c->ssl) && BIO_ctrl_pending(c->rbio) == 0)
                break;
            continue;
        }
        int err = SSL_get_error(c->ssl, n);
        if (err == SSL_ERROR_WANT_READ)
            break;
        if (err == SSL_ERROR_ZERO_RETURN)
            lq_conn_close(c, "peer closed tls");
        else {
            log_tls_failure(c, "tls read failed");
            lq_conn_close(c, "tls read failed");
        }
        return;
    }
    flush_tls(c); /* TLS 1.3 may answer key updates */
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* One loop thread, and the bytes go into OpenSSL before the next read:
     * a single static buffer serves every connection. */
    static char slab[65536];
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(slab, sizeof(slab));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lq_conn *c = s->data;
    if (nread == 0 || c->closing || c->held)
        return;
    if (nread < 0) {
        lq_conn_close(c, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
        return;
    }
    if (BIO_write(c->rbio, buf->base, (int)nread) != nread) {
        lq_conn_close(c, "out of memory");
        return;
    }
    lq_conn_ref(c); /* dispatch may close c; keep it alive to the end */
    if (c->handshaken || tls_handshake(c))
        read_plaintext(c);
    process_frames(c);
    lq_conn_unref(c);
}

static void on_handshake_timeout(uv_timer_t *t)
{
    lq_conn *c = t->data;
    lq_log(LQ_LOG_INFO, "handshake timed out", "peer=%s", c->peer);
    lq_conn_close(c, "handshake/hello timeout");
}

static void peer_name(lq_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    char host[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
    c->addr = ss;
}

void lq_conn_accept(lq_server *srv)
{
    lq_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->srv = srv;
    c->refs = 1;
    c->tcp.data = c->timer.data = c->flush.data = c;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    uv_idle_init(srv->loop, &c->flush);
    c->handles_open = 3;
    lq_metrics_conn_open(srv);
    lq_frame_reader_init(&c->reader, srv->cfg->max_frame);
    /* Linked first so lq_conn_close's unlink is valid on every path. */
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) < 0) {
        lq_conn_close(c, "accept failed");
        return;
    }
    peer_name(c);
    if (srv->stopping) {
        lq_conn_close(c, "shutting down");
        return;
    }
    if (srv->n_conns > srv->cfg->max_connections) {
        /* Past the limit: the handshake still runs so that the client can
         * be told why (refuse_over_limit). Those cost TLS state until they
         * are told or time out, so only max_refusals of them at a time;
         * past that the socket is simply closed. */
        srv->n_conns--;
        srv->n_refusing++;
        c->refusing = true;
        bool tell = srv->n_refusing <= srv->cfg->max_refusals;
        lq_log(LQ_LOG_WARN, "connection refused: limit reached", "peer=%s limit=%u answered=%s",
               c->peer, srv->cfg->max_connections, tell ? "yes" : "no, too many refusals");
        if (!tell) {
            lq_conn_close(c, "connection limit");
            return;
        }
    }
    c->ssl = SSL_new(srv->ssl_ctx);
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->ssl || !c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        c->rbio = c->wbio = NULL;
        lq_conn_close(c, "out of memory");
        return;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_timer_start(&c->timer, on_handshake_timeout, srv->cfg->handshake_timeout_ms, 0);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}
