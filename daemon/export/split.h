/* Deterministic train/validation/test splits of an export: an item's part
 * follows from its external id and a seed alone, so the same seed always
 * gives the same split, whatever else the project holds, and anyone can
 * recompute it (docs/protocol.md "Split"):
 *
 *   h = first 8 bytes of SHA-256(decimal(seed) ":" id), big-endian, / 2^64
 *
 * Parts take consecutive intervals of [0, 1) in the order given, each as
 * wide as its share: part k keeps lo_k <= h < lo_k + share_k, the bounds
 * summed left to right in doubles, and the last part keeps everything from
 * its lo up (so rounding can lose no item). */
#ifndef LQ_EXPORT_SPLIT_H
#define LQ_EXPORT_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"

#define LQ_SPLIT_MAX_PARTS 16
#define LQ_SPLIT_MAX_NAME 64

/* The part of the split one export request keeps. */
typedef struct lq_split {
    bool on; /* false: no split, every item is kept */
    uint64_t seed;
    double lo, hi; /* keeps lo <= h < hi */
    bool last;     /* the last part: hi is unbounded */
} lq_split;

/* h for id under seed, in [0, 1). Cannot fail. */
double lq_split_hash(uint64_t seed, const char *id);

/* Checks req's split (shares positive, summing to 1 within 1e-9, names
 * unique [A-Za-z0-9_-]+, split_part one of them; no parts and no part
 * name: no split) and fills out. Returns 0, or LQ_EBADREQ with the reason
 * in err. */
int lq_split_plan(const Labelq__Export *req, lq_split *out, char *err, size_t errlen);

/* Whether the item with external id id belongs to s's part. Cannot fail. */
bool lq_split_keeps(const lq_split *s, const char *id);

#endif
