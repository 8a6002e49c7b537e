/* labelq backup: copy the server's store to a file while it keeps serving. */
#include "client/cli/cli.h"
#include "client/cli/output_file.h"

#include <errno.h>
#include <string.h>

static const char usage[] =
    "Usage: labelq backup FILE\n"
    "\n"
    "Write a consistent, compacted copy of labelqd's whole store (every\n"
    "project, item, label, result and account) to FILE while the server keeps\n"
    "serving. The copy goes to FILE.tmp (mode 0600) first and is renamed to\n"
    "FILE only when it is complete and synced, so FILE is never half-written;\n"
    "a symbolic link is followed (its target is replaced, the link stays), a\n"
    "device or FIFO (/dev/stdout, a named pipe) is written in place, a\n"
    "directory is refused.\n"
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

int cli_backup(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {CLI_GLOBAL_OPTIONS, {0}};
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
    /* 0600: the store holds token hashes and all the data. */
    cli_output out;
    if (cli_output_open(&out, path, 0600) != CLI_OK)
        return CLI_FAIL;
    if (lq_backup(g->client, write_piece, out.f, &bytes) < 0) {
        if (ferror(out.f))
            cli_fail("backup: cannot write %s: %s", out.name, strerror(errno));
        else
            cli_fail_call(g, "backup");
        cli_output_discard(&out);
        return CLI_FAIL;
    }
    if (cli_output_commit(&out) != CLI_OK)
        return CLI_FAIL;
    fprintf(stderr, "backed up %llu bytes to %s\n", (unsigned long long)bytes,
            strcmp(path, "-") == 0 ? "stdout" : path);
    return CLI_OK;
}
