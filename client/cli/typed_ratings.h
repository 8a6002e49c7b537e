/* A CSV of ratings whose label cells hold values of one label type
 * (labelq agreement / aggregate --type), read against a schema as a
 * project of that type would read them. The file is read by ratings_csv
 * (same quoting, header and columns; one rating per unit and annotator);
 * each cell is then written as the type's label value and checked and
 * made canonical by lq_schema (lq_label_canonical), so a cell is accepted
 * exactly when labelqd would accept it as a label:
 *
 *   multi    a JSON array of label names, or names joined by ';' (blanks
 *            around them dropped); the empty set is [] (an empty cell is a
 *            missing rating, as for every type)
 *   ordinal  a step: one of --scale's, or without it a number (steps are
 *            then the distinct numbers in value order)
 *   numeric  a number (C strtod syntax)
 *   text     the text itself (UTF-8)
 *   spans    a JSON array of {"start","end","label"} byte ranges over the
 *            unit's text, which column 4 holds (on at least one record of
 *            the unit; where repeated it must be the same)
 *   boxes    a JSON array of {"x","y","w","h","label"}
 *
 * The schema is what the options say (--labels in schema order, --scale,
 * --range MIN..MAX), or what the file holds: the label names it mentions
 * in byte order, the range from its least to its greatest number. A
 * malformed cell is LQ_EBADREQ with "FILE: line N: ..." in err. */
#ifndef LQ_TYPED_RATINGS_CSV_H
#define LQ_TYPED_RATINGS_CSV_H

#include "client/cli/ratings_csv.h"
#include "client/cli/schema.h"
#include "client/cli/typed.h"
#include "schema/value_ratings.h"

typedef struct typed_ratings {
    ratings_csv csv;           /* the file */
    cli_schema schema;         /* the labels, steps or range (owned) */
    Labelq__ProjectConfig cfg; /* the project the cells were read as; points into schema */
    char **value_of;           /* per cell code (csv.label_names): its canonical value; NULL for
                                * spans, whose value depends on the unit's text */
    lq_label_value *values;    /* per rating of csv: its value */
    char **span_values;        /* spans: per rating, its canonical value (owned) */
    lq_value_ratings vr;       /* what quality/ reads: vr.r */
} typed_ratings;

/* Reads path ("-": stdin) as ratings of o->type with o's schema options.
 * Returns 0; CLI_USAGE after reporting an option that does not fit the
 * type; or LQ_EBADREQ (bad input), LQ_EIO, LQ_ENOMEM or LQ_EEXHAUSTED with
 * the reason in err. Either way the caller frees out with
 * typed_ratings_free. */
int typed_ratings_load(const char *path, const cli_typed_options *o, typed_ratings *out, char *err,
                       size_t errlen);

/* Frees everything out owns; safe on a zeroed or failed one. */
void typed_ratings_free(typed_ratings *t);

#endif
