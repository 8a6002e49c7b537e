/* Telling systemd how labelqd is doing (sd_notify). Without systemd, that
 * is without NOTIFY_SOCKET in the environment, every call does nothing. */
#ifndef LQ_NOTIFY_H
#define LQ_NOTIFY_H

#include <uv.h>

/* Watches for the first SIGTERM or SIGINT to send STOPPING=1. The watch
 * does not keep the loop alive and ends itself after that signal, so a
 * second signal gets the default action as before. */
typedef struct lq_notify {
    uv_signal_t term, intr;
} lq_notify;

/* Sends READY=1 (and STATUS= with the address) once labelqd accepts
 * connections, and starts the STOPPING=1 watch on loop. n must stay put
 * until the loop has run its close callbacks. Cannot fail: a notification
 * that cannot be sent is logged. */
void lq_notify_ready(lq_notify *n, uv_loop_t *loop, const char *listen);

#endif
