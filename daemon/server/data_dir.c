#include "daemon/server/data_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "proto/error.h"

#define LOCK_FILE "labelqd.lock"

/* What other users must not be able to do to a path of the data directory. */
typedef struct guarded {
    const char *name; /* under the data directory */
    mode_t deny;      /* of S_IRWXG | S_IRWXO: what the group and others must not have */
    const char *why;  /* the log message when they have it */
} guarded;

static const guarded GUARDED[] = {
    {"", S_IWGRP | S_IWOTH, "other users can write to the data directory"},
    {"/tls", S_IWGRP | S_IWOTH, "other users can write to the TLS directory"},
    {"/tls/ca.key", S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH,
     "other users can read or change the CA's private key"},
    {"/tls/server.key", S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH,
     "other users can read or change the server's private key"},
    {"/admin.token", S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH,
     "other users can read or change the admin token"},
};

/* The bits of st's mode that give another user what deny forbids. The
 * group's bits count only when the group is not labelqd's own: a group
 * made for this user alone, or Kubernetes' fsGroup, lets no one else in.
 * Write bits do not count on a read-only mount (a Secret's volume). */
static mode_t unsafe_bits(const char *path, const struct stat *st, mode_t deny)
{
    mode_t bits = st->st_mode & deny;
    struct statvfs fs;
    if (st->st_gid == getegid())
        bits &= (mode_t)~S_IRWXG;
    if ((bits & (S_IWGRP | S_IWOTH)) && statvfs(path, &fs) == 0 && (fs.f_flag & ST_RDONLY))
        bits &= (mode_t) ~(S_IWGRP | S_IWOTH);
    return bits;
}

/* Logs path's unsafe bits with the chmod that removes them. */
static void log_unsafe(const char *path, const struct stat *st, mode_t bits, const char *why)
{
    char who[3] = "", what[3] = "";
    size_t w = 0, a = 0;
    if (bits & S_IRWXG)
        who[w++] = 'g';
    if (bits & S_IRWXO)
        who[w++] = 'o';
    if (bits & (S_IRGRP | S_IROTH))
        what[a++] = 'r';
    if (bits & (S_IWGRP | S_IWOTH))
        what[a++] = 'w';
    lq_log(LQ_LOG_ERROR, why, "path=%s mode=%04o fix=\"chmod %s-%s %s\"", path,
           (unsigned)(st->st_mode & 07777), who, what, path);
}

/* Checks every guarded path that exists; those missing are made later with
 * safe modes. Returns 0 or LQ_EPERM after logging each unsafe path. */
static int check_modes(const char *dir)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof(GUARDED) / sizeof(GUARDED[0]); i++) {
        char path[4200];
        struct stat st;
        snprintf(path, sizeof(path), "%s%s", dir, GUARDED[i].name);
        if (stat(path, &st) != 0)
            continue;
        mode_t bits = unsafe_bits(path, &st, GUARDED[i].deny);
        if (bits) {
            log_unsafe(path, &st, bits, GUARDED[i].why);
            rc = LQ_EPERM;
        }
    }
    if (rc)
        lq_log(LQ_LOG_ERROR, "refusing to start: fix the modes above, then start again", NULL);
    return rc;
}

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

/* Takes the lock of dir (lq_data_dir_open). */
static int lock_dir(const char *dir, int *lock_fd)
{
    char path[4200];
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

int lq_data_dir_open(const char *dir, int *lock_fd)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        lq_log(LQ_LOG_ERROR, "cannot create the data directory", "path=%s error=\"%s\"", dir,
               strerror(errno));
        return LQ_EIO;
    }
    int rc = check_modes(dir);
    return rc ? rc : lock_dir(dir, lock_fd);
}
