/* The output of export and backup: a temp file renamed over a regular
 * file, or the file itself when it is not one (output_file.h). */
#include "client/cli/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cli/cli.h"

/* The longest N of /dev/fd/N taken as a descriptor number. */
#define FD_DIGITS_MAX 6

/* The descriptor path names when it is one labelq already has open
 * (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), else -1. Opening
 * such a path anew would start a new file description (at offset 0, over
 * what the shell opened to append to), and following it as a link would
 * rename over the shell's file; writing to the descriptor does neither. */
static int named_fd(const char *path)
{
    static const char *const dirs[] = {"/dev/fd/", "/proc/self/fd/"};
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        size_t n = strlen(dirs[i]);
        const char *num = path + n;
        size_t digits = strspn(num, "0123456789");
        if (strncmp(path, dirs[i], n) == 0 && digits > 0 && digits <= FD_DIGITS_MAX &&
            num[digits] == '\0')
            return atoi(num);
    }
    return -1;
}

/* o writes to fd, through a descriptor of its own. */
static int open_fd(cli_output *o, const char *path, int fd)
{
    int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (mine < 0 || !(o->f = fdopen(mine, "w"))) {
        int err = errno;
        if (mine >= 0)
            close(mine);
        return cli_fail("cannot write to %s: %s", path, strerror(err));
    }
    o->name = path;
    return CLI_OK;
}

/* o writes to path itself, which is not a regular file (a device, a FIFO):
 * there is nothing to rename, and replacing it would destroy it. */
static int open_in_place(cli_output *o, const char *path)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return cli_fail("cannot open %s: %s", path, strerror(errno));
    /* It became a regular file since it was looked at: writing it in place
     * would leave its old tail behind. */
    if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode)) {
        close(fd);
        return cli_fail("%s changed while it was being opened; try again", path);
    }
    if (!(o->f = fdopen(fd, "w"))) {
        close(fd);
        return cli_fail("cannot write to %s: %s", path, strerror(errno));
    }
    o->name = path;
    return CLI_OK;
}

/* o writes to target.tmp, to be renamed over target (malloc'd, or NULL
 * when out of memory; o owns it from here on, also on failure). */
static int open_temp(cli_output *o, char *target, mode_t mode)
{
    o->target = target;
    size_t n = target ? strlen(target) + sizeof(".tmp") : 0;
    char *tmp = target ? malloc(n) : NULL;
    if (!tmp) {
        cli_output_discard(o);
        return cli_fail("out of memory");
    }
    snprintf(tmp, n, "%s.tmp", target);
    /* A link or FIFO left at the temp name is refused, never written
     * through; O_NOFOLLOW and O_NONBLOCK (no wait for a FIFO's reader) and
     * the fstat keep it so if one appears after this look. */
    struct stat st;
    if (lstat(tmp, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_fail("cannot create %s: something that is not a regular file is there (remove it)",
                 tmp);
        free(tmp);
        cli_output_discard(o);
        return CLI_FAIL;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
    int err = errno;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        err = EEXIST;
    }
    if (fd >= 0) {
        o->tmp = tmp; /* created: discard removes it */
        if (!(o->f = fdopen(fd, "w"))) {
            err = errno;
            close(fd);
        }
    }
    if (!o->f) {
        cli_fail("cannot create %s: %s", tmp, strerror(err));
        if (!o->tmp)
            free(tmp);
        cli_output_discard(o);
        return CLI_FAIL;
    }
    o->name = o->tmp;
    return CLI_OK;
}

int cli_output_open(cli_output *o, const char *path, mode_t mode)
{
    struct stat st;
    memset(o, 0, sizeof(*o));
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        o->name = "stdout";
        return CLI_OK;
    }
    int fd = named_fd(path);
    if (fd >= 0)
        return open_fd(o, path, fd);
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            return cli_fail("cannot write to %s: %s", path, strerror(errno));
        return open_temp(o, strdup(path), mode); /* a new file */
    }
    bool link = S_ISLNK(st.st_mode);
    if (link && stat(path, &st) != 0)
        return cli_fail("cannot write to %s: it is a symbolic link that leads nowhere (%s); "
                        "name an existing file or a new path",
                        path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return cli_fail("cannot write to %s: it is a directory (name a file in it)", path);
    if (!S_ISREG(st.st_mode))
        return open_in_place(o, path);
    if (!link)
        return open_temp(o, strdup(path), mode);
    /* The link stays; its target is replaced, from the target's directory. */
    char *target = realpath(path, NULL);
    if (!target)
        return cli_fail("cannot follow the symbolic link %s: %s", path, strerror(errno));
    return open_temp(o, target, mode);
}

int cli_output_commit(cli_output *o)
{
    int rc = CLI_OK;
    /* Synced before the rename: the target changes only to complete data. */
    if (fflush(o->f) != 0 || (o->tmp && fsync(fileno(o->f)) != 0))
        rc = cli_fail("cannot write %s: %s", o->name, strerror(errno));
    if (o->f != stdout && fclose(o->f) != 0 && rc == CLI_OK)
        rc = cli_fail("cannot write %s: %s", o->name, strerror(errno));
    o->f = NULL;
    if (rc == CLI_OK && o->tmp) {
        if (rename(o->tmp, o->target) != 0)
            rc = cli_fail("cannot rename %s to %s: %s", o->tmp, o->target, strerror(errno));
        else {
            free(o->tmp); /* renamed: nothing left to remove */
            o->tmp = NULL;
        }
    }
    cli_output_discard(o);
    return rc;
}

void cli_output_discard(cli_output *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    o->tmp = o->target = NULL;
}
