/* One done item of an export in any format but the original single-choice
 * JSONL (export.c writes that itself): its labels and consensus gathered
 * into an lq_export_item (export_format.h) and handed to the format. */
#ifndef LQ_EXPORT_ITEM_H
#define LQ_EXPORT_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/export/format.h"
#include "storage/store.h"

/* What one chunk of the export needs to write items. */
typedef struct lq_export_pass {
    const lq_export_format *format;
    bool second;           /* the second pass of a two-pass format: item2, no filtering */
    uint64_t *state;       /* the format's */
    double min_confidence; /* leave out items below this */
    const Labelq__ProjectConfig *config;
    char *const *names; /* annotator names by id (NULL entries: unknown) */
    uint32_t n_names;
} lq_export_pass;

/* The consensus of a single-choice or ordinal item, as export.c judges it
 * (stored estimate, majority vote or gold). */
typedef struct lq_export_index_verdict {
    const char *label;
    double confidence, agreement;
    const char *method;
} lq_export_index_verdict;

/* Writes task (of batch batch, NULL when unknown) with its n labels to o
 * through p->format, unless its confidence is below p->min_confidence on
 * a first pass. iv is the consensus for single-choice and ordinal
 * projects; other types' is found here (export_verdict.h), the stored
 * one through results (a results cursor of the scan). *written says
 * whether the item went out. Returns 0, LQ_ENOMEM or a storage error. */
int lq_export_item_write(const lq_export_pass *p, lq_outbuf *o, lq_store_cursor *results,
                         const Labelq__TaskRecord *task, const char *batch,
                         Labelq__LabelRecord *const *labels, size_t n,
                         const lq_export_index_verdict *iv, bool *written);

#endif
