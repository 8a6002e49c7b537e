/* TLS material: the self-signed CA and server certificate made on first
 * start and renewed at later starts, and the server's SSL_CTX (TLS 1.2
 * minimum, ALPN labelq/1, and a client certificate required when
 * --client-ca is set). */
#ifndef LQ_TLS_H
#define LQ_TLS_H

#include <openssl/ssl.h>

#include "daemon/core/config.h"

/* Ensures DIR/tls/{ca.pem,ca.key,server.pem,server.key} exist (creating a
 * P-256 CA, pathlen 0, and a server certificate with SANs localhost,
 * 127.0.0.1, ::1 and cfg->sans when missing); renews a server certificate
 * that CA signed when it ends within 30 days (same key, names and CA; a
 * certificate another CA signed is only warned about); then builds the
 * server context into *out. With
 * cfg->client_ca set, the context requires every client to present a
 * certificate chaining to a CA in that PEM file; the file is read here, once.
 * Returns 0 or LQ_EIO / LQ_ETLS (logged: an unreadable or invalid client CA
 * file is LQ_ETLS). */
int lq_tls_setup(const lq_config *cfg, SSL_CTX **out);

#endif
