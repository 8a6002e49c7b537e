/* labelqd's settings: every limit lives here with its default in one place. */
#ifndef LQ_CONFIG_H
#define LQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_MAX_SANS 16

struct lq_config_text;

/* The settings that have a flag have a config-file key of the same name
 * (--max-frame, max-frame); see lq_config_set. */
typedef struct lq_config {
    const char *config_file;     /* --config FILE, or NULL */
    bool check_only;             /* --check-config: validate, print, exit */
    const char *data_dir;        /* --data */
    const char *listen;          /* --listen HOST:PORT */
    const char *metrics_listen;  /* --metrics-listen HOST:PORT; "" turns it off */
    bool metrics_listen_set;     /* given, not the default: failing to listen is fatal */
    const char *sans[LQ_MAX_SANS]; /* --tls-san, extra names in the server cert */
    int n_sans;
    size_t max_frame;            /* --max-frame: largest frame accepted, bytes */
    unsigned max_connections;    /* --max-connections */
    unsigned handshake_timeout_ms; /* TLS handshake + Hello must finish by then */
    size_t map_size;             /* --map-size: initial LMDB map, bytes */
    int log_level;
    /* Not flags: protocol limits. */
    unsigned max_lease_batch;    /* tasks per lease request */
    unsigned max_wait_ms;        /* longest long-poll */
    unsigned max_lease_scan;     /* queue entries a lease may skip before giving up */
    size_t export_chunk_bytes;   /* bytes of JSONL per export chunk */
    size_t write_queue_high;     /* stop producing export chunks above this */
    unsigned metrics_max_connections; /* open metrics connections; more are closed */
    unsigned metrics_timeout_ms; /* a metrics request must be answered by then */
    size_t metrics_max_request;  /* largest HTTP header block read (else 431) */
    unsigned max_refusals;       /* connections past max_connections that are still
                                    answered RESOURCE_EXHAUSTED; beyond, closed at accept */
    unsigned auth_fail_threshold; /* failed Hellos from one address before delays start */
    unsigned auth_fail_window_ms; /* a quiet spell this long forgets an address's failures */
    unsigned auth_delay_first_ms; /* first delayed reply; doubles per further failure */
    unsigned auth_delay_max_ms;   /* ...up to this */
    unsigned auth_throttle_addrs; /* addresses remembered (<= LQ_AUTH_THROTTLE_SLOTS) */
    struct lq_config_text *owned; /* values read from the config file */
} lq_config;

/* Fills cfg with the defaults. Cannot fail. */
void lq_config_default(lq_config *cfg);

/* Parses argv into cfg: first the file named by --config (if any), then
 * every other flag, so a flag beats the file wherever it stands. Returns 0
 * to run, 1 when --help, --version or --check-config printed what was asked
 * (exit 0), or -1 after printing a usage or config-file error (exit 2).
 * cfg's strings point into argv and into cfg->owned: call lq_config_free
 * when done (after a non-zero return there is nothing left to free). */
int lq_config_parse(lq_config *cfg, int argc, char **argv);

/* Sets one setting from text: key is a flag's name without "--", which is
 * also its config-file key. value is not copied and must outlive cfg. A
 * tls-san adds a name; every other key replaces the value. Returns 0,
 * LQ_ENOTFOUND for an unknown key, or LQ_EBADREQ with the reason (starting
 * with the key's name) in err. */
int lq_config_set(lq_config *cfg, const char *key, const char *value, char *err,
                  size_t errlen);

/* Reads the INI file at path into cfg (config_file.c): keys at the top or
 * under [labelqd]. Returns 0, or -1 after printing "labelqd: PATH:LINE:
 * reason" to stderr. Values are copied into cfg->owned. */
int lq_config_load_file(lq_config *cfg, const char *path);

/* Writes cfg's settings as a config file labelqd accepts (config_file.c).
 * Returns 0, or -1 when out could not be written. */
int lq_config_write(const lq_config *cfg, FILE *out);

/* Frees what the config file loaded; cfg's strings from it die here.
 * Cannot fail; safe to call twice. */
void lq_config_free(lq_config *cfg);

#endif
