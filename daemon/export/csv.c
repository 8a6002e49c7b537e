/* The CSV export format (RFC 4180): a header row, then one row per item:
 *   id, batch, label, confidence, agreement, method, n_annotations, data
 * label is the label name (single, ordinal), the labels joined with ';' in
 * schema order (multi; empty for the empty set) or the number (numeric);
 * confidence and agreement have 6 significant digits; data is the item's
 * data as compact JSON. Rows end with CRLF. */
#include "daemon/export/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "schema/typed_value.h"

#define ERR_MAX 256 /* why a stored value did not read, which cannot happen */

static const char header[] = "id,batch,label,confidence,agreement,method,n_annotations,data\r\n";

static int csv_begin(lq_outbuf *o, const Labelq__ProjectConfig *cfg, uint64_t *state)
{
    (void)cfg;
    (void)state;
    return lq_outbuf_str(o, header);
}

/* A multi-label set's labels joined with ';', in schema order. */
static int joined(lq_outbuf *o, const Labelq__ProjectConfig *cfg, const char *value)
{
    char err[ERR_MAX];
    lq_outbuf tmp = {0};
    uint64_t set;
    bool first = true;
    int rc = lq_value_set(cfg, value, &set, err, sizeof(err)) == 0 ? 0 : LQ_EINTERNAL;
    for (size_t l = 0; rc == 0 && l < cfg->n_labels && l < 64; l++) {
        if (!(set >> l & 1))
            continue;
        if (!first)
            rc = lq_outbuf_add(&tmp, ";", 1);
        if (rc == 0)
            rc = lq_outbuf_str(&tmp, cfg->labels[l]);
        first = false;
    }
    if (rc == 0)
        rc = lq_outbuf_add(&tmp, "", 1);
    if (rc == 0)
        rc = lq_csv_field(o, tmp.buf);
    free(tmp.buf);
    return rc;
}

static int number(lq_outbuf *o, double x)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%.6g", x);
    return lq_outbuf_str(o, buf);
}

static int csv_item(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    (void)state;
    char buf[32];
    int rc = lq_csv_field(o, it->id);
    rc = rc ? rc : lq_outbuf_add(o, ",", 1);
    rc = rc ? rc : lq_csv_field(o, it->batch ? it->batch : "");
    rc = rc ? rc : lq_outbuf_add(o, ",", 1);
    if (rc == 0 && it->label)
        rc = it->config->type == LABELQ__LABEL_TYPE__MULTI ? joined(o, it->config, it->label)
                                                           : lq_csv_field(o, it->label);
    rc = rc ? rc : lq_outbuf_add(o, ",", 1);
    rc = rc ? rc : number(o, it->confidence);
    rc = rc ? rc : lq_outbuf_add(o, ",", 1);
    rc = rc ? rc : number(o, it->agreement);
    rc = rc ? rc : lq_outbuf_add(o, ",", 1);
    rc = rc ? rc : lq_csv_field(o, it->method);
    snprintf(buf, sizeof(buf), ",%zu,", it->n_annotations);
    rc = rc ? rc : lq_outbuf_str(o, buf);
    /* Stored as jansson's compact dump of what was imported: copied. */
    rc = rc ? rc : lq_csv_field(o, it->data_json && it->data_json[0] ? it->data_json : "null");
    return rc ? rc : lq_outbuf_add(o, "\r\n", 2);
}

const lq_export_format lq_export_csv = {"csv", false, csv_begin, csv_item, NULL, NULL, NULL};
