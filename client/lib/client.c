/* The connection: open (TCP, TLS, Hello), framed send and receive, the
 * request/reply call, and error reporting. Typed calls live in calls.c. */
#include "client/lib/client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "client/lib/deadline.h"
#include "client/lib/dial.h"
#include "client/lib/tls.h"
#include "proto/frame.h"

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown"
#endif

#define DEFAULT_TIMEOUT_MS 30000
#define READ_CHUNK 65536
#define ERR_MAX 512

struct lq_client {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    int timeout_ms;  /* < 0: wait forever */
    size_t send_max; /* the smaller of our limit and the server's */
    uint64_t last_id;
    lq_frame_reader reader;
    char *annotator;
    Labelq__Role role;
    /* Set when the byte stream can no longer be trusted (a half-written
     * frame, a bad frame, a closed socket): every later call fails at once
     * instead of misreading the stream. */
    bool broken;
    char err[ERR_MAX];
    /* The message of the last Error the server pushed (id 0), which it
     * sends before it closes a connection on purpose: a call that then
     * finds the connection closed says why. */
    char pushed[ERR_MAX / 2];
};

int lq__client_fail(lq_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return code;
}

int lq__client_timeout(const lq_client *c)
{
    return c->timeout_ms;
}

int lq__client_fd(const lq_client *c)
{
    return c->fd;
}

SSL *lq__client_ssl(const lq_client *c)
{
    return c->ssl;
}

const char *lq__body_name(Labelq__Envelope__BodyCase body)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&labelq__envelope__descriptor, (unsigned)body);
    return f && body != LABELQ__ENVELOPE__BODY__NOT_SET ? f->name : "an empty message";
}

/* A transport failure leaves the stream in an unknown state. */
static int transport_failed(lq_client *c, int code)
{
    if (code != LQ_ETIMEDOUT)
        c->broken = true;
    return code;
}

static int check_usable(lq_client *c)
{
    if (!c->broken)
        return 0;
    /* Keep the original reason: it is the one the user can act on. */
    char first[ERR_MAX];
    snprintf(first, sizeof(first), "%s", c->err);
    return lq__client_fail(c, LQ_ECLOSED, "connection unusable after an earlier failure (%s)",
                           first[0] ? first : "unknown");
}

int lq_client_send(lq_client *c, Labelq__Envelope *req, uint64_t *id)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = check_usable(c);
    if (rc < 0)
        return rc;
    req->id = ++c->last_id;
    rc = lq_frame_encode(req, c->send_max, &buf, &len);
    if (rc == LQ_EFRAME)
        return lq__client_fail(c, rc, "request of %zu bytes is over the server's %zu-byte limit",
                               labelq__envelope__get_packed_size(req), c->send_max);
    if (rc < 0)
        return lq__client_fail(c, rc, "cannot encode request: %s", lq_strerror(rc));
    rc = lq_tls_write(c->ssl, c->fd, buf, len, lq_deadline_after(c->timeout_ms), c->err,
                      sizeof(c->err));
    free(buf);
    if (rc < 0) {
        /* Even a timed-out write may have sent part of the frame. */
        c->broken = true;
        return rc;
    }
    if (id)
        *id = req->id;
    return 0;
}

/* Receives the next envelope, whatever its id, before the deadline. */
static int recv_until(lq_client *c, Labelq__Envelope **reply, int64_t deadline)
{
    uint8_t chunk[READ_CHUNK];
    int rc = check_usable(c);

    *reply = NULL;
    while (rc == 0) {
        const uint8_t *frame;
        size_t len;
        rc = lq_frame_reader_next(&c->reader, &frame, &len);
        if (rc == 1) {
            *reply = lq_frame_decode(frame, len);
            if (*reply)
                return 0;
            lq__client_fail(c, LQ_EPROTO, "the server sent a message that is not labelq's");
            return transport_failed(c, LQ_EPROTO);
        }
        if (rc == LQ_EFRAME) {
            lq__client_fail(c, rc, "the server sent a frame over our %zu-byte limit",
                            c->reader.max_frame);
            return transport_failed(c, rc);
        }
        size_t n = 0;
        rc = lq_tls_read(c->ssl, c->fd, chunk, sizeof(chunk), &n, deadline, c->err, sizeof(c->err));
        if (rc < 0)
            return transport_failed(c, rc);
        rc = lq_frame_reader_feed(&c->reader, chunk, n);
        if (rc < 0)
            lq__client_fail(c, rc, "out of memory buffering a reply");
    }
    return rc;
}

int lq_client_recv(lq_client *c, Labelq__Envelope **reply, int timeout_ms)
{
    return recv_until(c, reply, lq_deadline_after(timeout_ms < 0 ? c->timeout_ms : timeout_ms));
}

/* Turns an Error reply into its code and message; frees the envelope. */
static int server_error(lq_client *c, Labelq__Envelope *reply)
{
    const Labelq__Error *e = reply->error;
    int code = e ? lq_error_from_wire(e->code) : LQ_EPROTO;
    if (code == 0)
        code = LQ_EPROTO;
    lq__client_fail(c, code, "%s", e && e->message[0] ? e->message : lq_strerror(code));
    labelq__envelope__free_unpacked(reply, NULL);
    return code;
}

int lq__client_call_timeout(lq_client *c, Labelq__Envelope *req, Labelq__Envelope **reply,
                            int timeout_ms)
{
    uint64_t id;
    *reply = NULL;
    int rc = lq_client_send(c, req, &id);
    if (rc < 0)
        return rc;
    int64_t deadline = lq_deadline_after(timeout_ms < 0 ? c->timeout_ms : timeout_ms);
    for (;;) {
        Labelq__Envelope *env;
        rc = recv_until(c, &env, deadline);
        if (rc == LQ_ECLOSED && c->pushed[0])
            return lq__client_fail(c, rc, "the server closed the connection: %s", c->pushed);
        if (rc < 0)
            return rc;
        if (env->id == 0 && env->body_case == LABELQ__ENVELOPE__BODY_ERROR && env->error)
            snprintf(c->pushed, sizeof(c->pushed), "%s", env->error->message);
        if (env->id == id) {
            if (env->body_case == LABELQ__ENVELOPE__BODY_ERROR)
                return server_error(c, env);
            *reply = env;
            return 0;
        }
        /* id 0 is a push nobody asked for here, a smaller id the late reply
         * (or export tail) of a request given up on; neither is ours. */
        bool stray = env->id < id;
        uint64_t got = env->id;
        labelq__envelope__free_unpacked(env, NULL);
        if (!stray) {
            lq__client_fail(c, LQ_EPROTO, "reply for request %llu arrived before %llu was sent",
                            (unsigned long long)got, (unsigned long long)id);
            return transport_failed(c, LQ_EPROTO);
        }
    }
}

int lq_client_call(lq_client *c, Labelq__Envelope *req, Labelq__Envelope **reply)
{
    return lq__client_call_timeout(c, req, reply, -1);
}

/* Says Hello and records who the server says we are. */
static int hello(lq_client *c, const lq_client_options *opts, int64_t deadline)
{
    Labelq__Hello h = LABELQ__HELLO__INIT;
    Labelq__Envelope req = LABELQ__ENVELOPE__INIT, *reply = NULL;
    h.token = (char *)opts->token;
    h.client = (char *)(opts->client_name ? opts->client_name : "liblabelq/" LABELQ_VERSION);
    req.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    req.hello = &h;

    int rc = lq__client_call_timeout(c, &req, &reply, lq_deadline_left(deadline));
    if (rc == LQ_EUNAUTH) {
        char msg[ERR_MAX];
        snprintf(msg, sizeof(msg), "%s", c->err);
        return lq__client_fail(c, rc,
                               "authentication failed: %s (check --token / LABELQ_TOKEN; "
                               "the admin token is in the data dir's admin.token)",
                               msg);
    }
    if ((rc == LQ_ECLOSED || rc == LQ_EIO) && lq_tls_server_wants_cert(c->ssl)) {
        /* Under TLS 1.3 a refused client certificate shows only now, and
         * may show as a plain close when the alert was lost to a reset. */
        char msg[ERR_MAX];
        snprintf(msg, sizeof(msg), "%s", c->err);
        return lq__client_fail(c, rc,
                               "no answer to hello: %s (the server asks for a client "
                               "certificate: %s)",
                               msg,
                               opts->cert_file ? "is ours signed by a CA in its --client-ca?"
                                               : "pass --cert and --key, or set LABELQ_CERT "
                                                 "and LABELQ_KEY");
    }
    if (rc == LQ_ETIMEDOUT || rc == LQ_ECLOSED) {
        /* TLS worked but the protocol did not: likely not labelqd. */
        char msg[ERR_MAX];
        snprintf(msg, sizeof(msg), "%s", c->err);
        return lq__client_fail(c, rc, "no answer to hello: %s (is this labelqd?)", msg);
    }
    if (rc < 0)
        return rc;
    if (reply->body_case != LABELQ__ENVELOPE__BODY_HELLO_REPLY) {
        rc = lq__client_fail(c, LQ_EPROTO, "the server answered hello with %s",
                             lq__body_name(reply->body_case));
        goto out;
    }
    const Labelq__HelloReply *hr = reply->hello_reply;
    c->annotator = strdup(hr->annotator);
    if (!c->annotator) {
        rc = lq__client_fail(c, LQ_ENOMEM, "out of memory");
        goto out;
    }
    c->role = hr->role;
    if (hr->max_frame > 0 && hr->max_frame < c->send_max)
        c->send_max = hr->max_frame;
out:
    labelq__envelope__free_unpacked(reply, NULL);
    return rc;
}

/* The TCP and TLS part of connecting. */
static int open_channel(lq_client *c, const lq_client_options *opts, int64_t deadline)
{
    const char *server = opts->server ? opts->server : LQ_DEFAULT_SERVER;
    char *host = NULL, *port = NULL;
    int rc = lq_dial_split(server, &host, &port, c->err, sizeof(c->err));
    if (rc < 0)
        goto out;
    rc = lq_dial(server, host, port, deadline, &c->fd, c->err, sizeof(c->err));
    if (rc < 0)
        goto out;
    rc = lq_tls_start(c->fd, host, opts, deadline, &c->ctx, &c->ssl, c->err, sizeof(c->err));
out:
    free(host);
    free(port);
    return rc;
}

int lq_client_connect(const lq_client_options *opts, lq_client **out, char *errbuf, size_t errlen)
{
    int rc;
    *out = NULL;
    lq_client *c = calloc(1, sizeof(*c));
    if (!c) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    c->fd = -1;
    c->timeout_ms = opts->timeout_ms == 0 ? DEFAULT_TIMEOUT_MS : opts->timeout_ms;
    c->send_max = opts->max_frame ? opts->max_frame : LQ_FRAME_DEFAULT_MAX;
    /* Replies may be larger than what we may send: one carries a whole
     * item plus its envelope, an export chunk a batch of lines. The server
     * bounds them well below this. */
    lq_frame_reader_init(&c->reader, c->send_max * LQ_REPLY_FRAME_FACTOR);

    if (opts->key_file && !opts->cert_file) {
        rc = lq__client_fail(c, LQ_EBADREQ,
                             "a client key (--key / LABELQ_KEY) without its certificate "
                             "(--cert / LABELQ_CERT)");
        goto out;
    }
    if (!opts->token || !opts->token[0]) {
        rc = lq__client_fail(c, LQ_EUNAUTH,
                             "no token (set --token, --token-file, LABELQ_TOKEN or "
                             "LABELQ_TOKEN_FILE)");
        goto out;
    }
    int64_t deadline = lq_deadline_after(c->timeout_ms);
    rc = open_channel(c, opts, deadline);
    if (rc == 0)
        rc = hello(c, opts, deadline);
out:
    if (rc < 0) {
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s", c->err);
        lq_client_close(c);
        return rc;
    }
    c->err[0] = '\0';
    *out = c;
    return 0;
}

void lq_client_close(lq_client *c)
{
    if (!c)
        return;
    if (c->ssl) {
        /* One try at close_notify; a slow peer must not hold up close. */
        if (!c->broken)
            SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    lq_frame_reader_free(&c->reader);
    free(c->annotator);
    free(c);
}

const char *lq_client_error(const lq_client *c)
{
    return c ? c->err : "";
}

const char *lq_client_annotator(const lq_client *c)
{
    return c->annotator ? c->annotator : "";
}

Labelq__Role lq_client_role(const lq_client *c)
{
    return c->role;
}
