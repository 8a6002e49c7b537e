/* Free-text ratings (a transcription, a title, a short answer): each
 * rating is a UTF-8 string. Agreement is Krippendorff's alpha with the
 * normalized edit distance; consensus is the medoid, the answer closest to
 * all the others. Pure computation, no I/O, deterministic.
 *
 * Strings are counted, not NUL-terminated: (pointer, length in bytes), and
 * are UTF-8 that the caller has checked (proto's lq_utf8_check: the
 * daemon checks every text label on the way in, the offline CLI every
 * cell). This library only decodes: it does not check, and on bytes that
 * are not UTF-8 its results are deterministic and memory-safe but
 * meaningless. Distances count code points, not bytes, so "é" against "e"
 * is one substitution whatever the encoding length. No Unicode
 * normalization (NFC) is applied: a precomposed "é" and "e" + combining
 * accent differ, as they do in Python's str. */
#ifndef LQ_TEXT_DISTANCE_H
#define LQ_TEXT_DISTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "quality/distance_alpha.h"

typedef struct lq_text_rating {
    uint32_t unit;
    uint32_t annotator;
    const char *text; /* len bytes of UTF-8, borrowed; may be NULL when len is 0 */
    size_t len;
} lq_text_rating;

typedef struct lq_text_ratings {
    const lq_text_rating *v; /* n ratings, any order; borrowed */
    size_t n;
    uint32_t n_units; /* every unit < n_units, likewise annotators */
    uint32_t n_annotators;
} lq_text_ratings;

/* Number of code points in the UTF-8 text s. Cannot fail. */
size_t lq_text_length(const char *s, size_t len);

/* Levenshtein distance between a and b over code points (insert, delete,
 * substitute, each 1), in O(|a| |b|) time and O(min(|a|, |b|)) memory.
 * Returns 0 or LQ_ENOMEM. */
int lq_levenshtein(const char *a, size_t alen, const char *b, size_t blen, size_t *out);

/* Levenshtein distance divided by the longer string's length in code
 * points, in [0, 1]; two empty strings are at distance 0. Returns 0 or
 * LQ_ENOMEM. */
int lq_text_distance(const char *a, size_t alen, const char *b, size_t blen, double *out);

/* Normalizes in for comparison: trims ASCII whitespace (space, \t, \n, \v,
 * \f, \r) at both ends, collapses each inner run of it to one space, and
 * lowercases ASCII A-Z. Other characters, Unicode spaces and letters
 * included, are copied unchanged: full Unicode case folding needs tables
 * this library does not carry, and a predictable ASCII rule is better than
 * a partial Unicode one. Writes at most len bytes to out (not
 * NUL-terminated) and returns how many; out may be in. Cannot fail. */
size_t lq_text_normalize(const char *in, size_t len, char *out);

/* A copy of r whose texts are normalized (lq_text_normalize): out->v and
 * the texts it points to live in one malloc'd block, *storage, which the
 * caller frees once done with out. out->v[i] is r->v[i] normalized. Returns
 * 0 or LQ_ENOMEM. */
int lq_text_ratings_normalized(const lq_text_ratings *r, lq_text_ratings *out, void **storage);

/* Text alpha computes D_e exactly over at most this many distinct texts
 * (in pairable units): 523,776 edit distances. Beyond, D_e is the mean
 * over LQ_TEXT_ALPHA_SAMPLE_PAIRS pairs of ratings drawn with a fixed seed
 * (distance_alpha.h), whose standard error is below 7e-4: the exact sum
 * would grow with the square of the answers, which are nearly all
 * distinct. The only figure labelq estimates rather than computes. */
#define LQ_TEXT_ALPHA_EXACT_VALUES 1024
#define LQ_TEXT_ALPHA_SAMPLE_PAIRS 524288

/* Krippendorff's alpha of the texts with delta = lq_text_distance, through
 * lq_distance_alpha over the distinct texts with options o; NULL is the
 * defaults above. Texts are compared as given: normalize them first if
 * case and spacing should not count. Returns 0, LQ_EBADREQ (a rating out
 * of range, alpha undefined) or LQ_ENOMEM. */
int lq_text_alpha(const lq_text_ratings *r, const lq_distance_alpha_options *o,
                  lq_alpha_result *out);

/* Per unit, the medoid: the rating whose summed lq_text_distance to the
 * unit's other ratings is least; on a tie (sums within 1e-9, as sums of the
 * same distances in another order may differ in the last bits) the lowest
 * index in r->v. medoid[u] is that index, SIZE_MAX for an unrated unit;
 * mean_distance[u] (may be NULL) its mean distance to the others, 0 for a
 * single rating, -1 for an unrated unit: a quality score, lower is better.
 * Costs m (m - 1) / 2 distances for a unit of m ratings (fewer with equal
 * texts). Returns 0, LQ_EBADREQ (a rating out of range) or LQ_ENOMEM. */
int lq_text_medoid(const lq_text_ratings *r, size_t *medoid, double *mean_distance);

/* Per unit, the mean lq_text_distance over the pairs of its ratings:
 * unit_mean[u] (n_units entries), -1 for a unit with fewer than two.
 * Returns 0, LQ_EBADREQ (a rating out of range) or LQ_ENOMEM. */
int lq_text_unit_distance(const lq_text_ratings *r, double *unit_mean);

#endif
