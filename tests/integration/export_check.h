/* Reading and checking a project's JSONL export in integration tests.
 *
 * An export line is {"id", "data", "label", "confidence", "agreement",
 * "method", "annotations": [{"annotator", "label", "seconds"}]}, one per
 * done task in import order; method is "dawid-skene", "majority" or "gold". */
#ifndef IT_EXPORT_CHECK_H
#define IT_EXPORT_CHECK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "client/lib/labelq.h"

typedef struct it_export {
    char *raw; /* the bytes as streamed, NUL-terminated */
    size_t len;
    json_t **lines; /* each line parsed; owned */
    size_t n;
    uint64_t items; /* the count lq_export reported */
} it_export;

/* Runs lq_export(project, "jsonl"), asserting success, that every line is a
 * JSON object with the documented fields, and that items == lines. */
void it_export_fetch(lq_client *admin, const char *project, it_export *out);

/* it_export_fetch with lq_export_with's options (o->format NULL: jsonl). */
void it_export_fetch_with(lq_client *admin, const char *project, const lq_export_options *o,
                          it_export *out);

void it_export_free(it_export *e);

/* The line whose "id" is id, or NULL. */
json_t *it_export_find(const it_export *e, const char *id);

/* Asserts that line's agreement follows from its annotations (agreeing
 * pairs / pairs); with method "majority" that its label and confidence do
 * too (ties to the label earliest in labels[]), with "dawid-skene" that its
 * label is in the schema and its confidence in (0, 1]; that every
 * annotation's label is in the schema and that no annotator appears twice. */
void it_export_check_consensus(const json_t *line, const char *const *labels, size_t n_labels);

/* The annotation of annotator on line, or NULL (asserts there is at most
 * one). */
json_t *it_export_annotation(const json_t *line, const char *annotator);

#endif
