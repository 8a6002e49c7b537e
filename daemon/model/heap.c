#include "daemon/model/heap.h"

#include <stdlib.h>

#include "proto/error.h"

void lq_heap_init(lq_heap *h, lq_heap_less_fn less, lq_heap_pos_fn pos)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->less = less;
    h->pos = pos;
}

void lq_heap_free(lq_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        *h->pos(h->v[i]) = 0;
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

static void place(lq_heap *h, size_t i, void *e)
{
    h->v[i] = e;
    *h->pos(e) = (uint32_t)(i + 1);
}

static void sift_up(lq_heap *h, size_t i)
{
    void *e = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!h->less(e, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, e);
}

static void sift_down(lq_heap *h, size_t i)
{
    void *e = h->v[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->less(h->v[child + 1], h->v[child]))
            child++;
        if (!h->less(h->v[child], e))
            break;
        place(h, i, h->v[child]);
        i = child;
    }
    place(h, i, e);
}

int lq_heap_push(lq_heap *h, void *e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        void **v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n] = e;
    sift_up(h, h->n++);
    return 0;
}

void *lq_heap_peek(const lq_heap *h)
{
    return h->n ? h->v[0] : NULL;
}

void *lq_heap_pop(lq_heap *h)
{
    if (h->n == 0)
        return NULL;
    void *top = h->v[0];
    lq_heap_remove(h, top);
    return top;
}

void lq_heap_remove(lq_heap *h, void *e)
{
    uint32_t p = *h->pos(e);
    if (p == 0)
        return;
    size_t i = p - 1;
    *h->pos(e) = 0;
    void *last = h->v[--h->n];
    if (i == h->n)
        return;
    place(h, i, last);
    /* The moved element may belong above or below its new slot. */
    if (i > 0 && h->less(last, h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

void lq_heap_update(lq_heap *h, void *e)
{
    size_t i = *h->pos(e) - 1;
    if (i > 0 && h->less(e, h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}
