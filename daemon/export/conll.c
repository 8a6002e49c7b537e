/* The CoNLL-2003 export format for spans projects. Each item is one
 * document:
 *
 *   -DOCSTART- -X- -X- O
 *   <blank>
 *   TOKEN -X- -X- TAG      one line per token of data[field]
 *   <blank>
 *
 * Four space-separated columns as in the CoNLL-2003 files (word, POS,
 * chunk, NER) with "-X-" for the POS and chunk columns labelq does not
 * have, so Hugging Face's conll2003-style readers (tokens = column 0,
 * ner_tags = column 3, "-DOCSTART-" lines skipped) and seqeval (the last
 * column) read it. Tokens are the text's runs of non-ASCII-whitespace
 * (quality/spans.h), so they never hold a space; TAG is O, B-LABEL or
 * I-LABEL from the consensus spans, with any ASCII whitespace in a label
 * name written as '_'. */
#include "daemon/export/format.h"

#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "quality/spans.h"
#include "schema/typed_value.h"

static const char docstart[] = "-DOCSTART- -X- -X- O\n\n";

/* The consensus spans of a canonical value over text (none when it does
 * not read); *n gets their count. Returns 0 or LQ_ENOMEM. */
static int read_spans(const Labelq__ProjectConfig *cfg, const char *value, const char *text,
                      lq_span **spans, size_t *n)
{
    char err[256];
    int rc = value ? lq_value_spans(cfg, value, text, spans, n, err, sizeof(err)) : LQ_EBADREQ;
    return rc == LQ_ENOMEM ? rc : 0;
}

static int tag(lq_outbuf *o, const Labelq__ProjectConfig *cfg, uint32_t t)
{
    if (t == LQ_TAG_O)
        return lq_outbuf_add(o, "O", 1);
    int rc = lq_outbuf_add(o, t % 2 ? "B-" : "I-", 2);
    for (const char *p = cfg->labels[(t - 1) / 2]; rc == 0 && *p; p++)
        rc = lq_outbuf_add(o, strchr(" \t\n\v\f\r", *p) ? "_" : p, 1);
    return rc;
}

static int conll_item(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    (void)state;
    const Labelq__ProjectConfig *cfg = it->config;
    json_t *f = json_is_object(it->data) ? json_object_get(it->data, cfg->field) : NULL;
    const char *text = json_is_string(f) ? json_string_value(f) : "";
    size_t len = strlen(text), n_spans = 0;
    size_t n_tok = lq_tokenize(text, len, NULL);
    lq_token *tok = malloc((n_tok ? n_tok : 1) * sizeof(*tok));
    uint32_t *tags = calloc(n_tok ? n_tok : 1, sizeof(*tags));
    lq_span *spans = NULL;
    int rc = tok && tags ? read_spans(cfg, it->label, text, &spans, &n_spans) : LQ_ENOMEM;
    if (rc == 0) {
        lq_tokenize(text, len, tok);
        /* Spans that break the rules (none do: the consensus is rebuilt
         * from tags) would leave the item all O rather than fail it. */
        if (lq_spans_to_tags(spans, n_spans, (uint32_t)cfg->n_labels, len, tok, n_tok, tags) < 0)
            memset(tags, 0, (n_tok ? n_tok : 1) * sizeof(*tags));
    }
    rc = rc ? rc : lq_outbuf_str(o, docstart);
    for (size_t t = 0; rc == 0 && t < n_tok; t++) {
        rc = lq_outbuf_add(o, text + tok[t].start, tok[t].end - tok[t].start);
        rc = rc ? rc : lq_outbuf_str(o, " -X- -X- ");
        rc = rc ? rc : tag(o, cfg, tags[t]);
        rc = rc ? rc : lq_outbuf_add(o, "\n", 1);
    }
    if (rc == 0 && n_tok)
        rc = lq_outbuf_add(o, "\n", 1);
    free(tok);
    free(tags);
    free(spans);
    return rc;
}

const lq_export_format lq_export_conll = {"conll", true, NULL, conll_item, NULL, NULL, NULL};
