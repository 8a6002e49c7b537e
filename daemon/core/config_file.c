/* labelqd's config file: INI read with inih. A key is a flag's name and
 * means what the flag means; config.c checks the values and writes the
 * file back for --check-config. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/config_file.h"

/* A value read from the file, kept while cfg points at it. */
struct lq_config_text {
    struct lq_config_text *next;
    char s[];
};

#define REPEATABLE_KEY "tls-san"

/* One read of one file. inih goes on after an error; only the first is
 * kept, as that is the one to fix first. */
typedef struct file_read {
    lq_config *cfg;
    FILE *f;
    int line;         /* lines handed to inih so far: the current line */
    int section_line; /* line of the last [section] header */
    int err_line;     /* line of the first error, 0 while there is none */
    char err[1024];
    int seen[LQ_CONFIG_N_KEYS]; /* line each key was set on, 0 if not yet */
} file_read;

/* Records the first error, at line; returns 0, which is inih's "error". */
static int __attribute__((format(printf, 3, 4)))
fail_at(file_read *r, int line, const char *fmt, ...)
{
    if (r->err_line)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    r->err_line = line;
    return 0;
}
#define fail(r, ...) fail_at((r), (r)->line, __VA_ARGS__)

/* inih's line reader: fgets that counts lines (inih's count runs the same,
 * one per call) and refuses lines longer than inih's buffer, which inih
 * would otherwise split into two. */
static char *read_line(char *buf, int size, void *stream)
{
    file_read *r = stream;
    if (!fgets(buf, size, r->f))
        return NULL;
    r->line++;
    if (buf[strspn(buf, " \t")] == '[')
        r->section_line = r->line;
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] != '\n') {
        int c = fgetc(r->f);
        if (c != EOF && c != '\n') {
            fail(r, "line longer than %d characters", size - 1);
            while ((c = fgetc(r->f)) != EOF && c != '\n')
                ;
        }
    }
    return buf;
}

static char *keep(lq_config *cfg, const char *value)
{
    size_t n = strlen(value) + 1;
    struct lq_config_text *t = malloc(sizeof(*t) + n);
    if (!t)
        return NULL;
    memcpy(t->s, value, n);
    t->next = cfg->owned;
    cfg->owned = t;
    return t->s;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    file_read *r = user;
    if (*section && strcmp(section, LQ_CONFIG_SECTION) != 0)
        return fail_at(r, r->section_line,
                       "unknown section [%s] (the only one is [" LQ_CONFIG_SECTION "])", section);
    int k = lq_config_key_index(name);
    if (k >= 0 && r->seen[k] && strcmp(name, REPEATABLE_KEY) != 0)
        return fail(r, "%s is already set on line %d", name, r->seen[k]);
    char *v = keep(r->cfg, value);
    if (!v)
        return fail(r, "out of memory");
    char err[1024];
    if (lq_config_set(r->cfg, name, v, err, sizeof(err)) < 0)
        return fail(r, "%s", err);
    if (k >= 0)
        r->seen[k] = r->line;
    return 1;
}

int lq_config_load_file(lq_config *cfg, const char *path)
{
    file_read r;
    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.f = fopen(path, "r");
    if (!r.f) {
        fprintf(stderr, "labelqd: cannot open config file %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = ini_parse_stream(read_line, &r, on_key, &r);
    int read_failed = ferror(r.f);
    int read_errno = errno;
    fclose(r.f);
    if (read_failed) {
        fprintf(stderr, "labelqd: cannot read config file %s: %s\n", path, strerror(read_errno));
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "labelqd: %s: out of memory\n", path);
        return -1;
    }
    if (rc > 0 && (r.err_line == 0 || rc < r.err_line)) {
        fprintf(stderr,
                "labelqd: %s:%d: expected 'key = value', '[" LQ_CONFIG_SECTION "]' or a comment\n",
                path, rc);
        return -1;
    }
    if (r.err_line) {
        fprintf(stderr, "labelqd: %s:%d: %s\n", path, r.err_line, r.err);
        return -1;
    }
    return 0;
}

void lq_config_free(lq_config *cfg)
{
    while (cfg->owned) {
        struct lq_config_text *next = cfg->owned->next;
        free(cfg->owned);
        cfg->owned = next;
    }
}
