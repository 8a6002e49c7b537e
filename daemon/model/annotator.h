/* Annotators and their bearer tokens.
 *
 * A token is 256 random bits, shown once as 64 hex characters; only its
 * SHA-256 is kept, in memory and in LMDB. */
#ifndef LQ_ANNOTATOR_H
#define LQ_ANNOTATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"

#define LQ_TOKEN_HEX 64
#define LQ_ADMIN_NAME "admin" /* the bootstrap admin: its token is DATA/admin.token */

typedef struct lq_annotator {
    uint32_t id;
    char *name;
    Labelq__Role role;
    uint8_t token_sha256[32];
    bool blocked;
    bool pending;  /* added, not yet durable */
    bool changing; /* a block or a new token hash is with the writer: one
                    * change at a time, so each stored record builds on the
                    * last one */
    uint64_t created_ms;
    uint64_t labels;
    unsigned sessions; /* open connections authenticated as this account */
} lq_annotator;

/* Writes a new random token (64 hex chars + NUL) into out. Returns 0 or
 * LQ_EINTERNAL when the CSPRNG fails. */
int lq_token_new(char out[LQ_TOKEN_HEX + 1]);

/* SHA-256 of the token's text. Cannot fail. */
void lq_token_hash(const char *token, uint8_t out[32]);

/* Builds the in-memory annotator from its record. NULL when out of memory. */
lq_annotator *lq_annotator_new(const Labelq__AnnotatorRecord *rec);
void lq_annotator_free(lq_annotator *a);

/* Fills rec (pointing into a) for storage. Cannot fail. */
void lq_annotator_record(lq_annotator *a, Labelq__AnnotatorRecord *rec);

/* Finds the annotator whose token hashes to hash among all n. Every entry is
 * compared in constant time and the scan never stops early, so timing says
 * nothing about which token, or how much of one, matched. */
lq_annotator *lq_annotator_match(lq_annotator **all, uint32_t n, const uint8_t hash[32]);

#endif
