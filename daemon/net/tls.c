#include "daemon/net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "daemon/core/log.h"
#include "proto/error.h"

#define CA_DAYS 3650
#define SERVER_DAYS 825 /* the longest validity clients such as macOS accept */
/* A server certificate labelqd made is replaced at start when it ends
 * sooner than this: a month of restarts in which to pick up a new one. */
#define RENEW_DAYS 30
#define DAY_SECONDS (24LL * 3600)
#define ALPN "labelq/1"

/* Intermediate CA certificates a client's chain may have between its own
 * and a --client-ca root (OpenSSL's verify depth counts just those). */
#define CLIENT_VERIFY_DEPTH 3

/* Names this server's sessions: a client certificate checked in a session
 * stays checked when that session is resumed (and OpenSSL refuses to resume
 * one without it while it verifies clients). */
static const unsigned char SESSION_ID_CONTEXT[] = "labelqd";

static void log_ssl(const char *what)
{
    char buf[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    lq_log(LQ_LOG_ERROR, what, "error=\"%s\"", buf);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A new, unsigned certificate for key, issued by issuer (itself when NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, long days)
{
    X509 *cert = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    if (!cert || RAND_bytes(serial, sizeof(serial)) != 1)
        goto fail;
    serial[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
        goto fail;
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), days * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"labelq", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    BN_free(bn);
    return cert;
fail:
    BN_free(bn);
    X509_free(cert);
    return NULL;
}

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
    /* Keys are private to the daemon's user from the first byte on. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, key ? 0600 : 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        lq_log(LQ_LOG_ERROR, "cannot write TLS file", "path=%s error=\"%s\"", path,
               strerror(errno));
        return LQ_EIO;
    }
    int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                 : PEM_write_X509(f, cert);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        ok = 0;
    fclose(f);
    return ok ? 0 : LQ_EIO;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return c;
}

static char *san_list(const lq_config *cfg, char *buf, size_t len)
{
    int n = snprintf(buf, len, "DNS:localhost,IP:127.0.0.1,IP:::1");
    for (int i = 0; i < cfg->n_sans && n > 0 && (size_t)n < len; i++) {
        unsigned char tmp[16];
        const char *kind = (inet_pton(AF_INET, cfg->sans[i], tmp) == 1 ||
                            inet_pton(AF_INET6, cfg->sans[i], tmp) == 1)
                               ? "IP"
                               : "DNS";
        n += snprintf(buf + n, len - (size_t)n, ",%s:%s", kind, cfg->sans[i]);
    }
    return buf;
}

/* A server certificate for sk, valid SERVER_DAYS, signed by the CA (ca,
 * cak). It names what names holds (an old certificate's subjectAltName,
 * renewed) or, when names is NULL, the default names and cfg->sans (their
 * text left in sans). NULL on failure, with OpenSSL's error queue set. */
static X509 *issue_server_cert(const lq_config *cfg, X509 *ca, EVP_PKEY *cak, EVP_PKEY *sk,
                               X509_EXTENSION *names, char *sans, size_t len)
{
    X509 *sc = make_cert(sk, "labelqd", ca, SERVER_DAYS);
    if (!sc || add_ext(sc, ca, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(sc, ca, NID_key_usage, "critical,digitalSignature") ||
        add_ext(sc, ca, NID_ext_key_usage, "serverAuth") ||
        add_ext(sc, ca, NID_subject_key_identifier, "hash") ||
        add_ext(sc, ca, NID_authority_key_identifier, "keyid:always") ||
        (names ? !X509_add_ext(sc, names, -1)
               : add_ext(sc, ca, NID_subject_alt_name, san_list(cfg, sans, len))) ||
        !X509_sign(sc, cak, EVP_sha256())) {
        X509_free(sc);
        return NULL;
    }
    return sc;
}

/* Creates the CA (if missing) and a server certificate signed by it. */
static int create_certs(const lq_config *cfg, const char *dir)
{
    char ca_pem[4200], ca_key[4200], srv_pem[4200], srv_key[4200], sans[4096];
    snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
    snprintf(ca_key, sizeof(ca_key), "%s/ca.key", dir);
    snprintf(srv_pem, sizeof(srv_pem), "%s/server.pem", dir);
    snprintf(srv_key, sizeof(srv_key), "%s/server.key", dir);
    int rc = LQ_ETLS;
    EVP_PKEY *cak = NULL, *sk = NULL;
    X509 *ca = NULL, *sc = NULL;
    if (access(ca_pem, F_OK) == 0 && access(ca_key, F_OK) == 0) {
        cak = read_key(ca_key);
        ca = read_cert(ca_pem);
    } else {
        cak = EVP_EC_gen("P-256");
        ca = cak ? make_cert(cak, "labelq local CA", NULL, CA_DAYS) : NULL;
        /* pathlen:0: the CA signs server certificates, never another CA. */
        if (!ca || add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
            add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
            add_ext(ca, ca, NID_subject_key_identifier, "hash") ||
            !X509_sign(ca, cak, EVP_sha256()))
            goto out;
        if ((rc = write_pem(ca_key, cak, NULL)) || (rc = write_pem(ca_pem, NULL, ca)))
            goto out;
        rc = LQ_ETLS;
        lq_log(LQ_LOG_INFO, "created TLS CA", "path=%s", ca_pem);
    }
    if (!cak || !ca)
        goto out;
    sk = EVP_EC_gen("P-256");
    if (!sk || !(sc = issue_server_cert(cfg, ca, cak, sk, NULL, sans, sizeof(sans))))
        goto out;
    if ((rc = write_pem(srv_key, sk, NULL)) || (rc = write_pem(srv_pem, NULL, sc)))
        goto out;
    lq_log(LQ_LOG_INFO, "created TLS server certificate", "path=%s sans=\"%s\"", srv_pem, sans);
    rc = 0;
out:
    if (rc == LQ_ETLS)
        log_ssl("cannot create TLS certificates");
    EVP_PKEY_free(cak);
    EVP_PKEY_free(sk);
    X509_free(ca);
    X509_free(sc);
    return rc;
}

/* Seconds from now to cert's notAfter, negative once it has passed (and
 * when the time cannot be read, so that such a certificate counts as due). */
static long long seconds_left(const X509 *cert)
{
    int days, secs;
    if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
        return -1;
    return days * DAY_SECONDS + secs;
}

/* cert's notAfter as 2026-01-31T12:00:00Z. */
static const char *not_after(const X509 *cert, char *buf, size_t len)
{
    struct tm tm;
    if (!ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) ||
        !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, len, "?");
    return buf;
}

/* Whether leaf is the certificate labelqd made: signed by the CA whose
 * certificate is ca and key cak (DIR/tls/ca.*), for the key sk. */
static bool made_here(X509 *leaf, X509 *ca, EVP_PKEY *cak, EVP_PKEY *sk)
{
    bool ours = ca && cak && sk && X509_check_private_key(ca, cak) == 1 &&
                X509_check_issued(ca, leaf) == X509_V_OK && X509_verify(leaf, cak) == 1 &&
                X509_check_private_key(leaf, sk) == 1;
    ERR_clear_error(); /* a "no" leaves errors behind that are no failure */
    return ours;
}

/* Writes cert to path through path.tmp and a rename: a crash leaves the old
 * certificate or the new one, never half of one. */
static int replace_cert(const char *path, X509 *cert)
{
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int rc = write_pem(tmp, NULL, cert);
    if (rc == 0 && rename(tmp, path) != 0) {
        lq_log(LQ_LOG_ERROR, "cannot write TLS file", "path=%s error=\"%s\"", path,
               strerror(errno));
        rc = LQ_EIO;
    }
    if (rc)
        unlink(tmp);
    return rc;
}

/* Renews the server certificate in dir when labelqd made it (made_here)
 * and it ends within RENEW_DAYS: a new one for the same key and names,
 * signed by the same CA, so clients' ca.pem keeps working. Any other
 * certificate that ends so soon is the operator's: it is only warned
 * about. Cannot fail the start: a renewal that fails is logged and the old
 * certificate served; files that cannot be read are left to the load. */
static void renew_server_cert(const lq_config *cfg, const char *dir)
{
    char ca_pem[4200], ca_key[4200], srv_pem[4200], srv_key[4200], was[32], now[32];
    snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
    snprintf(ca_key, sizeof(ca_key), "%s/ca.key", dir);
    snprintf(srv_pem, sizeof(srv_pem), "%s/server.pem", dir);
    snprintf(srv_key, sizeof(srv_key), "%s/server.key", dir);
    X509 *leaf = read_cert(srv_pem), *ca = NULL, *fresh = NULL;
    EVP_PKEY *cak = NULL, *sk = NULL;
    if (!leaf || seconds_left(leaf) >= RENEW_DAYS * DAY_SECONDS)
        goto out;
    long long days = seconds_left(leaf) / DAY_SECONDS;
    if (access(ca_pem, F_OK) == 0 && access(ca_key, F_OK) == 0) {
        ca = read_cert(ca_pem);
        cak = read_key(ca_key);
    }
    sk = read_key(srv_key);
    if (!made_here(leaf, ca, cak, sk)) {
        lq_log(LQ_LOG_WARN,
               days < 0 ? "the TLS server certificate has expired; labelqd renews only "
                          "certificates it made: replace it"
                        : "the TLS server certificate expires soon; labelqd renews only "
                          "certificates it made: replace it",
               "path=%s not_after=%s days_left=%lld", srv_pem, not_after(leaf, was, sizeof(was)),
               days);
        goto out;
    }
    int i = X509_get_ext_by_NID(leaf, NID_subject_alt_name, -1);
    char sans[4096];
    fresh = issue_server_cert(cfg, ca, cak, sk, i >= 0 ? X509_get_ext(leaf, i) : NULL, sans,
                              sizeof(sans));
    if (!fresh) {
        log_ssl("cannot renew the TLS server certificate; serving the old one");
        goto out;
    }
    if (replace_cert(srv_pem, fresh) != 0) {
        lq_log(LQ_LOG_ERROR, "cannot renew the TLS server certificate; serving the old one",
               "path=%s", srv_pem);
        goto out;
    }
    lq_log(LQ_LOG_INFO, "renewed TLS server certificate", "path=%s old_not_after=%s not_after=%s",
           srv_pem, not_after(leaf, was, sizeof(was)), not_after(fresh, now, sizeof(now)));
out:
    X509_free(leaf);
    X509_free(ca);
    X509_free(fresh);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(sk);
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x08" ALPN;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL; /* only labelq/1 is spoken here */
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* Logs why a client's certificate was refused, before the handshake
 * failure is logged (with the peer) and counted by the connection. */
static int verify_client(int ok, X509_STORE_CTX *store)
{
    if (ok)
        return ok;
    char subject[256] = "?";
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (cert)
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
    /* The client wrote it: no quote may end the log field early. (OpenSSL
     * already escapes control characters.) */
    for (char *q = subject; (q = strpbrk(q, "\"\\"));)
        *q = '?';
    int err = X509_STORE_CTX_get_error(store);
    lq_log(LQ_LOG_INFO, "client certificate refused", "subject=\"%s\" depth=%d error=\"%s\"",
           subject, X509_STORE_CTX_get_error_depth(store), X509_verify_cert_error_string(err));
    return ok;
}

/* Makes ctx require a client certificate that chains to a CA in path. The
 * CA names are also sent to clients, so one holding several certificates
 * can pick the right one. Returns 0 or LQ_ETLS (logged). */
static int require_client_certs(SSL_CTX *ctx, const char *path)
{
    /* OpenSSL says "system lib" for a missing file; say what errno says. */
    if (access(path, R_OK) != 0) {
        lq_log(LQ_LOG_ERROR, "cannot read the client CA file (--client-ca)", "path=%s error=\"%s\"",
               path, strerror(errno));
        return LQ_ETLS;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(path);
    if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1 || !names) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        char buf[256] = "no PEM certificate in it";
        unsigned long e = ERR_peek_last_error();
        if (e)
            ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        lq_log(LQ_LOG_ERROR, "cannot load the client CA file (--client-ca wants PEM certificates)",
               "path=%s error=\"%s\"", path, buf);
        return LQ_ETLS;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_client);
    SSL_CTX_set_verify_depth(ctx, CLIENT_VERIFY_DEPTH);
    if (!SSL_CTX_set_session_id_context(ctx, SESSION_ID_CONTEXT, sizeof(SESSION_ID_CONTEXT) - 1)) {
        log_ssl("cannot set the TLS session id context");
        return LQ_ETLS;
    }
    lq_log(LQ_LOG_INFO, "client certificates required", "client_ca=%s cas=%d", path,
           sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)));
    return 0;
}

int lq_tls_setup(const lq_config *cfg, SSL_CTX **out)
{
    char dir[4096], pem[4200], key[4200];
    snprintf(dir, sizeof(dir), "%s/tls", cfg->data_dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        lq_log(LQ_LOG_ERROR, "cannot create TLS directory", "path=%s error=\"%s\"", dir,
               strerror(errno));
        return LQ_EIO;
    }
    snprintf(pem, sizeof(pem), "%s/server.pem", dir);
    snprintf(key, sizeof(key), "%s/server.key", dir);
    if (access(pem, F_OK) != 0 || access(key, F_OK) != 0) {
        int rc = create_certs(cfg, dir);
        if (rc)
            return rc;
    } else {
        renew_server_cert(cfg, dir);
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") ||
        SSL_CTX_use_certificate_chain_file(ctx, pem) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        log_ssl("cannot set up TLS (check DIR/tls/server.pem and server.key)");
        SSL_CTX_free(ctx);
        return LQ_ETLS;
    }
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    if (cfg->client_ca && *cfg->client_ca) {
        int rc = require_client_certs(ctx, cfg->client_ca);
        if (rc) {
            SSL_CTX_free(ctx);
            return rc;
        }
    }
    *out = ctx;
    return 0;
}
