/* Bounding-box ratings (object detection): each annotation of a unit (an
 * image) is a list of labelled axis-aligned boxes. Agreement is pairwise
 * F1 after matching boxes by IoU; consensus clusters the annotators' boxes
 * and averages each well-supported cluster. Pure computation, no I/O,
 * deterministic.
 *
 * A box is x, y (its minimum corner), w, h, all finite, w and h >= 0, and
 * a label below n_labels; anything else (NaN, infinity, a negative size, a
 * corner x + w that overflows) is LQ_EBADREQ. A box of zero area is valid
 * but marks nothing: its IoU with any box, itself included, is 0, so it
 * never matches and never joins a cluster.
 *
 * An annotation with no boxes is an answer ("no object here"); one
 * annotation per (unit, annotator), a second one is LQ_EBADREQ. */
#ifndef LQ_BOXES_H
#define LQ_BOXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lq_box {
    double x, y, w, h;
    uint32_t label;
} lq_box;

typedef struct lq_box_annotation {
    uint32_t unit;
    uint32_t annotator;
    const lq_box *boxes; /* n_boxes, any order; borrowed */
    size_t n_boxes;
} lq_box_annotation;

typedef struct lq_box_data {
    const lq_box_annotation *v; /* n annotations, any order; borrowed */
    size_t n;
    uint32_t n_units; /* every unit < n_units, likewise annotators and labels */
    uint32_t n_annotators;
    uint32_t n_labels;
} lq_box_data;

typedef struct lq_box_options {
    double iou_threshold;   /* two boxes match when IoU >= this; (0, 1], default 0.5 */
    bool cluster_any_label; /* consensus clusters ignore labels and take the majority label;
                             * default false: only boxes of one label cluster */
} lq_box_options;

/* Fills o with the defaults. Cannot fail. */
void lq_box_options_default(lq_box_options *o);

/* Checks one box. Returns 0 or LQ_EBADREQ. */
int lq_box_check(const lq_box *b, uint32_t n_labels);

/* Intersection over union of two valid boxes' areas, in [0, 1]; labels
 * play no part. 0 when the union has no area. Cannot fail. */
double lq_box_iou(const lq_box *a, const lq_box *b);

/* F1 between two annotations: boxes of the same label with IoU >= the
 * threshold are candidate matches; greedily, the candidate with the
 * highest IoU (ties: lowest index in a, then in b) is matched and both
 * boxes leave the pool, until none remain. F1 = 2 matches / (na + nb), 1
 * when both are empty, 0 when only one is. *matches (may be NULL) gets the
 * count. o may be NULL for the defaults. Memory: the candidate pairs, at
 * most na * nb. Returns 0, LQ_EBADREQ (a bad box or threshold) or
 * LQ_ENOMEM. */
int lq_box_pair_f1(const lq_box *a, size_t na, const lq_box *b, size_t nb, uint32_t n_labels,
                   const lq_box_options *o, double *f1, size_t *matches);

/* Pairwise box F1: unit_f1[u] (n_units entries) is the mean of
 * lq_box_pair_f1 over the pairs of u's annotations, -1 for a unit with
 * fewer than two; *overall is the mean over all such pairs of all units.
 * Returns 0, LQ_EBADREQ (bad data; no unit with two annotations) or
 * LQ_ENOMEM. */
int lq_box_f1(const lq_box_data *d, const lq_box_options *o, double *unit_f1, double *overall);

/* Consensus boxes of every unit. */
typedef struct lq_box_consensus {
    uint32_t n_units;
    size_t *start;      /* n_units + 1: unit u's boxes are boxes[start[u] .. start[u+1]) */
    lq_box *boxes;      /* averaged coordinates, majority label */
    uint32_t *support;  /* per box: annotators whose box is in its cluster */
    double *confidence; /* per box: support / the unit's annotations, times the mean IoU
                         * of the cluster's boxes with the averaged box */
    double *unit_confidence; /* n_units: the mean of the unit's boxes' confidence; with
                              * no consensus box, the share of its annotations with no
                              * box; 0 for an unannotated unit */
    size_t n;
} lq_box_consensus;

/* Per unit, clusters the boxes of its annotations: a cluster holds at most
 * one box per annotator, boxes of one label (unless cluster_any_label), and
 * every two of its boxes have IoU >= the threshold (complete linkage, so a
 * cluster cannot drift along a chain of overlapping boxes). Clusters form
 * greedily, merging along the pairs of boxes in decreasing IoU (ties:
 * lower indexes first, in input order) whenever the merged cluster still
 * obeys those rules. A cluster becomes a consensus box when at least half
 * the unit's annotations, rounded up, have a box in it: its coordinates
 * are the mean of the boxes', its label the most common one (ties: the
 * lowest). Boxes of a unit are in the order of their clusters' first box.
 * Cost per unit of N boxes from k annotations: O(N^2) IoUs and memory,
 * and at most k^2 more per merge. Returns 0, LQ_EBADREQ (bad data or
 * threshold) or LQ_ENOMEM. Free with lq_box_consensus_free; on error
 * nothing needs freeing. */
int lq_box_vote(const lq_box_data *d, const lq_box_options *o, lq_box_consensus *out);

void lq_box_consensus_free(lq_box_consensus *c);

/* Whether lists a and b hold the same boxes (coordinates and label equal),
 * in any order, each box as often: the same answer. Returns 0 with
 * *same set, or LQ_ENOMEM. */
int lq_boxes_same(const lq_box *a, size_t na, const lq_box *b, size_t nb, bool *same);

#endif
