/* The JSONL export, every label type: one JSON object per item, written
 * straight into the chunk with json_text.h (the same bytes jansson would
 * write). Its fields, in this order:
 *
 *   id, batch, data (as imported), label (a typed value), median (ordinal
 *   only), confidence, agreement, spread (numeric only, in the data's
 *   units, exact), method, annotations [{annotator, label, seconds}]
 *
 * Reals are written at 6 significant digits but for spread and the label
 * values themselves, which are exact. docs/protocol.md "Export formats". */
#include "daemon/export/format.h"

#include "daemon/export/json_text.h"
#include "proto/error.h"

/* The JSON of a stored value of cfg's type: a string for single, ordinal
 * and text, the canonical JSON (an array, a number) for the others, whose
 * stored form is compact JSON already (a number in its shortest exact
 * spelling). */
static int typed_value(lq_outbuf *o, const Labelq__ProjectConfig *cfg, const char *value)
{
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI:
    case LABELQ__LABEL_TYPE__NUMERIC:
    case LABELQ__LABEL_TYPE__SPANS:
    case LABELQ__LABEL_TYPE__BOXES: return lq_outbuf_str(o, value);
    default: return lq_json_string(o, value);
    }
}

static int string_or_null(lq_outbuf *o, const char *s)
{
    return s ? lq_json_string(o, s) : lq_outbuf_str(o, "null");
}

static int annotations(lq_outbuf *o, const lq_export_item *it)
{
    int rc = lq_outbuf_add(o, "[", 1);
    for (size_t i = 0; rc == 0 && i < it->n_annotations; i++) {
        const lq_export_annotation *a = &it->annotations[i];
        rc = lq_outbuf_str(o, i ? ",{" : "{");
        rc = rc ? rc : lq_outbuf_str(o, "\"annotator\":");
        rc = rc ? rc : lq_json_string(o, a->annotator);
        rc = rc ? rc : lq_outbuf_str(o, ",\"label\":");
        rc = rc ? rc : typed_value(o, it->config, a->value);
        rc = rc ? rc : lq_outbuf_str(o, ",\"seconds\":");
        rc = rc ? rc : lq_json_real6(o, a->duration_ms / 1000.0);
        rc = rc ? rc : lq_outbuf_add(o, "}", 1);
    }
    return rc ? rc : lq_outbuf_add(o, "]", 1);
}

static int jsonl_item(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    (void)state;
    size_t mark = o->len;
    int rc = lq_outbuf_add(o, "{", 1);
    rc = rc ? rc : lq_outbuf_str(o, "\"id\":");
    rc = rc ? rc : lq_json_string(o, it->id);
    rc = rc ? rc : lq_outbuf_str(o, ",\"batch\":");
    rc = rc ? rc : string_or_null(o, it->batch);
    rc = rc ? rc : lq_outbuf_str(o, ",\"data\":");
    /* Stored as jansson's compact dump of what was imported: copied. */
    rc = rc ? rc : lq_outbuf_str(o, it->data_json && it->data_json[0] ? it->data_json : "null");
    rc = rc ? rc : lq_outbuf_str(o, ",\"label\":");
    if (rc == 0)
        rc = it->label ? typed_value(o, it->config, it->label) : lq_outbuf_str(o, "null");
    if (rc == 0 && it->config->type == LABELQ__LABEL_TYPE__ORDINAL) {
        rc = lq_outbuf_str(o, ",\"median\":");
        rc = rc ? rc : string_or_null(o, it->median);
    }
    rc = rc ? rc : lq_outbuf_str(o, ",\"confidence\":");
    rc = rc ? rc : lq_json_real6(o, it->confidence);
    rc = rc ? rc : lq_outbuf_str(o, ",\"agreement\":");
    rc = rc ? rc : lq_json_real6(o, it->agreement);
    if (rc == 0 && it->has_spread) {
        rc = lq_outbuf_str(o, ",\"spread\":");
        rc = rc ? rc : lq_json_real_exact(o, it->spread);
    }
    rc = rc ? rc : lq_outbuf_str(o, ",\"method\":");
    rc = rc ? rc : lq_json_string(o, it->method);
    rc = rc ? rc : lq_outbuf_str(o, ",\"annotations\":");
    rc = rc ? rc : annotations(o, it);
    rc = rc ? rc : lq_outbuf_add(o, "}\n", 2);
    if (rc)
        o->len = mark; /* no half line */
    return rc;
}

const lq_export_format lq_export_jsonl = {"jsonl", false, NULL, jsonl_item, NULL, NULL, NULL};
