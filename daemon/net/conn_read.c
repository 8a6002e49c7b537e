/* The read side of a connection: bytes from the socket go through the TLS
 * handshake and decryption into the frame reader, and every whole frame is
 * decoded and handed to the dispatcher. */
#include "daemon/net/conn_read.h"

#include <openssl/err.h>

#include "daemon/core/log.h"
#include "daemon/net/conn_write.h"
#include "daemon/net/dispatch.h"
#include "daemon/net/frame_check.h"
#include "proto/error.h"

/* Arena for decoding a Lease/Submit/... request; a bigger one is decoded
 * with malloc. */
#define DECODE_ARENA_BYTES 16384

/* Requests a second from which a connection keeps OpenSSL's record
 * buffers instead of freeing them after every record. */
#define BUSY_REQUESTS_PER_S 32

static void log_tls_failure(lq_conn *c, const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    lq_log(LQ_LOG_INFO, what, "peer=%s error=\"%s\"", c->base.name, buf);
}

/* A connection past max_connections: its first request, whatever it is,
 * learns why it is not served. */
static void refuse_over_limit(lq_conn *c, uint64_t id)
{
    lq_peer_error(&c->base, id, LQ_EEXHAUSTED, "too many connections (limit %u); retry later",
                  c->base.srv->cfg->max_connections);
    lq_peer_close(&c->base, "connection limit");
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

/* The TLS context frees a connection's record buffers (~34 KB) whenever
 * they empty (SSL_MODE_RELEASE_BUFFERS), so thousands of quiet annotators
 * cost little. A connection sending many requests a second would free and
 * allocate them for every record: it keeps them while it stays that busy,
 * and releases them again after a quieter second. */
static void note_request(lq_conn *c)
{
    uint64_t now = uv_now(c->base.srv->loop);
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

/* Whether c must not be read now: its unsent output is past
 * write-queue-high (it asks faster than it reads its replies), or it has
 * max-writes-per-connection requests with the writer (it pipelines faster
 * than they are stored). Then its requests wait in the socket, and TCP
 * pushes back on the client, instead of in labelqd's memory. */
static bool over_limits(const lq_conn *c)
{
    const lq_config *cfg = c->base.srv->cfg;
    return lq_conn_unsent(&c->base) >= cfg->write_queue_high ||
           c->base.writes >= cfg->max_writes_per_connection;
}

/* Stops reading c until lq_conn_resume finds it under its limits again. */
static void pause_reading(lq_conn *c)
{
    if (c->paused)
        return;
    c->paused = true;
    c->base.srv->n_paused++;
    uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Hands every whole frame to the dispatcher, as long as c stays under its
 * limits; the rest wait in the reader for lq_conn_resume. */
static void process_frames(lq_conn *c)
{
    const uint8_t *frame;
    size_t len;
    int rc = 0;
    bool in_arena;
    while (!c->base.closing && !c->held) {
        if (over_limits(c)) {
            pause_reading(c);
            return;
        }
        if ((rc = lq_frame_check_next(&c->base, &c->reader, &frame, &len)) == 0)
            break;
        if (rc < 0)
            continue; /* refused before decoding, and answered */
        Labelq__Envelope *env = decode_request(frame, len, &in_arena);
        if (c->refusing) {
            refuse_over_limit(c, env ? env->id : 0);
            if (env && !in_arena)
                labelq__envelope__free_unpacked(env, NULL);
            return;
        }
        if (!env) {
            lq_peer_error(&c->base, 0, LQ_EBADREQ, "frame of %zu bytes is not a valid Envelope",
                          len);
            lq_peer_close(&c->base, "undecodable frame");
            return;
        }
        note_request(c);
        lq_dispatch(&c->base, env);
        if (!in_arena)
            labelq__envelope__free_unpacked(env, NULL);
    }
}

static bool tls_handshake(lq_conn *c)
{
    int r = SSL_do_handshake(c->ssl);
    lq_conn_flush_tls(c);
    if (r == 1) {
        const unsigned char *proto;
        unsigned len;
        SSL_get0_alpn_selected(c->ssl, &proto, &len);
        if (len == 0) {
            /* Only labelq/1 is spoken here; a client that does not say so
             * is some other program on the wrong port. */
            lq_log(LQ_LOG_INFO, "tls client offered no ALPN", "peer=%s", c->base.name);
            lq_metrics_count(c->base.srv, LQ_M_TLS_FAIL);
            lq_peer_close(&c->base, "no alpn");
            return false;
        }
        c->handshaken = true;
        return true;
    }
    int err = SSL_get_error(c->ssl, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        c->tls_dead = true;
        log_tls_failure(c, "tls handshake failed");
        lq_metrics_count(c->base.srv, LQ_M_TLS_FAIL);
        lq_peer_close(&c->base, "tls handshake failed");
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
                lq_peer_close(&c->base, "out of memory");
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
        if (err == SSL_ERROR_ZERO_RETURN) {
            lq_peer_close(&c->base, "peer closed tls");
        } else {
            /* SSL_ERROR_SSL or _SYSCALL: OpenSSL sent its alert, if any; it
             * must not be asked to write or shut down after that. */
            c->tls_dead = true;
            log_tls_failure(c, "tls read failed");
            lq_peer_close(&c->base, "tls read failed");
        }
        return;
    }
    lq_conn_flush_tls(c); /* TLS 1.3 may answer key updates */
}

void lq_conn_resume(lq_conn *c)
{
    const lq_config *cfg = c->base.srv->cfg;
    if (!c->paused || c->base.closing || c->held ||
        lq_conn_unsent(&c->base) >= cfg->write_queue_high / 2 ||
        c->base.writes >= cfg->max_writes_per_connection)
        return;
    c->paused = false;
    c->base.srv->n_paused--;
    lq_peer_ref(&c->base); /* dispatch may close c */
    process_frames(c);     /* what was read before the pause */
    if (!c->paused && !c->base.closing && !c->held)
        uv_read_start((uv_stream_t *)&c->tcp, lq_conn_alloc, lq_conn_read);
    lq_peer_unref(&c->base);
}

void lq_conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* One loop thread, and the bytes go into OpenSSL before the next read:
     * a single static buffer serves every connection. */
    static char slab[65536];
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(slab, sizeof(slab));
}

void lq_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lq_conn *c = s->data;
    if (nread == 0 || c->base.closing || c->held)
        return;
    if (nread < 0) {
        lq_peer_close(&c->base, nread == UV_EOF ? "peer closed" : uv_strerror((int)nread));
        return;
    }
    if (BIO_write(c->rbio, buf->base, (int)nread) != nread) {
        lq_peer_close(&c->base, "out of memory");
        return;
    }
    lq_peer_ref(&c->base); /* dispatch may close c; keep it alive to the end */
    if (c->handshaken || tls_handshake(c))
        read_plaintext(c);
    process_frames(c);
    lq_peer_unref(&c->base);
}
