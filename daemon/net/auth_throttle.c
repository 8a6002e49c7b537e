/* Failed-Hello throttle; see auth_throttle.h. */
#include "daemon/net/auth_throttle.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "daemon/core/config.h"

/* Slots an address may land in: short enough to scan on every failure. */
#define PROBE 8

static int address_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
    memset(key, 0, 16);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        return 0;
    }
    if (ss->ss_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

/* FNV-1a over the 16 address bytes. */
static uint32_t hash_key(const uint8_t key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}

/* The slot for key: its own, else a free or expired one in its run, else
 * the run's least recently failed (reset). Cannot fail. */
static lq_auth_throttle_entry *slot_for(lq_auth_throttle *t, unsigned n_slots, uint64_t window_ms,
                                        const uint8_t key[16], uint64_t now_ms)
{
    uint32_t start = hash_key(key) % n_slots;
    lq_auth_throttle_entry *victim = NULL;
    for (unsigned i = 0; i < PROBE && i < n_slots; i++) {
        lq_auth_throttle_entry *e = &t->slots[(start + i) % n_slots];
        if (e->window_start_ms && memcmp(e->addr, key, 16) == 0)
            return e;
        bool reusable = !e->window_start_ms || now_ms - e->last_ms > window_ms;
        if (!victim || (reusable && victim->window_start_ms) ||
            (victim->window_start_ms && e->last_ms < victim->last_ms))
            victim = e;
    }
    memset(victim, 0, sizeof(*victim));
    memcpy(victim->addr, key, 16);
    return victim;
}

unsigned lq_auth_throttle_fail(lq_auth_throttle *t, const lq_config *cfg,
                               const struct sockaddr_storage *addr, uint64_t now_ms)
{
    uint8_t key[16];
    unsigned n_slots = cfg->auth_throttle_addrs;
    if (n_slots == 0 || address_key(addr, key) < 0)
        return 0;
    if (n_slots > LQ_AUTH_THROTTLE_SLOTS)
        n_slots = LQ_AUTH_THROTTLE_SLOTS;
    if (now_ms == 0)
        now_ms = 1; /* 0 marks a free slot */
    lq_auth_throttle_entry *e = slot_for(t, n_slots, cfg->auth_fail_window_ms, key, now_ms);
    /* The count lasts while failures keep coming: a window without any
     * forgets the address, a steady guesser stays slowed down. */
    if (!e->window_start_ms || now_ms - e->last_ms > cfg->auth_fail_window_ms) {
        e->window_start_ms = now_ms;
        e->failures = 0;
    }
    e->last_ms = now_ms;
    if (e->failures < UINT32_MAX)
        e->failures++;
    if (e->failures <= cfg->auth_fail_threshold)
        return 0;
    uint64_t delay = cfg->auth_delay_first_ms;
    for (uint32_t i = e->failures - cfg->auth_fail_threshold - 1;
         i > 0 && delay < cfg->auth_delay_max_ms; i--)
        delay *= 2;
    return delay < cfg->auth_delay_max_ms ? (unsigned)delay : cfg->auth_delay_max_ms;
}
