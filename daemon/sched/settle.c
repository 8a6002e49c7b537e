#include "daemon/sched/settle.h"

#include <string.h>

typedef struct counting {
    const lq_project *p;
    unsigned counts[LQ_MAX_LABELS];
} counting;

static int count_label(void *ctx, const Labelq__LabelRecord *rec)
{
    counting *c = ctx;
    int k = lq_project_label_index(c->p, rec->value);
    if (k >= 0)
        c->counts[k]++;
    return 0;
}

int lq_consensus_of(lq_txn *txn, const lq_project *p, uint64_t task_id, lq_vote *out)
{
    counting c;
    memset(&c, 0, sizeof(c));
    c.p = p;
    int rc = lq_store_each_task_label(txn, task_id, count_label, &c);
    if (rc < 0)
        return rc;
    *out = lq_majority(c.counts, p->config->n_labels);
    return 0;
}

int lq_consensus_settle(lq_txn *txn, lq_task *task)
{
    const lq_project *p = task->batch->project;
    if (!lq_project_dynamic(p->config) || task->labels < p->overlap) {
        task->needed = 0;
        return 0;
    }
    lq_vote v;
    int rc = lq_consensus_of(txn, p, task->id, &v);
    if (rc < 0)
        return rc;
    /* Enough now: it needs what it has. Else one more, and judge again. */
    task->needed = lq_project_enough(p->config, task->labels, v.agreement) ? task->labels
                                                                           : task->labels + 1;
    return 0;
}
