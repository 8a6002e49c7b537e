/* labelqd's settings: one table of keys gives each its flag, config-file
 * key, range, --help text and --check-config line. The command line is
 * config_args.c's, the file config_file.c's; both set keys through here. */
#include "daemon/core/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "proto/error.h"


void lq_config_default(lq_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->data_dir = "./labelq-data";
    cfg->listen = "127.0.0.1:7443";
    cfg->metrics_listen = "127.0.0.1:7444";
    cfg->client_ca = "";
    cfg->max_frame = 4u * 1024 * 1024;
    cfg->max_frame_unauthenticated = 64u * 1024;
    cfg->max_frame_fields = 32768;
    cfg->max_connections = 10000;
    cfg->handshake_timeout_ms = 10000;
    cfg->map_size = (size_t)1 << 30;
    cfg->log_level = LQ_LOG_INFO;
    cfg->max_lease_batch = 256;
    cfg->max_wait_ms = 60000;
    cfg->max_lease_scan = 4096;
    cfg->export_chunk_bytes = 256 * 1024;
    cfg->write_queue_high = 1024 * 1024;
    cfg->stall_timeout_ms = 60000;
    cfg->metrics_max_connections = 64;
    cfg->metrics_timeout_ms = 5000;
    cfg->metrics_max_request = 8192;
    cfg->max_writes_per_connection = 128;
    cfg->max_parked_per_connection = 16;
    cfg->max_connections_per_annotator = 64;
    cfg->max_refusals = 64;
    cfg->auth_fail_threshold = 5;
    cfg->auth_fail_window_ms = 60000;
    cfg->auth_delay_first_ms = 250;
    cfg->auth_delay_max_ms = 8000;
    cfg->auth_throttle_addrs = 4096;
}

/* How a key's text becomes its setting. */
typedef enum key_kind {
    K_DIR,     /* data: a non-empty path */
    K_LISTEN,  /* HOST:PORT */
    K_METRICS, /* HOST:PORT, or "" for none */
    K_SAN,     /* one name per key; repeatable */
    K_FILE,    /* client-ca: a path, or "" for none */
    K_LEVEL,   /* a log level's name */
    K_BYTES,   /* a byte count in a size_t field */
    K_COUNT,   /* a number in an unsigned field */
    K_MS,      /* milliseconds in an unsigned field */
} key_kind;

#define NO_MAX ULLONG_MAX /* a number without an upper bound */

typedef struct key {
    const char *name; /* the flag without "--", and the file's key */
    const char *arg;  /* its value in --help */
    key_kind kind;
    size_t offset;               /* numbers: the field in lq_config */
    unsigned long long min, max; /* numbers: accepted range */
    const char *help;            /* --help's text, before the default */
} key;

/* The offset of lq_config's field f, which must have type t: a row that
 * points a byte count at an unsigned field does not compile. */
#define FIELD(f, t) (offsetof(lq_config, f) + 0 * sizeof(_Generic(((lq_config *)0)->f, t : 1)))
#define BYTES(f) K_BYTES, FIELD(f, size_t)
#define COUNT(f) K_COUNT, FIELD(f, unsigned)
#define MS(f) K_MS, FIELD(f, unsigned)

/* Ranges: 0 is allowed only where it means something (off, none, never
 * wait); timeouts leave a loaded loopback client time to answer; upper
 * bounds keep per-connection memory and loop-thread work bounded. */
static const key keys[] = {
    {"data", "DIR", K_DIR, 0, 0, 0,
     "data directory: the store, tls/ and admin.token; created if missing"},
    {"listen", "HOST:PORT", K_LISTEN, 0, 0, 0,
     "TLS listen address: IPv4, localhost or [IPv6], e.g. [::]:7443"},
    {"metrics-listen", "HOST:PORT", K_METRICS, 0, 0, 0,
     "plain-HTTP address of GET /metrics (Prometheus text) and GET /healthz; \"\" turns it "
     "off"},
    {"tls-san", "NAME", K_SAN, 0, 0, 0,
     "extra DNS name or IP in a newly created server certificate (repeatable, up to 16; "
     "localhost, 127.0.0.1 and ::1 are always included)"},
    {"client-ca", "FILE", K_FILE, 0, 0, 0,
     "PEM file of the CA(s) that sign client certificates: every client must then present "
     "one (and a token as well). Default \"\": no client certificate is asked for"},
    {"map-size", "BYTES", BYTES(map_size), 65536, NO_MAX,
     "initial LMDB map size; it grows when full"},
    {"log-level", "LEVEL", K_LEVEL, 0, 0, 0, "lowest level logged: debug, info, warn or error"},
    {"max-frame", "BYTES", BYTES(max_frame), 1024, 1073741824, "largest request frame accepted"},
    /* Before Hello a frame only needs to hold a token: anyone who can
     * connect may send one, so it gets a small limit, refused as soon as
     * its header announces more. */
    {"max-frame-unauthenticated", "BYTES", BYTES(max_frame_unauthenticated), 1024, 1073741824,
     "largest frame accepted before Hello; at most max-frame"},
    /* Decoding costs about 100 ns and 80 bytes per field (a million tiny
     * fields: a few hundred ms of the loop and ~100 MiB), so the fields
     * are counted first. 32768 is at most ~4 ms and ~3 MiB, and holds an
     * import chunk of 10,000 lines (3 fields each; labelq import sends
     * 1000); the minimum holds a CreateProject with all its 64 labels. */
    {"max-frame-fields", "N", COUNT(max_frame_fields), 256, 16777216,
     "fields one request frame may hold (every field at every depth, each element of a "
     "repeated field, unknown fields), counted before it is decoded"},
    {"max-connections", "N", COUNT(max_connections), 1, 1000000,
     "connections served at once; past N the first request gets RESOURCE_EXHAUSTED"},
    {"max-refusals", "N", COUNT(max_refusals), 0, 1000000,
     "connections past max-connections still told RESOURCE_EXHAUSTED; beyond them, new "
     "connections are closed at accept"},
    {"handshake-timeout-ms", "MS", MS(handshake_timeout_ms), 100, 600000,
     "TLS handshake and Hello must finish this long after accept"},
    {"auth-fail-threshold", "N", COUNT(auth_fail_threshold), 0, 1000000,
     "failed Hellos from one address answered at once; each later one is delayed"},
    {"auth-fail-window-ms", "MS", MS(auth_fail_window_ms), 1000, 86400000,
     "an address without a failed Hello for this long is forgotten; keep it above "
     "auth-delay-max-ms"},
    {"auth-delay-first-ms", "MS", MS(auth_delay_first_ms), 1, 600000,
     "first delay of a failed Hello's reply; it doubles with each further failure"},
    {"auth-delay-max-ms", "MS", MS(auth_delay_max_ms), 1, 600000,
     "longest delay of a failed Hello's reply; at least auth-delay-first-ms"},
    {"auth-throttle-addrs", "N", COUNT(auth_throttle_addrs), 0, LQ_AUTH_THROTTLE_SLOTS,
     "addresses the failed-Hello throttle remembers; 0 turns the throttle off"},
    {"max-lease-batch", "N", COUNT(max_lease_batch), 1, 65536, "most tasks one lease request gets"},
    {"max-wait-ms", "MS", MS(max_wait_ms), 0, 3600000,
     "longest long-poll of a lease request; 0 answers at once"},
    {"max-lease-scan", "N", COUNT(max_lease_scan), 1, 1048576,
     "queued tasks the annotator already labeled that a lease request may pass over "
     "before it gives up"},
    {"export-chunk-bytes", "BYTES", BYTES(export_chunk_bytes), 512, 64u * 1024 * 1024,
     "JSONL bytes per export chunk, and bytes per backup chunk; at most half of max-frame"},
    {"write-queue-high", "BYTES", BYTES(write_queue_high), 1024, 1024u * 1024 * 1024,
     "an export or backup pauses while its connection has this many bytes unsent; at least "
     "export-chunk-bytes"},
    {"stall-timeout-ms", "MS", MS(stall_timeout_ms), 1000, 3600000,
     "a connection whose export or backup is paused on a reader that takes nothing for "
     "this long is dropped"},
    {"metrics-max-connections", "N", COUNT(metrics_max_connections), 1, 10000,
     "open metrics connections; more are closed at accept"},
    {"metrics-timeout-ms", "MS", MS(metrics_timeout_ms), 100, 600000,
     "a metrics request must be read and answered within this"},
    {"metrics-max-request", "BYTES", BYTES(metrics_max_request), 1024, 1024 * 1024,
     "largest HTTP request header block read; a larger one gets 431"},
    {"max-writes-per-connection", "N", COUNT(max_writes_per_connection), 1, 65536,
     "a connection's requests being stored at once; past N labelqd reads nothing more from "
     "it until some are stored"},
    {"max-parked-per-connection", "N", COUNT(max_parked_per_connection), 1, 65536,
     "lease requests one connection may have waiting for work (wait_ms) at once; more get "
     "RESOURCE_EXHAUSTED"},
    {"max-connections-per-annotator", "N", COUNT(max_connections_per_annotator), 1, 1000000,
     "connections one token may have open at once; the Hello of one more gets "
     "RESOURCE_EXHAUSTED"},
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) == LQ_CONFIG_N_KEYS, "LQ_CONFIG_N_KEYS");
_Static_assert(LQ_CONFIG_N_KEYS <= 64, "lq_config.given has a bit per key");

static const char *const levels[] = {
    [LQ_LOG_DEBUG] = "debug",
    [LQ_LOG_INFO] = "info",
    [LQ_LOG_WARN] = "warn",
    [LQ_LOG_ERROR] = "error",
};

const char *lq_config_key_name(size_t i)
{
    return i < LQ_CONFIG_N_KEYS ? keys[i].name : NULL;
}

int lq_config_key_index(const char *name)
{
    for (int i = 0; i < LQ_CONFIG_N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return i;
    return -1;
}

static bool is_number(key_kind kind)
{
    return kind == K_BYTES || kind == K_COUNT || kind == K_MS;
}

/* A number key's value. */
static unsigned long long number_of(const lq_config *cfg, const key *k)
{
    const char *field = (const char *)cfg + k->offset;
    if (k->kind == K_BYTES)
        return *(const size_t *)field;
    return *(const unsigned *)field;
}

/* Stores n, already checked against k's range, in k's field. */
static void store_number(lq_config *cfg, const key *k, unsigned long long n)
{
    char *field = (char *)cfg + k->offset;
    if (k->kind == K_BYTES)
        *(size_t *)field = (size_t)n;
    else
        *(unsigned *)field = (unsigned)n;
}

/* A plain decimal number: digits only (no sign, space or suffix), no
 * overflow. Returns 0 or -1. */
static int parse_number(const char *s, unsigned long long *out)
{
    unsigned long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "1..1000000", or ">= 1024" without an upper bound. */
static void range_text(unsigned long long min, unsigned long long max, char *buf, size_t len)
{
    if (max == NO_MAX)
        snprintf(buf, len, ">= %llu", min);
    else
        snprintf(buf, len, "%llu..%llu", min, max);
}

/* "KEY wants NOUN RANGE[ (WHY)], got 'VALUE'": always LQ_EBADREQ. */
static int number_error(const key *k, unsigned long long min, unsigned long long max,
                        const char *why, const char *value, char *err, size_t errlen)
{
    static const char *const nouns[] = {
        [K_BYTES] = "a byte count", [K_COUNT] = "a number", [K_MS] = "milliseconds"};
    char range[64];
    range_text(min, max, range, sizeof(range));
    snprintf(err, errlen, "%s wants %s %s%s, got '%s'", k->name, nouns[k->kind], range, why, value);
    return LQ_EBADREQ;
}

static int set_number(lq_config *cfg, const key *k, const char *v, char *err, size_t errlen)
{
    unsigned long long n;
    if (parse_number(v, &n) < 0 || n < k->min || n > k->max)
        return number_error(k, k->min, k->max, "", v, err, errlen);
#if SIZE_MAX < ULLONG_MAX
    if (k->kind == K_BYTES && n > SIZE_MAX)
        return number_error(k, k->min, SIZE_MAX, "", v, err, errlen);
#endif
    store_number(cfg, k, n);
    return 0;
}

/* Checks HOST:PORT the way the listener reads it (server.c): an IPv4
 * address, localhost or [IPv6], and a port 0..65535. */
static int valid_listen(const char *spec)
{
    char host[INET6_ADDRSTRLEN + 2];
    unsigned char addr[sizeof(struct in6_addr)];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
        return 0;
    size_t n = (size_t)(colon - spec);
    memcpy(host, spec, n);
    host[n] = '\0';
    unsigned long long port;
    if (parse_number(colon + 1, &port) < 0 || port > 65535)
        return 0;
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, addr) == 1;
    }
    return strcmp(host, "localhost") == 0 || inet_pton(AF_INET, host, addr) == 1;
}

/* The keys that are not numbers, each with its own rule and message. */
static int set_text(lq_config *cfg, const key *k, const char *v, char *err, size_t errlen)
{
    switch (k->kind) {
    case K_DIR:
        if (!*v) {
            snprintf(err, errlen, "data wants a directory");
            return LQ_EBADREQ;
        }
        cfg->data_dir = v;
        return 0;
    case K_LISTEN:
        if (!valid_listen(v)) {
            snprintf(err, errlen, "listen wants HOST:PORT (IPv4, localhost or [IPv6]), got '%s'",
                     v);
            return LQ_EBADREQ;
        }
        cfg->listen = v;
        return 0;
    case K_METRICS:
        if (*v && !valid_listen(v)) {
            snprintf(err, errlen,
                     "metrics-listen wants HOST:PORT (IPv4, localhost or [IPv6]) or \"\" for "
                     "off, got '%s'",
                     v);
            return LQ_EBADREQ;
        }
        cfg->metrics_listen = v;
        cfg->metrics_listen_set = true;
        return 0;
    case K_SAN:
        if (!*v || strpbrk(v, ", \t")) {
            snprintf(err, errlen, "tls-san wants one DNS name or IP address, got '%s'", v);
            return LQ_EBADREQ;
        }
        if (cfg->n_sans == LQ_MAX_SANS) {
            snprintf(err, errlen, "tls-san: at most %d names", LQ_MAX_SANS);
            return LQ_EBADREQ;
        }
        cfg->sans[cfg->n_sans++] = v;
        return 0;
    case K_FILE:
        /* Read at start-up (lq_tls_setup), where a bad file stops the daemon. */
        cfg->client_ca = v;
        return 0;
    case K_LEVEL: {
        int level = lq_log_parse_level(v);
        if (level < 0) {
            snprintf(err, errlen, "log-level is debug, info, warn or error, got '%s'", v);
            return LQ_EBADREQ;
        }
        cfg->log_level = level;
        return 0;
    }
    default:
        return set_number(cfg, k, v, err, errlen);
    }
}

/* "unknown key 'K' (keys: data, listen, ...)", every key from the table. */
static int unknown_key(const char *name, char *err, size_t errlen)
{
    int n = snprintf(err, errlen, "unknown key '%s' (keys:", name);
    for (size_t i = 0; i < LQ_CONFIG_N_KEYS && n >= 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, "%s %s", i ? "," : "", keys[i].name);
    if (n >= 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, ")");
    return LQ_ENOTFOUND;
}

int lq_config_set(lq_config *cfg, const char *name, const char *v, char *err, size_t errlen)
{
    int i = lq_config_key_index(name);
    if (i < 0)
        return unknown_key(name, err, errlen);
    int rc = set_text(cfg, &keys[i], v, err, errlen);
    if (rc == 0)
        cfg->given |= (uint64_t)1 << i;
    return rc;
}

/* The row of a key this file names; it exists. */
static const key *key_named(const char *name)
{
    return &keys[lq_config_key_index(name)];
}

static bool given(const lq_config *cfg, const char *name)
{
    return cfg->given & ((uint64_t)1 << (key_named(name) - keys));
}

/* The error for a key whose value must lie in min..max for the reason why. */
static int disagree(const lq_config *cfg, const char *name, unsigned long long min,
                    unsigned long long max, const char *why, char *err, size_t errlen)
{
    const key *k = key_named(name);
    char value[32];
    snprintf(value, sizeof(value), "%llu", number_of(cfg, k));
    return number_error(k, min, max, why, value, err, errlen);
}

int lq_config_check(lq_config *cfg, char *err, size_t errlen)
{
    char why[96];
    /* A limit before Hello above the one after it would mean nothing. Left
     * at its default it shrinks to a smaller max-frame. */
    if (cfg->max_frame_unauthenticated > cfg->max_frame) {
        snprintf(why, sizeof(why), " (at most max-frame %zu)", cfg->max_frame);
        if (given(cfg, "max-frame-unauthenticated"))
            return disagree(cfg, "max-frame-unauthenticated",
                            key_named("max-frame-unauthenticated")->min, cfg->max_frame, why, err,
                            errlen);
        cfg->max_frame_unauthenticated = cfg->max_frame;
    }
    /* A chunk ends after the line that crosses export-chunk-bytes: half of
     * max-frame leaves the other half for that line, so a reply stays
     * within what a client sized for max-frame reads. Left at its default
     * it shrinks to fit, so a small max-frame that was valid before this
     * was a key still is. */
    size_t chunk_max = cfg->max_frame / 2;
    if (cfg->export_chunk_bytes > chunk_max) {
        snprintf(why, sizeof(why), " (at most half of max-frame %zu)", cfg->max_frame);
        if (given(cfg, "export-chunk-bytes"))
            return disagree(cfg, "export-chunk-bytes", key_named("export-chunk-bytes")->min,
                            chunk_max, why, err, errlen);
        cfg->export_chunk_bytes = chunk_max;
    }
    /* An export or backup pauses at write-queue-high: below one chunk,
     * every chunk would stall until the last one is nearly sent. */
    if (cfg->write_queue_high < cfg->export_chunk_bytes) {
        if (!given(cfg, "write-queue-high")) {
            cfg->write_queue_high = cfg->export_chunk_bytes;
        } else if (!given(cfg, "export-chunk-bytes")) {
            cfg->export_chunk_bytes = cfg->write_queue_high;
        } else {
            snprintf(why, sizeof(why), " (at least export-chunk-bytes %zu)",
                     cfg->export_chunk_bytes);
            return disagree(cfg, "write-queue-high", cfg->export_chunk_bytes,
                            key_named("write-queue-high")->max, why, err, errlen);
        }
    }
    if (cfg->auth_delay_first_ms > cfg->auth_delay_max_ms) {
        if (!given(cfg, "auth-delay-first-ms")) {
            cfg->auth_delay_first_ms = cfg->auth_delay_max_ms;
        } else if (!given(cfg, "auth-delay-max-ms")) {
            cfg->auth_delay_max_ms = cfg->auth_delay_first_ms;
        } else {
            snprintf(why, sizeof(why), " (at most auth-delay-max-ms %u)", cfg->auth_delay_max_ms);
            return disagree(cfg, "auth-delay-first-ms", key_named("auth-delay-first-ms")->min,
                            cfg->auth_delay_max_ms, why, err, errlen);
        }
    }
    return 0;
}

/* Key k's single value as text: a string of cfg's, or buf. Not tls-san. */
static const char *value_text(const lq_config *cfg, const key *k, char *buf, size_t len)
{
    switch (k->kind) {
    case K_DIR:
        return cfg->data_dir;
    case K_LISTEN:
        return cfg->listen;
    case K_METRICS:
        return cfg->metrics_listen;
    case K_FILE:
        return cfg->client_ca;
    case K_LEVEL:
        return levels[cfg->log_level];
    case K_SAN:
        return "";
    default:
        snprintf(buf, len, "%llu", number_of(cfg, k));
        return buf;
    }
}

int lq_config_write(const lq_config *cfg, FILE *out)
{
    char buf[32];
    fprintf(out, "# labelqd's effective configuration (labelqd --check-config)\n");
    fprintf(out, "[" LQ_CONFIG_SECTION "]\n");
    for (size_t i = 0; i < LQ_CONFIG_N_KEYS; i++) {
        const key *k = &keys[i];
        if (k->kind == K_SAN) {
            if (cfg->n_sans == 0)
                fprintf(out, "# tls-san: none besides localhost, 127.0.0.1 and ::1\n");
            for (int s = 0; s < cfg->n_sans; s++)
                fprintf(out, "tls-san = %s\n", cfg->sans[s]);
            continue;
        }
        if (k->kind == K_METRICS && !*cfg->metrics_listen)
            fprintf(out, "# metrics-listen: empty, no metrics endpoint\n");
        if (k->kind == K_FILE && !*cfg->client_ca)
            fprintf(out, "# client-ca: empty, clients need no certificate\n");
        fprintf(out, "%s = %s\n", k->name, value_text(cfg, k, buf, sizeof(buf)));
    }
    return fflush(out) != 0 || ferror(out) ? -1 : 0;
}

int lq_config_key_help(size_t i, char *lead, size_t lead_len, char *text, size_t text_len)
{
    if (i >= LQ_CONFIG_N_KEYS)
        return LQ_ENOTFOUND;
    const key *k = &keys[i];
    lq_config defaults;
    lq_config_default(&defaults);
    char value[32], range[64];
    snprintf(lead, lead_len, "--%s %s", k->name, k->arg);
    if (k->kind == K_SAN || (k->kind == K_FILE && !*defaults.client_ca)) {
        snprintf(text, text_len, "%s", k->help);
    } else if (is_number(k->kind)) {
        range_text(k->min, k->max, range, sizeof(range));
        snprintf(text, text_len, "%s (default %s; %s)", k->help,
                 value_text(&defaults, k, value, sizeof(value)), range);
    } else {
        snprintf(text, text_len, "%s (default %s)", k->help,
                 value_text(&defaults, k, value, sizeof(value)));
    }
    return 0;
}
