/* The simulated annotators' identities: either created for this run with an
 * admin token (names "bench-<random hex>-<i>", so reruns never collide), or
 * read from --annotator-tokens FILE, one token per line. Also connects one
 * client per token, so that a bad token fails the run before any thread
 * starts. */
#ifndef LQ_BENCH_FLEET_H
#define LQ_BENCH_FLEET_H

#include <stddef.h>

#include "bench/sim/bench.h"
#include "labelq.h"

typedef struct bench_fleet {
    char **token;       /* n tokens, malloc'd */
    lq_client **client; /* n connected clients; NULL once handed to a worker */
    size_t n;
} bench_fleet;

/* Reads tokens from path (blank lines and # comments skipped). want == 0
 * takes all of them; otherwise exactly want, which the file must have.
 * Returns 0 or a negative LQ_E* code with err saying why. */
int bench_fleet_read(bench_fleet *f, const char *path, unsigned want, char *err, size_t errlen);

/* Creates n annotators through admin (which must have the admin role).
 * Returns 0 or a negative LQ_E* code with err saying why. */
int bench_fleet_create(bench_fleet *f, lq_client *admin, unsigned n, char *err, size_t errlen);

/* Connects one client per token, with conn's other settings. Returns 0 or a negative LQ_E* code with
 * err saying which annotator and why. */
int bench_fleet_connect(bench_fleet *f, const lq_client_options *conn, char *err, size_t errlen);

/* Closes the clients still held and frees the tokens. Cannot fail. */
void bench_fleet_free(bench_fleet *f);

#endif
