/* Connection settings for labelq-bench; see bench_connect.h. */
#include "bench_connect.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token is a short line; anything longer is not a token file. */
#define TOKEN_MAX 4096
#define CLIENT_NAME "labelq-bench/0.1"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Reads path and keeps it without surrounding whitespace (editors and
 * `echo > file` add a newline that is not part of the token). */
static int read_token_file(bench_connect *f, char *err, size_t errlen)
{
    char buf[TOKEN_MAX + 1];
    FILE *fp = fopen(f->token_file, "r");
    size_t n;
    char *start, *end;
    if (!fp) {
        snprintf(err, errlen, "reading token file %s: %s", f->token_file, strerror(errno));
        return LQ_EIO;
    }
    n = fread(buf, 1, TOKEN_MAX, fp);
    fclose(fp);
    buf[n] = '\0';
    for (start = buf; isspace((unsigned char)*start); start++)
        ;
    for (end = start + strlen(start); end > start && isspace((unsigned char)end[-1]); end--)
        ;
    *end = '\0';
    if (!*start) {
        snprintf(err, errlen, "token file %s is empty", f->token_file);
        return LQ_EIO;
    }
    if (!(f->token_buf = strdup(start))) {
        snprintf(err, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    f->token = f->token_buf;
    return 0;
}

int bench_connect_resolve(bench_connect *f, char *err, size_t errlen)
{
    if (!f->server)
        f->server = env("LABELQ_SERVER");
    if (!f->server)
        f->server = LQ_DEFAULT_SERVER;
    if (!f->ca)
        f->ca = env("LABELQ_CA");
    if (!f->token && !f->token_file) {
        f->token = env("LABELQ_TOKEN");
        if (!f->token)
            f->token_file = env("LABELQ_TOKEN_FILE");
    }
    return f->token_file && !f->token ? read_token_file(f, err, errlen) : 0;
}

int bench_connect_open(const bench_connect *f, const char *token, lq_client **out, char *err,
                       size_t errlen)
{
    lq_client_options opts = {0};
    opts.server = f->server;
    opts.ca_file = f->ca;
    opts.token = token ? token : f->token;
    opts.client_name = CLIENT_NAME;
    if (!opts.token) {
        snprintf(err, errlen,
                 "no token: pass --token or --token-file, or set LABELQ_TOKEN or "
                 "LABELQ_TOKEN_FILE");
        return LQ_EUNAUTH;
    }
    return lq_client_connect(&opts, out, err, errlen);
}

void bench_connect_free(bench_connect *f)
{
    free(f->token_buf);
    f->token_buf = NULL;
}
