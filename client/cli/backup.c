/* labelq backup: copy the server's store to a file while it keeps serving. */
#include "client/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: labelq backup FILE\n"
    "\n"
    "Write a consistent, compacted copy of labelqd's whole store (every\n"
    "project, item, label, result and account) to FILE while the server keeps\n"
    "serving. The copy goes to FILE.tmp (mode 0600) first and is renamed to\n"
    "FILE only when it is complete and synced, so FILE is never half-written.\n"
    "Prints \"backed up N bytes to FILE\" on stderr. Admin token needed.\n"
    "\n"
    "To restore, stop labelqd and start it on a data dir DIR whose store holds\n"
    "the copy:\n"
    "    mkdir -p -m 700 DIR/store && cp FILE DIR/store/data.mdb\n"
    "    labelqd --data DIR\n"
    "The copy is the store only. DIR/tls/ (the CA and server certificate) and\n"
    "DIR/admin.token are not in it: copy them from the old data dir too, or a\n"
    "new DIR gets a new CA (clients need the new tls/ca.pem) and a new admin\n"
    "token. The admin account is in the store, and at start-up labelqd sets\n"
    "its token to the one in DIR/admin.token (writing a new file if there is\n"
    "none), so the old admin token only works if that file came along.\n"
    "Annotator tokens are in the store and keep working.\n"
    "\n" CLI_GLOBAL_HELP;

/* The backup sink: writes each piece as it arrives, so memory stays flat. */
static int write_piece(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* Creates path for writing, readable by its owner only: the store holds
 * token hashes and all the data. */
static FILE *create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

int cli_backup(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
    FILE *out = NULL;
    char *tmp = NULL;
    uint64_t bytes = 0;
    int args;
    int rc = cli_parse(g, argc, argv, "h", opts, usage, NULL, NULL, &args);
    if (rc != CLI_GO_ON)
        return rc;
    if (argc - args != 1)
        return cli_usage_error(usage, "backup takes one FILE");
    const char *path = argv[args];
    if (!cli_connect(g))
        return CLI_FAIL;
    rc = CLI_FAIL;
    size_t n = strlen(path) + sizeof(".tmp");
    if (!(tmp = malloc(n))) {
        cli_fail("out of memory");
        goto out;
    }
    snprintf(tmp, n, "%s.tmp", path);
    if (!(out = create_private(tmp))) {
        cli_fail("cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (lq_backup(g->client, write_piece, out, &bytes) < 0) {
        if (ferror(out))
            cli_fail("backup: cannot write %s: %s", tmp, strerror(errno));
        else
            cli_fail_call(g, "backup");
        goto out;
    }
    /* Synced before the rename: FILE appears only with all of its data. */
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        cli_fail("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        cli_fail("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    fprintf(stderr, "backed up %llu bytes to %s\n", (unsigned long long)bytes, path);
    rc = CLI_OK;
out:
    if (out)
        fclose(out);
    /* A failed backup leaves no partial file behind. */
    if (tmp && rc != CLI_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}
