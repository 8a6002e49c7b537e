/* See export_check.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_check.h"

#define EPSILON 1e-6

static int collect(void *ctx, const void *data, size_t len)
{
    it_export *e = ctx;
    char *grown = realloc(e->raw, e->len + len + 1);
    if (!grown)
        return -1;
    memcpy(grown + e->len, data, len);
    e->raw = grown;
    e->len += len;
    e->raw[e->len] = '\0';
    return 0;
}

static void check_shape(const json_t *line, size_t line_no)
{
    if (!json_is_string(json_object_get(line, "id")) || !json_object_get(line, "data") ||
        !json_is_string(json_object_get(line, "label")) ||
        !json_is_number(json_object_get(line, "confidence")) ||
        !json_is_number(json_object_get(line, "agreement")) ||
        !json_is_string(json_object_get(line, "method")) ||
        !json_is_array(json_object_get(line, "annotations"))) {
        char *dump = json_dumps(line, JSON_COMPACT);
        fail_msg("export line %zu lacks a documented field: %s", line_no, dump);
    }
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(line, "annotations"), i, a)
    {
        if (!json_is_string(json_object_get(a, "annotator")) ||
            !json_is_string(json_object_get(a, "label")) ||
            !json_is_number(json_object_get(a, "seconds"))) {
            char *dump = json_dumps(line, JSON_COMPACT);
            fail_msg("export line %zu: annotation %zu lacks annotator/label/seconds: %s", line_no,
                     i, dump);
        }
    }
}

void it_export_fetch(lq_client *admin, const char *project, it_export *out)
{
    lq_export_options o = {.format = "jsonl"};
    it_export_fetch_with(admin, project, &o, out);
}

void it_export_fetch_with(lq_client *admin, const char *project, const lq_export_options *o,
                          it_export *out)
{
    memset(out, 0, sizeof *out);
    out->raw = calloc(1, 1);
    assert_non_null(out->raw);
    int rc = lq_export_with(admin, project, o, collect, out, &out->items);
    if (rc != 0)
        fail_msg("export %s: %s: %s", project, lq_strerror(rc), lq_client_error(admin));
    size_t cap = 0;
    char *p = out->raw;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (!nl)
            fail_msg("export %s: last line is not newline-terminated: %.200s", project, p);
        json_error_t err;
        json_t *line = json_loadb(p, (size_t)(nl - p), 0, &err);
        if (!json_is_object(line))
            fail_msg("export %s line %zu is not a JSON object (%s): %.200s", project, out->n + 1,
                     err.text, p);
        check_shape(line, out->n + 1);
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->lines = realloc(out->lines, cap * sizeof *out->lines);
            assert_non_null(out->lines);
        }
        out->lines[out->n++] = line;
        p = nl + 1;
    }
    if (out->items != out->n)
        fail_msg("export %s: lq_export reported %llu items but sent %zu lines", project,
                 (unsigned long long)out->items, out->n);
}

void it_export_free(it_export *e)
{
    for (size_t i = 0; i < e->n; i++)
        json_decref(e->lines[i]);
    free(e->lines);
    free(e->raw);
    memset(e, 0, sizeof *e);
}

json_t *it_export_find(const it_export *e, const char *id)
{
    for (size_t i = 0; i < e->n; i++) {
        const char *got = json_string_value(json_object_get(e->lines[i], "id"));
        if (got && strcmp(got, id) == 0)
            return e->lines[i];
    }
    return NULL;
}

json_t *it_export_annotation(const json_t *line, const char *annotator)
{
    json_t *found = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(line, "annotations"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "annotator")), annotator) == 0) {
            if (found)
                fail_msg("export line %s: annotator %s appears twice",
                         json_string_value(json_object_get(line, "id")), annotator);
            found = a;
        }
    }
    return found;
}

void it_export_check_consensus(const json_t *line, const char *const *labels, size_t n_labels)
{
    const char *id = json_string_value(json_object_get(line, "id"));
    json_t *anns = json_object_get(line, "annotations");
    size_t n = json_array_size(anns);
    if (n == 0)
        fail_msg("export line %s has no annotations", id);
    unsigned *counts = calloc(n_labels, sizeof *counts);
    assert_non_null(counts);
    size_t i;
    json_t *a;
    json_array_foreach(anns, i, a)
    {
        const char *label = json_string_value(json_object_get(a, "label"));
        size_t k = 0;
        while (k < n_labels && strcmp(labels[k], label) != 0)
            k++;
        if (k == n_labels)
            fail_msg("export line %s: annotation label %s is not in the schema", id, label);
        counts[k]++;
        it_export_annotation(line, json_string_value(json_object_get(a, "annotator")));
    }
    size_t best = 0;
    double agreeing = 0;
    for (size_t k = 0; k < n_labels; k++) {
        if (counts[k] > counts[best])
            best = k;
        agreeing += (double)counts[k] * (counts[k] - 1) / 2.0;
    }
    double pairs = (double)n * (double)(n - 1) / 2.0;
    double want_conf = (double)counts[best] / (double)n;
    double want_agree = n > 1 ? agreeing / pairs : 1.0;
    free(counts);

    const char *label = json_string_value(json_object_get(line, "label"));
    const char *method = json_string_value(json_object_get(line, "method"));
    double conf = json_number_value(json_object_get(line, "confidence"));
    double agree = json_number_value(json_object_get(line, "agreement"));
    if (!label || !method)
        fail_msg("export line %s: no label or no method", id);
    if (fabs(agree - want_agree) > EPSILON)
        fail_msg("export line %s: agreement %g, want %g", id, agree, want_agree);
    if (strcmp(method, "dawid-skene") == 0) {
        /* The posterior of a label from the schema; it may overrule the vote. */
        size_t k = 0;
        while (k < n_labels && strcmp(labels[k], label) != 0)
            k++;
        if (k == n_labels)
            fail_msg("export line %s: label %s is not in the schema", id, label);
        if (!(conf > 0.0 && conf <= 1.0 + EPSILON))
            fail_msg("export line %s: Dawid-Skene confidence %g outside (0, 1]", id, conf);
        return;
    }
    if (strcmp(method, "majority") != 0)
        fail_msg("export line %s: unknown method %s", id, method);
    if (strcmp(label, labels[best]) != 0)
        fail_msg("export line %s: label %s, want %s (majority, ties to schema order)", id, label,
                 labels[best]);
    if (fabs(conf - want_conf) > EPSILON)
        fail_msg("export line %s: confidence %g, want %g", id, conf, want_conf);
}
