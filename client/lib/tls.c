#include "client/lib/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "client/lib/deadline.h"
#include "client/lib/labelq.h"

/* ALPN wire form: one length byte, then the name. */
static const unsigned char alpn_wire[] = "\x08" LQ_ALPN;

static const char ca_hint[] = "is --ca / LABELQ_CA the server's tls/ca.pem?";

static const char need_cert_hint[] =
    " (the server requires a client certificate: pass --cert and --key, or set LABELQ_CERT "
    "and LABELQ_KEY)";
static const char cert_refused_hint[] =
    " (the server did not accept our client certificate: is it signed by a CA in the "
    "server's --client-ca, valid now, and made for client authentication?)";

static bool is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The most specific words OpenSSL has for the failure at the top of its queue. */
static const char *openssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown error";
}

/* Refuses to ask for a passphrase: an encrypted key fails to load with a
 * message rather than prompting on whatever terminal there is. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Whether OpenSSL's last error says a key does not belong to a certificate. */
static bool key_mismatch(void)
{
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_X509 && (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH ||
                                              ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH);
}

/* Loads the client certificate chain in cert and its key (from key, or
 * from cert when key is NULL) into ctx. Returns 0 or LQ_ETLS with err
 * naming the file and the trouble. */
static int use_client_cert(SSL_CTX *ctx, const char *cert, const char *key, char *err,
                           size_t errlen)
{
    bool key_apart = key != NULL;
    if (!key)
        key = cert;
    const char *unreadable = access(cert, R_OK) != 0 ? cert : access(key, R_OK) != 0 ? key : NULL;
    if (unreadable) {
        snprintf(err, errlen, "TLS: cannot read client %s %s: %s",
                 unreadable == cert ? "certificate" : "key", unreadable, strerror(errno));
        return LQ_ETLS;
    }
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        snprintf(err, errlen,
                 "TLS: cannot load client certificate %s: %s (want PEM: the certificate, then "
                 "any intermediates)",
                 cert, openssl_reason());
        return LQ_ETLS;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        if (key_mismatch())
            snprintf(err, errlen, "TLS: client key %s does not match client certificate %s", key,
                     cert);
        else if (!key_apart)
            snprintf(err, errlen,
                     "TLS: no usable private key in client certificate file %s: %s (pass its "
                     "key with --key / LABELQ_KEY: unencrypted PEM)",
                     cert, openssl_reason());
        else
            snprintf(err, errlen,
                     "TLS: cannot load client key %s: %s (want an unencrypted PEM private key)",
                     key, openssl_reason());
        return LQ_ETLS;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(err, errlen, "TLS: client key %s does not match client certificate %s", key, cert);
        return LQ_ETLS;
    }
    return 0;
}

static SSL_CTX *new_ctx(const lq_client_options *opts, char *err, size_t errlen)
{
    const char *ca_file = opts->ca_file;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "TLS: cannot create a context: %s", openssl_reason());
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* OpenSSL reports a missing file as "system lib"; say what errno says. */
    if (ca_file && access(ca_file, R_OK) != 0) {
        snprintf(err, errlen, "TLS: cannot read CA file %s: %s (%s)", ca_file, strerror(errno),
                 ca_hint);
        goto fail;
    }
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(ctx);
    if (!ok) {
        if (ca_file)
            snprintf(err, errlen, "TLS: cannot load CA file %s: %s (%s)", ca_file, openssl_reason(),
                     ca_hint);
        else
            snprintf(err, errlen, "TLS: cannot load the system trust store: %s (pass --ca)",
                     openssl_reason());
        goto fail;
    }
    if (opts->cert_file && use_client_cert(ctx, opts->cert_file, opts->key_file, err, errlen) < 0)
        goto fail;
    /* Unlike most OpenSSL calls, this one returns 0 on success. */
    if (SSL_CTX_set_alpn_protos(ctx, alpn_wire, sizeof(alpn_wire) - 1) != 0) {
        snprintf(err, errlen, "TLS: cannot set ALPN: %s", openssl_reason());
        goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* Binds the expected identity: a name is checked against the certificate's
 * DNS names and sent as SNI; an address is checked against its IP entries
 * (SNI must not carry an address). */
static int set_peer_identity(SSL *ssl, const char *host, char *err, size_t errlen)
{
    int ok;
    if (is_ip_literal(host))
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
    else
        ok = SSL_set1_host(ssl, host) && SSL_set_tlsext_host_name(ssl, host);
    if (!ok)
        snprintf(err, errlen, "TLS: cannot set the expected server name %s: %s", host,
                 openssl_reason());
    return ok ? 0 : LQ_ETLS;
}

/* What to tell about a refused client certificate, given the reason of the
 * alert that ended the session: "" when the alert is about something else. */
static const char *client_cert_hint(SSL *ssl, unsigned long reason)
{
    bool have_cert = SSL_get_certificate(ssl) != NULL;
    switch (reason) {
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
        return have_cert ? cert_refused_hint : need_cert_hint;
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        /* TLS 1.2's answer to a missing certificate, but also to other
         * mismatches: only when the server asked for one. */
        return !have_cert && lq_tls_server_wants_cert(ssl) ? need_cert_hint : "";
    default:
        return "";
    }
}

bool lq_tls_server_wants_cert(SSL *ssl)
{
    /* On a client, the CA names the server sent with its certificate
     * request; labelqd sends them whenever it wants one. */
    const STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(ssl);
    return names && sk_X509_NAME_num(names) > 0;
}

/* Turns a failed handshake into a message that points at the likely cause. */
static int handshake_error(SSL *ssl, int ret, const char *host, char *err, size_t errlen)
{
    int e = SSL_get_error(ssl, ret);
    long vr = SSL_get_verify_result(ssl);

    if (e == SSL_ERROR_SSL && vr != X509_V_OK) {
        if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
            snprintf(err, errlen,
                     "TLS: the server's certificate is not valid for %s (connect with a name "
                     "or address the certificate lists, e.g. the one labelqd printed)",
                     host);
        else
            snprintf(err, errlen, "TLS: certificate verify failed for %s: %s (%s)", host,
                     X509_verify_cert_error_string(vr), ca_hint);
        return LQ_ETLS;
    }
    if (e == SSL_ERROR_SSL) {
        unsigned long code = ERR_peek_last_error();
        const char *hint = "";
        if (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER ||
            ERR_GET_REASON(code) == SSL_R_PACKET_LENGTH_TOO_LONG)
            hint = " (is this labelqd's TLS port?)";
        else if (ERR_GET_REASON(code) == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL)
            hint = " (the server does not speak " LQ_ALPN "; is this labelqd?)";
        else if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            hint = " (the server hung up; is this labelqd's TLS port?)";
        else
            hint = client_cert_hint(ssl, ERR_GET_REASON(code));
        snprintf(err, errlen, "TLS handshake with %s failed: %s%s", host, openssl_reason(), hint);
        return LQ_ETLS;
    }
    if (e == SSL_ERROR_SYSCALL && errno != 0) {
        snprintf(err, errlen, "TLS handshake with %s failed: %s", host, strerror(errno));
        return LQ_EIO;
    }
    snprintf(err, errlen,
             "TLS handshake with %s failed: the server closed the connection (is this "
             "labelqd's TLS port?)",
             host);
    return LQ_ECLOSED;
}

/* Waits for what OpenSSL asked for; returns 1 to retry, or 0 when the
 * failure is not a wait (the caller reports it), or a negative code. */
static int wait_for(SSL *ssl, int ret, int fd, int64_t deadline)
{
    switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ: {
        int rc = lq_deadline_wait_fd(fd, POLLIN, deadline);
        return rc < 0 ? rc : 1;
    }
    case SSL_ERROR_WANT_WRITE: {
        int rc = lq_deadline_wait_fd(fd, POLLOUT, deadline);
        return rc < 0 ? rc : 1;
    }
    default:
        return 0;
    }
}

static int check_alpn(SSL *ssl, const char *host, char *err, size_t errlen)
{
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    if (len == strlen(LQ_ALPN) && memcmp(proto, LQ_ALPN, len) == 0)
        return 0;
    snprintf(err, errlen,
             "TLS: %s did not select ALPN protocol " LQ_ALPN " (is it labelqd, and of a "
             "compatible version?)",
             host);
    return LQ_EPROTO;
}

int lq_tls_start(int fd, const char *host, const lq_client_options *opts, int64_t deadline,
                 SSL_CTX **ctx_out, SSL **ssl_out, char *err, size_t errlen)
{
    SSL *ssl = NULL;
    int rc = LQ_ETLS;

    *ctx_out = NULL;
    *ssl_out = NULL;
    ERR_clear_error();
    SSL_CTX *ctx = new_ctx(opts, err, errlen);
    if (!ctx)
        goto out;
    ssl = SSL_new(ctx);
    if (!ssl || !SSL_set_fd(ssl, fd)) {
        snprintf(err, errlen, "TLS: cannot create a session: %s", openssl_reason());
        goto out;
    }
    rc = set_peer_identity(ssl, host, err, errlen);
    if (rc < 0)
        goto out;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int ret = SSL_connect(ssl);
        if (ret == 1)
            break;
        rc = wait_for(ssl, ret, fd, deadline);
        if (rc == LQ_ETIMEDOUT)
            snprintf(err, errlen, "TLS handshake with %s timed out (is this labelqd's port?)",
                     host);
        else if (rc < 0)
            snprintf(err, errlen, "TLS handshake with %s: %s", host, strerror(errno));
        else if (rc == 0)
            rc = handshake_error(ssl, ret, host, err, errlen);
        if (rc <= 0)
            goto out;
    }
    rc = check_alpn(ssl, host, err, errlen);
out:
    if (rc < 0) {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        return rc;
    }
    *ctx_out = ctx;
    *ssl_out = ssl;
    return 0;
}

/* Reports a failed read or write that was not a wait. */
int lq_tls_io_error(SSL *ssl, int ret, const char *what, char *err, size_t errlen)
{
    int e = SSL_get_error(ssl, ret);
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0) ||
        (e == SSL_ERROR_SSL &&
         ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        snprintf(err, errlen, "the server closed the connection");
        return LQ_ECLOSED;
    }
    if (e == SSL_ERROR_SYSCALL) {
        snprintf(err, errlen, "%s failed: %s", what, strerror(errno));
        return errno == EPIPE || errno == ECONNRESET ? LQ_ECLOSED : LQ_EIO;
    }
    snprintf(err, errlen, "TLS %s failed: %s%s", what, openssl_reason(),
             client_cert_hint(ssl, ERR_GET_REASON(ERR_peek_last_error())));
    return LQ_ETLS;
}

int lq_tls_write(SSL *ssl, int fd, const void *buf, size_t len, int64_t deadline, char *err,
                 size_t errlen)
{
    const unsigned char *p = buf;
    while (len > 0) {
        size_t n = 0;
        ERR_clear_error();
        errno = 0;
        int ret = SSL_write_ex(ssl, p, len, &n);
        if (ret == 1) {
            p += n;
            len -= n;
            continue;
        }
        int rc = wait_for(ssl, ret, fd, deadline);
        if (rc == 1)
            continue;
        if (rc == LQ_ETIMEDOUT)
            snprintf(err, errlen, "timed out sending to the server");
        else if (rc < 0)
            snprintf(err, errlen, "send failed: %s", strerror(errno));
        else
            rc = lq_tls_io_error(ssl, ret, "send", err, errlen);
        return rc;
    }
    return 0;
}

int lq_tls_read(SSL *ssl, int fd, void *buf, size_t cap, size_t *n, int64_t deadline, char *err,
                size_t errlen)
{
    /* Read before polling: bytes OpenSSL already decrypted (SSL_pending)
     * never show up as readable on the socket. */
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int ret = SSL_read_ex(ssl, buf, cap, n);
        if (ret == 1)
            return 0;
        int rc = wait_for(ssl, ret, fd, deadline);
        if (rc == 1)
            continue;
        if (rc == LQ_ETIMEDOUT)
            snprintf(err, errlen, "timed out waiting for the server's reply");
        else if (rc < 0)
            snprintf(err, errlen, "receive failed: %s", strerror(errno));
        else
            rc = lq_tls_io_error(ssl, ret, "receive", err, errlen);
        return rc;
    }
}
