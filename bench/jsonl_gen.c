/* jsonl_gen: writes N small import lines to stdout, fast enough that making
 * 10 million of them (about 400 MB) is not the slow part of bench/scale.sh.
 *
 *   jsonl_gen N [FIRST]     lines {"id":"i<k>","data":{"t":"item <k>"}}
 *                           for k = FIRST .. FIRST+N-1 (FIRST default 1)
 *
 * Each item's data is about 20 bytes of JSON, the "small payload" of the
 * scale benchmark. Exits 0, or 1 when stdout cannot be written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_BUF (1 << 20)

/* Writes v in decimal at p; returns the digits written. Cannot fail. */
static size_t put_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static size_t put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: jsonl_gen N [FIRST]\n");
        return 2;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    uint64_t first = argc == 3 ? strtoull(argv[2], NULL, 10) : 1;
    static char buf[OUT_BUF];
    size_t len = 0;
    for (uint64_t k = first; k < first + n; k++) {
        if (len > OUT_BUF - 128) {
            if (fwrite(buf, 1, len, stdout) != len)
                return 1;
            len = 0;
        }
        len += put_str(buf + len, "{\"id\":\"i");
        len += put_u64(buf + len, k);
        len += put_str(buf + len, "\",\"data\":{\"t\":\"item ");
        len += put_u64(buf + len, k);
        len += put_str(buf + len, "\"}}\n");
    }
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
        return 1;
    return 0;
}
