/* Span ratings (named entities, highlighted phrases): each annotation of a
 * unit is a list of labelled byte ranges over the unit's text. Agreement
 * is pairwise span F1 and Krippendorff's alpha on per-token BIO tags;
 * consensus is a per-token vote on those tags, turned back into spans.
 * Pure computation, no I/O, deterministic.
 *
 * Tokens are the maximal runs of bytes that are not ASCII whitespace
 * (space, \t, \n, \v, \f, \r). ASCII only, so a token boundary never falls
 * inside a multi-byte UTF-8 character and the rule needs no Unicode tables.
 *
 * A span [start, end) is a byte range with 0 <= start < end <= the text's
 * length and a label below n_labels. Within one annotation spans must not
 * overlap; an empty span (start == end) or overlapping ones are rejected
 * with LQ_EBADREQ: flat BIO tags cannot express nested entities, and a
 * silent choice between two overlapping answers would hide an annotation
 * tool's bug. Adjacent spans ([0,3) and [3,7)) are fine.
 *
 * A span tags every token it overlaps by at least one byte: the first such
 * token B-label, the rest I-label. Should a token straddle two spans of one
 * annotation (a span boundary inside a word), the span that starts first
 * takes it; a span covering only whitespace tags nothing.
 *
 * Tags are integers: LQ_TAG_O (0) outside any span, LQ_TAG_B(l) = 2l + 1
 * and LQ_TAG_I(l) = 2l + 2 for label l; 2 n_labels + 1 tags in all.
 *
 * An annotation with no spans is an answer ("nothing to mark here"); an
 * annotator who did not annotate a unit has no annotation for it. One
 * annotation per (unit, annotator): a second one is LQ_EBADREQ, as it is
 * not clear which answer counts. */
#ifndef LQ_SPANS_H
#define LQ_SPANS_H

#include <stddef.h>
#include <stdint.h>

#define LQ_TAG_O 0u
#define LQ_TAG_B(label) (2u * (uint32_t)(label) + 1u)
#define LQ_TAG_I(label) (2u * (uint32_t)(label) + 2u)

typedef struct lq_token {
    size_t start, end; /* byte offsets, end exclusive */
} lq_token;

typedef struct lq_span {
    size_t start, end; /* byte offsets into the unit's text, end exclusive */
    uint32_t label;
} lq_span;

typedef struct lq_span_annotation {
    uint32_t unit;
    uint32_t annotator;
    const lq_span *spans; /* n_spans, any order; borrowed */
    size_t n_spans;
} lq_span_annotation;

typedef struct lq_span_data {
    const lq_span_annotation *v; /* n annotations, any order; borrowed */
    size_t n;
    uint32_t n_units; /* every unit < n_units, likewise annotators and labels */
    uint32_t n_annotators;
    uint32_t n_labels;
    const char *const *text; /* n_units texts (UTF-8 or any bytes); borrowed */
    const size_t *text_len;  /* n_units lengths in bytes */
} lq_span_data;

/* Writes the tokens of text to out, in order, and returns their number. At
 * most (len + 1) / 2 tokens; out may be NULL to count them first. Cannot
 * fail. */
size_t lq_tokenize(const char *text, size_t len, lq_token *out);

/* Checks one annotation's spans against the rules above. Returns 0,
 * LQ_EBADREQ or LQ_ENOMEM. */
int lq_spans_check(const lq_span *spans, size_t n, uint32_t n_labels, size_t text_len);

/* BIO tags of one annotation: tags[t] for each of the n_tok tokens that
 * lq_tokenize gave for the text. Returns 0, LQ_EBADREQ (lq_spans_check) or
 * LQ_ENOMEM. */
int lq_spans_to_tags(const lq_span *spans, size_t n, uint32_t n_labels, size_t text_len,
                     const lq_token *tok, size_t n_tok, uint32_t *tags);

/* Spans back from tags: B-X starts a span of X; I-X continues the span
 * open on the previous token if it is an X, and otherwise starts one (I-X
 * after O or after another label, as NLTK's conlltags2tree reads it); O
 * closes. A span runs from its first token's start to its last token's
 * end. out has room for n_tok spans; *n_out gets their number, in text
 * order. Returns 0, or LQ_EBADREQ for a tag >= 2 n_labels + 1. */
int lq_spans_from_tags(const uint32_t *tags, const lq_token *tok, size_t n_tok, uint32_t n_labels,
                       lq_span *out, size_t *n_out);

/* Span F1 between two annotations: spans match when start, end and label
 * are all equal; F1 = 2 matches / (na + nb), 1 when both are empty (they
 * agree there is nothing), 0 when only one is. Symmetric. The lists are
 * not checked. Returns 0 or LQ_ENOMEM. */
int lq_span_pair_f1(const lq_span *a, size_t na, const lq_span *b, size_t nb, double *f1);

/* Pairwise span F1: unit_f1[u] (n_units entries) is the mean of
 * lq_span_pair_f1 over the pairs of u's annotations, -1 for a unit with
 * fewer than two; *overall is the mean over all such pairs of all units
 * (each pair weighs the same). Returns 0, LQ_EBADREQ (bad data; no unit
 * with two annotations, so F1 is undefined) or LQ_ENOMEM. */
int lq_span_f1(const lq_span_data *d, double *unit_f1, double *overall);

/* Krippendorff's nominal alpha (agreement.h) over (unit, token) pairs as
 * its units, each annotation giving every token of its unit one BIO tag.
 * Returns 0, LQ_EBADREQ (bad data; alpha undefined, e.g. every tag O) or
 * LQ_ENOMEM. */
int lq_span_token_alpha(const lq_span_data *d, double *alpha);

/* Voted spans of every unit. */
typedef struct lq_span_consensus {
    uint32_t n_units;
    size_t *start;      /* n_units + 1: unit u's spans are spans[start[u] .. start[u+1]) */
    lq_span *spans;     /* in text order within a unit; token-aligned */
    double *confidence; /* per span: mean over its tokens of the share of the unit's
                         * annotations that gave the winning tag */
    double *unit_confidence; /* n_units: that share's mean over all the unit's tokens,
                              * 1 for a text without tokens, 0 for an unannotated unit */
    size_t n;
} lq_span_consensus;

/* Per token, the tag most of the unit's annotations gave, then spans
 * rebuilt from the voted tags by lq_spans_from_tags. A tie goes to O, then
 * to a B tag before any I tag, and among B (or I) tags to the label first
 * in the schema (lowest index): so "nothing here" wins a split vote, a
 * span rather starts than continues, and the order of the annotations
 * never matters. A unit without annotations has no spans. Returns 0,
 * LQ_EBADREQ (bad data) or LQ_ENOMEM. Free with lq_span_consensus_free; on
 * error nothing needs freeing. */
int lq_span_vote(const lq_span_data *d, lq_span_consensus *out);

void lq_span_consensus_free(lq_span_consensus *c);

/* CoNLL-style BIO export of one annotation: for each token of text, a line
 * "token<TAB>tag\n" with tag "O", "B-name" or "I-name" (names from
 * label_names, n_labels of them, each non-empty and without ASCII
 * whitespace, which would break the columns). *out_len gets the output's
 * length without the NUL; it is written to buf, NUL-terminated, only when
 * cap > *out_len, so a first call with cap 0 sizes the buffer (nothing is
 * ever truncated). Returns 0, LQ_EBADREQ (bad spans or names) or
 * LQ_ENOMEM. */
int lq_spans_conll(const char *text, size_t len, const lq_span *spans, size_t n,
                   const char *const *label_names, uint32_t n_labels, char *buf, size_t cap,
                   size_t *out_len);

#endif
