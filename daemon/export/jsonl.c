/* The JSONL export format: one JSON object per item, label values typed
 * (see export_format.h). */
#include "daemon/export/format.h"

#include <string.h>

#include "proto/error.h"

/* Appends ,"key": (or "key": first). */
static int key(lq_outbuf *o, const char *k, bool first)
{
    int rc = first ? 0 : lq_outbuf_add(o, ",", 1);
    json_t *s = rc == 0 ? json_string(k) : NULL;
    rc = rc ? rc : s ? lq_outbuf_json(o, s, true) : LQ_ENOMEM;
    json_decref(s);
    return rc ? rc : lq_outbuf_add(o, ":", 1);
}

/* Appends a new reference v (dropped here), at 6 digits. */
static int value(lq_outbuf *o, json_t *v)
{
    int rc = v ? lq_outbuf_json(o, v, false) : LQ_ENOMEM;
    json_decref(v);
    return rc;
}

static int annotations(lq_outbuf *o, const lq_export_item *it)
{
    int rc = lq_outbuf_add(o, "[", 1);
    for (size_t i = 0; rc == 0 && i < it->n_annotations; i++) {
        const lq_export_annotation *a = &it->annotations[i];
        rc = lq_outbuf_str(o, i ? ",{" : "{");
        rc = rc ? rc : key(o, "annotator", true);
        rc = rc ? rc : value(o, json_string(a->annotator));
        rc = rc ? rc : key(o, "label", false);
        rc = rc ? rc : lq_export_typed_value(o, it->config, a->value);
        rc = rc ? rc : key(o, "seconds", false);
        rc = rc ? rc : value(o, json_real(a->duration_ms / 1000.0));
        rc = rc ? rc : lq_outbuf_add(o, "}", 1);
    }
    return rc ? rc : lq_outbuf_add(o, "]", 1);
}

static int jsonl_item(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    (void)state;
    int rc = lq_outbuf_add(o, "{", 1);
    rc = rc ? rc : key(o, "id", true);
    rc = rc ? rc : value(o, json_string(it->id));
    rc = rc ? rc : key(o, "batch", false);
    rc = rc ? rc : value(o, it->batch ? json_string(it->batch) : json_null());
    rc = rc ? rc : key(o, "data", false);
    rc = rc ? rc : lq_outbuf_json(o, it->data ? it->data : json_null(), true);
    rc = rc ? rc : key(o, "label", false);
    if (rc == 0)
        rc = it->label ? lq_export_typed_value(o, it->config, it->label) : lq_outbuf_str(o, "null");
    if (rc == 0 && it->config->type == LABELQ__LABEL_TYPE__ORDINAL) {
        rc = key(o, "median", false);
        rc = rc ? rc : value(o, it->median ? json_string(it->median) : json_null());
    }
    rc = rc ? rc : key(o, "confidence", false);
    rc = rc ? rc : value(o, json_real(it->confidence));
    rc = rc ? rc : key(o, "agreement", false);
    rc = rc ? rc : value(o, json_real(it->agreement));
    if (rc == 0 && it->has_spread) {
        json_t *v = json_real(it->spread);
        rc = key(o, "spread", false);
        rc = rc ? rc : v ? lq_outbuf_json(o, v, true) : LQ_ENOMEM; /* in the data's units */
        json_decref(v);
    }
    rc = rc ? rc : key(o, "method", false);
    rc = rc ? rc : value(o, json_string(it->method));
    rc = rc ? rc : key(o, "annotations", false);
    rc = rc ? rc : annotations(o, it);
    return rc ? rc : lq_outbuf_add(o, "}\n", 2);
}

const lq_export_format lq_export_jsonl = {"jsonl", NULL, jsonl_item, NULL, NULL, NULL};
