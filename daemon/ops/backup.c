/* pipe2: O_CLOEXEC on both ends at once, so no exec can inherit them. */
#define _GNU_SOURCE
#include "daemon/ops/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "proto/error.h"

/* One running backup. Two things end independently: the copy (the work,
 * which closes the pipe's write end when it returns) and the pipe's read
 * end (closed at EOF, on a read error, or when the connection goes). The
 * backup is answered and freed when both are over. */
typedef struct lq_backup {
    uv_work_t work;
    uv_pipe_t pipe;        /* the read end, on the loop */
    lq_drain_waiter drain; /* parked here while the socket drains */
    lq_peer *conn;
    uint64_t req_id;
    lq_store *store;
    int write_fd;    /* the copy's; closed by the work when it ends */
    int copy_status; /* lq_store_copy_fd's result */
    int read_status; /* 0, or the libuv error that stopped the read */
    bool work_done, pipe_closed, eof;
    uint64_t bytes; /* sent so far */
    uint64_t started_ns;
    char *buf;
    size_t buf_len;
} lq_backup;

static lq_backup *of_drain(lq_drain_waiter *w)
{
    return (lq_backup *)((char *)w - offsetof(lq_backup, drain));
}

/* The pool thread: the whole copy. Closing the write end is what makes the
 * loop see EOF after the last byte. */
static void copy_store(uv_work_t *w)
{
    lq_backup *b = w->data;
    b->copy_status = lq_store_copy_fd(b->store, b->write_fd);
    close(b->write_fd);
    b->write_fd = -1;
}

/* Sends the outcome and frees b, once both the copy and the pipe are over. */
static void maybe_finish(lq_backup *b)
{
    if (!b->work_done || !b->pipe_closed)
        return;
    lq_peer *c = b->conn;
    double seconds = (double)(uv_hrtime() - b->started_ns) / 1e9;
    if (c->closing) {
        lq_log(LQ_LOG_INFO, "backup abandoned", "bytes=%llu seconds=%.1f peer=%s",
               (unsigned long long)b->bytes, seconds, c->name);
    } else if (b->copy_status < 0 || b->read_status < 0 || !b->eof) {
        const char *why =
            b->copy_status < 0 ? lq_strerror(b->copy_status) : uv_strerror(b->read_status);
        lq_log(LQ_LOG_ERROR, "backup failed", "bytes=%llu error=\"%s\" peer=%s",
               (unsigned long long)b->bytes, why, c->name);
        lq_peer_error(c, b->req_id, LQ_EUNAVAIL, "backup failed: %s", why);
    } else {
        Labelq__BackupChunk last = LABELQ__BACKUP_CHUNK__INIT;
        last.done = true;
        last.bytes_total = b->bytes;
        lq_peer_reply(c, b->req_id, LABELQ__ENVELOPE__BODY_BACKUP_CHUNK, &last);
        lq_log(LQ_LOG_INFO, "backup finished", "bytes=%llu seconds=%.1f peer=%s",
               (unsigned long long)b->bytes, seconds, c->name);
    }
    c->backup = NULL;
    lq_peer_unref(c);
    free(b->buf);
    free(b);
}

static void copy_done(uv_work_t *w, int status)
{
    lq_backup *b = w->data;
    (void)status; /* never cancelled: the work is not cancelled anywhere */
    b->work_done = true;
    maybe_finish(b);
}

static void pipe_closed(uv_handle_t *h)
{
    lq_backup *b = h->data;
    b->pipe_closed = true;
    maybe_finish(b);
}

/* Stops reading for good. The copy, if still writing, then fails with
 * EPIPE (SIGPIPE is ignored) and ends. */
static void close_pipe(lq_backup *b)
{
    if (!uv_is_closing((uv_handle_t *)&b->pipe))
        uv_close((uv_handle_t *)&b->pipe, pipe_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    lq_backup *b = h->data;
    (void)suggested;
    *buf = uv_buf_init(b->buf, (unsigned)b->buf_len);
}

static void on_pipe_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lq_backup *b = s->data;
    lq_peer *c = b->conn;
    if (nread == 0)
        return;
    if (c->closing || nread < 0) {
        if (nread == UV_EOF)
            b->eof = true;
        else if (nread < 0)
            b->read_status = (int)nread;
        close_pipe(b);
        return;
    }
    Labelq__BackupChunk chunk = LABELQ__BACKUP_CHUNK__INIT;
    chunk.data.data = (uint8_t *)buf->base;
    chunk.data.len = (size_t)nread;
    lq_peer_reply(c, b->req_id, LABELQ__ENVELOPE__BODY_BACKUP_CHUNK, &chunk);
    b->bytes += (uint64_t)nread;
    if (lq_peer_congested(c)) {
        uv_read_stop(s); /* the pipe fills up and blocks the copy */
        lq_peer_wait_drain(c, &b->drain);
    }
}

/* The connection's write queue drained: read the pipe again. */
static void drain_resume(lq_drain_waiter *w)
{
    lq_backup *b = of_drain(w);
    int rc = uv_read_start((uv_stream_t *)&b->pipe, on_alloc, on_pipe_read);
    if (rc < 0) {
        b->read_status = rc;
        close_pipe(b);
    }
}

/* The connection closed while the backup waited for it. */
static void drain_abort(lq_drain_waiter *w)
{
    close_pipe(of_drain(w));
}

void lq_backup_cancel(lq_peer *c)
{
    lq_backup *b = c->backup;
    if (!b)
        return;
    if (!b->read_status && !b->eof)
        b->read_status = UV_ECANCELED;
    close_pipe(b);
}

/* Ends a backup that could not get going: no copy runs, so only the pipe is
 * left to close; the client gets an Error once it is closed. */
static void fail_start(lq_backup *b, int uv_err)
{
    close(b->write_fd);
    b->write_fd = -1;
    b->read_status = uv_err;
    b->work_done = true;
    close_pipe(b);
}

void lq_backup_start(lq_peer *c, uint64_t id)
{
    if (c->backup) {
        lq_peer_error(c, id, LQ_ECONFLICT,
                           "a backup is already running on this "
                           "connection");
        return;
    }
    size_t buf_len = c->srv->cfg->export_chunk_bytes;
    lq_backup *b = calloc(1, sizeof(*b));
    char *buf = malloc(buf_len);
    int fds[2];
    if (!b || !buf) {
        free(b);
        free(buf);
        lq_peer_error(c, id, LQ_EEXHAUSTED, "out of memory");
        return;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        lq_log(LQ_LOG_ERROR, "cannot start a backup", "error=\"%s\"", strerror(errno));
        lq_peer_error(c, id, LQ_EUNAVAIL, "cannot start a backup: %s", strerror(errno));
        free(b);
        free(buf);
        return;
    }
    uv_pipe_init(c->srv->loop, &b->pipe, 0); /* cannot fail on Unix */
    b->pipe.data = b;
    b->work.data = b;
    b->buf = buf;
    b->buf_len = buf_len;
    b->write_fd = fds[1];
    b->conn = c;
    lq_peer_ref(c);
    c->backup = b;
    b->req_id = id;
    b->store = c->srv->store;
    b->drain.resume = drain_resume;
    b->drain.abort = drain_abort;
    b->started_ns = uv_hrtime();
    lq_log(LQ_LOG_INFO, "backup started", "peer=%s", c->name);
    int rc = uv_pipe_open(&b->pipe, fds[0]);
    if (rc < 0) {
        close(fds[0]); /* not the handle's on failure */
        fail_start(b, rc);
        return;
    }
    if ((rc = uv_queue_work(c->srv->loop, &b->work, copy_store, copy_done)) < 0) {
        fail_start(b, rc);
        return;
    }
    if ((rc = uv_read_start((uv_stream_t *)&b->pipe, on_alloc, on_pipe_read)) < 0) {
        b->read_status = rc;
        close_pipe(b); /* the copy then fails with EPIPE and ends */
    }
}
