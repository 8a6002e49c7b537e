/* Agreement per batch, computed with a project's background estimate from
 * the same ratings: one pass splits them by batch, so the cost is that of
 * the project's own metrics however many batches there are. Runs on a
 * thread-pool worker; pure computation. */
#ifndef LQ_BATCH_QUALITY_H
#define LQ_BATCH_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

#include "quality/agreement.h"
#include "quality/ratings.h"

/* One batch's agreement; a metric undefined on its data is left out. */
typedef struct lq_agreement_summary {
    bool has_alpha, has_percent;
    double alpha;   /* Krippendorff's alpha with the project's headline metric */
    double percent; /* observed pairwise agreement */
} lq_agreement_summary;

/* Computes out[b] for every batch id b < n_batches from r, where unit u
 * belongs to batch unit_batch[u] and units with skip[u] set (gold-pool
 * items; skip may be NULL) count nowhere: alpha with metric *alpha (the
 * project's headline alpha: nominal for single choice, ordinal for
 * ordinal, which needs r->values), or no alpha when alpha is NULL (label
 * types whose r holds only identical-answer codes, typed_agreement.h), and
 * percent agreement. Returns 0, or LQ_ENOMEM. */
int lq_batch_agreement(const lq_ratings *r, const lq_metric *alpha, const uint32_t *unit_batch,
                       const bool *skip, uint32_t n_batches, lq_agreement_summary *out);

#endif
