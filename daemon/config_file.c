/* labelqd's config file: INI read with inih, and written back for
 * --check-config. A key is a flag's name and means what the flag means;
 * config.c checks the values. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/log.h"

#define LQ_CONFIG_SECTION "labelqd"

/* A value read from the file, kept while cfg points at it. */
struct lq_config_text {
    struct lq_config_text *next;
    char s[];
};

/* Every key (config.c gives them meaning), to catch one given twice. */
static const char *const keys[] = {
    "data",      "listen",          "metrics-listen", "tls-san",
    "max-frame", "max-connections", "map-size",       "log-level",
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
#define REPEATABLE_KEY "tls-san"

/* One read of one file. inih goes on after an error; only the first is
 * kept, as that is the one to fix first. */
typedef struct file_read {
    lq_config *cfg;
    FILE *f;
    int line;         /* lines handed to inih so far: the current line */
    int section_line; /* line of the last [section] header */
    int err_line;     /* line of the first error, 0 while there is none */
    char err[512];
    int seen[N_KEYS]; /* line each key was set on, 0 if not yet */
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
    size_t k = 0;
    while (k < N_KEYS && strcmp(keys[k], name) != 0)
        k++;
    if (k < N_KEYS && r->seen[k] && strcmp(name, REPEATABLE_KEY) != 0)
        return fail(r, "%s is already set on line %d", name, r->seen[k]);
    char *v = keep(r->cfg, value);
    if (!v)
        return fail(r, "out of memory");
    char err[256];
    if (lq_config_set(r->cfg, name, v, err, sizeof(err)) < 0)
        return fail(r, "%s", err);
    if (k < N_KEYS)
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

int lq_config_write(const lq_config *cfg, FILE *out)
{
    static const char *const levels[] = {
        [LQ_LOG_DEBUG] = "debug",
        [LQ_LOG_INFO] = "info",
        [LQ_LOG_WARN] = "warn",
        [LQ_LOG_ERROR] = "error",
    };
    fprintf(out, "# labelqd's effective configuration (labelqd --check-config)\n");
    fprintf(out, "[" LQ_CONFIG_SECTION "]\n");
    fprintf(out, "data = %s\n", cfg->data_dir);
    fprintf(out, "listen = %s\n", cfg->listen);
    if (!*cfg->metrics_listen)
        fprintf(out, "# metrics-listen: empty, no metrics endpoint\n");
    fprintf(out, "metrics-listen = %s\n", cfg->metrics_listen);
    if (cfg->n_sans == 0)
        fprintf(out, "# tls-san: none besides localhost, 127.0.0.1 and ::1\n");
    for (int i = 0; i < cfg->n_sans; i++)
        fprintf(out, "tls-san = %s\n", cfg->sans[i]);
    fprintf(out, "max-frame = %zu\n", cfg->max_frame);
    fprintf(out, "max-connections = %u\n", cfg->max_connections);
    fprintf(out, "map-size = %zu\n", cfg->map_size);
    fprintf(out, "log-level = %s\n", levels[cfg->log_level]);
    fprintf(out,
            "# compiled in, no key: handshake-timeout-ms %u, max-lease-batch %u,\n"
            "# max-wait-ms %u, max-lease-scan %u, export-chunk-bytes %zu,\n"
            "# write-queue-high %zu, metrics-max-connections %u,\n"
            "# metrics-timeout-ms %u, metrics-max-request %zu, max-refusals %u,\n"
            "# auth-fail-threshold %u, auth-fail-window-ms %u, auth-delay-first-ms %u,\n"
            "# auth-delay-max-ms %u, auth-throttle-addrs %u\n",
            cfg->handshake_timeout_ms, cfg->max_lease_batch, cfg->max_wait_ms, cfg->max_lease_scan,
            cfg->export_chunk_bytes, cfg->write_queue_high, cfg->metrics_max_connections,
            cfg->metrics_timeout_ms, cfg->metrics_max_request, cfg->max_refusals,
            cfg->auth_fail_threshold, cfg->auth_fail_window_ms, cfg->auth_delay_first_ms,
            cfg->auth_delay_max_ms, cfg->auth_throttle_addrs);
    return fflush(out) != 0 || ferror(out) ? -1 : 0;
}

void lq_config_free(lq_config *cfg)
{
    while (cfg->owned) {
        struct lq_config_text *next = cfg->owned->next;
        free(cfg->owned);
        cfg->owned = next;
    }
}
