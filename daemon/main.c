/* labelqd: start-up and shutdown. The work happens in the loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/config_args.h"
#include "daemon/core/config_file.h"
#include "daemon/core/log.h"
#include "daemon/server/data_dir.h"
#include "daemon/server/notify.h"
#include "daemon/net/net.h"
#include "daemon/server/lifecycle.h"
#include "daemon/server/recovery.h"
#include "proto/error.h"

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    lq_log(LQ_LOG_ERROR, "cannot create directory", "path=%s error=\"%s\"", path,
           strerror(errno));
    return LQ_EIO;
}

static int open_store(lq_server *srv, const lq_config *cfg)
{
    char dir[4200], err[512];
    snprintf(dir, sizeof(dir), "%s/store", cfg->data_dir);
    int rc = make_dir(dir);
    if (rc)
        return rc;
    lq_store_config scfg;
    lq_store_config_default(&scfg);
    scfg.map_size = cfg->map_size;
    if ((rc = lq_store_open(dir, &scfg, &srv->store, err, sizeof(err))) < 0)
        lq_log(LQ_LOG_ERROR, "cannot open the store", "path=%s error=\"%s\"", dir, err);
    return rc;
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int main(int argc, char **argv)
{
    lq_config cfg;
    lq_config_default(&cfg);
    int rc = lq_config_parse(&cfg, argc, argv);
    if (rc)
        return rc > 0 ? 0 : 2;
    lq_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);

    lq_server srv;
    lq_net net;
    lq_notify notify;
    lq_server_init(&srv, &cfg, uv_default_loop());

    int exit_code = 1;
    /* Held until the store is closed: one daemon per data directory. */
    int lock_fd = -1;
    if (lq_data_dir_open(cfg.data_dir, &lock_fd) < 0 || open_store(&srv, &cfg) < 0)
        goto out;
    if (lq_writer_start(srv.store, lq_server_writer_notify, &srv.writer_async, &srv.writer) < 0) {
        lq_log(LQ_LOG_ERROR, "cannot start the storage writer", NULL);
        goto out;
    }
    if (lq_recover(&srv) < 0 || lq_bootstrap_admin(&srv) < 0 ||
        lq_net_init(&net, &srv) < 0 || lq_server_start(&srv) < 0)
        goto out;
    lq_log(LQ_LOG_INFO, "ready",
           "data=%s admin_token=%s/admin.token ca=%s/tls/ca.pem listen=%s", cfg.data_dir,
           cfg.data_dir, cfg.data_dir, cfg.listen);
    lq_notify_ready(&notify, srv.loop, cfg.listen);
    uv_run(srv.loop, UV_RUN_DEFAULT);
    exit_code = 0;
    lq_log(LQ_LOG_INFO, "stopped", NULL);
out:
    if (exit_code != 0 && srv.writer) {
        /* Failed start: nothing is serving yet, only the writer to wind down. */
        lq_writer_stop(srv.writer);
        lq_writer_drain(srv.writer);
    }
    if (exit_code != 0) {
        uv_walk(srv.loop, close_any, NULL);
        uv_run(srv.loop, UV_RUN_DEFAULT);
    }
    if (srv.writer)
        lq_writer_free(srv.writer);
    lq_server_free_state(&srv);
    if (srv.store)
        lq_store_close(srv.store);
    if (srv.net)
        lq_net_free(srv.net);
    uv_loop_close(srv.loop);
    if (lock_fd >= 0)
        close(lock_fd);
    lq_config_free(&cfg);
    return exit_code;
}
