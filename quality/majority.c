#include "quality/majority.h"

lq_vote lq_majority(const unsigned *counts, size_t n_classes)
{
    lq_vote v = {.label = -1, .confidence = 0.0, .agreement = 0.0, .tie = false};
    unsigned long total = 0, best = 0;
    /* Agreeing pairs: sum over classes of c*(c-1), over n*(n-1) ordered pairs. */
    unsigned long long agreeing = 0;
    for (size_t i = 0; i < n_classes; i++) {
        unsigned c = counts[i];
        total += c;
        agreeing += (unsigned long long)c * (c ? c - 1 : 0);
        if (c > best) {
            best = c;
            v.label = (int)i;
            v.tie = false;
        } else if (c == best && c > 0) {
            v.tie = true;
        }
    }
    if (total == 0)
        return v;
    v.confidence = (double)best / (double)total;
    v.agreement = total < 2 ? 1.0
                            : (double)agreeing / ((double)total * (double)(total - 1));
    return v;
}
