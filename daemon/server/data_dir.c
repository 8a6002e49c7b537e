#include "daemon/server/data_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "proto/error.h"

#define LOCK_FILE "labelqd.lock"

/* The pid the lock's holder wrote, or -1 when the file holds none yet (the
 * holder may be between its lock and its write). */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && pid > 0 ? pid : -1;
}

/* Replaces the file's content with this process's pid. */
static int write_pid(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return LQ_EIO;
    return 0;
}

int lq_data_dir_lock(const char *dir, int *lock_fd)
{
    char path[4200];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        lq_log(LQ_LOG_ERROR, "cannot create the data directory", "path=%s error=\"%s\"", dir,
               strerror(errno));
        return LQ_EIO;
    }
    snprintf(path, sizeof(path), "%s/" LOCK_FILE, dir);
    /* O_NOFOLLOW: the lock file is ours, never a link planted elsewhere. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        lq_log(LQ_LOG_ERROR, "cannot open the data directory's lock file", "path=%s error=\"%s\"",
               path, strerror(errno));
        return LQ_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) {
            long pid = holder_pid(fd);
            char who[32] = "unknown";
            if (pid > 0)
                snprintf(who, sizeof(who), "%ld", pid);
            lq_log(LQ_LOG_ERROR,
                   "the data directory is in use by another labelqd (stop it, or give this one "
                   "another --data)",
                   "data=%s pid=%s lock=%s", dir, who, path);
        } else {
            lq_log(LQ_LOG_ERROR, "cannot lock the data directory", "path=%s error=\"%s\"", path,
                   strerror(err));
        }
        close(fd);
        return err == EWOULDBLOCK ? LQ_ECONFLICT : LQ_EIO;
    }
    if (write_pid(fd) != 0) {
        lq_log(LQ_LOG_ERROR, "cannot write the data directory's lock file", "path=%s error=\"%s\"",
               path, strerror(errno));
        close(fd);
        return LQ_EIO;
    }
    *lock_fd = fd;
    return 0;
}
