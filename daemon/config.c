#include "daemon/config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"

#define LQ_VERSION "0.1.0"

void lq_config_default(lq_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->data_dir = "./labelq-data";
    cfg->listen = "127.0.0.1:7443";
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
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: labelqd [options]\n"
            "\n"
            "labelq's daemon: a TLS task queue for data labeling on an embedded LMDB store.\n"
            "On first start in an empty data directory it creates the store, a CA and a\n"
            "server certificate (DIR/tls/), and an admin token (DIR/admin.token, mode 0600).\n"
            "\n"
            "options:\n"
            "  --data DIR            data directory (default ./labelq-data)\n"
            "  --listen HOST:PORT    TLS listen address (default 127.0.0.1:7443;\n"
            "                        IPv6 as [::1]:7443)\n"
            "  --tls-san NAME        extra DNS name or IP in a newly created server\n"
            "                        certificate (repeatable; localhost, 127.0.0.1 and ::1\n"
            "                        are always included)\n"
            "  --max-frame BYTES     largest request frame accepted (default 4194304)\n"
            "  --max-connections N   connections past N are refused (default 10000)\n"
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
    if (errno || end == s || *end || v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int lq_config_parse(lq_config *cfg, int argc, char **argv)
{
    enum { O_DATA = 1, O_LISTEN, O_SAN, O_FRAME, O_CONNS, O_MAP, O_LOG, O_VERSION, O_HELP };
    static const struct option opts[] = {
        {"data", required_argument, NULL, O_DATA},
        {"listen", required_argument, NULL, O_LISTEN},
        {"tls-san", required_argument, NULL, O_SAN},
        {"max-frame", required_argument, NULL, O_FRAME},
        {"max-connections", required_argument, NULL, O_CONNS},
        {"map-size", required_argument, NULL, O_MAP},
        {"log-level", required_argument, NULL, O_LOG},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int o;
    size_t n;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_DATA: cfg->data_dir = optarg; break;
        case O_LISTEN: cfg->listen = optarg; break;
        case O_SAN:
            if (cfg->n_sans == LQ_MAX_SANS) {
                fprintf(stderr, "labelqd: at most %d --tls-san names\n", LQ_MAX_SANS);
                return -1;
            }
            cfg->sans[cfg->n_sans++] = optarg;
            break;
        case O_FRAME:
            if (parse_size(optarg, &cfg->max_frame) || cfg->max_frame < 1024) {
                fprintf(stderr, "labelqd: --max-frame needs a byte count >= 1024\n");
                return -1;
            }
            break;
        case O_CONNS:
            if (parse_size(optarg, &n) || n > 1000000) {
                fprintf(stderr, "labelqd: --max-connections needs a number 1..1000000\n");
                return -1;
            }
            cfg->max_connections = (unsigned)n;
            break;
        case O_MAP:
            if (parse_size(optarg, &cfg->map_size) || cfg->map_size < 65536) {
                fprintf(stderr, "labelqd: --map-size needs a byte count >= 65536\n");
                return -1;
            }
            break;
        case O_LOG:
            cfg->log_level = lq_log_parse_level(optarg);
            if (cfg->log_level < 0) {
                fprintf(stderr, "labelqd: --log-level is debug, info, warn or error\n");
                return -1;
            }
            break;
        case O_VERSION: printf("labelqd %s\n", LQ_VERSION); return 1;
        case O_HELP: usage(stdout); return 1;
        default:
            fprintf(stderr, "labelqd: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
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
