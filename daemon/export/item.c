#include "daemon/export/item.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/export/verdict.h"
#include "schema/label_value.h"
#include "proto/error.h"

static int write_it(const lq_export_pass *p, lq_outbuf *o, lq_export_item *it, bool *written)
{
    json_t *data = p->format->parse_data ? json_loads(it->data_json, JSON_DECODE_ANY, NULL) : NULL;
    it->data = data;
    int rc = p->second ? p->format->item2(o, it, p->state) : p->format->item(o, it, p->state);
    json_decref(data);
    *written = rc == 0;
    return rc;
}

/* Items with up to this many labels (nearly all: the overlap) keep their
 * lists on the stack. */
#define LABELS_ON_STACK 32

int lq_export_item_write(const lq_export_pass *p, lq_outbuf *o, lq_store_cursor *results,
                         const Labelq__TaskRecord *task, const char *batch,
                         Labelq__LabelRecord *const *labels, size_t n,
                         const lq_export_index_verdict *iv, bool *written)
{
    const Labelq__ProjectConfig *cfg = p->config;
    lq_export_annotation ann_stack[LABELS_ON_STACK];
    const char *values_stack[LABELS_ON_STACK];
    uint32_t who_stack[LABELS_ON_STACK];
    bool small = n <= LABELS_ON_STACK;
    lq_export_annotation *ann = small ? ann_stack : malloc(n * sizeof(*ann));
    const char **values = small ? values_stack : malloc(n * sizeof(*values));
    uint32_t *who = small ? who_stack : malloc(n * sizeof(*who));
    lq_typed_verdict tv;
    memset(&tv, 0, sizeof(tv));
    *written = false;
    int rc = ann && values && who ? 0 : LQ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const Labelq__LabelRecord *l = labels[i];
        const char *name = l->annotator_id < p->n_names && p->names[l->annotator_id]
                               ? p->names[l->annotator_id]
                               : "?";
        ann[i] = (lq_export_annotation){name, l->value, l->duration_ms};
        values[i] = l->value;
        who[i] = l->annotator_id;
    }
    lq_export_item it = {.config = cfg,
                         .id = task->external_id,
                         .task_id = task->id,
                         .batch = batch,
                         .data_json = task->data_json,
                         .annotations = ann,
                         .n_annotations = n};
    if (rc == 0 && lq_label_indexed(cfg)) {
        it.label = iv->label;
        it.confidence = iv->confidence;
        it.agreement = iv->agreement;
        it.method = iv->method;
        if (cfg->type == LABELQ__LABEL_TYPE__ORDINAL)
            it.median = lq_export_median(cfg, values, n);
    } else if (rc == 0) {
        rc = lq_export_typed_verdict(results, cfg, task, values, who, n, &tv);
        it.label = tv.value;
        it.confidence = tv.confidence;
        it.agreement = tv.agreement;
        it.method = tv.method;
        it.has_spread = cfg->type == LABELQ__LABEL_TYPE__NUMERIC;
        it.spread = tv.spread;
    }
    /* A second pass writes what the first did, whatever the filter says
     * now (a fresher estimate must not tear the document apart). */
    if (rc == 0 && (p->second || it.confidence >= p->min_confidence))
        rc = write_it(p, o, &it, written);
    free(tv.value);
    if (!small) {
        free(ann);
        free(values);
        free(who);
    }
    return rc;
}
