/* Opening the TCP connection to labelqd: parsing "host:port" and connecting
 * with a deadline. */
#ifndef LQ_DIAL_H
#define LQ_DIAL_H

#include <stddef.h>
#include <stdint.h>

/* Splits server ("host:port", "[v6]:port", or a bare host meaning port 7443)
 * into malloc'd *host and *port the caller frees. Returns 0 or LQ_EBADREQ
 * (message in err) or LQ_ENOMEM. */
int lq_dial_split(const char *server, char **host, char **port, char *err, size_t errlen);

/* Resolves host and connects to each address in turn until one answers
 * before the deadline. On success *fd is a non-blocking TCP socket with
 * TCP_NODELAY set; the caller closes it. On failure err says why, naming
 * server (the user's spelling) so the message matches what they typed.
 * Returns 0, LQ_EIO or LQ_ETIMEDOUT. */
int lq_dial(const char *server, const char *host, const char *port, int64_t deadline, int *fd,
            char *err, size_t errlen);

#endif
