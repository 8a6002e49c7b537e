/* A recent event rate (labels per second over the last few minutes) kept in
 * a fixed ring of time slots: constant memory and O(1) per event, and old
 * activity ages out without any timer. */
#ifndef LQ_RATE_H
#define LQ_RATE_H

#include <stdint.h>

#define LQ_RATE_SLOTS 30
#define LQ_RATE_SLOT_MS 10000 /* 30 x 10 s: a five-minute window */

typedef struct lq_rate {
    uint64_t slot;                  /* slot number (now / LQ_RATE_SLOT_MS) of the newest slot */
    uint32_t count[LQ_RATE_SLOTS];  /* events per slot, ring-indexed by slot number */
} lq_rate;

/* Counts n events at now_ms (unix ms; time going backwards counts into the
 * newest slot). Cannot fail. */
void lq_rate_add(lq_rate *r, uint64_t now_ms, uint32_t n);

/* Events per second over the window ending at now_ms. The window is cut to
 * start no earlier than since_ms (when counting began, e.g. start-up), so a
 * young counter is not diluted by time it did not watch; it is at least one
 * second long. Cannot fail. */
double lq_rate_per_s(const lq_rate *r, uint64_t now_ms, uint64_t since_ms);

#endif
