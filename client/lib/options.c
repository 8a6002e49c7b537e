/* Connection settings from flags and the environment; see labelq.h. */
#include "client/lib/labelq.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token is a short line; anything longer is not a token file. */
#define TOKEN_FILE_MAX 4096

/* The environment variable name if set and non-empty, else NULL. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/* Puts the reason in errbuf (if given) and returns rc. */
__attribute__((format(printf, 4, 5))) static int fail(int rc, char *errbuf, size_t errlen,
                                                      const char *fmt, ...)
{
    if (errbuf && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Reads a token file into *owned, trimming the whitespace editors and
 * `echo > file` leave around the token. */
static int read_token_file(const char *path, char **owned, char *errbuf, size_t errlen)
{
    char buf[TOKEN_FILE_MAX + 1];
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(LQ_EIO, errbuf, errlen, "cannot read token file %s: %s", path,
                    strerror(errno));
    size_t n = fread(buf, 1, sizeof(buf), f);
    int err = ferror(f);
    fclose(f);
    if (err)
        return fail(LQ_EIO, errbuf, errlen, "cannot read token file %s: read error", path);
    if (n > TOKEN_FILE_MAX)
        return fail(LQ_EBADREQ, errbuf, errlen, "token file %s is too large to be a token", path);
    buf[n] = '\0';
    char *start = buf;
    while (*start && isspace((unsigned char)*start))
        start++;
    char *end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        *--end = '\0';
    if (*start == '\0')
        return fail(LQ_EBADREQ, errbuf, errlen, "token file %s is empty", path);
    *owned = strdup(start);
    if (!*owned)
        return fail(LQ_ENOMEM, errbuf, errlen, "out of memory");
    return 0;
}

int lq_client_options_resolve(lq_client_options *opts, const char *token_file, char **owned,
                              char *errbuf, size_t errlen)
{
    *owned = NULL;
    if (!opts->server)
        opts->server = env("LABELQ_SERVER");
    if (!opts->server)
        opts->server = LQ_DEFAULT_SERVER;
    if (!opts->ca_file)
        opts->ca_file = env("LABELQ_CA");
    if (!opts->cert_file)
        opts->cert_file = env("LABELQ_CERT");
    if (!opts->key_file)
        opts->key_file = env("LABELQ_KEY");
    if (opts->token)
        return 0;
    if (!token_file && (opts->token = env("LABELQ_TOKEN")) != NULL)
        return 0;
    if (!token_file)
        token_file = env("LABELQ_TOKEN_FILE");
    if (!token_file)
        return 0;
    int rc = read_token_file(token_file, owned, errbuf, errlen);
    if (rc < 0)
        return rc;
    opts->token = *owned;
    return 0;
}
