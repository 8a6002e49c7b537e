#include "daemon/server/notify.h"

#include <signal.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon/core/log.h"

static void send_state(const char *state, const char *listen)
{
    int rc =
        listen ? sd_notifyf(0, "%s\nSTATUS=listening on %s", state, listen) : sd_notify(0, state);
    if (rc < 0)
        lq_log(LQ_LOG_WARN, "cannot notify systemd", "state=%s error=\"%s\"", state, strerror(-rc));
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    lq_notify *n = h->data;
    send_state("STOPPING=1", NULL);
    uv_close((uv_handle_t *)&n->term, NULL);
    uv_close((uv_handle_t *)&n->intr, NULL);
}

void lq_notify_ready(lq_notify *n, uv_loop_t *loop, const char *listen)
{
    /* Watch first: the manager may send SIGTERM as soon as it reads READY=1. */
    uv_signal_t *hs[] = {&n->term, &n->intr};
    int signums[] = {SIGTERM, SIGINT};
    for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
        uv_signal_init(loop, hs[i]);
        hs[i]->data = n;
        uv_signal_start(hs[i], on_stop_signal, signums[i]);
        uv_unref((uv_handle_t *)hs[i]);
    }
    send_state("READY=1", listen);
}
