/* Slows down guessing tokens: after auth_fail_threshold failed Hellos from
 * one address, each within auth_fail_window_ms of the one before, each further failure from that
 * address gets its UNAUTHENTICATED reply only after a delay that starts at
 * auth_delay_first_ms and doubles up to auth_delay_max_ms. Successful Hellos
 * are never delayed and do not clear the count (a valid token must not
 * buy more guesses at another one).
 *
 * State is a fixed table of LQ_AUTH_THROTTLE_SLOTS addresses inside
 * lq_net (no allocation, nothing to free): an address hashes to a short
 * run of slots; a full run evicts its least recently failed entry, so an
 * attacker with many addresses can only make the table forget, never grow.
 * Loop thread only. */
#ifndef LQ_AUTH_THROTTLE_H
#define LQ_AUTH_THROTTLE_H

#include <stdint.h>
#include <sys/socket.h>

#include "daemon/core/config.h" /* LQ_AUTH_THROTTLE_SLOTS */

typedef struct lq_auth_throttle_entry {
    uint8_t addr[16];         /* IPv6, or IPv4 mapped into ::ffff:0:0/96 */
    uint64_t window_start_ms; /* first failure of the current run; 0 = free slot */
    uint64_t last_ms;         /* latest failure, for eviction */
    uint32_t failures;        /* within the current window */
} lq_auth_throttle_entry;

typedef struct lq_auth_throttle {
    lq_auth_throttle_entry slots[LQ_AUTH_THROTTLE_SLOTS];
} lq_auth_throttle;

/* Records one failed Hello from addr at now_ms and returns how long its
 * reply should wait, in ms (0 while under the threshold). A zeroed
 * lq_auth_throttle is ready to use. An address family other than IPv4/IPv6
 * is never delayed. Cannot fail. */
unsigned lq_auth_throttle_fail(lq_auth_throttle *t, const struct lq_config *cfg,
                               const struct sockaddr_storage *addr, uint64_t now_ms);

#endif
