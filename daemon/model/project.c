#include "daemon/model/project.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/label_index.h"
#include "schema/label_value.h"
#include "proto/error.h"

int lq_task_before(const void *a, const void *b)
{
    const lq_task *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority;
    return x->id < y->id;
}

bool lq_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LQ_MAX_NAME_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-@", s[i]))
            return false;
    return true;
}

int lq_project_config_check(Labelq__ProjectConfig *cfg, char *err, size_t errlen)
{
    if (!cfg || !lq_valid_name(cfg->name)) {
        snprintf(err, errlen, "project name must be 1-%d characters of letters, digits, '_', "
                 "'.', '-' or '@'", LQ_MAX_NAME_LEN);
        return LQ_EBADREQ;
    }
    if (cfg->n_labels > LQ_MAX_LABELS ||
        (cfg->n_labels == 0 && cfg->type == LABELQ__LABEL_TYPE__SINGLE)) {
        snprintf(err, errlen, "a project needs 1-%d labels (--labels a,b,c)", LQ_MAX_LABELS);
        return LQ_EBADREQ;
    }
    for (size_t i = 0; i < cfg->n_labels; i++) {
        size_t n = strlen(cfg->labels[i]);
        if (n == 0 || n > LQ_MAX_LABEL_LEN || strchr(cfg->labels[i], ',')) {
            snprintf(err, errlen, "label %zu must be 1-%d characters without commas", i + 1,
                     LQ_MAX_LABEL_LEN);
            return LQ_EBADREQ;
        }
        if (lq_label_index(cfg->labels, i, cfg->labels[i]) >= 0) {
            snprintf(err, errlen, "label '%s' appears twice", cfg->labels[i]);
            return LQ_EBADREQ;
        }
    }
    if (cfg->overlap == 0)
        cfg->overlap = LQ_DEFAULT_OVERLAP;
    if (cfg->overlap > LQ_MAX_OVERLAP) {
        snprintf(err, errlen, "overlap must be 1-%d", LQ_MAX_OVERLAP);
        return LQ_EBADREQ;
    }
    if (cfg->max_overlap == 0)
        cfg->max_overlap = cfg->overlap;
    if (cfg->max_overlap < cfg->overlap || cfg->max_overlap > LQ_MAX_OVERLAP) {
        snprintf(err, errlen, "max overlap must be between the overlap (%u) and %d",
                 cfg->overlap, LQ_MAX_OVERLAP);
        return LQ_EBADREQ;
    }
    if (!(cfg->agreement_target >= 0.0 && cfg->agreement_target <= 1.0)) {
        snprintf(err, errlen, "agreement target must be between 0 and 1");
        return LQ_EBADREQ;
    }
    if (!(cfg->gold_ratio >= 0.0 && cfg->gold_ratio < 1.0) ||
        !(cfg->min_gold_accuracy >= 0.0 && cfg->min_gold_accuracy <= 1.0)) {
        snprintf(err, errlen, "gold ratio must be in [0, 1) and minimum gold accuracy in [0, 1]");
        return LQ_EBADREQ;
    }
    if (cfg->lease_ttl_s == 0)
        cfg->lease_ttl_s = LQ_DEFAULT_LEASE_TTL;
    if (cfg->lease_ttl_s > LQ_MAX_LEASE_TTL) {
        snprintf(err, errlen, "lease TTL must be 1-%d seconds", LQ_MAX_LEASE_TTL);
        return LQ_EBADREQ;
    }
    if (strlen(cfg->instructions) > LQ_MAX_INSTRUCTIONS) {
        snprintf(err, errlen, "instructions are limited to %d bytes", LQ_MAX_INSTRUCTIONS);
        return LQ_EBADREQ;
    }
    return lq_label_schema_check(cfg, err, errlen);
}

static Labelq__ProjectConfig *config_copy(const Labelq__ProjectConfig *src)
{
    /* A pack/unpack round trip is the simplest deep copy protobuf-c offers. */
    size_t n = labelq__project_config__get_packed_size(src);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    labelq__project_config__pack(src, buf);
    Labelq__ProjectConfig *copy = labelq__project_config__unpack(NULL, n, buf);
    free(buf);
    return copy;
}

lq_project *lq_project_new(const Labelq__ProjectRecord *rec)
{
    lq_project *p = calloc(1, sizeof(*p));
    if (!p || !rec->config || !(p->config = config_copy(rec->config))) {
        free(p);
        return NULL;
    }
    p->id = rec->id;
    p->overlap = p->config->overlap;
    p->created_ms = rec->created_ms;
    p->next_batch_id = 1;
    return p;
}

void lq_project_free(lq_project *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_batches; i++)
        lq_batch_free(p->order[i]);
    free(p->order);
    free(p->batches);
    free(p->gold);
    labelq__project_config__free_unpacked(p->config, NULL);
    free(p);
}

bool lq_project_dynamic(const Labelq__ProjectConfig *cfg)
{
    return cfg->max_overlap > cfg->overlap && cfg->agreement_target > 0.0;
}

bool lq_project_enough(const Labelq__ProjectConfig *cfg, uint32_t labels, double agreement)
{
    if (labels < cfg->overlap)
        return false;
    if (!lq_project_dynamic(cfg) || labels >= cfg->max_overlap)
        return true;
    return agreement >= cfg->agreement_target;
}

int lq_project_label_index(const lq_project *p, const char *label)
{
    return lq_label_index(p->config->labels, p->config->n_labels, label);
}

/* Appends task to p's gold pool. Returns 0 or LQ_ENOMEM. */
static int add_gold(lq_project *p, lq_task *task)
{
    if (p->n_gold == p->gold_cap) {
        uint32_t cap = p->gold_cap ? p->gold_cap * 2 : 64;
        lq_task **v = realloc(p->gold, cap * sizeof(*v));
        if (!v)
            return LQ_ENOMEM;
        p->gold = v;
        p->gold_cap = cap;
    }
    p->gold[p->n_gold++] = task;
    return 0;
}

int lq_project_adopt(lq_batch *b, lq_task *task)
{
    task->batch = b;
    if (b->first_task == 0 || task->id < b->first_task)
        b->first_task = task->id;
    if (task->id > b->last_task)
        b->last_task = task->id;
    if (lq_task_pooled(task))
        return add_gold(b->project, task);
    b->tasks++;
    b->project->tasks++;
    return 0;
}

size_t lq_project_ready(const lq_project *p)
{
    size_t n = 0;
    for (uint32_t i = 0; i < p->n_batches; i++)
        if (lq_batch_serving(p->order[i]))
            n += lq_batch_ready(p->order[i]);
    return n;
}

void lq_project_info(const lq_project *p, uint32_t active_annotators, Labelq__ProjectInfo *info)
{
    labelq__project_info__init(info);
    info->active_annotators = active_annotators;
    info->config = p->config;
    info->tasks = p->tasks;
    info->done = p->done;
    info->labels = p->labels;
    info->leased = p->leased;
    info->pending = p->tasks - p->done - p->leased;
    info->created_ms = p->created_ms;
    info->gold = p->n_gold;
    info->has_alpha = p->agreement.has_alpha;
    info->alpha = p->agreement.alpha;
    info->has_percent_agreement = p->agreement.has_percent;
    info->percent_agreement = p->agreement.percent;
}

void lq_project_annotator_info(const lq_project *p, Labelq__ProjectConfig *cfg,
                               Labelq__ProjectInfo *info)
{
    const Labelq__ProjectConfig *all = p->config;
    labelq__project_config__init(cfg);
    cfg->name = all->name;
    cfg->type = all->type;
    cfg->n_labels = all->n_labels;
    cfg->labels = all->labels;
    cfg->instructions = all->instructions;
    cfg->lease_ttl_s = all->lease_ttl_s;
    cfg->number_min = all->number_min;
    cfg->number_max = all->number_max;
    cfg->field = all->field;
    cfg->max_text_bytes = all->max_text_bytes;
    labelq__project_info__init(info);
    info->config = cfg;
    info->created_ms = p->created_ms;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Collects (project id << 32 | annotator id) for each lease (in only, when
 * not NULL), sorted: a project's pairs come together and, inside them, each
 * annotator's. *out is malloc'd (NULL when there are none). Returns 0 or
 * LQ_ENOMEM. */
static int sorted_pairs(const lq_heap *leases, const lq_project *only, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (leases->n == 0)
        return 0;
    uint64_t *pairs = malloc(leases->n * sizeof(*pairs));
    if (!pairs)
        return LQ_ENOMEM;
    for (size_t i = 0; i < leases->n; i++) {
        const lq_lease *l = leases->v[i];
        const lq_project *p = l->task->batch->project;
        if (!only || p == only)
            pairs[(*n)++] = (uint64_t)p->id << 32 | l->annotator;
    }
    qsort(pairs, *n, sizeof(*pairs), cmp_u64);
    *out = pairs;
    return 0;
}

int lq_project_count_active(const lq_heap *leases, uint32_t *active, uint32_t n_projects)
{
    uint64_t *pairs;
    size_t n;
    memset(active, 0, n_projects * sizeof(*active));
    if (sorted_pairs(leases, NULL, &pairs, &n) < 0)
        return LQ_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = (uint32_t)(pairs[i] >> 32);
        if ((i == 0 || pairs[i] != pairs[i - 1]) && id < n_projects)
            active[id]++;
    }
    free(pairs);
    return 0;
}

int lq_project_active(const lq_heap *leases, const lq_project *p, uint32_t *out)
{
    uint64_t *pairs;
    size_t n;
    *out = 0;
    if (sorted_pairs(leases, p, &pairs, &n) < 0)
        return LQ_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pairs[i] != pairs[i - 1])
            (*out)++;
    free(pairs);
    return 0;
}
