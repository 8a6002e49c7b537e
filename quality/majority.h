/* Majority vote over one item's labels: pure computation, no I/O.
 *
 * Labels are integer-coded (0..n_classes-1) so callers can map any schema
 * onto it. */
#ifndef LQ_MAJORITY_H
#define LQ_MAJORITY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lq_vote {
    int label;          /* winning class, -1 when there were no votes */
    double confidence;  /* votes for the winner / all votes */
    double agreement;   /* share of annotator pairs that agree (1 for one vote) */
    bool tie;           /* the winner was chosen among equally voted classes */
} lq_vote;

/* Majority vote over counts[0..n_classes-1]. Ties go to the lowest class
 * index, which is the schema's order, so results are deterministic and the
 * tie is flagged. Cannot fail. */
lq_vote lq_majority(const unsigned *counts, size_t n_classes);

#endif
