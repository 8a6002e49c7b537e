/* An indexed binary min-heap of pointers: the one mechanism behind the ready
 * queues and the lease deadline heap. Each element stores its own 1-based
 * position (0 = not in the heap) so it can be removed or re-keyed in
 * O(log n) without a search. */
#ifndef LQ_HEAP_H
#define LQ_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef int (*lq_heap_less_fn)(const void *a, const void *b);
typedef uint32_t *(*lq_heap_pos_fn)(void *elem);

typedef struct lq_heap {
    void **v;
    size_t n, cap;
    lq_heap_less_fn less;
    lq_heap_pos_fn pos;
} lq_heap;

/* Initializes an empty heap. Cannot fail. */
void lq_heap_init(lq_heap *h, lq_heap_less_fn less, lq_heap_pos_fn pos);
void lq_heap_free(lq_heap *h);

/* Inserts e (which must not be in a heap). Returns 0 or LQ_ENOMEM. */
int lq_heap_push(lq_heap *h, void *e);

/* The smallest element, or NULL. Cannot fail. */
void *lq_heap_peek(const lq_heap *h);

/* Removes and returns the smallest element, or NULL. */
void *lq_heap_pop(lq_heap *h);

/* Removes e if it is in the heap; a no-op otherwise. */
void lq_heap_remove(lq_heap *h, void *e);

/* Restores order after e's key changed. e must be in the heap. */
void lq_heap_update(lq_heap *h, void *e);

#endif
