#include "daemon/export/verdict.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/ordinal_median.h"
#include "quality/typed_consensus.h"
#include "schema/label_index.h"
#include "schema/label_value.h"
#include "schema/value_ratings.h"

/* The static spelling of a stored method name (the record is freed). */
static const char *method_name(const char *m)
{
    lq_method known;
    return lq_method_parse(m, &known) == 0 ? lq_method_name(known) : "majority";
}

/* The item's labels as one unit, annotators numbered 0.. in order of
 * appearance (the computation sizes its tallies by the largest id). */
static int one_unit(const char *const *values, const uint32_t *annotators, size_t n,
                    lq_label_value *v, uint32_t *n_annotators)
{
    uint32_t *local = malloc((n ? n : 1) * sizeof(*local));
    if (!local)
        return LQ_ENOMEM;
    *n_annotators = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && annotators[j] != annotators[i])
            j++;
        local[i] = j < i ? local[j] : (*n_annotators)++;
        v[i] = (lq_label_value){0, local[i], values[i]};
    }
    free(local);
    return 0;
}

static int from_labels(const Labelq__ProjectConfig *cfg, const Labelq__TaskRecord *task,
                       const char *const *values, const uint32_t *annotators, size_t n,
                       lq_typed_verdict *out)
{
    lq_label_value *v = malloc((n ? n : 1) * sizeof(*v));
    lq_value_ratings vr = {0};
    lq_typed_consensus c = {0};
    char *text = NULL;
    uint32_t na = 0;
    int rc = v ? one_unit(values, annotators, n, v, &na) : LQ_ENOMEM;
    if (rc == 0 && cfg->type == LABELQ__LABEL_TYPE__SPANS)
        rc = lq_label_item_text(cfg, task->data_json, &text);
    const char *const texts[1] = {text};
    if (rc == 0)
        rc = lq_value_ratings_build(cfg, v, n, 1, na, texts, &vr);
    lq_method m = lq_method_default(vr.r.kind, lq_typed_count(&vr.r));
    if (rc == 0)
        rc = lq_typed_consensus_compute(&vr.r, m, &c);
    if (rc == 0)
        rc = lq_value_consensus(cfg, &vr.r, &c, 0, &out->value);
    if (rc == 0 && out->value) {
        out->confidence = c.confidence[0];
        out->agreement = c.agreement[0];
        out->spread = c.spread ? c.spread[0] : 0.0;
        out->method = lq_method_name(m);
    }
    lq_typed_consensus_free(&c);
    lq_value_ratings_free(&vr);
    free(text);
    free(v);
    return rc == LQ_EBADREQ ? 0 : rc; /* values that do not read: no consensus */
}

int lq_export_typed_verdict(lq_store_cursor *results, const Labelq__ProjectConfig *cfg,
                            const Labelq__TaskRecord *task, const char *const *values,
                            const uint32_t *annotators, size_t n, lq_typed_verdict *out)
{
    memset(out, 0, sizeof(*out));
    out->method = "majority";
    const Labelq__ResultRecord *res;
    if (lq_store_cursor_result(results, task->id, &res) == 0 && res->method[0]) {
        out->value = strdup(res->value);
        out->confidence = res->confidence;
        out->agreement = res->agreement;
        out->spread = res->spread;
        out->method = method_name(res->method);
        return out->value ? 0 : LQ_ENOMEM;
    }
    return from_labels(cfg, task, values, annotators, n, out);
}

const char *lq_export_median(const Labelq__ProjectConfig *cfg, const char *const *values, size_t n)
{
    lq_rating *v = malloc((n ? n : 1) * sizeof(*v));
    double *steps = malloc((cfg->n_labels ? cfg->n_labels : 1) * sizeof(*steps));
    uint32_t median = UINT32_MAX;
    bool split;
    size_t m = 0;
    for (size_t l = 0; steps && l < cfg->n_labels; l++)
        steps[l] = (double)l;
    for (size_t i = 0; v && i < n; i++) {
        int k = lq_label_index(cfg->labels, cfg->n_labels, values[i]);
        if (k >= 0) {
            v[m] = (lq_rating){0, (uint32_t)m, (uint32_t)k};
            m++;
        }
    }
    lq_ratings r = {v, m, 1, (uint32_t)(m ? m : 1), (uint32_t)cfg->n_labels, steps};
    if (!v || !steps || m == 0 || lq_ordinal_median(&r, &median, &split) != 0)
        median = UINT32_MAX;
    free(v);
    free(steps);
    return median < cfg->n_labels ? cfg->labels[median] : NULL;
}
