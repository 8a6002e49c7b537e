/* labelq error codes, shared by every layer.
 *
 * Functions return 0 or one of these negative codes. The first nine mirror the
 * wire's ErrorCode (LQ_E* == -LABELQ__ERROR_CODE__*), so a code travels from
 * storage through the daemon to a client unchanged. The rest are local
 * conditions that never cross the wire as such. */
#ifndef LQ_ERROR_H
#define LQ_ERROR_H

/* Marks a function liblabelq exports. The library is built with hidden
 * visibility, so a function of its installed headers (labelq.h, this file)
 * without LQ_API is not part of it. Defined here, the first public header
 * labelq.h includes, so that both use the one definition. */
#define LQ_API __attribute__((visibility("default")))

enum {
    LQ_OK = 0,
    LQ_EBADREQ = -1,     /* bad_request: the input is wrong; the message says how */
    LQ_EUNAUTH = -2,     /* unauthenticated: no or unknown token */
    LQ_EPERM = -3,       /* permission_denied: role or state forbids it */
    LQ_ENOTFOUND = -4,   /* not_found */
    LQ_ECONFLICT = -5,   /* conflict: already exists / state clash */
    LQ_EEXPIRED = -6,    /* lease_expired */
    LQ_EEXHAUSTED = -7,  /* resource_exhausted: a limit was hit */
    LQ_EUNAVAIL = -8,    /* unavailable: storage cannot write now; retry later */
    LQ_EINTERNAL = -9,   /* internal: a bug or an unexpected library failure */
    LQ_EIO = -20,        /* socket or file I/O failed (errno may say more) */
    LQ_ETLS = -21,       /* TLS handshake or record failure */
    LQ_EPROTO = -22,     /* peer sent something that is not our protocol */
    LQ_ENOMEM = -23,     /* allocation failed */
    LQ_EFRAME = -24,     /* frame longer than the configured limit */
    LQ_ECLOSED = -25,    /* the peer closed the connection */
    LQ_ETIMEDOUT = -26,  /* a deadline passed */
};

/* Returns a static, human-readable name for code. Cannot fail. */
LQ_API const char *lq_strerror(int code);

/* Maps a code to the wire's ErrorCode (local codes become INTERNAL,
 * except LQ_EFRAME/LQ_EPROTO which are BAD_REQUEST). Cannot fail. */
LQ_API int lq_error_to_wire(int code);

/* Maps a wire ErrorCode to an LQ_E* code. Cannot fail. */
LQ_API int lq_error_from_wire(int wire_code);

#endif
