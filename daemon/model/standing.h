/* An annotator's standing in one project: how much work they were served,
 * how they did on gold, and whether gold has blocked them from the project.
 * Rebuilt from stored labels at start-up, so nothing here is persisted. */
#ifndef LQ_STANDING_H
#define LQ_STANDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/model/gold_walk.h"
#include "proto/labelq.pb-c.h"

/* Gold items an annotator was leased but never sent (a lease reply full
 * before them) that come to them again before their walk goes on: at most
 * this many at a time, which only a lease reply with several large gold
 * items past its size could exceed (the rest then wait for a restart). */
#define LQ_GOLD_BACK 4

typedef struct lq_standing {
    uint32_t project, annotator; /* the key; project 0 marks an empty slot */
    lq_gold_walk gold_walk;      /* their own order over the gold pool, and how far */
    uint32_t gold_back[LQ_GOLD_BACK]; /* pool indexes handed back, served first */
    uint32_t n_gold_back;
    uint64_t served;             /* regular tasks leased (since start-up) or labeled */
    uint64_t gold_served;        /* gold tasks likewise */
    uint32_t gold_seen;          /* gold answers submitted */
    uint32_t gold_correct;
    bool blocked;                /* gold accuracy fell below the project's minimum */
} lq_standing;

/* Standings keyed by (project, annotator), open addressing. */
typedef struct lq_standings {
    lq_standing *v;
    size_t cap, n;
} lq_standings;

void lq_standings_init(lq_standings *s);
void lq_standings_free(lq_standings *s);

/* The standing of annotator in project, created (zeroed) when new. Returns
 * NULL when out of memory. Pointers stay valid until the next get that
 * creates an entry. */
lq_standing *lq_standing_get(lq_standings *s, uint32_t project, uint32_t annotator);

/* The standing if it exists, else NULL. Cannot fail. */
lq_standing *lq_standing_find(const lq_standings *s, uint32_t project, uint32_t annotator);

/* Applies the project's rule to the counts as they are: blocked while at
 * least min_gold_seen answers are in and accuracy is below
 * min_gold_accuracy. A function of the counts alone, so start-up, which
 * sees the labels in another order than they came, reaches the same state. */
void lq_standing_judge(lq_standing *st, const Labelq__ProjectConfig *cfg);

/* Counts one gold answer and judges again. Returns true when this answer
 * blocked the annotator. */
bool lq_standing_gold(lq_standing *st, const Labelq__ProjectConfig *cfg, bool correct);

/* Hands pool index g back to st: passed by its walk, leased, never sent.
 * Returns false (g is then lost to st until a restart) when LQ_GOLD_BACK
 * are waiting already. Cannot fail otherwise. */
bool lq_standing_gold_back(lq_standing *st, uint32_t g);

/* The oldest pool index handed back to st into *g, taken off; false when
 * none is. Cannot fail. */
bool lq_standing_gold_take_back(lq_standing *st, uint32_t *g);

/* Whether the next slot of a lease should be gold, keeping the gold share
 * of what the annotator is served at most gold_ratio. */
bool lq_standing_gold_due(const lq_standing *st, double gold_ratio);

#endif
