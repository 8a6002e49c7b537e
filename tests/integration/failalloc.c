/* Preloaded into labelqd by the fault-injection tests (LD_PRELOAD): a
 * calloc of exactly $LQ_FAILALLOC_SIZE bytes fails, as if memory had run
 * out, $LQ_FAILALLOC_COUNT times (default 1); with $LQ_FAILALLOC_ARM set
 * to a path, only while that file exists, so a test can fail one request
 * after start-up. Every other allocation is glibc's. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_calloc(size_t n, size_t size);
void *calloc(size_t n, size_t size);

static size_t target;
static const char *arm;
static atomic_int left;

/* Read once at load, before labelqd's threads exist. */
__attribute__((constructor)) static void read_settings(void)
{
    const char *size = getenv("LQ_FAILALLOC_SIZE"), *count = getenv("LQ_FAILALLOC_COUNT");
    target = size ? strtoul(size, NULL, 10) : 0;
    arm = getenv("LQ_FAILALLOC_ARM");
    atomic_store(&left, count ? atoi(count) : 1);
}

void *calloc(size_t n, size_t size)
{
    if (target && n * size == target && (!arm || access(arm, F_OK) == 0) &&
        atomic_fetch_sub(&left, 1) > 0) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}
