/* The true labels of a benchmark's items (--truth FILE), looked up by
 * external id from every annotator thread. Read-only once loaded, so the
 * threads share it without locks. */
#ifndef LQ_BENCH_TRUTH_H
#define LQ_BENCH_TRUTH_H

#include <stddef.h>

typedef struct bench_truth bench_truth;

/* Loads JSONL lines {"id": ..., "label": ...} (id a string or an
 * integer; blank lines skipped). A string label is kept as it is; any
 * other value (an array for multi, spans and boxes, a number for numeric)
 * as its compact JSON text. On failure err says which line and why.
 * Returns 0, LQ_EIO, LQ_EBADREQ or LQ_ENOMEM. */
int bench_truth_load(const char *path, bench_truth **out, char *err, size_t errlen);

/* The true label of id, or NULL. Valid until bench_truth_free. */
const char *bench_truth_get(const bench_truth *t, const char *id);

void bench_truth_free(bench_truth *t);

#endif
