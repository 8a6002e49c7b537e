/* What a simulated annotator answers for one item of a project whose
 * labels are not a single choice (ProjectConfig.type multi, ordinal,
 * numeric, text, spans, boxes): the truth with its accuracy, otherwise a
 * mistake of the kind people make with that type, and a random valid
 * answer when there is no truth to go by. Every answer is one the server
 * accepts for the project (sets of its labels, numbers in its range, text
 * within its length, spans inside the item's text and not overlapping,
 * boxes with a positive size). Pure computation on the caller's random
 * stream; no I/O. */
#ifndef LQ_BENCH_ANSWER_H
#define LQ_BENCH_ANSWER_H

#include <stdbool.h>

#include "bench/sim/rng.h"
#include "labelq.h"

/* The outcome of one answer. */
typedef struct bench_answer {
    char *label;  /* the label text to submit; malloc'd, the caller frees it */
    bool judged;  /* the truth was there and valid for the project */
    bool correct; /* judged, and the answer is the truth (in the same form) */
} bench_answer;

/* Answers an item of cfg's project (any type but single choice). truth is
 * the item's true label as bench_truth keeps it (a string, or the compact
 * JSON of an array or number), or NULL; a truth that does not fit the
 * project (a label it lacks, a span outside the text) counts as none.
 * data_json is the leased item's data: spans are placed on its
 * data[cfg->field] text, token by token (ASCII whitespace separates
 * tokens), and boxes inside data.width x data.height when it gives them
 * (else 640 x 480). accuracy is the chance to answer the truth. Returns 0
 * or LQ_ENOMEM (then out->label is NULL). */
int bench_answer_typed(const Labelq__ProjectConfig *cfg, const char *truth, const char *data_json,
                       double accuracy, bench_rng *rng, bench_answer *out);

#endif
