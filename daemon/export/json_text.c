/* JSON text as jansson writes it; see json_text.h. */
#include "daemon/export/json_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

/* Reals as jansson wrote them, direct-mapped by their bits: a project's
 * confidences take a few dozen values (one per annotator and label under
 * Dawid-Skene, say) that alternate from item to item, so one remembered
 * value would miss most of the time. One table per thread: exports run on
 * the pool's threads, and a table is only a cache of jansson's answers. */
enum { REAL_MEMO_BITS = 6, REAL_MEMO_SLOTS = 1 << REAL_MEMO_BITS };
typedef struct real_memo {
    uint64_t bits;
    bool set;
    char text[40];
} real_memo;
static _Thread_local real_memo memo[REAL_MEMO_SLOTS];

int lq_json_string(lq_outbuf *o, const char *s)
{
    /* What jansson escapes: '"', '\\' and every control character. A
     * table is the fast scan: glibc's strcspn is slow for a set this big. */
    static const bool special[256] = {
        [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
        [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1,
        [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1,
        [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1,
        [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
    };
    static const char hex[] = "0123456789ABCDEF";
    int rc = lq_outbuf_add(o, "\"", 1);
    while (rc == 0 && *s) {
        size_t n = 0;
        while (s[n] && !special[(unsigned char)s[n]])
            n++;
        rc = lq_outbuf_add(o, s, n);
        s += n;
        if (rc || !*s)
            break;
        unsigned char c = (unsigned char)*s++;
        char esc[6] = {'\\', (char)c};
        size_t len = 2;
        switch (c) {
        case '"':
        case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        rc = lq_outbuf_add(o, esc, len);
    }
    return rc ? rc : lq_outbuf_add(o, "\"", 1);
}

/* v as jansson dumps it at precision digits, into out (size >= 40).
 * Returns 0 or LQ_ENOMEM. */
static int jansson_real(double v, int precision, char *out, size_t size)
{
    json_t *j = json_real(v);
    char *text = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(precision)) : NULL;
    json_decref(j);
    int rc = text && strlen(text) < size ? 0 : LQ_ENOMEM;
    if (rc == 0)
        strcpy(out, text);
    free(text);
    return rc;
}

int lq_json_real6(lq_outbuf *o, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    /* Fibonacci hashing: the top bits of bits * 2^64/phi. Values are
     * matched by their bits (0.0 and -0.0 are written differently). */
    real_memo *m = &memo[(bits * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - REAL_MEMO_BITS)];
    if (!m->set || m->bits != bits) {
        int rc = jansson_real(v, 6, m->text, sizeof(m->text));
        if (rc < 0)
            return rc;
        m->bits = bits;
        m->set = true;
    }
    return lq_outbuf_str(o, m->text);
}

int lq_json_real_exact(lq_outbuf *o, double v)
{
    char text[40];
    int rc = jansson_real(v, 17, text, sizeof(text));
    return rc ? rc : lq_outbuf_str(o, text);
}
