/* What labelq-bench tells people: a one-line progress display on stderr
 * while it runs (only when stderr is a terminal), and the final summary on
 * stdout, as aligned text or as one JSON object for scripts. */
#ifndef LQ_BENCH_REPORT_H
#define LQ_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One simulated annotator: the accuracy it was given and what it did. */
typedef struct bench_annotator_result {
    const char *name;
    double true_accuracy;     /* drawn from --accuracy: its chance to answer the truth */
    uint64_t labels;          /* acknowledged submits */
    uint64_t judged, correct; /* of those, on tasks with truth, and right ones */
} bench_annotator_result;

typedef struct bench_result {
    const char *project;
    unsigned annotators;
    uint64_t labels, errors, expired;
    uint64_t judged, correct; /* labels on tasks with truth, and right ones */
    bool truth;               /* --truth was given */
    double seconds;
    bool status_known; /* the project's counts below were read */
    uint64_t tasks, tasks_done;
    uint64_t seed;
    /* Per annotator, in fleet order; set once the workers have stopped
     * (NULL before, e.g. for the progress line). */
    const bench_annotator_result *detail;
    size_t n_detail;
} bench_result;

/* Rewrites the progress line in place. Cannot fail. */
void bench_report_progress(const bench_result *r);

/* Clears the progress line before other output. Cannot fail. */
void bench_report_progress_clear(void);

/* Prints the summary on stdout. Returns 0 or LQ_ENOMEM/LQ_EIO. */
int bench_report_summary(const bench_result *r, bool json);

#endif
