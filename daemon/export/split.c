#include "daemon/export/split.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "schema/label_value.h"
#include "proto/error.h"

#define SHARE_TOLERANCE 1e-9

double lq_split_hash(uint64_t seed, const char *id)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    /* Ids are at most LQ_MAX_EXTERNAL_ID bytes; a longer one (never
     * stored) is hashed as its first bytes. */
    char msg[24 + LQ_MAX_EXTERNAL_ID];
    int n = snprintf(msg, sizeof(msg), "%llu:%s", (unsigned long long)seed, id);
    size_t len = n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    SHA256((const unsigned char *)msg, len, md);
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | md[i];
    return (double)x / 18446744073709551616.0; /* 2^64: exact scaling */
}

static bool good_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= LQ_SPLIT_MAX_NAME &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int lq_split_plan(const Labelq__Export *req, lq_split *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (req->n_split == 0) {
        if (req->split_part[0]) {
            snprintf(err, errlen, "split_part given without a split");
            return LQ_EBADREQ;
        }
        return 0;
    }
    if (req->n_split > LQ_SPLIT_MAX_PARTS) {
        snprintf(err, errlen, "a split has at most %d parts", LQ_SPLIT_MAX_PARTS);
        return LQ_EBADREQ;
    }
    double sum = 0.0, lo = 0.0;
    bool found = false;
    for (size_t i = 0; i < req->n_split; i++) {
        const Labelq__SplitPart *p = req->split[i];
        if (!good_name(p->name)) {
            snprintf(err, errlen, "split part name '%.64s' must be 1-%d of [A-Za-z0-9_-]", p->name,
                     LQ_SPLIT_MAX_NAME);
            return LQ_EBADREQ;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(req->split[j]->name, p->name) == 0) {
                snprintf(err, errlen, "split part '%s' appears twice", p->name);
                return LQ_EBADREQ;
            }
        if (!(p->share > 0.0 && p->share <= 1.0)) {
            snprintf(err, errlen, "split part '%s': the share must be in (0, 1]", p->name);
            return LQ_EBADREQ;
        }
        if (strcmp(p->name, req->split_part) == 0) {
            found = true;
            out->lo = lo;
            out->hi = lo + p->share;
            out->last = i + 1 == req->n_split;
        }
        lo += p->share;
        sum += p->share;
    }
    if (fabs(sum - 1.0) > SHARE_TOLERANCE) {
        snprintf(err, errlen, "the split's shares sum to %.12g, not 1", sum);
        return LQ_EBADREQ;
    }
    if (!found) {
        snprintf(err, errlen, "split_part '%.64s' is not one of the split's parts",
                 req->split_part);
        return LQ_EBADREQ;
    }
    out->on = true;
    out->seed = req->split_seed;
    return 0;
}

bool lq_split_keeps(const lq_split *s, const char *id)
{
    if (!s->on)
        return true;
    double h = lq_split_hash(s->seed, id);
    return h >= s->lo && (s->last || h < s->hi);
}
