/* See raw_wire.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "raw_wire.h"

#define READ_STEP 65536
#define HANDSHAKE_TIMEOUT_S 5

int it_raw_tcp(const it_daemon *d)
{
    return it_raw_tcp_from(d, NULL);
}

int it_raw_tcp_from(const it_daemon *d, const char *src_ip)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (src_ip) {
        struct sockaddr_in src = {0};
        src.sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, src_ip, &src.sin_addr), 1);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
            fail_msg("cannot bind the client socket to %s: %s", src_ip, strerror(errno));
    }
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)d->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

void it_raw_open(it_raw *r, const it_daemon *d)
{
    it_raw_open_from(r, d, NULL);
}

void it_raw_open_from(it_raw *r, const it_daemon *d, const char *src_ip)
{
    static const unsigned char alpn[] = "\x08labelq/1";
    memset(r, 0, sizeof *r);
    r->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(r->ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(r->ctx, d->ca_file, NULL), 1);
    SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(SSL_CTX_set_alpn_protos(r->ctx, alpn, sizeof alpn - 1), 0);
    r->fd = it_raw_tcp_from(d, src_ip);
    /* the blocking handshake must not hang the test */
    struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT_S};
    setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    r->ssl = SSL_new(r->ctx);
    assert_non_null(r->ssl);
    SSL_set_fd(r->ssl, r->fd);
    if (SSL_connect(r->ssl) != 1)
        fail_msg("raw TLS handshake with the daemon failed: %s",
                 ERR_reason_error_string(ERR_get_error()));
    const unsigned char *sel = NULL;
    unsigned sel_len = 0;
    SSL_get0_alpn_selected(r->ssl, &sel, &sel_len);
    assert_true(sel_len == 8 && memcmp(sel, "labelq/1", 8) == 0);
    fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
}

/* Waits until fd is ready for the direction OpenSSL asked for; false on
 * timeout. */
static bool wait_io(int fd, int ssl_err, long long deadline)
{
    long long left = deadline - it_now_ms();
    if (left <= 0)
        return false;
    struct pollfd p = {.fd = fd, .events = ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
    return poll(&p, 1, (int)left) > 0;
}

bool it_raw_write(it_raw *r, const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    long long deadline = it_now_ms() + IT_RAW_READ_MS;
    while (len > 0) {
        int chunk = len > INT32_MAX ? INT32_MAX : (int)len;
        int n = SSL_write(r->ssl, p, chunk);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        int err = SSL_get_error(r->ssl, n);
        if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
            !wait_io(r->fd, err, deadline)) {
            ERR_clear_error();
            return false;
        }
    }
    return true;
}

bool it_raw_send(it_raw *r, const Labelq__Envelope *env)
{
    size_t n = labelq__envelope__get_packed_size(env);
    uint8_t *frame = malloc(IT_RAW_FRAME_HEADER + n);
    assert_non_null(frame);
    frame[0] = (uint8_t)(n >> 24);
    frame[1] = (uint8_t)(n >> 16);
    frame[2] = (uint8_t)(n >> 8);
    frame[3] = (uint8_t)n;
    labelq__envelope__pack(env, frame + IT_RAW_FRAME_HEADER);
    bool ok = it_raw_write(r, frame, IT_RAW_FRAME_HEADER + n);
    free(frame);
    return ok;
}

/* Takes one complete frame off the buffer if there is one. */
static bool take_frame(it_raw *r, it_raw_status *st, Labelq__Envelope **out)
{
    if (r->len < IT_RAW_FRAME_HEADER)
        return false;
    size_t n = (size_t)r->buf[0] << 24 | (size_t)r->buf[1] << 16 | (size_t)r->buf[2] << 8 |
               r->buf[3];
    if (r->len - IT_RAW_FRAME_HEADER < n)
        return false;
    *out = labelq__envelope__unpack(NULL, n, r->buf + IT_RAW_FRAME_HEADER);
    *st = *out ? IT_RAW_ENVELOPE : IT_RAW_GARBAGE;
    memmove(r->buf, r->buf + IT_RAW_FRAME_HEADER + n, r->len - IT_RAW_FRAME_HEADER - n);
    r->len -= IT_RAW_FRAME_HEADER + n;
    return true;
}

it_raw_status it_raw_read(it_raw *r, int timeout_ms, Labelq__Envelope **out)
{
    *out = NULL;
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        it_raw_status st;
        if (take_frame(r, &st, out))
            return st;
        if (r->cap - r->len < READ_STEP) {
            r->cap = r->cap * 2 + READ_STEP;
            r->buf = realloc(r->buf, r->cap);
            assert_non_null(r->buf);
        }
        int n = SSL_read(r->ssl, r->buf + r->len, (int)(r->cap - r->len > INT32_MAX
                                                             ? INT32_MAX
                                                             : r->cap - r->len));
        if (n > 0) {
            r->len += (size_t)n;
            continue;
        }
        int err = SSL_get_error(r->ssl, n);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            if (!wait_io(r->fd, err, deadline))
                return IT_RAW_TIMEOUT;
            continue;
        }
        ERR_clear_error();
        return IT_RAW_CLOSED; /* close_notify, EOF, reset or a fatal alert */
    }
}

void it_raw_hello(it_raw *r, const char *token)
{
    Labelq__Hello hello = LABELQ__HELLO__INIT;
    hello.token = (char *)token;
    hello.client = "labelq-it-raw/1";
    Labelq__Envelope env = LABELQ__ENVELOPE__INIT;
    env.id = 1;
    env.body_case = LABELQ__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    assert_true(it_raw_send(r, &env));
    Labelq__Envelope *reply = NULL;
    it_raw_status st = it_raw_read(r, IT_RAW_READ_MS, &reply);
    if (st != IT_RAW_ENVELOPE || reply->body_case != LABELQ__ENVELOPE__BODY_HELLO_REPLY)
        fail_msg("raw Hello: no HelloReply (status %d, body %d)", (int)st,
                 reply ? (int)reply->body_case : -1);
    assert_int_equal(reply->id, 1);
    labelq__envelope__free_unpacked(reply, NULL);
}

void it_raw_expect_error(it_raw *r, uint64_t id, Labelq__ErrorCode code, const char *what)
{
    Labelq__Envelope *e = NULL;
    it_raw_status st = it_raw_read(r, IT_RAW_READ_MS, &e);
    if (st != IT_RAW_ENVELOPE)
        fail_msg("%s: want Error{code %d} with id %llu, got %s", what, (int)code,
                 (unsigned long long)id,
                 st == IT_RAW_CLOSED    ? "a close without a message"
                 : st == IT_RAW_TIMEOUT ? "nothing within the timeout"
                                        : "a frame that is not an Envelope");
    if (e->body_case != LABELQ__ENVELOPE__BODY_ERROR) {
        int body = (int)e->body_case;
        labelq__envelope__free_unpacked(e, NULL);
        fail_msg("%s: want Error{code %d}, got an envelope with body %d", what, (int)code, body);
    }
    int got_code = (int)e->error->code;
    unsigned long long got_id = (unsigned long long)e->id;
    bool has_msg = e->error->message && e->error->message[0];
    labelq__envelope__free_unpacked(e, NULL);
    if (got_code != (int)code || got_id != id)
        fail_msg("%s: got Error{code %d} with id %llu, want code %d with id %llu", what, got_code,
                 got_id, (int)code, (unsigned long long)id);
    if (!has_msg)
        fail_msg("%s: the Error has no message for a person to read", what);
}

void it_raw_expect_close(it_raw *r, int timeout_ms, const char *what)
{
    long long deadline = it_now_ms() + timeout_ms;
    for (;;) {
        Labelq__Envelope *e = NULL;
        long long left = deadline - it_now_ms();
        it_raw_status st = it_raw_read(r, left > 0 ? (int)left : 0, &e);
        if (e)
            labelq__envelope__free_unpacked(e, NULL);
        if (st == IT_RAW_CLOSED)
            return;
        if (st == IT_RAW_TIMEOUT)
            fail_msg("%s: the daemon kept the connection open for %d ms", what, timeout_ms);
    }
}

void it_raw_close(it_raw *r)
{
    if (r->ssl)
        SSL_free(r->ssl);
    if (r->fd > 0)
        close(r->fd);
    if (r->ctx)
        SSL_CTX_free(r->ctx);
    free(r->buf);
    ERR_clear_error();
    memset(r, 0, sizeof *r);
}
