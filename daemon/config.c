#include "daemon/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "proto/error.h"

#define LQ_VERSION "0.1.0"

/* The smallest and largest values a setting accepts. */
#define LQ_MIN_FRAME 1024
#define LQ_MAX_CONNECTIONS_LIMIT 1000000
#define LQ_MIN_MAP_SIZE 65536

void lq_config_default(lq_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->data_dir = "./labelq-data";
    cfg->listen = "127.0.0.1:7443";
    cfg->metrics_listen = "127.0.0.1:7444";
    cfg->max_frame = 4u * 1024 * 1024;
    cfg->max_connections = 10000;
    cfg->handshake_timeout_ms = 10000;
    cfg->map_size = (size_t)1 << 30;
    cfg->log_level = LQ_LOG_INFO;
    cfg->max_lease_batch = 256;
    cfg->max_wait_ms = 60000;
    cfg->max_lease_scan = 4096;
    cfg->export_chunk_bytes = 256 * 1024;
    cfg->write_queue_high = 1024 * 1024;
    cfg->metrics_max_connections = 64;
    cfg->metrics_timeout_ms = 5000;
    cfg->metrics_max_request = 8192;
    cfg->max_refusals = 64;
    cfg->auth_fail_threshold = 5;
    cfg->auth_fail_window_ms = 60000;
    cfg->auth_delay_first_ms = 250;
    cfg->auth_delay_max_ms = 8000;
    cfg->auth_throttle_addrs = 4096;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: labelqd [--config FILE] [--check-config] [options]\n"
            "\n"
            "labelq's daemon: a TLS task queue for data labeling on an embedded LMDB store.\n"
            "On first start in an empty data directory it creates the store, a CA and a\n"
            "server certificate (DIR/tls/), and an admin token (DIR/admin.token, mode 0600).\n"
            "\n"
            "options:\n"
            "  --config FILE         read settings from an INI file first; every option\n"
            "                        below is also a key there (data = DIR), and a flag\n"
            "                        given on the command line beats the file\n"
            "  --check-config        validate the file and flags, print the effective\n"
            "                        settings as a config file and exit (0, or 2 on error)\n"
            "  --data DIR            data directory (default ./labelq-data)\n"
            "  --listen HOST:PORT    TLS listen address (default 127.0.0.1:7443;\n"
            "                        IPv6 as [::1]:7443)\n"
            "  --metrics-listen HOST:PORT\n"
            "                        plain-HTTP address of GET /metrics (Prometheus text)\n"
            "                        and GET /healthz (default 127.0.0.1:7444; \"\" turns\n"
            "                        it off)\n"
            "  --tls-san NAME        extra DNS name or IP in a newly created server\n"
            "                        certificate (repeatable; localhost, 127.0.0.1 and ::1\n"
            "                        are always included)\n"
            "  --max-frame BYTES     largest request frame accepted (default 4194304)\n"
            "  --max-connections N   connections past N are refused: the first request\n"
            "                        gets RESOURCE_EXHAUSTED (default 10000)\n"
            "  --map-size BYTES      initial LMDB map size; it grows when full\n"
            "                        (default 1073741824)\n"
            "  --log-level LEVEL     debug, info, warn or error (default info)\n"
            "  --version             print the version and exit\n"
            "  --help                print this help and exit\n"
            "\n"
            "SIGTERM or SIGINT: stop accepting, finish in-flight commits, exit 0.\n");
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-' || s[0] == '+')
        return -1;
    *out = (size_t)v;
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
    size_t port;
    if (!(strcmp(colon + 1, "0") == 0 || (parse_size(colon + 1, &port) == 0 && port <= 65535)))
        return 0;
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, addr) == 1;
    }
    return strcmp(host, "localhost") == 0 || inet_pton(AF_INET, host, addr) == 1;
}

int lq_config_set(lq_config *cfg, const char *key, const char *v, char *err, size_t errlen)
{
    size_t n;
    if (strcmp(key, "data") == 0) {
        if (!*v) {
            snprintf(err, errlen, "data wants a directory");
            return LQ_EBADREQ;
        }
        cfg->data_dir = v;
    } else if (strcmp(key, "listen") == 0) {
        if (!valid_listen(v)) {
            snprintf(err, errlen, "listen wants HOST:PORT (IPv4, localhost or [IPv6]), got '%s'",
                     v);
            return LQ_EBADREQ;
        }
        cfg->listen = v;
    } else if (strcmp(key, "metrics-listen") == 0) {
        if (*v && !valid_listen(v)) {
            snprintf(err, errlen,
                     "metrics-listen wants HOST:PORT (IPv4, localhost or [IPv6]) or \"\" for "
                     "off, got '%s'",
                     v);
            return LQ_EBADREQ;
        }
        cfg->metrics_listen = v;
        cfg->metrics_listen_set = true;
    } else if (strcmp(key, "tls-san") == 0) {
        if (!*v || strpbrk(v, ", \t")) {
            snprintf(err, errlen, "tls-san wants one DNS name or IP address, got '%s'", v);
            return LQ_EBADREQ;
        }
        if (cfg->n_sans == LQ_MAX_SANS) {
            snprintf(err, errlen, "tls-san: at most %d names", LQ_MAX_SANS);
            return LQ_EBADREQ;
        }
        cfg->sans[cfg->n_sans++] = v;
    } else if (strcmp(key, "max-frame") == 0) {
        if (parse_size(v, &n) || n < LQ_MIN_FRAME) {
            snprintf(err, errlen, "max-frame wants a byte count >= %d, got '%s'", LQ_MIN_FRAME, v);
            return LQ_EBADREQ;
        }
        cfg->max_frame = n;
    } else if (strcmp(key, "max-connections") == 0) {
        if (parse_size(v, &n) || n > LQ_MAX_CONNECTIONS_LIMIT) {
            snprintf(err, errlen, "max-connections wants a number 1..%d, got '%s'",
                     LQ_MAX_CONNECTIONS_LIMIT, v);
            return LQ_EBADREQ;
        }
        cfg->max_connections = (unsigned)n;
    } else if (strcmp(key, "map-size") == 0) {
        if (parse_size(v, &n) || n < LQ_MIN_MAP_SIZE) {
            snprintf(err, errlen, "map-size wants a byte count >= %d, got '%s'", LQ_MIN_MAP_SIZE,
                     v);
            return LQ_EBADREQ;
        }
        cfg->map_size = n;
    } else if (strcmp(key, "log-level") == 0) {
        int level = lq_log_parse_level(v);
        if (level < 0) {
            snprintf(err, errlen, "log-level is debug, info, warn or error, got '%s'", v);
            return LQ_EBADREQ;
        }
        cfg->log_level = level;
    } else {
        snprintf(err, errlen,
                 "unknown key '%s' (keys: data, listen, metrics-listen, tls-san, max-frame, "
                 "max-connections, map-size, log-level)",
                 key);
        return LQ_ENOTFOUND;
    }
    return 0;
}

enum { O_SET = 1, O_CONFIG, O_CHECK, O_VERSION, O_HELP };
/* Every O_SET option's name is its lq_config_set key. */
static const struct option opts[] = {
    {"data", required_argument, NULL, O_SET},
    {"listen", required_argument, NULL, O_SET},
    {"metrics-listen", required_argument, NULL, O_SET},
    {"tls-san", required_argument, NULL, O_SET},
    {"max-frame", required_argument, NULL, O_SET},
    {"max-connections", required_argument, NULL, O_SET},
    {"map-size", required_argument, NULL, O_SET},
    {"log-level", required_argument, NULL, O_SET},
    {"config", required_argument, NULL, O_CONFIG},
    {"check-config", no_argument, NULL, O_CHECK},
    {"version", no_argument, NULL, O_VERSION},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* First pass: --help, --version, --config and --check-config, which decide
 * what the second pass means. Mistakes are left for the second pass. */
static int scan_modes(lq_config *cfg, int argc, char **argv)
{
    int o;
    optind = 0; /* glibc: start over, re-reading the environment */
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_CONFIG: cfg->config_file = optarg; break;
        case O_CHECK: cfg->check_only = true; break;
        case O_VERSION: printf("labelqd %s\n", LQ_VERSION); return 1;
        case O_HELP: usage(stdout); return 1;
        default: break;
        }
    }
    return 0;
}

/* Second pass: the flags that set something, over what the file set. */
static int apply_flags(lq_config *cfg, int argc, char **argv)
{
    bool sans_from_flags = false;
    char err[256];
    int o, idx;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, &idx)) != -1) {
        if (o == O_CONFIG || o == O_CHECK)
            continue;
        if (o != O_SET) {
            fprintf(stderr, "labelqd: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
        const char *key = opts[idx].name;
        if (strcmp(key, "tls-san") == 0 && !sans_from_flags) {
            cfg->n_sans = 0; /* --tls-san flags replace the file's list */
            sans_from_flags = true;
        }
        if (lq_config_set(cfg, key, optarg, err, sizeof(err)) < 0) {
            fprintf(stderr, "labelqd: --%s\n", err);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "labelqd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

int lq_config_parse(lq_config *cfg, int argc, char **argv)
{
    int rc = scan_modes(cfg, argc, argv);
    if (rc == 0 && cfg->config_file)
        rc = lq_config_load_file(cfg, cfg->config_file);
    if (rc == 0)
        rc = apply_flags(cfg, argc, argv);
    if (rc == 0 && cfg->check_only) {
        if (lq_config_write(cfg, stdout) < 0) {
            fprintf(stderr, "labelqd: cannot write the configuration: %s\n", strerror(errno));
            rc = -1;
        } else {
            rc = 1;
        }
    }
    if (rc != 0)
        lq_config_free(cfg);
    return rc;
}
