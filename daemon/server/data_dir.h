/* The data directory as a whole: made when missing, checked for modes that
 * let other users in, and locked for the daemon's whole life, so that a
 * second labelqd on the same directory stops at start instead of serving
 * the same store beside the first. */
#ifndef LQ_DATA_DIR_H
#define LQ_DATA_DIR_H

/* Creates dir (mode 0700) when missing; refuses to go on when another user
 * may write to dir or dir/tls, or read or write dir/tls/ca.key,
 * dir/tls/server.key or dir/admin.token (world bits, and group bits unless
 * the group is labelqd's own; write bits do not count on a read-only
 * mount), logging each such path with its mode and the chmod that fixes it;
 * then takes an exclusive flock on dir/labelqd.lock (opened O_CLOEXEC),
 * writing this process's pid into the file. On success *lock_fd holds the
 * lock: keep it open until the store is closed; the kernel releases it
 * when the process ends, however it ends, so a file left by a killed daemon
 * never blocks a restart. Returns 0, LQ_EPERM (unsafe modes),
 * LQ_ECONFLICT when another process holds the lock (logged with its pid),
 * or LQ_EIO (logged). */
int lq_data_dir_open(const char *dir, int *lock_fd);

#endif
