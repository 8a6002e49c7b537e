/* The agreement figures of every label type: the one list behind
 * labelqd's report (its headline alpha and "type_agreement") and `labelq
 * agreement`. Pure computation, no I/O, deterministic.
 *
 * Per type, in this order (the first alpha is the type's headline):
 *   single   percent agreement, nominal alpha, Fleiss' kappa
 *   ordinal  percent agreement, ordinal alpha, nominal alpha, Fleiss'
 *            kappa, Cohen's kappa with linear and quadratic weights over
 *            step positions (exactly two annotators)
 *   multi    percent, MASI alpha, Jaccard alpha, one nominal alpha of
 *            "chosen or not" per label
 *   numeric  percent, interval alpha, ratio alpha (values >= 0 only)
 *   text     percent, alpha with the normalized edit distance
 *   spans    percent, span F1, alpha over per-token BIO tags
 *   boxes    percent, box F1 (no alpha)
 * Percent agreement is the share of annotator pairs on a unit giving the
 * same answer (lq_typed_same; texts after lq_text_normalize). Every alpha
 * is exact but text alpha beyond LQ_TEXT_ALPHA_EXACT_VALUES distinct
 * answers (text_distance.h). */
#ifndef LQ_TYPED_AGREEMENT_H
#define LQ_TYPED_AGREEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "quality/typed_ratings.h"

typedef enum lq_figure_id {
    LQ_FIG_PERCENT,
    LQ_FIG_NOMINAL_ALPHA,
    LQ_FIG_ORDINAL_ALPHA,
    LQ_FIG_FLEISS,
    LQ_FIG_KAPPA_LINEAR,
    LQ_FIG_KAPPA_QUADRATIC,
    LQ_FIG_MASI_ALPHA,
    LQ_FIG_JACCARD_ALPHA,
    LQ_FIG_LABEL_ALPHA,
    LQ_FIG_INTERVAL_ALPHA,
    LQ_FIG_RATIO_ALPHA,
    LQ_FIG_TEXT_ALPHA,
    LQ_FIG_SPAN_F1,
    LQ_FIG_TOKEN_ALPHA,
    LQ_FIG_BOX_F1,
} lq_figure_id;

typedef struct lq_figure {
    lq_figure_id id;
    uint32_t label; /* LQ_FIG_LABEL_ALPHA: the label's index; else UINT32_MAX */
    bool defined;
    double value;    /* when defined */
    const char *why; /* when not: why, a static English phrase */
} lq_figure;

typedef struct lq_typed_figures {
    lq_figure *v; /* malloc'd */
    size_t n;
    int headline; /* index in v of the type's alpha, -1 for boxes */
} lq_typed_figures;

/* Computes r's figures into out. Returns 0, LQ_EBADREQ (bad ratings) or
 * LQ_ENOMEM; free out with lq_typed_figures_free either way. */
int lq_typed_figures_compute(const lq_typed_ratings *r, lq_typed_figures *out);

void lq_typed_figures_free(lq_typed_figures *a);

/* The figure's name in labelqd's report (ReportReply.type_agreement):
 * "ordinal_alpha", "masi_alpha", "jaccard_alpha", "label_alpha",
 * "interval_alpha", "ratio_alpha", "text_alpha", "span_f1", "token_alpha",
 * "box_f1"; NULL for the figures the report shows in fields of their own
 * (percent, nominal alpha, Fleiss) or not at all (the kappas). Cannot
 * fail. */
const char *lq_figure_report_name(lq_figure_id id);

/* Per unit, codes that identical answers share (lq_typed_same; texts
 * normalized): codes[i] is rating i's unit and annotator with, as its
 * label, the position among its unit's ratings of the first one giving
 * the same answer. *n_codes gets one more than the largest code, the
 * n_labels of an lq_ratings over codes. For percent agreement, here and
 * per batch (batch_agreement.h). Returns 0 or LQ_ENOMEM. */
int lq_typed_same_codes(const lq_typed_ratings *r, lq_rating *codes, uint32_t *n_codes);

#endif
