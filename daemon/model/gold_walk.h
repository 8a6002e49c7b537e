/* Each annotator's own order over a project's gold pool.
 *
 * The pool (lq_project.gold) is in import order and only grows. An
 * annotator walks it in segments: the first is the pool as it is when they
 * are first due gold, indexes [0, n); each next one is what was added
 * while they walked the one before, [n, n'). A segment is walked in an
 * order of its own: a keyed bijection of its indexes (a Feistel network
 * over the next even power of two, cycle-walked into the segment), keyed
 * by project, annotator and the segment's start. So two annotators meet
 * the same pool in unrelated orders, every index lies in exactly one
 * segment (each gold item comes once, gold imported later comes too, after
 * the segment under way), and a walk is three integers: no array of the
 * pool's size per annotator. Pure, no allocation. */
#ifndef LQ_GOLD_WALK_H
#define LQ_GOLD_WALK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct lq_gold_walk {
    uint32_t from, to; /* the segment under way: pool indexes [from, to) */
    uint32_t step;     /* how many of its positions were passed */
} lq_gold_walk;

/* The index at position step (< n) of the order keyed by key over [0, n):
 * for a given key and n a bijection of [0, n) onto itself. n >= 1. Cannot
 * fail; about four Feistel evaluations on average, whatever n. */
uint32_t lq_gold_order_at(uint64_t key, uint32_t n, uint32_t step);

/* The pool index w (annotator's walk in project) comes to next in a pool
 * of n_gold, into *index, without passing it; when w's segment is walked,
 * the next segment starts here: what the pool gained since. Returns false
 * when w has passed every index below n_gold. A zeroed walk starts at the
 * pool's beginning. Cannot fail. */
bool lq_gold_walk_next(lq_gold_walk *w, uint32_t project, uint32_t annotator, uint32_t n_gold,
                       uint32_t *index);

/* Passes the index lq_gold_walk_next returned (call only after it returned
 * true). Cannot fail. */
void lq_gold_walk_pass(lq_gold_walk *w);

#endif
