/* Annotator identities for labelq-bench; see bench_fleet.h. */
#include "bench/sim/fleet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int add_token(bench_fleet *f, const char *token)
{
    char **grown = realloc(f->token, (f->n + 1) * sizeof *grown);
    if (!grown)
        return LQ_ENOMEM;
    f->token = grown;
    if (!(f->token[f->n] = strdup(token)))
        return LQ_ENOMEM;
    f->n++;
    return 0;
}

/* Trims line in place; returns the token in it, or NULL for a line that
 * holds none. */
static char *token_in(char *line)
{
    char *end;
    while (isspace((unsigned char)*line))
        line++;
    end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return *line && *line != '#' ? line : NULL;
}

int bench_fleet_read(bench_fleet *f, const char *path, unsigned want, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return LQ_EIO;
    }
    while ((want == 0 || f->n < want) && getline(&line, &cap, fp) >= 0) {
        char *token = token_in(line);
        if (token && (rc = add_token(f, token)) < 0) {
            snprintf(err, errlen, "out of memory");
            break;
        }
    }
    free(line);
    fclose(fp);
    if (rc == 0 && (f->n == 0 || f->n < want)) {
        snprintf(err, errlen, "%s has %zu tokens, need %u", path, f->n, want ? want : 1);
        rc = LQ_EBADREQ;
    }
    return rc;
}

/* Eight hex digits that differ between runs (not from --seed: a rerun with
 * the same seed must still get fresh names). */
static unsigned run_tag(void)
{
    unsigned tag;
    if (getrandom(&tag, sizeof tag, 0) == (ssize_t)sizeof tag)
        return tag;
    return (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
}

int bench_fleet_create(bench_fleet *f, lq_client *admin, unsigned n, char *err, size_t errlen)
{
    unsigned tag = run_tag();
    if (lq_client_role(admin) != LABELQ__ROLE__ADMIN) {
        snprintf(err, errlen,
                 "creating annotators needs an admin --token; "
                 "pass --annotator-tokens FILE to use existing annotators");
        return LQ_EPERM;
    }
    for (unsigned i = 0; i < n; i++) {
        char name[64], *token = NULL;
        int rc;
        snprintf(name, sizeof name, "bench-%08x-%u", tag, i);
        if ((rc = lq_annotator_add(admin, name, LABELQ__ROLE__ANNOTATOR, &token)) < 0) {
            snprintf(err, errlen, "adding annotator %s: %s", name, lq_client_error(admin));
            return rc;
        }
        rc = add_token(f, token);
        free(token);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory");
            return rc;
        }
    }
    return 0;
}

int bench_fleet_connect(bench_fleet *f, const lq_client_options *conn, char *err, size_t errlen)
{
    lq_client_options o = *conn;
    char why[512];
    if (!(f->client = calloc(f->n ? f->n : 1, sizeof *f->client))) {
        snprintf(err, errlen, "out of memory");
        return LQ_ENOMEM;
    }
    for (size_t i = 0; i < f->n; i++) {
        o.token = f->token[i];
        int rc = lq_client_connect(&o, &f->client[i], why, sizeof why);
        if (rc < 0) {
            snprintf(err, errlen, "connecting annotator %zu of %zu: %s", i + 1, f->n, why);
            return rc;
        }
    }
    return 0;
}

void bench_fleet_free(bench_fleet *f)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->client)
            lq_client_close(f->client[i]);
        free(f->token[i]);
    }
    free(f->client);
    free(f->token);
    memset(f, 0, sizeof *f);
}
