/* The TLS channel to labelqd over a connected non-blocking socket: context
 * set-up, the verified handshake, and deadline-bounded reads and writes. */
#ifndef LQ_TLS_H
#define LQ_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "client/lib/labelq.h"

/* Runs the TLS handshake on fd: TLS 1.2 or newer, the peer certificate
 * verified against opts->ca_file (NULL: the system trust store) and host (a
 * name or an IP literal), ALPN labelq/1 required; opts->cert_file and
 * key_file, when set, are the client certificate offered to a server that
 * asks for one (see lq_client_connect). On success *ctx and *ssl are the
 * caller's to free (SSL_free, SSL_CTX_free); fd stays the caller's.
 * Returns 0, LQ_ETLS, LQ_EIO, LQ_ECLOSED or LQ_ETIMEDOUT with err saying why
 * and what to check. */
int lq_tls_start(int fd, const char *host, const lq_client_options *opts, int64_t deadline,
                 SSL_CTX **ctx, SSL **ssl, char *err, size_t errlen);

/* Whether the server asked for a client certificate in this session's
 * handshake (which labelqd does only with --client-ca). Cannot fail. */
bool lq_tls_server_wants_cert(SSL *ssl);

/* Writes all len bytes before the deadline. Returns 0, LQ_ETIMEDOUT,
 * LQ_ECLOSED, LQ_EIO or LQ_ETLS (err says why). */
int lq_tls_write(SSL *ssl, int fd, const void *buf, size_t len, int64_t deadline, char *err,
                 size_t errlen);

/* Reads what is available (at least one byte) before the deadline; *n gets
 * the count. Returns 0, LQ_ETIMEDOUT, LQ_ECLOSED, LQ_EIO or LQ_ETLS. */
int lq_tls_read(SSL *ssl, int fd, void *buf, size_t cap, size_t *n, int64_t deadline, char *err,
                size_t errlen);

/* Classifies a failed SSL_read_ex / SSL_write_ex (ret its return value)
 * that was not a WANT_READ / WANT_WRITE wait: LQ_ECLOSED for the peer's
 * close, LQ_EIO for a socket error, LQ_ETLS otherwise, with err saying so.
 * what names the operation ("send", "receive"). Call it before anything
 * else touches errno or OpenSSL's error queue. */
int lq_tls_io_error(SSL *ssl, int ret, const char *what, char *err, size_t errlen);

#endif
