/* Box IoU, matched F1 and clustering consensus; contracts in boxes.h.
 *
 * Areas are taken from the corners (x1 - x0, not w), so that a box's IoU
 * with itself is exactly 1 and two boxes that share corners share areas
 * bit for bit, whatever rounding x + w did. */
#include "quality/boxes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/unit_groups.h"

void lq_box_options_default(lq_box_options *o)
{
    o->iou_threshold = 0.5;
    o->cluster_any_label = false;
}

static int options_ok(const lq_box_options *o)
{
    return o->iou_threshold > 0.0 && o->iou_threshold <= 1.0;
}

int lq_box_check(const lq_box *b, uint32_t n_labels)
{
    if (!isfinite(b->x) || !isfinite(b->y) || !isfinite(b->w) || !isfinite(b->h))
        return LQ_EBADREQ;
    if (b->w < 0.0 || b->h < 0.0 || b->label >= n_labels)
        return LQ_EBADREQ;
    if (!isfinite(b->x + b->w) || !isfinite(b->y + b->h) || !isfinite(b->w * b->h))
        return LQ_EBADREQ;
    return 0;
}

static double overlap(double a0, double a1, double b0, double b1)
{
    double d = fmin(a1, b1) - fmax(a0, b0);

    return d > 0.0 ? d : 0.0;
}

double lq_box_iou(const lq_box *a, const lq_box *b)
{
    double ax1 = a->x + a->w, ay1 = a->y + a->h, bx1 = b->x + b->w, by1 = b->y + b->h;
    double inter = overlap(a->x, ax1, b->x, bx1) * overlap(a->y, ay1, b->y, by1);
    double area_a = (ax1 - a->x) * (ay1 - a->y), area_b = (bx1 - b->x) * (by1 - b->y);
    /* Halved (exact in binary), so two areas near DBL_MAX cannot overflow. */
    double half_union = area_a / 2.0 + area_b / 2.0 - inter / 2.0;

    if (!(half_union > 0.0))
        return 0.0;
    return fmin(1.0, (inter / 2.0) / half_union);
}

/* A candidate match between box i of one list and box j of the other. */
typedef struct pair {
    double iou;
    size_t i, j;
} pair;

static int by_iou_desc(const void *pa, const void *pb)
{
    const pair *a = pa, *b = pb;

    if (a->iou != b->iou)
        return (a->iou < b->iou) - (a->iou > b->iou);
    if (a->i != b->i)
        return (a->i > b->i) - (a->i < b->i);
    return (a->j > b->j) - (a->j < b->j);
}

/* Greedy matching of checked lists; returns the number of matches or
 * (size_t)-1 when out of memory. */
static size_t greedy_matches(const lq_box *a, size_t na, const lq_box *b, size_t nb, double t)
{
    pair *p = malloc(na * nb * sizeof(*p)); /* both > 0: the caller skips empty lists */
    unsigned char *used = calloc(na + nb + 1, 1);
    size_t n = 0, matches = 0;

    if (!p || !used) {
        free(p);
        free(used);
        return (size_t)-1;
    }
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            double iou = a[i].label == b[j].label ? lq_box_iou(&a[i], &b[j]) : 0.0;

            if (iou >= t)
                p[n++] = (pair){iou, i, j};
        }
    qsort(p, n, sizeof(*p), by_iou_desc);
    for (size_t k = 0; k < n; k++) {
        if (used[p[k].i] || used[na + p[k].j])
            continue;
        used[p[k].i] = used[na + p[k].j] = 1;
        matches++;
    }
    free(p);
    free(used);
    return matches;
}

static int check_boxes(const lq_box *b, size_t n, uint32_t n_labels)
{
    if (n && !b)
        return LQ_EBADREQ;
    for (size_t i = 0; i < n; i++)
        if (lq_box_check(&b[i], n_labels) != 0)
            return LQ_EBADREQ;
    return 0;
}

/* lq_box_pair_f1 without the checks. */
static int pair_f1(const lq_box *a, size_t na, const lq_box *b, size_t nb, double t, double *f1,
                   size_t *matches)
{
    size_t m = 0;

    if (na + nb == 0) {
        *f1 = 1.0;
    } else {
        m = na && nb ? greedy_matches(a, na, b, nb, t) : 0;
        if (m == (size_t)-1)
            return LQ_ENOMEM;
        *f1 = 2.0 * (double)m / (double)(na + nb);
    }
    if (matches)
        *matches = m;
    return 0;
}

int lq_box_pair_f1(const lq_box *a, size_t na, const lq_box *b, size_t nb, uint32_t n_labels,
                   const lq_box_options *o, double *f1, size_t *matches)
{
    lq_box_options def;

    if (!o) {
        lq_box_options_default(&def);
        o = &def;
    }
    if (!options_ok(o) || check_boxes(a, na, n_labels) != 0 || check_boxes(b, nb, n_labels) != 0)
        return LQ_EBADREQ;
    return pair_f1(a, na, b, nb, o->iou_threshold, f1, matches);
}

/* Groups d's annotations by unit and checks every box. */
static int group_checked(const lq_box_data *d, const lq_box_options *o, lq_unit_groups *g)
{
    int rc;

    if (!options_ok(o))
        return LQ_EBADREQ;
    for (size_t i = 0; i < d->n; i++)
        if (check_boxes(d->v[i].boxes, d->v[i].n_boxes, d->n_labels) != 0)
            return LQ_EBADREQ;
    rc = lq_unit_groups_build(d->v, d->n, sizeof(*d->v), offsetof(lq_box_annotation, unit),
                              offsetof(lq_box_annotation, annotator), d->n_units, d->n_annotators,
                              true, g);
    return rc;
}

/* What lq_box_f1 scores each pair of a unit's annotations with. */
typedef struct box_pairs {
    const lq_box_data *d;
    double iou_threshold;
} box_pairs;

static int box_pair_f1(const void *ctx, size_t i, size_t j, double *out)
{
    const box_pairs *bp = ctx;
    const lq_box_annotation *a = &bp->d->v[i], *b = &bp->d->v[j];
    return pair_f1(a->boxes, a->n_boxes, b->boxes, b->n_boxes, bp->iou_threshold, out, NULL);
}

int lq_box_f1(const lq_box_data *d, const lq_box_options *o, double *unit_f1, double *overall)
{
    lq_box_options def;
    lq_unit_groups g;
    int rc;

    if (!o) {
        lq_box_options_default(&def);
        o = &def;
    }
    if ((rc = group_checked(d, o, &g)) != 0)
        return rc;
    box_pairs bp = {d, o->iou_threshold};
    rc = lq_unit_groups_mean_pairs(&g, d->n_units, box_pair_f1, &bp, unit_f1, overall);
    lq_unit_groups_free(&g);
    return rc;
}

void lq_box_consensus_free(lq_box_consensus *c)
{
    free(c->start);
    free(c->boxes);
    free(c->support);
    free(c->confidence);
    free(c->unit_confidence);
    memset(c, 0, sizeof(*c));
}

/* One unit's boxes and their clusters. Box i is item[i] from annotation
 * slot[i] (0 .. k-1 in the unit); cluster membership is a linked list
 * from the cluster's root: root[i] names it, next[i] walks it. */
typedef struct cluster_work {
    const lq_box **item;
    size_t *slot;
    size_t *root, *next, *size;
    pair *pairs;
    unsigned char *emitted;
    size_t n; /* boxes in the unit */
} cluster_work;

/* Whether clusters ra and rb may merge: no shared annotator, and every
 * two boxes across them match (complete linkage). */
static int can_merge(const cluster_work *w, size_t ra, size_t rb, const lq_box_options *o)
{
    for (size_t i = ra; i != SIZE_MAX; i = w->next[i])
        for (size_t j = rb; j != SIZE_MAX; j = w->next[j]) {
            if (w->slot[i] == w->slot[j])
                return 0;
            if (!o->cluster_any_label && w->item[i]->label != w->item[j]->label)
                return 0;
            if (!(lq_box_iou(w->item[i], w->item[j]) >= o->iou_threshold))
                return 0;
        }
    return 1;
}

/* Appends cluster rb's list to ra's and renames its members. */
static void merge(cluster_work *w, size_t ra, size_t rb)
{
    size_t tail = ra;

    while (w->next[tail] != SIZE_MAX)
        tail = w->next[tail];
    w->next[tail] = rb;
    for (size_t j = rb; j != SIZE_MAX; j = w->next[j])
        w->root[j] = ra;
    w->size[ra] += w->size[rb];
}

static void cluster_unit(cluster_work *w, const lq_box_options *o)
{
    size_t np = 0;

    for (size_t i = 0; i < w->n; i++) {
        w->root[i] = i;
        w->next[i] = SIZE_MAX;
        w->size[i] = 1;
        w->emitted[i] = 0;
    }
    for (size_t i = 0; i < w->n; i++)
        for (size_t j = i + 1; j < w->n; j++) {
            double iou;

            if (w->slot[i] == w->slot[j] ||
                (!o->cluster_any_label && w->item[i]->label != w->item[j]->label))
                continue;
            iou = lq_box_iou(w->item[i], w->item[j]);
            if (iou >= o->iou_threshold)
                w->pairs[np++] = (pair){iou, i, j};
        }
    qsort(w->pairs, np, sizeof(*w->pairs), by_iou_desc);
    for (size_t k = 0; k < np; k++) {
        size_t ra = w->root[w->pairs[k].i], rb = w->root[w->pairs[k].j];

        if (ra == rb || !can_merge(w, ra, rb, o))
            continue;
        /* The larger keeps its name, so renaming costs the smaller. */
        if (w->size[ra] < w->size[rb])
            merge(w, rb, ra);
        else
            merge(w, ra, rb);
    }
}

/* The most common label among a cluster's boxes, lowest on a tie. */
static uint32_t majority_label(const cluster_work *w, size_t r)
{
    uint32_t best = UINT32_MAX;
    size_t best_n = 0;

    for (size_t i = r; i != SIZE_MAX; i = w->next[i]) {
        size_t c = 0;

        for (size_t j = r; j != SIZE_MAX; j = w->next[j])
            c += w->item[j]->label == w->item[i]->label;
        if (c > best_n || (c == best_n && w->item[i]->label < best)) {
            best = w->item[i]->label;
            best_n = c;
        }
    }
    return best;
}

/* Averages cluster r into out's next box when enough annotators support
 * it (k annotations in the unit). */
static void emit_cluster(const cluster_work *w, size_t r, size_t k, lq_box_consensus *out)
{
    double s = (double)w->size[r], iou = 0.0;
    lq_box avg = {0};

    if (w->size[r] < (k + 1) / 2)
        return;
    for (size_t i = r; i != SIZE_MAX; i = w->next[i]) {
        avg.x += w->item[i]->x;
        avg.y += w->item[i]->y;
        avg.w += w->item[i]->w;
        avg.h += w->item[i]->h;
    }
    avg.x /= s, avg.y /= s, avg.w /= s, avg.h /= s;
    avg.label = majority_label(w, r);
    for (size_t i = r; i != SIZE_MAX; i = w->next[i])
        iou += lq_box_iou(w->item[i], &avg);
    out->boxes[out->n] = avg;
    out->support[out->n] = (uint32_t)w->size[r];
    out->confidence[out->n++] = s / (double)k * (iou / s);
}

/* Unit u's confidence once its boxes are in out: the mean of theirs, or
 * with none, the share of its annotations that drew no box (they said
 * "nothing here", which is what the consensus says). */
static void unit_confidence(const lq_box_data *d, const lq_unit_groups *g, uint32_t u,
                            lq_box_consensus *out)
{
    size_t lo = g->start[u], k = g->start[u + 1] - lo, empty = 0;
    double sum = 0.0;

    for (size_t b = out->start[u]; b < out->n; b++)
        sum += out->confidence[b];
    for (size_t s = 0; s < k; s++)
        empty += d->v[g->order[lo + s]].n_boxes == 0;
    if (k == 0)
        out->unit_confidence[u] = 0.0;
    else if (out->n > out->start[u])
        out->unit_confidence[u] = sum / (double)(out->n - out->start[u]);
    else
        out->unit_confidence[u] = (double)empty / (double)k;
}

/* Clusters unit u and appends its consensus boxes to out. */
static void vote_unit(const lq_box_data *d, const lq_unit_groups *g, uint32_t u,
                      const lq_box_options *o, cluster_work *w, lq_box_consensus *out)
{
    size_t lo = g->start[u], k = g->start[u + 1] - lo;

    w->n = 0;
    for (size_t s = 0; s < k; s++) {
        const lq_box_annotation *a = &d->v[g->order[lo + s]];

        for (size_t b = 0; b < a->n_boxes; b++) {
            w->item[w->n] = &a->boxes[b];
            w->slot[w->n++] = s;
        }
    }
    cluster_unit(w, o);
    /* Clusters in the order of their first box. */
    for (size_t i = 0; i < w->n; i++) {
        size_t r = w->root[i];

        if (w->emitted[r])
            continue;
        w->emitted[r] = 1;
        emit_cluster(w, r, k, out);
    }
    unit_confidence(d, g, u, out);
}

static int work_alloc(const lq_box_data *d, const lq_unit_groups *g, cluster_work *w, size_t *total)
{
    size_t most = 0;

    *total = 0;
    for (uint32_t u = 0; u < d->n_units; u++) {
        size_t n = 0;

        for (size_t i = g->start[u]; i < g->start[u + 1]; i++)
            n += d->v[g->order[i]].n_boxes;
        most = n > most ? n : most;
        *total += n;
    }
    most = most ? most : 1;
    w->item = malloc(most * sizeof(*w->item));
    w->slot = malloc(most * sizeof(*w->slot));
    w->root = malloc(most * sizeof(*w->root));
    w->next = malloc(most * sizeof(*w->next));
    w->size = malloc(most * sizeof(*w->size));
    w->emitted = malloc(most);
    w->pairs = malloc((most * (most - 1) / 2 + 1) * sizeof(*w->pairs));
    if (!w->item || !w->slot || !w->root || !w->next || !w->size || !w->emitted || !w->pairs)
        return LQ_ENOMEM;
    return 0;
}

static void work_free(cluster_work *w)
{
    free(w->item);
    free(w->slot);
    free(w->root);
    free(w->next);
    free(w->size);
    free(w->emitted);
    free(w->pairs);
}

int lq_box_vote(const lq_box_data *d, const lq_box_options *o, lq_box_consensus *out)
{
    lq_box_options def;
    lq_unit_groups g;
    cluster_work w = {0};
    size_t total = 0, cap;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!o) {
        lq_box_options_default(&def);
        o = &def;
    }
    if ((rc = group_checked(d, o, &g)) != 0)
        return rc;
    out->n_units = d->n_units;
    rc = work_alloc(d, &g, &w, &total);
    cap = total ? total : 1; /* at most one consensus box per box */
    out->start = malloc(((size_t)d->n_units + 1) * sizeof(*out->start));
    out->boxes = malloc(cap * sizeof(*out->boxes));
    out->support = malloc(cap * sizeof(*out->support));
    out->confidence = malloc(cap * sizeof(*out->confidence));
    out->unit_confidence = calloc(d->n_units ? d->n_units : 1, sizeof(*out->unit_confidence));
    if (rc == 0 &&
        (!out->start || !out->boxes || !out->support || !out->confidence || !out->unit_confidence))
        rc = LQ_ENOMEM;
    for (uint32_t u = 0; rc == 0 && u < d->n_units; u++) {
        out->start[u] = out->n;
        vote_unit(d, &g, u, o, &w, out);
    }
    if (rc == 0)
        out->start[d->n_units] = out->n;
    work_free(&w);
    lq_unit_groups_free(&g);
    if (rc != 0)
        lq_box_consensus_free(out);
    return rc;
}

static bool box_equal(const lq_box *a, const lq_box *b)
{
    return a->x == b->x && a->y == b->y && a->w == b->w && a->h == b->h && a->label == b->label;
}

int lq_boxes_same(const lq_box *a, size_t na, const lq_box *b, size_t nb, bool *same)
{
    unsigned char *used;

    *same = na == nb;
    if (!*same || na == 0)
        return 0;
    if (!(used = calloc(nb, 1)))
        return LQ_ENOMEM;
    for (size_t i = 0; i < na && *same; i++) {
        size_t j = 0;

        while (j < nb && (used[j] || !box_equal(&a[i], &b[j])))
            j++;
        if (j == nb)
            *same = false;
        else
            used[j] = 1;
    }
    free(used);
    return 0;
}
