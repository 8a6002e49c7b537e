#include "daemon/model/standing.h"

#include <string.h>

#include <stdlib.h>

#define MIN_CAP 64

void lq_standings_init(lq_standings *s)
{
    s->v = NULL;
    s->cap = s->n = 0;
}

void lq_standings_free(lq_standings *s)
{
    free(s->v);
    lq_standings_init(s);
}

static size_t slot_of(uint32_t project, uint32_t annotator, size_t cap)
{
    uint64_t h = ((uint64_t)project << 32 | annotator) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & (cap - 1);
}

static lq_standing *probe(lq_standing *v, size_t cap, uint32_t project, uint32_t annotator)
{
    size_t i = slot_of(project, annotator, cap);
    while (v[i].project && (v[i].project != project || v[i].annotator != annotator))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

lq_standing *lq_standing_find(const lq_standings *s, uint32_t project, uint32_t annotator)
{
    if (!s->cap)
        return NULL;
    lq_standing *st = probe(s->v, s->cap, project, annotator);
    return st->project ? st : NULL;
}

static int grow(lq_standings *s)
{
    size_t cap = s->cap ? s->cap * 2 : MIN_CAP;
    lq_standing *v = calloc(cap, sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->v[i].project)
            *probe(v, cap, s->v[i].project, s->v[i].annotator) = s->v[i];
    free(s->v);
    s->v = v;
    s->cap = cap;
    return 0;
}

lq_standing *lq_standing_get(lq_standings *s, uint32_t project, uint32_t annotator)
{
    lq_standing *st = lq_standing_find(s, project, annotator);
    if (st)
        return st;
    /* Keep the table at most half full so probes stay short. */
    if (2 * (s->n + 1) > s->cap && grow(s) < 0)
        return NULL;
    st = probe(s->v, s->cap, project, annotator);
    st->project = project;
    st->annotator = annotator;
    s->n++;
    return st;
}

void lq_standing_judge(lq_standing *st, const Labelq__ProjectConfig *cfg)
{
    st->blocked = cfg->min_gold_seen > 0 && st->gold_seen >= cfg->min_gold_seen &&
                  (double)st->gold_correct < cfg->min_gold_accuracy * (double)st->gold_seen;
}

bool lq_standing_gold(lq_standing *st, const Labelq__ProjectConfig *cfg, bool correct)
{
    bool was = st->blocked;
    st->gold_seen++;
    st->gold_correct += correct;
    lq_standing_judge(st, cfg);
    return st->blocked && !was;
}

bool lq_standing_gold_due(const lq_standing *st, double gold_ratio)
{
    if (gold_ratio <= 0.0)
        return false;
    double total = (double)(st->served + st->gold_served + 1);
    return (double)(st->gold_served + 1) <= gold_ratio * total + 1e-9;
}

bool lq_standing_gold_back(lq_standing *st, uint32_t g)
{
    if (st->n_gold_back == LQ_GOLD_BACK)
        return false;
    st->gold_back[st->n_gold_back++] = g;
    return true;
}

bool lq_standing_gold_take_back(lq_standing *st, uint32_t *g)
{
    if (st->n_gold_back == 0)
        return false;
    *g = st->gold_back[0];
    st->n_gold_back--;
    memmove(st->gold_back, st->gold_back + 1, st->n_gold_back * sizeof(*st->gold_back));
    return true;
}
