/* redis_load: the compare.sh client for Redis Streams (hiredis).
 *
 *   redis_load HOST PORT preload N BYTES   XGROUP CREATE, then N XADDs of
 *                                          BYTES bytes (pipelined)
 *   redis_load HOST PORT run W SECONDS     W consumers of one group, each
 *                                          repeating XREADGROUP COUNT 1 +
 *                                          XACK; prints JSON
 *
 * The consumers are W non-blocking hiredis contexts driven by one epoll
 * loop, each with one cycle in flight. A task's latency runs from sending
 * its XREADGROUP to receiving its XACK's reply, as labelq-bench's load mode
 * measures lease to acknowledged submit. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "bench/kit/histogram.h"
#include "bench/kit/clock.h"
#include "load_result.h"

#define STREAM "labelq-compare"
#define GROUP "workers"
#define PRELOAD_BATCH 1000
#define BLOCK_MS "1000"

typedef struct consumer {
    redisContext *c;
    char name[32];
    bool acking; /* waiting for XACK's reply, else XREADGROUP's */
    int64_t start_ns;
    bool out; /* EPOLLOUT is being watched */
} consumer;

/* Reserves that timed out on an empty queue: non-zero means it ran dry. */
static unsigned long long empty_reads;

static void die(const char *what, const redisContext *c)
{
    fprintf(stderr, "redis_load: %s: %s\n", what, c && c->err ? c->errstr : "failed");
    exit(1);
}

static void expect_ok(redisContext *c, redisReply *r, const char *what)
{
    if (!r || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "redis_load: %s: %s\n", what, r ? r->str : c->errstr);
        exit(1);
    }
    freeReplyObject(r);
}

static void preload(const char *host, int port, unsigned long n, size_t bytes)
{
    redisContext *c = redisConnect(host, port);
    char *data = malloc(bytes + 1);
    if (!c || c->err || !data)
        die("connect", c);
    memset(data, 'x', bytes);
    expect_ok(c, redisCommand(c, "XGROUP CREATE " STREAM " " GROUP " 0 MKSTREAM"), "XGROUP");
    for (unsigned long done = 0; done < n;) {
        unsigned long k = n - done < PRELOAD_BATCH ? n - done : PRELOAD_BATCH;
        for (unsigned long i = 0; i < k; i++)
            redisAppendCommand(c, "XADD " STREAM " * d %b", data, bytes);
        for (unsigned long i = 0; i < k; i++) {
            void *r;
            if (redisGetReply(c, &r) != REDIS_OK)
                die("XADD", c);
            expect_ok(c, r, "XADD");
        }
        done += k;
    }
    free(data);
    redisFree(c);
}

static void send_read(consumer *w)
{
    w->acking = false;
    w->start_ns = bench_now_ns();
    redisAppendCommand(
        w->c, "XREADGROUP GROUP " GROUP " %s COUNT 1 BLOCK " BLOCK_MS " STREAMS " STREAM " >",
        w->name);
}

/* The id of the one entry in an XREADGROUP reply; NULL when it timed out. */
static const char *entry_id(const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return NULL;
    const redisReply *stream = r->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2)
        return NULL;
    const redisReply *entries = stream->element[1];
    if (entries->type != REDIS_REPLY_ARRAY || entries->elements < 1)
        return NULL;
    const redisReply *entry = entries->element[0];
    return entry->type == REDIS_REPLY_ARRAY && entry->elements >= 1 ? entry->element[0]->str : NULL;
}

/* Handles one reply, queuing the next command. */
static void on_reply(consumer *w, redisReply *r, bench_histogram *h, int64_t deadline,
                     unsigned long long *done)
{
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "redis_load: %s\n", r->str);
        exit(1);
    }
    if (w->acking) {
        int64_t t = bench_now_ns();
        if (t < deadline) {
            bench_histogram_record(h, (uint64_t)(t - w->start_ns));
            (*done)++;
        }
        send_read(w);
        return;
    }
    const char *id = entry_id(r);
    if (!id) {
        empty_reads++;
        send_read(w);
        return;
    }
    w->acking = true;
    redisAppendCommand(w->c, "XACK " STREAM " " GROUP " %s", id);
}

/* Writes what w has queued; watches EPOLLOUT while some is left. */
static void flush(int ep, consumer *w)
{
    int empty = 0;
    if (redisBufferWrite(w->c, &empty) != REDIS_OK)
        die("write", w->c);
    if ((bool)!empty != w->out) {
        w->out = !empty;
        struct epoll_event ev = {.events = EPOLLIN | (w->out ? EPOLLOUT : 0u), .data.ptr = w};
        epoll_ctl(ep, EPOLL_CTL_MOD, w->c->fd, &ev);
    }
}

static void run(const char *host, int port, unsigned nw, double seconds)
{
    consumer *ws = calloc(nw, sizeof *ws);
    bench_histogram *h = malloc(sizeof *h);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (!ws || !h || ep < 0)
        die("setup", NULL);
    bench_histogram_init(h);
    for (unsigned i = 0; i < nw; i++) {
        consumer *w = &ws[i];
        /* Connect blocking, then drive the socket without blocking. */
        w->c = redisConnect(host, port);
        if (!w->c || w->c->err)
            die("connect", w->c);
        int one = 1;
        setsockopt(w->c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        w->c->flags &= ~REDIS_BLOCK;
        snprintf(w->name, sizeof w->name, "w%u", i);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
        epoll_ctl(ep, EPOLL_CTL_ADD, w->c->fd, &ev);
    }
    unsigned long long done = 0;
    empty_reads = 0;
    double cpu0 = bench_cpu_seconds();
    int64_t start = bench_now_ns(), deadline = start + (int64_t)(seconds * 1e9);
    for (unsigned i = 0; i < nw; i++) {
        send_read(&ws[i]);
        flush(ep, &ws[i]);
    }
    struct epoll_event evs[256];
    while (bench_now_ns() < deadline) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            consumer *w = evs[i].data.ptr;
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                if (redisBufferRead(w->c) != REDIS_OK)
                    die("read", w->c);
                void *r;
                while (redisGetReplyFromReader(w->c, &r) == REDIS_OK && r) {
                    on_reply(w, r, h, deadline, &done);
                    freeReplyObject(r);
                }
            }
            flush(ep, w);
        }
    }
    load_result_print(done, empty_reads, seconds, h, bench_cpu_seconds() - cpu0);
    for (unsigned i = 0; i < nw; i++)
        redisFree(ws[i].c);
    close(ep);
    free(ws);
    free(h);
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[3], "preload") == 0) {
        preload(argv[1], atoi(argv[2]), strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10));
        return 0;
    }
    if (argc == 6 && strcmp(argv[3], "run") == 0) {
        run(argv[1], atoi(argv[2]), (unsigned)strtoul(argv[4], NULL, 10), strtod(argv[5], NULL));
        return 0;
    }
    fprintf(stderr, "usage: redis_load HOST PORT preload N BYTES\n"
                    "       redis_load HOST PORT run WORKERS SECONDS\n");
    return 2;
}
