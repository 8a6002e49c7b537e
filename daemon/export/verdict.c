#include "daemon/export/verdict.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/model/project.h"
#include "daemon/estimate/typed_quality.h"
#include "proto/error.h"

/* The static spelling of a stored method name (the record is freed). */
static const char *method_name(const char *m)
{
    static const char *const known[] = {"dawid-skene", "majority",   "median",
                                        "medoid",      "token-vote", "iou-cluster"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i], m) == 0)
            return known[i];
    return "majority";
}

static int from_labels(const Labelq__ProjectConfig *cfg, const Labelq__TaskRecord *task,
                       const char *const *values, const uint32_t *annotators, size_t n,
                       lq_typed_verdict *out)
{
    lq_typed_label *v = malloc((n ? n : 1) * sizeof(*v));
    uint32_t *local = malloc((n ? n : 1) * sizeof(*local));
    json_t *data = NULL;
    const char *text = NULL;
    lq_typed_result r;
    memset(&r, 0, sizeof(r));
    int rc = v && local ? 0 : LQ_ENOMEM;
    /* Annotators numbered 0.. in order of appearance: the run sizes its
     * tallies by the largest id. */
    uint32_t na = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t j = 0;
        while (j < i && annotators[j] != annotators[i])
            j++;
        local[i] = j < i ? local[j] : na++;
        v[i] = (lq_typed_label){0, local[i], values[i]};
    }
    if (rc == 0 && cfg->type == LABELQ__LABEL_TYPE__SPANS) {
        data = json_loads(task->data_json, JSON_DECODE_ANY, NULL);
        json_t *f = json_is_object(data) ? json_object_get(data, cfg->field) : NULL;
        text = json_is_string(f) ? json_string_value(f) : NULL;
    }
    const char *const texts[1] = {text};
    lq_typed_input in = {cfg, v, n, 1, na, texts, false};
    if (rc == 0)
        rc = lq_typed_run(&in, &r);
    if (rc == 0 && r.value[0]) {
        out->value = r.value[0];
        r.value[0] = NULL;
        out->confidence = r.confidence[0];
        out->agreement = r.agreement[0];
        out->spread = r.spread[0];
        out->method = r.method;
    }
    lq_typed_result_free(&r);
    json_decref(data);
    free(v);
    free(local);
    return rc;
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

static int by_step(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

const char *lq_export_median(const Labelq__ProjectConfig *cfg, const char *const *values, size_t n)
{
    int steps[LQ_MAX_LABELS * 4];
    size_t m = 0;
    for (size_t i = 0; i < n && m < sizeof(steps) / sizeof(steps[0]); i++)
        for (size_t k = 0; k < cfg->n_labels; k++)
            if (strcmp(values[i], cfg->labels[k]) == 0) {
                steps[m++] = (int)k;
                break;
            }
    if (m == 0)
        return NULL;
    qsort(steps, m, sizeof(steps[0]), by_step);
    return cfg->labels[steps[(m - 1) / 2]];
}
