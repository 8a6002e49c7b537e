/* Serving and stopping: what starts once the state is recovered, and the
 * order in which a graceful shutdown winds everything down. */
#include "daemon/server/lifecycle.h"

#include <signal.h>

#include "daemon/core/log.h"
#include "daemon/estimate/results.h"
#include "daemon/net/net.h"
#include "daemon/ops/backup.h"
#include "daemon/sched/longpoll.h"

static void on_signal(uv_signal_t *h, int signum)
{
    lq_server *srv = h->data;
    lq_log(LQ_LOG_INFO, "shutting down", "signal=%s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    lq_server_stop(srv);
}

int lq_server_start(lq_server *srv)
{
    srv->started_ms = lq_now_ms();
    int rc = lq_net_start(srv->net);
    if (rc < 0)
        return rc;
    uv_signal_init(srv->loop, &srv->sig_term);
    uv_signal_init(srv->loop, &srv->sig_int);
    srv->sig_term.data = srv->sig_int.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    /* Bring stored consensus up to date with the labels that came after the
     * last estimate before a restart; it runs on the pool, serving goes on. */
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && srv->projects[i]->done > 0)
            lq_results_refresh(srv, srv->projects[i]);
    return 0;
}

void lq_server_stop(lq_server *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    lq_net_stop(srv->net);
    uv_close((uv_handle_t *)&srv->sig_term, NULL);
    uv_close((uv_handle_t *)&srv->sig_int, NULL);
    lq_sched_cancel_waiters(srv);
    /* A running backup holds the store against map growth, which the writer
     * may need to finish its queue, and waits for this loop to read its pipe:
     * stop the backups first. */
    for (lq_peer *p = srv->peers; p; p = p->next)
        lq_backup_cancel(p);
    /* Finish every queued commit and send its acknowledgement before the
     * peers go: nothing acknowledged is lost, nothing queued is dropped. */
    lq_writer_stop(srv->writer);
    lq_writer_drain(srv->writer);
    while (srv->peers)
        lq_peer_close(srv->peers, "shutdown");
    uv_close((uv_handle_t *)&srv->writer_async, NULL);
    uv_close((uv_handle_t *)&srv->lease_timer, NULL);
}
