/* Preloaded into labelqd by accept_failure.c (LD_PRELOAD): a calloc of
 * exactly $LQ_FAILALLOC_SIZE bytes fails, as if memory had run out, the
 * first $LQ_FAILALLOC_COUNT times (default 1); every other allocation is
 * glibc's. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_calloc(size_t n, size_t size);
void *calloc(size_t n, size_t size);

static size_t target;
static atomic_int left;

/* Read once at load, before labelqd's threads exist. */
__attribute__((constructor)) static void read_settings(void)
{
    const char *size = getenv("LQ_FAILALLOC_SIZE"), *count = getenv("LQ_FAILALLOC_COUNT");
    target = size ? strtoul(size, NULL, 10) : 0;
    atomic_store(&left, count ? atoi(count) : 1);
}

void *calloc(size_t n, size_t size)
{
    if (target && n * size == target && atomic_fetch_sub(&left, 1) > 0) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}
