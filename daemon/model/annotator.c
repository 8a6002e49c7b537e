#include "daemon/model/annotator.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "proto/error.h"

int lq_token_new(char out[LQ_TOKEN_HEX + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return LQ_EINTERNAL;
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[LQ_TOKEN_HEX] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

void lq_token_hash(const char *token, uint8_t out[32])
{
    SHA256((const unsigned char *)token, strlen(token), out);
}

lq_annotator *lq_annotator_new(const Labelq__AnnotatorRecord *rec)
{
    lq_annotator *a = calloc(1, sizeof(*a));
    if (!a || !(a->name = strdup(rec->name))) {
        free(a);
        return NULL;
    }
    a->id = rec->id;
    a->role = rec->role;
    a->blocked = rec->blocked;
    a->created_ms = rec->created_ms;
    if (rec->token_sha256.len == sizeof(a->token_sha256))
        memcpy(a->token_sha256, rec->token_sha256.data, sizeof(a->token_sha256));
    return a;
}

void lq_annotator_free(lq_annotator *a)
{
    if (!a)
        return;
    free(a->name);
    free(a);
}

void lq_annotator_record(lq_annotator *a, Labelq__AnnotatorRecord *rec)
{
    labelq__annotator_record__init(rec);
    rec->id = a->id;
    rec->name = a->name;
    rec->role = a->role;
    rec->token_sha256.data = a->token_sha256;
    rec->token_sha256.len = sizeof(a->token_sha256);
    rec->blocked = a->blocked;
    rec->created_ms = a->created_ms;
}

lq_annotator *lq_annotator_match(lq_annotator **all, uint32_t n, const uint8_t hash[32])
{
    lq_annotator *found = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!all[i])
            continue;
        if (CRYPTO_memcmp(all[i]->token_sha256, hash, 32) == 0)
            found = all[i];
    }
    return found;
}
