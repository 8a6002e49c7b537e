/* Typed answers of simulated annotators; see bench_answer.h. Each type
 * has three steps: read the truth (false when it does not fit the
 * project), make a mistake from it, and draw a random answer. The truth is
 * read and every answer written by lq_schema (schema/typed_value.h), as
 * labelqd reads and stores them, so "correct" is a comparison of two
 * canonical texts. */
#include "bench/sim/answer.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "quality/spans.h"
#include "schema/label_index.h"
#include "schema/label_value.h"
#include "schema/typed_value.h"

#define DEFAULT_IMAGE_W 640.0
#define DEFAULT_IMAGE_H 480.0
#define MULTI_PICK 0.3     /* a random set takes each label with this chance */
#define NUMERIC_NOISE 0.05 /* a numeric mistake: noise with this share of the range as sd */
#define BOX_JITTER 0.04    /* a box mistake: coordinates off by this share of its size (sd) */
#define MAX_RANDOM_ITEMS 3 /* spans or boxes in a random answer: 0 to this many */
#define MAX_SPAN_TOKENS 3  /* tokens in a random span */
#define MAX_TEXT_EDITS 3   /* character edits in a text mistake: 1 to this many */
#define MAX_RANDOM_WORDS 6 /* words in a random text answer */
#define MIN_BOX_SIZE 1.0
#define TWO_PI 6.283185307179586
#define ERR_MAX 256 /* a refused truth's reason, which nobody reads */

static const char *const words[] = {"the", "red", "box",  "is",  "on",  "a",   "table", "near",
                                    "two", "old", "cats", "and", "one", "dog", "sleeps"};

/* A standard normal draw (Box-Muller). */
static double gauss(bench_rng *rng)
{
    double u = bench_rng_unit(rng), v = bench_rng_unit(rng);
    return sqrt(-2.0 * log(1.0 - u)) * cos(TWO_PI * v);
}

/* ---- multi: a bitmask over the schema's labels ---- */

static bool multi_truth(const Labelq__ProjectConfig *cfg, const char *truth, uint64_t *set)
{
    char err[ERR_MAX];
    return lq_value_set(cfg, truth, set, err, sizeof err) == 0;
}

static char *multi_text(const Labelq__ProjectConfig *cfg, uint64_t set)
{
    char *out;
    return lq_value_of_set(cfg, set, &out) == 0 ? out : NULL;
}

static int multi(const Labelq__ProjectConfig *cfg, const char *truth, double accuracy,
                 bench_rng *rng, bench_answer *out)
{
    uint64_t set = 0, right = 0;
    size_t n = cfg->n_labels < 64 ? cfg->n_labels : 64;
    out->judged = truth && multi_truth(cfg, truth, &right);
    if (out->judged) {
        set = right;
        if (bench_rng_unit(rng) >= accuracy) /* flip one label in or out */
            set ^= (uint64_t)1 << bench_rng_below(rng, n);
    } else {
        for (size_t k = 0; k < n; k++)
            if (bench_rng_unit(rng) < MULTI_PICK)
                set |= (uint64_t)1 << k;
    }
    out->correct = out->judged && set == right;
    out->label = multi_text(cfg, set);
    return out->label ? 0 : LQ_ENOMEM;
}

/* ---- ordinal: a step, a mistake is a neighbouring one ---- */

static int ordinal(const Labelq__ProjectConfig *cfg, const char *truth, double accuracy,
                   bench_rng *rng, bench_answer *out)
{
    int k = truth ? lq_label_index(cfg->labels, cfg->n_labels, truth) : -1, pick;
    out->judged = k >= 0;
    if (!out->judged) {
        pick = (int)bench_rng_below(rng, cfg->n_labels);
    } else if (bench_rng_unit(rng) < accuracy) {
        pick = k;
    } else {
        bool up = k == 0 || (k + 1 < (int)cfg->n_labels && bench_rng_unit(rng) < 0.5);
        pick = up ? k + 1 : k - 1;
    }
    out->correct = out->judged && pick == k;
    out->label = strdup(cfg->labels[pick]);
    return out->label ? 0 : LQ_ENOMEM;
}

/* ---- numeric ---- */

/* x (inside the range) as the project stores it. */
static char *number_text(double x)
{
    char *out;
    return lq_value_of_number(x, &out) == 0 ? out : NULL;
}

static int numeric(const Labelq__ProjectConfig *cfg, const char *truth, double accuracy,
                   bench_rng *rng, bench_answer *out)
{
    double lo = cfg->number_min, hi = cfg->number_max, x = 0;
    char err[ERR_MAX];
    out->judged = truth && lq_value_number(cfg, truth, &x, err, sizeof err) == 0;
    char *right = out->judged ? number_text(x) : NULL;
    if (out->judged && !right)
        return LQ_ENOMEM;
    if (!out->judged)
        x = lo + (hi - lo) * bench_rng_unit(rng);
    else if (bench_rng_unit(rng) >= accuracy)
        x = fmin(hi, fmax(lo, x + gauss(rng) * NUMERIC_NOISE * (hi - lo)));
    out->label = number_text(x);
    out->correct = out->judged && out->label && strcmp(out->label, right) == 0;
    free(right);
    return out->label ? 0 : LQ_ENOMEM;
}

/* ---- text ---- */

/* Byte offsets of the code points of s (n of them) into at[0..n], at[n]
 * the length. s is valid UTF-8 (the server's or the truth's). */
static size_t code_points(const char *s, size_t len, size_t *at)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            at[n++] = i;
    at[n] = len;
    return n;
}

/* One edit of buf (len bytes, room for max + 1): substitute, delete or
 * insert an ASCII letter at a code point boundary. Returns the new length. */
static size_t edit_once(char *buf, size_t len, size_t max, bench_rng *rng)
{
    size_t *at = malloc((len + 1) * sizeof(*at));
    if (!at)
        return len;
    size_t n = code_points(buf, len, at);
    char letter = (char)('a' + bench_rng_below(rng, 26));
    unsigned op = n == 0 ? 2 : (unsigned)bench_rng_below(rng, 3);
    if (op == 2 && len + 1 > max)
        op = n ? 1 : 3; /* no room to insert: delete (or nothing at all) */
    size_t k = n ? bench_rng_below(rng, n) : 0;
    if (op == 0) { /* substitute code point k by the letter */
        size_t w = at[k + 1] - at[k];
        memmove(buf + at[k] + 1, buf + at[k + 1], len - at[k + 1]);
        buf[at[k]] = letter;
        len = len - w + 1;
    } else if (op == 1) { /* delete code point k */
        memmove(buf + at[k], buf + at[k + 1], len - at[k + 1]);
        len -= at[k + 1] - at[k];
    } else if (op == 2) { /* insert the letter before code point k (or at the end) */
        size_t pos = n ? at[k] : 0;
        memmove(buf + pos + 1, buf + pos, len - pos);
        buf[pos] = letter;
        len++;
    }
    free(at);
    buf[len] = '\0';
    return len;
}

static int text(const Labelq__ProjectConfig *cfg, const char *truth, double accuracy,
                bench_rng *rng, bench_answer *out)
{
    size_t max = cfg->max_text_bytes ? cfg->max_text_bytes : 4096;
    size_t len = truth ? strlen(truth) : 0;
    out->judged = truth && len <= max;
    char *buf = malloc(max + 2);
    if (!buf)
        return LQ_ENOMEM;
    if (out->judged) {
        memcpy(buf, truth, len + 1);
        if (bench_rng_unit(rng) >= accuracy) {
            size_t edits = 1 + bench_rng_below(rng, MAX_TEXT_EDITS);
            for (size_t e = 0; e < edits; e++)
                len = edit_once(buf, len, max, rng);
        }
    } else {
        size_t n = 1 + bench_rng_below(rng, MAX_RANDOM_WORDS);
        len = 0;
        buf[0] = '\0';
        for (size_t w = 0; w < n; w++) {
            const char *word = words[bench_rng_below(rng, sizeof(words) / sizeof(words[0]))];
            size_t wl = strlen(word) + (w ? 1 : 0);
            if (len + wl > max)
                break;
            len += (size_t)snprintf(buf + len, max + 2 - len, "%s%s", w ? " " : "", word);
        }
    }
    out->correct = out->judged && strcmp(buf, truth) == 0;
    out->label = buf;
    return 0;
}

/* ---- spans: token-aligned, on the item's text ---- */

typedef struct span {
    size_t start, end;
    int label;
} span;

/* Reads truth (a spans value of text) into *s (room for two more, for a
 * mistake); false when the project would not take it. */
static bool spans_truth(const Labelq__ProjectConfig *cfg, const char *truth, const char *text,
                        span **s, size_t *n)
{
    lq_span *read = NULL;
    char err[ERR_MAX];
    bool ok = lq_value_spans(cfg, truth, text, &read, n, err, sizeof err) == 0;
    *s = ok ? calloc(*n + 2, sizeof(**s)) : NULL;
    for (size_t i = 0; *s && i < *n; i++)
        (*s)[i] = (span){read[i].start, read[i].end, (int)read[i].label};
    free(read);
    return ok && *s;
}

static char *spans_text(const Labelq__ProjectConfig *cfg, const span *s, size_t n)
{
    lq_span *v = malloc((n ? n : 1) * sizeof(*v));
    char *out = NULL;
    for (size_t i = 0; v && i < n; i++)
        v[i] = (lq_span){s[i].start, s[i].end, (uint32_t)s[i].label};
    if (v && lq_value_of_spans(cfg, v, n, &out) < 0)
        out = NULL;
    free(v);
    return out;
}

/* Whether [start, end) overlaps a span of s other than skip. */
static bool overlaps(const span *s, size_t n, size_t skip, size_t start, size_t end)
{
    for (size_t i = 0; i < n; i++)
        if (i != skip && start < s[i].end && s[i].start < end)
            return true;
    return false;
}

/* Adds a random span of 1 to MAX_SPAN_TOKENS tokens where it fits (a few
 * tries; none when the text is full). */
static void add_random_span(const Labelq__ProjectConfig *cfg, const lq_token *tok, size_t n_tok,
                            span *s, size_t *n, bench_rng *rng)
{
    for (int attempt = 0; n_tok && attempt < 8; attempt++) {
        size_t first = bench_rng_below(rng, n_tok);
        size_t last = first + bench_rng_below(rng, MAX_SPAN_TOKENS);
        if (last >= n_tok)
            last = n_tok - 1;
        if (overlaps(s, *n, SIZE_MAX, tok[first].start, tok[last].end))
            continue;
        s[(*n)++] =
            (span){tok[first].start, tok[last].end, (int)bench_rng_below(rng, cfg->n_labels)};
        return;
    }
}

/* The token index whose start is at or after byte at (n_tok if none). */
static size_t token_from(const lq_token *tok, size_t n_tok, size_t at)
{
    size_t t = 0;
    while (t < n_tok && tok[t].start < at)
        t++;
    return t;
}

/* Moves one boundary of span k by a token, if the move keeps the spans
 * valid. Returns whether it moved. */
static bool shift_boundary(span *s, size_t n, size_t k, const lq_token *tok, size_t n_tok,
                           bench_rng *rng)
{
    size_t first = token_from(tok, n_tok, s[k].start); /* the span's first token */
    size_t after = token_from(tok, n_tok, s[k].end);   /* the first token after it */
    for (unsigned tries = 0, move = (unsigned)bench_rng_below(rng, 4); tries < 4;
         tries++, move = (move + 1) % 4) {
        span c = s[k];
        if (move == 0 && after < n_tok) /* end: one token later */
            c.end = tok[after].end;
        else if (move == 1 && after >= 2 && after - 1 > first) /* end: one token earlier */
            c.end = tok[after - 2].end;
        else if (move == 2 && first > 0) /* start: one token earlier */
            c.start = tok[first - 1].start;
        else if (move == 3 && first + 1 < after) /* start: one token later */
            c.start = tok[first + 1].start;
        else
            continue;
        if (c.start < c.end && !overlaps(s, n, k, c.start, c.end)) {
            s[k] = c;
            return true;
        }
    }
    return false;
}

/* A spans mistake: drop a span, shift a boundary by a token, or relabel;
 * with no spans to change, mark one. */
static void spans_mistake(const Labelq__ProjectConfig *cfg, const lq_token *tok, size_t n_tok,
                          span *s, size_t *n, bench_rng *rng)
{
    if (*n == 0) {
        add_random_span(cfg, tok, n_tok, s, n, rng);
        return;
    }
    size_t k = bench_rng_below(rng, *n);
    unsigned how = (unsigned)bench_rng_below(rng, 3);
    if (how == 1 && shift_boundary(s, *n, k, tok, n_tok, rng))
        return;
    if (how == 2 && cfg->n_labels > 1) {
        size_t other = bench_rng_below(rng, cfg->n_labels - 1);
        s[k].label = (int)other >= s[k].label ? (int)other + 1 : (int)other;
        return;
    }
    s[k] = s[--*n];
}

static int spans(const Labelq__ProjectConfig *cfg, const char *truth, const char *data_json,
                 double accuracy, bench_rng *rng, bench_answer *out)
{
    char *txt = NULL;
    if (lq_label_item_text(cfg, data_json, &txt) < 0)
        return LQ_ENOMEM;
    size_t len = txt ? strlen(txt) : 0, n = 0;
    size_t n_tok = txt ? lq_tokenize(txt, len, NULL) : 0;
    lq_token *tok = malloc((n_tok ? n_tok : 1) * sizeof(*tok));
    span *s = NULL;
    char *right = NULL;
    int rc = tok ? 0 : LQ_ENOMEM;
    if (rc == 0 && txt)
        lq_tokenize(txt, len, tok);
    out->judged = rc == 0 && truth && txt && spans_truth(cfg, truth, txt, &s, &n);
    if (out->judged && !(right = spans_text(cfg, s, n)))
        rc = LQ_ENOMEM;
    if (rc == 0 && !out->judged) {
        free(s);
        n = 0;
        if (!(s = calloc(MAX_RANDOM_ITEMS + 1, sizeof(*s))))
            rc = LQ_ENOMEM;
        size_t want = bench_rng_below(rng, MAX_RANDOM_ITEMS + 1);
        for (size_t i = 0; rc == 0 && i < want; i++)
            add_random_span(cfg, tok, n_tok, s, &n, rng);
    } else if (rc == 0 && bench_rng_unit(rng) >= accuracy) {
        spans_mistake(cfg, tok, n_tok, s, &n, rng);
    }
    if (rc == 0 && !(out->label = spans_text(cfg, s, n)))
        rc = LQ_ENOMEM;
    out->correct = rc == 0 && right && strcmp(out->label, right) == 0;
    free(right);
    free(s);
    free(tok);
    free(txt);
    return rc;
}

/* ---- boxes ---- */

typedef struct box {
    double x, y, w, h;
    int label;
} box;

static bool get_number(const json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    *out = json_is_number(v) ? json_number_value(v) : NAN;
    return isfinite(*out);
}

/* Reads truth into *b (room for one more, for a mistake); false when the
 * project would not take it. */
static bool boxes_truth(const Labelq__ProjectConfig *cfg, const char *truth, box **b, size_t *n)
{
    lq_box *read = NULL;
    char err[ERR_MAX];
    bool ok = lq_value_boxes(cfg, truth, &read, n, err, sizeof err) == 0;
    *b = ok ? calloc(*n + 2, sizeof(**b)) : NULL;
    for (size_t i = 0; *b && i < *n; i++)
        (*b)[i] = (box){read[i].x, read[i].y, read[i].w, read[i].h, (int)read[i].label};
    free(read);
    return ok && *b;
}

static char *boxes_text(const Labelq__ProjectConfig *cfg, const box *b, size_t n)
{
    lq_box *v = malloc((n ? n : 1) * sizeof(*v));
    char *out = NULL;
    for (size_t i = 0; v && i < n; i++)
        v[i] = (lq_box){b[i].x, b[i].y, b[i].w, b[i].h, (uint32_t)b[i].label};
    if (v && lq_value_of_boxes(cfg, v, n, &out) < 0)
        out = NULL;
    free(v);
    return out;
}

/* Rounded to a tenth of a pixel, as a person's tool would report it. */
static double tenth(double v)
{
    return round(v * 10.0) / 10.0;
}

static box random_box(const Labelq__ProjectConfig *cfg, double iw, double ih, bench_rng *rng)
{
    box b;
    b.w = tenth(fmax(MIN_BOX_SIZE, iw * (0.05 + 0.3 * bench_rng_unit(rng))));
    b.h = tenth(fmax(MIN_BOX_SIZE, ih * (0.05 + 0.3 * bench_rng_unit(rng))));
    b.x = tenth(fmax(0, (iw - b.w) * bench_rng_unit(rng)));
    b.y = tenth(fmax(0, (ih - b.h) * bench_rng_unit(rng)));
    b.label = (int)bench_rng_below(rng, cfg->n_labels);
    return b;
}

/* A boxes mistake: jitter a box by a few percent of its size, drop one, or
 * relabel one; with no boxes, draw one. */
static void boxes_mistake(const Labelq__ProjectConfig *cfg, double iw, double ih, box *b, size_t *n,
                          bench_rng *rng)
{
    if (*n == 0) {
        b[(*n)++] = random_box(cfg, iw, ih, rng);
        return;
    }
    size_t k = bench_rng_below(rng, *n);
    unsigned how = (unsigned)bench_rng_below(rng, 3);
    if (how == 0) {
        box *c = &b[k];
        c->x = tenth(fmax(0, c->x + gauss(rng) * BOX_JITTER * c->w));
        c->y = tenth(fmax(0, c->y + gauss(rng) * BOX_JITTER * c->h));
        c->w = tenth(fmax(MIN_BOX_SIZE, c->w * (1 + gauss(rng) * BOX_JITTER)));
        c->h = tenth(fmax(MIN_BOX_SIZE, c->h * (1 + gauss(rng) * BOX_JITTER)));
    } else if (how == 2 && cfg->n_labels > 1) {
        size_t other = bench_rng_below(rng, cfg->n_labels - 1);
        b[k].label = (int)other >= b[k].label ? (int)other + 1 : (int)other;
    } else {
        b[k] = b[--*n];
    }
}

static int boxes(const Labelq__ProjectConfig *cfg, const char *truth, const char *data_json,
                 double accuracy, bench_rng *rng, bench_answer *out)
{
    json_t *data = data_json ? json_loads(data_json, JSON_DECODE_ANY, NULL) : NULL;
    double iw, ih;
    if (!get_number(data, "width", &iw) || iw < MIN_BOX_SIZE)
        iw = DEFAULT_IMAGE_W;
    if (!get_number(data, "height", &ih) || ih < MIN_BOX_SIZE)
        ih = DEFAULT_IMAGE_H;
    json_decref(data);
    box *b = NULL;
    size_t n = 0;
    char *right = NULL;
    int rc = 0;
    out->judged = truth && boxes_truth(cfg, truth, &b, &n);
    if (out->judged && !(right = boxes_text(cfg, b, n)))
        rc = LQ_ENOMEM;
    if (rc == 0 && !out->judged) {
        free(b);
        n = 0;
        if (!(b = calloc(MAX_RANDOM_ITEMS + 1, sizeof(*b))))
            rc = LQ_ENOMEM;
        size_t want = bench_rng_below(rng, MAX_RANDOM_ITEMS + 1);
        for (size_t i = 0; rc == 0 && i < want; i++)
            b[n++] = random_box(cfg, iw, ih, rng);
    } else if (rc == 0 && bench_rng_unit(rng) >= accuracy) {
        boxes_mistake(cfg, iw, ih, b, &n, rng);
    }
    if (rc == 0 && !(out->label = boxes_text(cfg, b, n)))
        rc = LQ_ENOMEM;
    out->correct = rc == 0 && right && strcmp(out->label, right) == 0;
    free(right);
    free(b);
    return rc;
}

int bench_answer_typed(const Labelq__ProjectConfig *cfg, const char *truth, const char *data_json,
                       double accuracy, bench_rng *rng, bench_answer *out)
{
    *out = (bench_answer){0};
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        return multi(cfg, truth, accuracy, rng, out);
    case LABELQ__LABEL_TYPE__ORDINAL:
        return ordinal(cfg, truth, accuracy, rng, out);
    case LABELQ__LABEL_TYPE__NUMERIC:
        return numeric(cfg, truth, accuracy, rng, out);
    case LABELQ__LABEL_TYPE__TEXT:
        return text(cfg, truth, accuracy, rng, out);
    case LABELQ__LABEL_TYPE__SPANS:
        return spans(cfg, truth, data_json, accuracy, rng, out);
    case LABELQ__LABEL_TYPE__BOXES:
        return boxes(cfg, truth, data_json, accuracy, rng, out);
    default:
        return ordinal(cfg, truth, accuracy, rng, out); /* one of the labels */
    }
}
