/* labelqd's command line: --help, --version, --config FILE (read first,
 * config_file.c), --check-config, and a flag per setting (config.c's
 * table), which beats the file wherever it stands. */
#include "daemon/core/config_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "daemon/core/config_file.h"

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown" /* built outside CMake (the fuzz targets) */
#endif

#define HELP_COL 24   /* where an option's text starts */
#define HELP_WIDTH 79 /* and where its lines end */

/* Prints "  LEAD" and text word-wrapped from HELP_COL (on the next line when
 * LEAD reaches into it). */
static void print_option(FILE *out, const char *lead, const char *text)
{
    int col = fprintf(out, "  %s", lead);
    if (col > HELP_COL - 2) {
        fputc('\n', out);
        col = 0;
    }
    bool line_empty = true;
    while (*text) {
        int n = (int)strcspn(text, " ");
        if (!line_empty && col + 1 + n > HELP_WIDTH) {
            fputc('\n', out);
            col = 0;
            line_empty = true;
        }
        if (line_empty)
            col += fprintf(out, "%*s", HELP_COL - col, "");
        else
            col += fprintf(out, " ");
        col += fprintf(out, "%.*s", n, text);
        line_empty = false;
        text += n;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: labelqd [--config FILE] [--check-config] [options]\n"
                 "\n"
                 "labelq's daemon: a TLS task queue for data labeling on an embedded LMDB store.\n"
                 "On first start in an empty data directory it creates the store, a CA and a\n"
                 "server certificate (DIR/tls/), and an admin token (DIR/admin.token, mode 0600).\n"
                 "\n"
                 "options:\n");
    print_option(out, "--config FILE",
                 "read settings from an INI file first; every option below is also a key "
                 "there (data = DIR), and a flag given on the command line beats the file");
    print_option(out, "--check-config",
                 "validate the file and flags, print the effective settings as a config file "
                 "and exit (0, or 2 on error)");
    char lead[64], text[512];
    for (size_t i = 0; lq_config_key_help(i, lead, sizeof(lead), text, sizeof(text)) == 0; i++)
        print_option(out, lead, text);
    print_option(out, "--version", "print the version and exit");
    print_option(out, "--help", "print this help and exit");
    fprintf(out, "\n"
                 "Sizes are plain byte counts, times are milliseconds. Settings that must agree\n"
                 "(max-frame-unauthenticated with max-frame, export-chunk-bytes with max-frame\n"
                 "and write-queue-high, auth-delay-first-ms with auth-delay-max-ms): one left at\n"
                 "its default follows the one you set.\n"
                 "\n"
                 "SIGTERM or SIGINT: stop accepting, finish in-flight commits, exit 0.\n");
}

enum { O_SET = 1, O_CONFIG, O_CHECK, O_VERSION, O_HELP };

/* getopt's table: option i < LQ_CONFIG_N_KEYS is key i (O_SET), then the
 * modes. */
static const struct option *options(void)
{
    static struct option opts[LQ_CONFIG_N_KEYS + 5];
    for (size_t i = 0; i < LQ_CONFIG_N_KEYS; i++)
        opts[i] = (struct option){lq_config_key_name(i), required_argument, NULL, O_SET};
    opts[LQ_CONFIG_N_KEYS + 0] = (struct option){"config", required_argument, NULL, O_CONFIG};
    opts[LQ_CONFIG_N_KEYS + 1] = (struct option){"check-config", no_argument, NULL, O_CHECK};
    opts[LQ_CONFIG_N_KEYS + 2] = (struct option){"version", no_argument, NULL, O_VERSION};
    opts[LQ_CONFIG_N_KEYS + 3] = (struct option){"help", no_argument, NULL, O_HELP};
    opts[LQ_CONFIG_N_KEYS + 4] = (struct option){NULL, 0, NULL, 0};
    return opts;
}

/* First pass: --help, --version, --config and --check-config, which decide
 * what the second pass means. Mistakes are left for the second pass. */
static int scan_modes(lq_config *cfg, int argc, char **argv)
{
    const struct option *opts = options();
    int o;
    optind = 0; /* glibc: start over, re-reading the environment */
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_CONFIG:
            cfg->config_file = optarg;
            break;
        case O_CHECK:
            cfg->check_only = true;
            break;
        case O_VERSION:
            printf("labelqd %s\n", LABELQ_VERSION);
            return 1;
        case O_HELP:
            usage(stdout);
            return 1;
        default:
            break;
        }
    }
    return 0;
}

/* Second pass: the flags that set something, over what the file set. */
static int apply_flags(lq_config *cfg, int argc, char **argv)
{
    const struct option *opts = options();
    bool sans_from_flags = false;
    char err[1024];
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
        const char *name = opts[idx].name;
        if (strcmp(name, "tls-san") == 0 && !sans_from_flags) {
            cfg->n_sans = 0; /* --tls-san flags replace the file's list */
            sans_from_flags = true;
        }
        if (lq_config_set(cfg, name, optarg, err, sizeof(err)) < 0) {
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
    char err[256];
    int rc = scan_modes(cfg, argc, argv);
    if (rc == 0 && cfg->config_file)
        rc = lq_config_load_file(cfg, cfg->config_file);
    if (rc == 0)
        rc = apply_flags(cfg, argc, argv);
    if (rc == 0 && lq_config_check(cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "labelqd: %s\n", err);
        rc = -1;
    }
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
