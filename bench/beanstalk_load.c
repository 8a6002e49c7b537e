/* beanstalk_load: the compare.sh client for beanstalkd (text protocol).
 *
 *   beanstalk_load HOST PORT preload N BYTES   put N jobs of BYTES bytes
 *   beanstalk_load HOST PORT run W SECONDS     W workers, each repeating
 *                                              reserve + delete; prints JSON
 *
 * The workers are W connections driven by one epoll loop, each with one
 * cycle in flight: send reserve, wait for the job, send delete, wait for
 * DELETED. A task's latency runs from sending its reserve to receiving its
 * DELETED, as labelq-bench's load mode measures lease to acknowledged
 * submit. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/kit/histogram.h"
#include "bench/kit/clock.h"
#include "load_result.h"

#define IN_CAP (1u << 20)
#define PRELOAD_BATCH 1000
#define JOB_TTR_S 600

typedef struct worker {
    int fd;
    char in[IN_CAP];
    size_t in_len;
    bool deleting;    /* waiting for DELETED, else for RESERVED */
    size_t body_left; /* bytes of a job body (plus CRLF) still to skip */
    unsigned long long job;
    int64_t start_ns;
} worker;

/* Reserves that timed out on an empty queue: non-zero means it ran dry. */
static unsigned long long empty_reads;

static void die(const char *what)
{
    fprintf(stderr, "beanstalk_load: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        die("resolve");
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0)
        die("connect");
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("send");
        buf += n;
        len -= (size_t)n;
    }
}

/* Puts n jobs, a batch of puts per write, counting INSERTED replies. */
static void preload(int fd, unsigned long n, size_t bytes)
{
    char head[64];
    int hl = snprintf(head, sizeof head, "put 0 0 %d %zu\r\n", JOB_TTR_S, bytes);
    size_t one = (size_t)hl + bytes + 2;
    char *batch = malloc(one * PRELOAD_BATCH);
    char rbuf[65536];
    if (!batch)
        die("malloc");
    for (size_t i = 0; i < PRELOAD_BATCH; i++) {
        char *p = batch + i * one;
        memcpy(p, head, (size_t)hl);
        memset(p + hl, 'x', bytes);
        memcpy(p + (size_t)hl + bytes, "\r\n", 2);
    }
    for (unsigned long done = 0; done < n;) {
        unsigned long k = n - done < PRELOAD_BATCH ? n - done : PRELOAD_BATCH;
        send_all(fd, batch, one * k);
        unsigned long replies = 0;
        while (replies < k) {
            ssize_t got = recv(fd, rbuf, sizeof rbuf, 0);
            if (got <= 0)
                die("recv");
            for (ssize_t i = 0; i < got; i++)
                replies += rbuf[i] == '\n';
        }
        done += k;
    }
    free(batch);
}

static void send_reserve(worker *w)
{
    /* Waits up to a second when the tube is empty, like a parked lease. */
    static const char cmd[] = "reserve-with-timeout 1\r\n";
    w->deleting = false;
    w->start_ns = bench_now_ns();
    send_all(w->fd, cmd, sizeof cmd - 1);
}

/* Handles the buffered replies of w, sending what comes next. */
static void on_input(worker *w, bench_histogram *h, int64_t deadline, unsigned long long *done)
{
    for (;;) {
        if (w->body_left) {
            size_t skip = w->body_left < w->in_len ? w->body_left : w->in_len;
            memmove(w->in, w->in + skip, w->in_len - skip);
            w->in_len -= skip;
            w->body_left -= skip;
            if (w->body_left)
                return;
            char cmd[64];
            int n = snprintf(cmd, sizeof cmd, "delete %llu\r\n", w->job);
            w->deleting = true;
            send_all(w->fd, cmd, (size_t)n);
            continue;
        }
        char *eol = memchr(w->in, '\n', w->in_len);
        if (!eol)
            return;
        size_t line = (size_t)(eol - w->in) + 1;
        size_t body = 0;
        if (!w->deleting && sscanf(w->in, "RESERVED %llu %zu", &w->job, &body) == 2) {
            w->body_left = body + 2;
        } else if (w->deleting && strncmp(w->in, "DELETED", 7) == 0) {
            int64_t t = bench_now_ns();
            if (t < deadline) {
                bench_histogram_record(h, (uint64_t)(t - w->start_ns));
                (*done)++;
            }
            send_reserve(w);
        } else if (!w->deleting && (strncmp(w->in, "TIMED_OUT", 9) == 0 ||
                                    strncmp(w->in, "DEADLINE_SOON", 13) == 0)) {
            empty_reads++;
            send_reserve(w);
        } else {
            fprintf(stderr, "beanstalk_load: unexpected reply: %.*s", (int)line, w->in);
            exit(1);
        }
        memmove(w->in, w->in + line, w->in_len - line);
        w->in_len -= line;
    }
}

static void run(const char *host, const char *port, unsigned nw, double seconds)
{
    worker *ws = calloc(nw, sizeof *ws);
    bench_histogram *h = malloc(sizeof *h);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!ws || !h || ep < 0)
        die("setup");
    bench_histogram_init(h);
    for (unsigned i = 0; i < nw; i++) {
        ws[i].fd = dial(host, port);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ws[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, ws[i].fd, &ev);
    }
    unsigned long long done = 0;
    empty_reads = 0;
    double cpu0 = bench_cpu_seconds();
    int64_t start = bench_now_ns(), deadline = start + (int64_t)(seconds * 1e9);
    for (unsigned i = 0; i < nw; i++)
        send_reserve(&ws[i]);
    struct epoll_event evs[256];
    while (bench_now_ns() < deadline) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            worker *w = evs[i].data.ptr;
            ssize_t got = recv(w->fd, w->in + w->in_len, IN_CAP - w->in_len, 0);
            if (got <= 0)
                die("recv");
            w->in_len += (size_t)got;
            on_input(w, h, deadline, &done);
        }
    }
    load_result_print(done, empty_reads, seconds, h, bench_cpu_seconds() - cpu0);
    for (unsigned i = 0; i < nw; i++)
        close(ws[i].fd);
    close(ep);
    free(ws);
    free(h);
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[3], "preload") == 0) {
        int fd = dial(argv[1], argv[2]);
        preload(fd, strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10));
        close(fd);
        return 0;
    }
    if (argc == 6 && strcmp(argv[3], "run") == 0) {
        run(argv[1], argv[2], (unsigned)strtoul(argv[4], NULL, 10), strtod(argv[5], NULL));
        return 0;
    }
    fprintf(stderr, "usage: beanstalk_load HOST PORT preload N BYTES\n"
                    "       beanstalk_load HOST PORT run WORKERS SECONDS\n");
    return 2;
}
