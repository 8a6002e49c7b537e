/* The labels of one unit, counted: the per-unit step that Fleiss' kappa,
 * Krippendorff's alpha and item agreement share. Internal to quality/.
 *
 * Counting into an array of n_labels and remembering which entries were
 * touched lets each unit be counted and cleared in O(its ratings), so a pass
 * over all units costs O(n), not O(units * labels). */
#ifndef LQ_LABEL_TALLY_H
#define LQ_LABEL_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "quality/ratings.h"

typedef struct lq_label_tally {
    uint32_t *count; /* n_labels entries, zero outside lq_label_tally_unit..clear */
    uint32_t *seen;  /* the labels with count > 0, in first-seen order */
    uint32_t n_seen;
    size_t m; /* ratings counted */
} lq_label_tally;

/* Allocates a tally for labels 0..n_labels-1. Returns 0 or LQ_ENOMEM; on
 * error nothing needs freeing. */
int lq_label_tally_init(lq_label_tally *t, uint32_t n_labels);

/* Counts unit u's ratings (each rating counts, repeats included). The tally
 * must be clear. Cannot fail. */
void lq_label_tally_unit(lq_label_tally *t, const lq_ratings_index *idx, uint32_t u);

/* Sum over labels of count^2, for agreeing-pair counts. Cannot fail. */
uint64_t lq_label_tally_sum_sq(const lq_label_tally *t);

/* Zeroes the counts touched since the last clear. Cannot fail. */
void lq_label_tally_clear(lq_label_tally *t);

void lq_label_tally_free(lq_label_tally *t);

#endif
