#include "daemon/model/gold_walk.h"

/* Rounds of the Feistel network: four make a keyed permutation that looks
 * random enough for ordering a sample (Luby-Rackoff); this is an order to
 * keep annotators from comparing notes, not a cipher. */
#define FEISTEL_ROUNDS 4

/* splitmix64's finalizer: a bijective 64-bit mix. Cannot fail. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A keyed permutation of [0, 2^(2 * half)), half in 1..16. */
static uint32_t feistel(uint64_t key, unsigned half, uint32_t x)
{
    uint32_t mask = (uint32_t)((1ull << half) - 1);
    uint32_t left = x >> half, right = x & mask;
    for (uint64_t round = 0; round < FEISTEL_ROUNDS; round++) {
        uint32_t f = (uint32_t)mix64(key ^ (round << 40) ^ right) & mask;
        uint32_t next = left ^ f;
        left = right;
        right = next;
    }
    return left << half | right;
}

uint32_t lq_gold_order_at(uint64_t key, uint32_t n, uint32_t step)
{
    unsigned bits = 0;
    while (bits < 32 && (n - 1) >> bits)
        bits++;
    unsigned half = bits < 2 ? 1 : (bits + 1) / 2;
    /* Cycle-walking: the permutation of the domain, applied again until it
     * lands below n, is a permutation of [0, n). The domain is under 4n,
     * so that takes under four rounds on average. */
    uint32_t x = step;
    do
        x = feistel(key, half, x);
    while (x >= n);
    return x;
}

/* The key of annotator's order over the segment of project's pool that
 * starts at from. */
static uint64_t segment_key(uint32_t project, uint32_t annotator, uint32_t from)
{
    return mix64((uint64_t)project << 32 | annotator) ^ mix64(0x9e3779b97f4a7c15ull + from);
}

bool lq_gold_walk_next(lq_gold_walk *w, uint32_t project, uint32_t annotator, uint32_t n_gold,
                       uint32_t *index)
{
    if (w->step >= w->to - w->from) {
        if (n_gold <= w->to)
            return false;
        w->from = w->to;
        w->to = n_gold;
        w->step = 0;
    }
    uint32_t n = w->to - w->from;
    *index = w->from + lq_gold_order_at(segment_key(project, annotator, w->from), n, w->step);
    return true;
}

void lq_gold_walk_pass(lq_gold_walk *w)
{
    w->step++;
}
