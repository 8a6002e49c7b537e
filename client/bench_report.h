/* What labelq-bench tells people: a one-line progress display on stderr
 * while it runs (only when stderr is a terminal), and the final summary on
 * stdout, as aligned text or as one JSON object for scripts. */
#ifndef LQ_BENCH_REPORT_H
#define LQ_BENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>

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
} bench_result;

/* Rewrites the progress line in place. Cannot fail. */
void bench_report_progress(const bench_result *r);

/* Clears the progress line before other output. Cannot fail. */
void bench_report_progress_clear(void);

/* Prints the summary on stdout. Returns 0 or LQ_ENOMEM/LQ_EIO. */
int bench_report_summary(const bench_result *r, bool json);

#endif
