/* Per-unit agreement: the share of agreeing pairs among a unit's ratings,
 * sum_l n_l (n_l - 1) / (m (m - 1)), which is 1 minus the unit's nominal
 * disagreement in Krippendorff's sense. It is what dynamic overlap compares
 * with a project's agreement target.
 *
 * Repeated ratings: every rating counts, as for Krippendorff's alpha; a unit
 * one annotator rated twice has one more value. */
#include "quality/agreement.h"

#include "proto/error.h"
#include "quality/label_tally.h"

int lq_item_agreement(const lq_ratings *r, double *out)
{
    lq_ratings_index idx = {0};
    lq_label_tally t = {0};
    int rc = lq_ratings_check(r);

    if (rc)
        return rc;
    rc = lq_label_tally_init(&t, r->n_labels);
    if (rc)
        return rc;
    rc = lq_ratings_index_build(r, &idx);
    if (rc)
        goto out;
    for (uint32_t u = 0; u < r->n_units; u++) {
        double m = (double)(idx.start[u + 1] - idx.start[u]);

        out[u] = -1.0;
        if (m < 2)
            continue;
        lq_label_tally_unit(&t, &idx, u);
        out[u] = ((double)lq_label_tally_sum_sq(&t) - m) / (m * (m - 1.0));
        lq_label_tally_clear(&t);
    }
out:
    lq_ratings_index_free(&idx);
    lq_label_tally_free(&t);
    return rc;
}
