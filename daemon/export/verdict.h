/* What an export says of one item of a label type that is not an index:
 * the stored result of the last estimate when there is one, else the
 * consensus of the item's own labels there and then, by the same
 * computation the estimate runs (quality/typed_consensus.h; multi-label
 * then uses the per-label majority, method "majority", as the estimate
 * does below LQ_DS_MIN_LABELS labels; the other types' consensus depends
 * on the item alone, so it is what the estimate stores). Also the ordinal
 * median. Runs on the export worker. */
#ifndef LQ_EXPORT_VERDICT_H
#define LQ_EXPORT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/labelq.pb-c.h"
#include "storage/store.h"

typedef struct lq_typed_verdict {
    char *value; /* the consensus, canonical, malloc'd; NULL: none */
    double confidence, agreement, spread;
    const char *method; /* static */
} lq_typed_verdict;

/* Fills out for task, whose n labels are values[i] by annotators[i]; the
 * stored result is read through results (a results cursor, store.h).
 * Returns 0 or LQ_ENOMEM; free out->value either way. */
int lq_export_typed_verdict(lq_store_cursor *results, const Labelq__ProjectConfig *cfg,
                            const Labelq__TaskRecord *task, const char *const *values,
                            const uint32_t *annotators, size_t n, lq_typed_verdict *out);

/* ORDINAL: the lower median of the labels (quality/ordinal_median.h), a
 * label of cfg, or NULL when none is. Cannot fail but for memory (NULL). */
const char *lq_export_median(const Labelq__ProjectConfig *cfg, const char *const *values, size_t n);

#endif
