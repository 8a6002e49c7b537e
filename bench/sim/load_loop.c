/* One epoll loop over a share of the connections; see bench_load_loop.h. */
#include "bench/sim/load_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bench/sim/bench.h"

#define MAX_EVENTS 256
#define NS_PER_MS 1000000
#define NS_PER_S 1000000000
#define TICK_MS 100 /* how often a quiet loop looks at the clock and cancel */

/* Leaves a failed connection out of the loop (and out of the idle search). */
static void drop(load_loop *loop, int epfd, load_conn *lc)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, lc->fd, NULL);
    lc->dead = true;
    fprintf(stderr, BENCH_PROG ": a connection failed: %s\n", lc->err[0] ? lc->err : "?");
    loop->dead++;
}

/* Asks for EPOLLOUT only while output waits, so that an idle loop sleeps. */
static void watch(int epfd, load_conn *lc, bool *watching_out)
{
    if (lc->wants_write == *watching_out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (lc->wants_write ? EPOLLOUT : 0u), .data.ptr = lc};
    epoll_ctl(epfd, EPOLL_CTL_MOD, lc->fd, &ev);
    *watching_out = lc->wants_write;
}

static int wait_ms(const load_loop *loop)
{
    int64_t left = (loop->deadline_ns - bench_now_ns()) / NS_PER_MS + 1;
    return left < TICK_MS ? (int)(left > 0 ? left : 0) : TICK_MS;
}

/* The next idle connection after the last one started, or NULL. */
static load_conn *next_idle(load_loop *loop)
{
    for (size_t i = 0; i < loop->n; i++) {
        size_t at = (loop->cursor + i) % loop->n;
        if (load_conn_idle(&loop->conns[at])) {
            loop->cursor = at + 1;
            return &loop->conns[at];
        }
    }
    return NULL;
}

/* Starts every cycle due by now (and before the deadline) on an idle
 * connection; what finds none waits for the next call. */
static void start_due(load_loop *loop, int epfd, bool *watching_out, int64_t now)
{
    for (;;) {
        int64_t at = load_pacer_next(&loop->pacer);
        load_conn *lc;
        if (at > now || at >= loop->pacer.deadline_ns || !(lc = next_idle(loop)))
            return;
        if (load_conn_start(lc, &loop->stats, at) < 0) {
            drop(loop, epfd, lc);
            continue; /* the cycle goes to another connection */
        }
        watch(epfd, lc, &watching_out[lc - loop->conns]);
        loop->pacer.started++;
    }
}

/* Waits for events; paced, with a nanosecond timeout that wakes the loop
 * when the next cycle is due, since a millisecond late is a millisecond
 * charged to the server. */
static int wait_events(load_loop *loop, int epfd, struct epoll_event *events)
{
    if (loop->pacer.interval_ns <= 0)
        return epoll_wait(epfd, events, MAX_EVENTS, wait_ms(loop));
    int64_t now = bench_now_ns();
    int64_t until = now + (int64_t)TICK_MS * NS_PER_MS;
    int64_t due = load_pacer_next(&loop->pacer);
    if (due > now && due < until)
        until = due; /* when it is already due, only an event can help */
    if (loop->deadline_ns < until)
        until = loop->deadline_ns;
    int64_t left = until > now ? until - now : 0;
    struct timespec ts = {.tv_sec = (time_t)(left / NS_PER_S), .tv_nsec = (long)(left % NS_PER_S)};
    return epoll_pwait2(epfd, events, MAX_EVENTS, &ts, NULL);
}

void *load_loop_main(void *arg)
{
    load_loop *loop = arg;
    struct epoll_event events[MAX_EVENTS];
    bool *watching_out = calloc(loop->n ? loop->n : 1, sizeof *watching_out);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0 || !watching_out) {
        fprintf(stderr, BENCH_PROG ": starting a loop: %s\n", strerror(errno));
        loop->dead = loop->n;
        free(watching_out);
        if (epfd >= 0)
            close(epfd);
        return NULL;
    }
    for (size_t i = 0; i < loop->n; i++) {
        load_conn *lc = &loop->conns[i];
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = lc};
        watching_out[i] = false;
        lc->pacer = loop->pacer.interval_ns > 0 ? &loop->pacer : NULL;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, lc->fd, &ev) < 0 ||
            load_conn_pump(lc, &loop->stats, bench_now_ns()) < 0)
            drop(loop, epfd, lc);
        else
            watch(epfd, lc, &watching_out[i]);
    }
    while (!*loop->cancel && bench_now_ns() < loop->deadline_ns && loop->dead < loop->n) {
        if (loop->pacer.interval_ns > 0)
            start_due(loop, epfd, watching_out, bench_now_ns());
        int n = wait_events(loop, epfd, events);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            load_conn *lc = events[i].data.ptr;
            size_t at = (size_t)(lc - loop->conns);
            int rc = 0;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                rc = load_conn_readable(lc, &loop->stats, loop->deadline_ns);
            else if (events[i].events & EPOLLOUT)
                rc = load_conn_pump(lc, &loop->stats, bench_now_ns());
            if (rc < 0)
                drop(loop, epfd, lc);
            else
                watch(epfd, lc, &watching_out[at]);
        }
    }
    free(watching_out);
    close(epfd);
    return NULL;
}
