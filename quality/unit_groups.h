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

/* Frees g's arrays; g may be zeroed or already freed. Cannot fail. */
void lq_unit_groups_free(lq_unit_groups *g);

#endif
