/* Turning flags and environment into one authenticated connection. */
#include "client/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown"
#endif

/* A token is a short line; anything longer is not a token file. */
#define TOKEN_FILE_MAX 4096

/* The flag if given, else the environment variable if set and non-empty. */
static const char *flag_or_env(const char *flag, const char *env)
{
    if (flag)
        return flag;
    const char *v = getenv(env);
    return v && v[0] ? v : NULL;
}

/* Reads a token file, trimming the whitespace editors and `echo` leave. */
static int read_token_file(cli *g, const char *path)
{
    char buf[TOKEN_FILE_MAX + 1];
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_fail("cannot read token file %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, sizeof(buf), f);
    int err = ferror(f);
    fclose(f);
    if (err)
        return cli_fail("cannot read token file %s: read error", path);
    if (n > TOKEN_FILE_MAX)
        return cli_fail("token file %s is too large to be a token", path);
    buf[n] = '\0';
    char *start = buf;
    while (*start && isspace((unsigned char)*start))
        start++;
    char *end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        *--end = '\0';
    if (*start == '\0')
        return cli_fail("token file %s is empty", path);
    g->token_buf = strdup(start);
    if (!g->token_buf)
        return cli_fail("out of memory");
    return CLI_OK;
}

/* The token by precedence: --token, --token-file, LABELQ_TOKEN,
 * LABELQ_TOKEN_FILE. A flag beats the environment whatever its kind. */
static int resolve_token(cli *g, const char **token)
{
    const char *file = NULL;
    if (g->token)
        *token = g->token;
    else if (g->token_file)
        file = g->token_file;
    else if ((*token = flag_or_env(NULL, "LABELQ_TOKEN")) == NULL)
        file = flag_or_env(NULL, "LABELQ_TOKEN_FILE");
    if (file) {
        int rc = read_token_file(g, file);
        if (rc != CLI_OK)
            return rc;
        *token = g->token_buf;
    }
    if (!*token)
        return cli_fail("no token: pass --token or --token-file, or set LABELQ_TOKEN or "
                        "LABELQ_TOKEN_FILE (the admin token is in the data dir's admin.token)");
    return CLI_OK;
}

lq_client *cli_connect(cli *g)
{
    lq_client_options o = {0};
    char err[512];

    if (g->client)
        return g->client;
    if (resolve_token(g, &o.token) != CLI_OK)
        return NULL;
    o.server = flag_or_env(g->server, "LABELQ_SERVER");
    o.ca_file = flag_or_env(g->ca, "LABELQ_CA");
    o.client_name = "labelq/" LABELQ_VERSION;
    if (lq_client_connect(&o, &g->client, err, sizeof(err)) < 0) {
        cli_fail("%s", err);
        return NULL;
    }
    return g->client;
}
