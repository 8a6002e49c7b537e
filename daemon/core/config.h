/* labelqd's settings: every limit lives here with its default in one place. */
#ifndef LQ_CONFIG_H
#define LQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LQ_MAX_SANS 16
#define LQ_AUTH_THROTTLE_SLOTS 4096 /* upper bound of auth_throttle_addrs (net/auth_throttle.h) */
#define LQ_CONFIG_SECTION "labelqd" /* the config file's one [section] */
#define LQ_CONFIG_N_KEYS 30         /* settings with a flag and a key */

struct lq_config_text;

/* Every setting below config_file and check_only has a flag and a
 * config-file key of the same name (--max-frame, max-frame); config.c's
 * table gives each its range, default and help (see lq_config_set). The
 * command line is config_args.h's, the file config_file.h's. */
typedef struct lq_config {
    const char *config_file;       /* --config FILE, or NULL */
    bool check_only;               /* --check-config: validate, print, exit */
    const char *data_dir;          /* --data */
    const char *listen;            /* --listen HOST:PORT */
    const char *metrics_listen;    /* --metrics-listen HOST:PORT; "" turns it off */
    bool metrics_listen_set;       /* given, not the default: failing to listen is fatal */
    const char *sans[LQ_MAX_SANS]; /* --tls-san, extra names in the server cert */
    int n_sans;
    const char *client_ca;         /* --client-ca FILE: PEM CA(s) every client certificate
                                      must chain to; "": no client certificate asked for */
    size_t max_frame;              /* --max-frame: largest frame accepted, bytes */
    size_t max_frame_unauthenticated; /* largest frame before Hello (<= max_frame) */
    unsigned max_frame_fields;        /* fields one request frame may hold, counted
                                         before decoding (proto/wire_scan.h) */
    unsigned max_connections;      /* --max-connections */
    unsigned handshake_timeout_ms; /* TLS handshake + Hello must finish by then */
    size_t map_size;               /* --map-size: initial LMDB map, bytes */
    int log_level;
    unsigned max_lease_batch;         /* tasks per lease request */
    unsigned max_wait_ms;             /* longest long-poll; 0: none */
    unsigned max_lease_scan;          /* queue entries a lease may skip before giving up */
    size_t export_chunk_bytes;        /* bytes of JSONL per export chunk (<= max_frame / 2) */
    size_t write_queue_high;          /* stop producing export chunks above this
                                         (>= export_chunk_bytes) */
    unsigned stall_timeout_ms;        /* a stream (export, backup) whose reader took
                                         nothing for this long is dropped */
    unsigned metrics_max_connections; /* open metrics connections; more are closed */
    unsigned metrics_timeout_ms;      /* a metrics request must be answered by then */
    size_t metrics_max_request;       /* largest HTTP header block read (else 431) */
    unsigned max_refusals;            /* connections past max_connections that are still
                                         answered RESOURCE_EXHAUSTED; beyond, closed at accept */
    unsigned auth_fail_threshold;     /* failed Hellos from one address before delays start */
    unsigned auth_fail_window_ms;     /* a quiet spell this long forgets an address's failures */
    unsigned auth_delay_first_ms;     /* first delayed reply; doubles per further failure */
    unsigned auth_delay_max_ms;       /* ...up to this (>= auth_delay_first_ms) */
    unsigned auth_throttle_addrs;     /* addresses remembered (<= LQ_AUTH_THROTTLE_SLOTS);
                                         0 turns the throttle off */
    unsigned max_writes_per_connection;     /* requests with the writer at once; past
                                               it, the connection is not read */
    unsigned max_parked_per_connection;     /* parked lease requests per connection */
    unsigned max_connections_per_annotator; /* open connections per token */
    uint64_t given;                   /* bit i: key i was set by the file or a flag */
    struct lq_config_text *owned;     /* values read from the config file */
} lq_config;

/* Fills cfg with the defaults. Cannot fail. */
void lq_config_default(lq_config *cfg);

/* Sets one setting from text: key is a flag's name without "--", which is
 * also its config-file key. value is not copied and must outlive cfg. A
 * tls-san adds a name; every other key replaces the value. Returns 0,
 * LQ_ENOTFOUND for an unknown key (err lists the keys), or LQ_EBADREQ with
 * the reason (starting with the key's name, then the accepted range and the
 * value given) in err. Settings that must agree with others are checked
 * later, by lq_config_check. */
int lq_config_set(lq_config *cfg, const char *key, const char *value, char *err, size_t errlen);

/* Makes the settings that depend on each other agree, once every file and
 * flag is set: max-frame-unauthenticated <= max-frame, export-chunk-bytes
 * <= max-frame / 2, write-queue-high >= export-chunk-bytes,
 * auth-delay-first-ms <= auth-delay-max-ms. A setting
 * left at its default moves to agree with one that was set; two set ones
 * that disagree are an error. Returns 0, or LQ_EBADREQ with the reason
 * (naming the key, its accepted range and its value) in err. */
int lq_config_check(lq_config *cfg, char *err, size_t errlen);

/* The name of key i (0 <= i < LQ_CONFIG_N_KEYS) in --help and
 * --check-config order, or NULL past the last. A static string. */
const char *lq_config_key_name(size_t i);

/* The index of the key called name, or -1 when there is none. */
int lq_config_key_index(const char *name);

/* Writes every key of cfg with its value, as a config file labelqd reads
 * back to the same settings (--check-config). Returns 0, or -1 when out
 * could not be written. */
int lq_config_write(const lq_config *cfg, FILE *out);

/* Key i's --help entry: lead ("--max-frame BYTES") and text (its help,
 * default and range), as config_args.c prints them. Returns 0, or
 * LQ_ENOTFOUND past the last key. */
int lq_config_key_help(size_t i, char *lead, size_t lead_len, char *text, size_t text_len);

#endif
