/* The labelq wire spoken by hand, for tests that must send what liblabelq
 * never would: raw bytes, bad lengths, reply bodies as requests, or a
 * connection that stops reading. One it_raw is one TLS connection (ALPN
 * labelq/1, server verified against the daemon's CA) with its own read
 * buffer. Framing is written out here rather than taken from proto/ so the
 * tests do not share a bug with the code under test. Functions assert with
 * cmocka unless they return a status. */
#ifndef IT_RAW_WIRE_H
#define IT_RAW_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "daemon_harness.h"

#define IT_RAW_FRAME_HEADER 4 /* big-endian length before each Envelope */
#define IT_RAW_READ_MS 5000   /* how long a reply or a close may take */

typedef struct it_raw {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    uint8_t *buf; /* bytes read and not yet consumed */
    size_t len, cap;
} it_raw;

typedef enum it_raw_status {
    IT_RAW_ENVELOPE, /* *out holds the next envelope */
    IT_RAW_CLOSED,   /* the server closed or reset the connection */
    IT_RAW_TIMEOUT,  /* nothing complete arrived in time */
    IT_RAW_GARBAGE,  /* the server sent a frame that is not an Envelope */
} it_raw_status;

/* A TCP connection to the daemon's port (no TLS); returns the fd. */
int it_raw_tcp(const it_daemon *d);

/* it_raw_tcp from the local address src_ip (a loopback address such as
 * 127.0.0.2), or from any address when src_ip is NULL. */
int it_raw_tcp_from(const it_daemon *d, const char *src_ip);

/* Connects and completes TLS with ALPN labelq/1; asserts the handshake. */
void it_raw_open(it_raw *r, const it_daemon *d);

/* it_raw_open from the local address src_ip (NULL: any). */
void it_raw_open_from(it_raw *r, const it_daemon *d, const char *src_ip);

/* Writes len bytes; returns false when the connection refused them. */
bool it_raw_write(it_raw *r, const void *bytes, size_t len);

/* Frames and writes env; returns false when the connection refused it. */
bool it_raw_send(it_raw *r, const Labelq__Envelope *env);

/* Reads the next envelope within timeout_ms. On IT_RAW_ENVELOPE the caller
 * frees *out with labelq__envelope__free_unpacked. */
it_raw_status it_raw_read(it_raw *r, int timeout_ms, Labelq__Envelope **out);

/* Sends Hello{token} with id 1 and asserts a HelloReply. */
void it_raw_hello(it_raw *r, const char *token);

/* Asserts the next envelope is Error{code} with the given id. what names the
 * case in failure messages. */
void it_raw_expect_error(it_raw *r, uint64_t id, Labelq__ErrorCode code, const char *what);

/* Asserts the server closes the connection within timeout_ms, discarding
 * any envelopes before the close. */
void it_raw_expect_close(it_raw *r, int timeout_ms, const char *what);

/* Frees everything; safe on a zeroed or already closed it_raw. */
void it_raw_close(it_raw *r);

#endif
