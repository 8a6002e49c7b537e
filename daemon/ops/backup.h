/* Online backup: a consistent, compacted copy of the whole store, streamed
 * to an admin as BackupChunks while the server keeps serving.
 *
 * A thread of libuv's pool copies the store (lq_store_copy_fd) into a pipe;
 * the loop reads the pipe and sends what it reads. The pipe is the
 * back-pressure: the loop stops reading it while the connection has more
 * unsent output than write_queue_high, the full pipe then blocks the copy,
 * and the copy's memory stays that of one pipe whatever the store's size. */
#ifndef LQ_BACKUP_H
#define LQ_BACKUP_H

#include "daemon/core/server.h"

/* Handles a Backup request (admin only; dispatch checks the role). Replies
 * with BackupChunks, the last with done = true and bytes_total, or with an
 * Error (CONFLICT: a backup already runs on c; UNAVAILABLE: the copy
 * failed), which ends the stream. */
void lq_backup_start(lq_peer *c, uint64_t id);

/* Stops the backup running on c, if any: its pipe is closed, so the copy
 * fails with EPIPE and ends, giving back its hold on the store (shutdown
 * calls this before it waits for the writer, which may need that hold to
 * grow the map). The client gets an Error if c stays open. Cannot fail. */
void lq_backup_cancel(lq_peer *c);

#endif
