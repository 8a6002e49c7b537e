#include "client/lib/dial.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/lib/deadline.h"
#include "proto/error.h"

#define DEFAULT_PORT "7443"

int lq_dial_split(const char *server, char **host, char **port, char *err, size_t errlen)
{
    const char *h = server, *p = NULL;
    size_t hlen;

    *host = *port = NULL;
    if (server[0] == '[') {
        /* Brackets are the only way to tell a v6 address's colons from the port's. */
        const char *close = strchr(server, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            snprintf(err, errlen, "bad server address '%s' (expected [v6addr]:port)", server);
            return LQ_EBADREQ;
        }
        h = server + 1;
        hlen = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
    } else {
        const char *colon = strrchr(server, ':');
        if (colon && strchr(server, ':') != colon) {
            snprintf(err, errlen, "bad server address '%s' (write IPv6 as [addr]:port)", server);
            return LQ_EBADREQ;
        }
        hlen = colon ? (size_t)(colon - server) : strlen(server);
        if (colon)
            p = colon + 1;
    }
    if (hlen == 0 || (p && *p == '\0')) {
        snprintf(err, errlen, "bad server address '%s' (expected host:port)", server);
        return LQ_EBADREQ;
    }
    *host = strndup(h, hlen);
    *port = strdup(p ? p : DEFAULT_PORT);
    if (!*host || !*port) {
        free(*host);
        free(*port);
        *host = *port = NULL;
        snprintf(err, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    return 0;
}

/* Closes fd without losing the errno that explains why we gave up on it. */
static int give_up(int fd, int rc)
{
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Starts a non-blocking connect and waits for it; returns 0 or an LQ_E* code
 * with errno describing the failure. */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int *out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return LQ_EIO;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS)
            return give_up(fd, LQ_EIO);
        int rc = lq_deadline_wait_fd(fd, POLLOUT, deadline);
        if (rc == LQ_ETIMEDOUT)
            errno = ETIMEDOUT;
        if (rc < 0)
            return give_up(fd, rc);
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            return give_up(fd, LQ_EIO);
        if (soerr != 0) {
            errno = soerr;
            return give_up(fd, LQ_EIO);
        }
    }
    /* Requests are small and each waits for its reply; Nagle would add a
     * delayed-ACK round trip to every call. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *out = fd;
    return 0;
}

int lq_dial(const char *server, const char *host, const char *port, int64_t deadline, int *fd,
            char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = LQ_EIO, saved = 0;

    *fd = -1;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", server,
                 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return LQ_EIO;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = connect_one(ai, deadline, fd);
        if (rc == 0 || rc == LQ_ETIMEDOUT)
            break;
        saved = errno;
    }
    freeaddrinfo(res);
    if (rc == LQ_ETIMEDOUT)
        snprintf(err, errlen,
                 "cannot connect to %s: timed out (is the address right and the port reachable?)",
                 server);
    else if (rc < 0)
        snprintf(err, errlen, "cannot connect to %s: %s%s", server, strerror(saved),
                 saved == ECONNREFUSED ? " (is labelqd running?)" : "");
    return rc;
}
