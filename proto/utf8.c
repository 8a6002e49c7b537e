/* UTF-8 checks and decoding; contracts in utf8.h. */
#include "proto/utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/error.h"

#define REPLACEMENT 0xFFFDu

size_t lq_utf8_lead_length(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

/* The length of the valid sequence at s (avail bytes), or 0. The second
 * byte's range rules out overlong forms, surrogates and values past
 * U+10FFFF (RFC 3629, section 4). */
static size_t valid_length(const unsigned char *s, size_t avail)
{
    size_t need = lq_utf8_lead_length(s[0]);
    unsigned char lo = 0x80, hi = 0xBF;

    if (need <= 1)
        return need;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (avail < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

/* Whether the 8 bytes at p are all ASCII: most request text is, and the
 * daemon checks every string of every request (wire_scan.c), so a run of
 * ASCII is taken a word at a time. */
static bool ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return (w & 0x8080808080808080u) == 0;
}

int lq_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        if (len - i >= 8 && ascii8(p + i)) {
            i += 8;
            continue;
        }
        size_t k = valid_length(p + i, len - i);

        if (k == 0)
            return LQ_EBADREQ;
        i += k;
    }
    return 0;
}

size_t lq_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = valid_length(p, n);

    if (k == 0) {
        *cp = REPLACEMENT;
        return 1;
    }
    *cp = k == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> k));
    for (size_t i = 1; i < k; i++)
        *cp = (*cp << 6) | (p[i] & 0x3Fu);
    return k;
}

size_t lq_utf8_escape(char *dst, size_t cap, const char *src, size_t len)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t out = 0;

    for (size_t i = 0; i < len;) {
        size_t k = p[i] ? valid_length(p + i, len - i) : 0;
        if (k == 0) {
            if (cap - out <= 4)
                break;
            snprintf(dst + out, 5, "\\x%02X", p[i]);
            out += 4;
            i++;
            continue;
        }
        if (cap - out <= k)
            break;
        memcpy(dst + out, p + i, k);
        out += k;
        i += k;
    }
    dst[out] = '\0';
    return out;
}
