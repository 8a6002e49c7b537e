#include "daemon/model/rate.h"

#include <string.h>

/* Moves the ring forward to slot, zeroing the slots skipped over. */
static void advance(lq_rate *r, uint64_t slot)
{
    if (slot <= r->slot)
        return;
    if (slot - r->slot >= LQ_RATE_SLOTS)
        memset(r->count, 0, sizeof(r->count));
    else
        for (uint64_t s = r->slot + 1; s <= slot; s++)
            r->count[s % LQ_RATE_SLOTS] = 0;
    r->slot = slot;
}

void lq_rate_add(lq_rate *r, uint64_t now_ms, uint32_t n)
{
    advance(r, now_ms / LQ_RATE_SLOT_MS);
    r->count[r->slot % LQ_RATE_SLOTS] += n;
}

double lq_rate_per_s(const lq_rate *r, uint64_t now_ms, uint64_t since_ms)
{
    uint64_t now_slot = now_ms / LQ_RATE_SLOT_MS, sum = 0;
    /* Slots newer than the last event are empty; older ones count while
     * they are inside the window. */
    for (unsigned i = 0; i < LQ_RATE_SLOTS; i++) {
        uint64_t s = r->slot >= i ? r->slot - i : UINT64_MAX;
        if (s == UINT64_MAX || s + LQ_RATE_SLOTS <= now_slot)
            break;
        if (s <= now_slot)
            sum += r->count[s % LQ_RATE_SLOTS];
    }
    uint64_t window = (uint64_t)(LQ_RATE_SLOTS - 1) * LQ_RATE_SLOT_MS + now_ms % LQ_RATE_SLOT_MS;
    if (now_ms > since_ms && now_ms - since_ms < window)
        window = now_ms - since_ms;
    if (window < 1000)
        window = 1000;
    return (double)sum * 1000.0 / (double)window;
}
