/* Records grouped by unit: the by-unit view that the label types with their
 * own record layouts (numeric values, texts, span and box annotations) read.
 * Internal to quality/; lq_ratings has its own index (ratings.h).
 *
 * The records are the caller's array of any struct that holds a uint32_t
 * unit and a uint32_t annotator; offsetof says where, as for qsort's
 * element size. Grouping is a stable counting sort, O(n + n_units), so a
 * unit's records keep their input order and "lowest index" ties stay the
 * caller's order. */
#ifndef LQ_UNIT_GROUPS_H
#define LQ_UNIT_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unit u's records are order[start[u] .. start[u+1]), as indexes into the
 * caller's array. */
typedef struct lq_unit_groups {
    size_t *start; /* n_units + 1 entries */
    size_t *order; /* n entries */
} lq_unit_groups;

/* Groups the n records of stride bytes at base by unit. Returns 0,
 * LQ_EBADREQ when a unit or annotator is out of range or, with unique, when
 * an annotator appears twice in one unit, or LQ_ENOMEM. On error nothing
 * needs freeing. */
int lq_unit_groups_build(const void *base, size_t n, size_t stride, size_t unit_off,
                         size_t annotator_off, uint32_t n_units, uint32_t n_annotators, bool unique,
                         lq_unit_groups *g);

/* Scores records i and j (indexes into the caller's array) of one unit
 * into *out; returns 0 or a negative LQ_E* code. */
typedef int (*lq_pair_score_fn)(const void *ctx, size_t i, size_t j, double *out);

/* Mean of score over every pair of records inside each unit:
 * unit_mean[u] gets unit u's (-1 for a unit with fewer than two records)
 * and *overall the mean over all pairs of all units. Returns 0, the first
 * error score returned, or LQ_EBADREQ when no unit has a pair. */
int lq_unit_groups_mean_pairs(const lq_unit_groups *g, uint32_t n_units, lq_pair_score_fn score,
                              const void *ctx, double *unit_mean, double *overall);

/* Frees g's arrays; g may be zeroed or already freed. Cannot fail. */
void lq_unit_groups_free(lq_unit_groups *g);

#endif
