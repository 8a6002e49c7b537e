#include "daemon/export/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

int lq_outbuf_add(lq_outbuf *o, const char *s, size_t n)
{
    if (n == 0)
        return 0; /* and no memcpy from or to a NULL buffer */
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            return LQ_ENOMEM;
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return 0;
}

int lq_outbuf_str(lq_outbuf *o, const char *s)
{
    return lq_outbuf_add(o, s, strlen(s));
}

int lq_outbuf_json(lq_outbuf *o, const json_t *v, bool exact)
{
    size_t flags =
        JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(exact ? 17 : 6);
    char *text = v ? json_dumps(v, flags) : NULL;
    if (!text)
        return LQ_ENOMEM;
    int rc = lq_outbuf_str(o, text);
    free(text);
    return rc;
}

int lq_csv_field(lq_outbuf *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return lq_outbuf_str(o, s);
    int rc = lq_outbuf_add(o, "\"", 1);
    for (const char *p = s; rc == 0 && *p; p++)
        rc = *p == '"' ? lq_outbuf_add(o, "\"\"", 2) : lq_outbuf_add(o, p, 1);
    return rc ? rc : lq_outbuf_add(o, "\"", 1);
}

static bool fits(const lq_export_format *f, Labelq__LabelType t)
{
    if (f == &lq_export_csv)
        return t == LABELQ__LABEL_TYPE__SINGLE || t == LABELQ__LABEL_TYPE__MULTI ||
               t == LABELQ__LABEL_TYPE__ORDINAL || t == LABELQ__LABEL_TYPE__NUMERIC;
    if (f == &lq_export_conll)
        return t == LABELQ__LABEL_TYPE__SPANS;
    if (f == &lq_export_coco)
        return t == LABELQ__LABEL_TYPE__BOXES;
    return true;
}

const lq_export_format *lq_export_format_find(const char *name, Labelq__LabelType t, char *err,
                                              size_t errlen)
{
    static const lq_export_format *const all[] = {&lq_export_jsonl, &lq_export_csv,
                                                  &lq_export_conll, &lq_export_coco};
    const lq_export_format *found = NULL;
    char names[64] = "";
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (fits(all[i], t))
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                     names[0] ? ", " : "", all[i]->name);
        if (strcmp(name[0] ? name : "jsonl", all[i]->name) == 0)
            found = all[i];
    }
    if (!found) {
        snprintf(err, errlen, "unknown export format '%.64s' (this project's formats: %s)", name,
                 names);
        return NULL;
    }
    if (!fits(found, t)) {
        snprintf(err, errlen,
                 "format %s does not fit a project of this label type (its formats: %s)",
                 found->name, names);
        return NULL;
    }
    return found;
}
