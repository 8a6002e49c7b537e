/* A CSV of ratings whose label cells hold values of one label type
 * (labelq agreement / aggregate --type), parsed into the layout quality/
 * reads for that type. The file is read by ratings_csv (same quoting, same
 * header and columns); each cell is then parsed by type:
 *
 *   single   a label, as without --type (only csv is filled)
 *   multi    labels separated by ';' ("cat;dog"), or a JSON array of
 *            strings (["cat","dog"]); an empty set is [] (an empty cell is a
 *            missing rating, as for every type)
 *   ordinal  a step of the scale: one of --scale's names, or without a
 *            scale a number (steps ordered by value)
 *   numeric  a number (C strtod syntax)
 *   text     the text itself (UTF-8)
 *   spans    a JSON array of {"start","end","label"} byte ranges over the
 *            unit's text, which column 4 holds (on at least one record of
 *            the unit; where repeated it must be the same)
 *   boxes    a JSON array of {"x","y","w","h","label"}
 *
 * Label names (multi, spans, boxes) are numbered in order of first
 * appearance. A malformed cell is LQ_EBADREQ with "FILE: line N: ..." in
 * err. */
#ifndef LQ_TYPED_RATINGS_H
#define LQ_TYPED_RATINGS_H

#include <stdint.h>

#include "client/cli/ratings_csv.h"
#include "client/cli/string_table.h"
#include "quality/boxes.h"
#include "quality/label_sets.h"
#include "quality/numeric_consensus.h"
#include "quality/spans.h"
#include "quality/text_distance.h"

typedef enum typed_kind {
    TYPED_SINGLE,
    TYPED_MULTI,
    TYPED_ORDINAL,
    TYPED_NUMERIC,
    TYPED_TEXT,
    TYPED_SPANS,
    TYPED_BOXES,
} typed_kind;

/* The kind named name ("single", "multi", ...). Returns 0 or LQ_EBADREQ. */
int typed_kind_parse(const char *name, typed_kind *out);

/* The kind's name. Cannot fail. */
const char *typed_kind_name(typed_kind k);

typedef struct typed_ratings {
    typed_kind kind;
    ratings_csv csv; /* the file; csv.label_names are the distinct cells */
    /* The schema's label names (multi, spans, boxes: first appearance;
     * ordinal: the scale's steps in order). */
    string_table names;
    /* Per kind, the ratings in quality/'s layout, one per non-missing
     * rating of csv (same order); arrays owned, views borrow them. */
    lq_set_ratings sets;        /* multi */
    lq_ratings ordinal;         /* ordinal: label = step, values = 0, 1, 2, ... */
    lq_numeric_ratings numbers; /* numeric */
    lq_text_ratings texts;      /* text */
    lq_span_data spans;         /* spans: one annotation per rating */
    lq_box_data boxes;          /* boxes: one annotation per rating */
    /* Storage behind the views. */
    lq_set_rating *set_v;
    lq_rating *ord_v;
    double *ord_values;
    lq_numeric_rating *num_v;
    lq_text_rating *text_v;
    lq_span_annotation *span_v;
    lq_span *span_pool;
    const char **unit_text;
    size_t *unit_text_len;
    lq_box_annotation *box_v;
    lq_box *box_pool;
} typed_ratings;

/* Reads path ("-": stdin) as ratings of kind. scale (ordinal only, may be
 * NULL) lists the steps in order, comma-separated. Returns 0, or LQ_EBADREQ
 * (bad input or a bad scale), LQ_EIO, LQ_ENOMEM or LQ_EEXHAUSTED with the
 * reason in err. Either way the caller frees out with typed_ratings_free. */
int typed_ratings_load(const char *path, typed_kind kind, const char *scale, typed_ratings *out,
                       char *err, size_t errlen);

/* Frees everything out owns; safe on a zeroed or failed one. */
void typed_ratings_free(typed_ratings *t);

#endif
