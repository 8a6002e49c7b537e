/* labelqd's settings: every limit lives here with its default in one place. */
#ifndef LQ_CONFIG_H
#define LQ_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define LQ_MAX_SANS 16

typedef struct lq_config {
    const char *data_dir;        /* --data */
    const char *listen;          /* --listen HOST:PORT */
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
} lq_config;

/* Fills cfg with the defaults. Cannot fail. */
void lq_config_default(lq_config *cfg);

/* Parses argv into cfg. Returns 0 to run, 1 when --help/--version was
 * printed (exit 0), or -1 after printing a usage error (exit 2). */
int lq_config_parse(lq_config *cfg, int argc, char **argv);

#endif
