/* Connection settings for labelq-annotate; see annotate_connect.h. */
#include "annotate_connect.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 4096
#define CLIENT_NAME "labelq-annotate/0.1"

void annotate_connect_from_env(annotate_connect *f)
{
    if (!f->server)
        f->server = getenv("LABELQ_SERVER");
    if (!f->server || !*f->server)
        f->server = LQ_DEFAULT_SERVER;
    if (!f->ca)
        f->ca = getenv("LABELQ_CA");
    if (f->ca && !*f->ca)
        f->ca = NULL;
    if (f->token || f->token_file)
        return;
    f->token = getenv("LABELQ_TOKEN");
    if (f->token && *f->token)
        return;
    f->token = NULL;
    f->token_file = getenv("LABELQ_TOKEN_FILE");
}

/* Copies s without leading and trailing whitespace into buf; editors and
 * `echo > file` add a newline that is not part of the token. */
static void strip_into(char *buf, size_t cap, const char *s)
{
    size_t n;
    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

static int read_token_file(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    char raw[TOKEN_MAX];
    FILE *fp = fopen(path, "r");
    size_t n;
    if (!fp) {
        snprintf(err, errlen, "reading token file %s: %s", path, strerror(errno));
        return LQ_EIO;
    }
    n = fread(raw, 1, sizeof raw - 1, fp);
    fclose(fp);
    raw[n] = '\0';
    strip_into(buf, cap, raw);
    return 0;
}

int annotate_connect_open(const annotate_connect *f, lq_client **out, char *err, size_t errlen)
{
    char token[TOKEN_MAX], why[512];
    lq_client_options opts = {0};
    int rc;
    if (f->token_file) {
        if ((rc = read_token_file(f->token_file, token, sizeof token, err, errlen)) < 0)
            return rc;
    } else {
        strip_into(token, sizeof token, f->token ? f->token : "");
    }
    if (!token[0] && f->token_file) {
        snprintf(err, errlen, "token file %s is empty", f->token_file);
        return LQ_EUNAUTH;
    }
    if (!token[0]) {
        snprintf(err, errlen,
                 "no token: pass --token or --token-file, or set LABELQ_TOKEN or "
                 "LABELQ_TOKEN_FILE");
        return LQ_EUNAUTH;
    }
    opts.server = f->server;
    opts.ca_file = f->ca;
    opts.token = token;
    opts.client_name = CLIENT_NAME;
    if ((rc = lq_client_connect(&opts, out, why, sizeof why)) < 0)
        snprintf(err, errlen, "connecting to %s: %s", f->server, why);
    return rc;
}
