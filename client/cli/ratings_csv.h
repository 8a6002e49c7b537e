/* A CSV file of ratings, read into quality/'s integer-coded lq_ratings plus
 * the tables that map the codes back to the file's names.
 *
 * The file has a header line; every later record's first three columns are
 * unit, annotator and label (more columns are ignored, but for a fourth,
 * the unit's text, when the caller asks for it). An empty label is a
 * missing rating: its unit and annotator still count as seen. An annotator
 * rates a unit at most once: a second rating of the same unit by the same
 * annotator is an error naming both lines, so that every metric sees one
 * rating per unit and annotator, as a project stores them. Quoting is
 * RFC 4180's (quoted fields may hold commas, doubled quotes and line
 * breaks); CRLF line ends and a UTF-8 byte order mark are accepted; spaces
 * and tabs around a field are dropped unless quoted. Names must be UTF-8,
 * since they become JSON keys.
 *
 * Labels are coded in byte order of their names (code point order), or in
 * the order the caller gives (ratings_csv_options.labels: a project's schema
 * order), or by value when numeric: never by where they first appear, so
 * that the order of the rows changes no result (ties go to the lowest code).
 *
 * Memory is linear in the ratings (20 bytes each) plus the distinct names. */
#ifndef LQ_RATINGS_CSV_H
#define LQ_RATINGS_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "client/cli/string_table.h"
#include "quality/ratings.h"

typedef struct ratings_csv {
    lq_ratings r;           /* the ratings; its arrays belong to this struct */
    char **unit_names;      /* r.n_units names, code order (first appearance) */
    char **annotator_names; /* r.n_annotators names, likewise */
    char **label_names;     /* r.n_labels names in code order (see above) */
    size_t missing;         /* records with an empty label */
    unsigned long long *line; /* per rating (r.n), the line its record starts on */
    /* With ratings_csv_options.unit_text: per unit (n_unit_text >= r.n_units
     * entries), its text from column 4, or NULL where no record gave one,
     * and the line it came from. Else NULL. */
    char **unit_text;
    unsigned long long *unit_text_line;
    size_t n_unit_text;
    /* Owned storage behind the fields above. */
    lq_rating *v;
    size_t v_cap;
    double *values; /* numeric labels' values, by code; NULL for nominal */
    string_table units, annotators, labels;
} ratings_csv;

/* Reads every rating from in. source names the input in messages. When
 * numeric_for is not NULL every label must be a number; it names what
 * needs one (e.g. "--metric interval") in the error, and labels are then
 * ordered by value, equal numbers ("1", "1.0") being one label named by
 * its first spelling. Without it, labels are in byte order.
 *
 * Returns 0, or LQ_EBADREQ (bad input), LQ_EIO (read error), LQ_ENOMEM or
 * LQ_EEXHAUSTED, with a message such as "data.csv: line 3: unterminated
 * quote" in err. Either way the caller frees out with ratings_csv_free. */
int ratings_csv_read(FILE *in, const char *source, const char *numeric_for, ratings_csv *out,
                     char *err, size_t errlen);

/* How to read: all false / NULL is ratings_csv_read's plain reading. */
typedef struct ratings_csv_options {
    const char *numeric_for; /* as ratings_csv_read's */
    bool unit_text;          /* column 4 is the unit's text (out->unit_text): the first
                              * non-empty one counts; a different one is an error */
    char *const *labels;     /* not numeric: every label, in the order to code them
                              * (--labels: a schema's order); NULL: byte order */
    size_t n_labels;
    const char *labels_for;  /* names the option that gave labels, in errors */
} ratings_csv_options;

/* ratings_csv_read with options o. Errors as ratings_csv_read's, plus
 * LQ_EBADREQ for a unit text that is not UTF-8 or differs from an earlier
 * one of the same unit, and for a label not in o->labels. The caller frees
 * out with ratings_csv_free. */
int ratings_csv_read_with(FILE *in, const char *source, const ratings_csv_options *o,
                          ratings_csv *out, char *err, size_t errlen);

/* ratings_csv_read on the file at path, or on stdin when path is "-"
 * (named "stdin" in messages). Adds LQ_EIO "cannot open PATH: reason" to
 * ratings_csv_read's errors. The caller frees out with ratings_csv_free. */
int ratings_csv_load(const char *path, const char *numeric_for, ratings_csv *out, char *err,
                     size_t errlen);

/* ratings_csv_load with options o (see ratings_csv_read_with). */
int ratings_csv_load_with(const char *path, const ratings_csv_options *o, ratings_csv *out,
                          char *err, size_t errlen);

/* Frees everything out owns; safe on a zeroed or failed ratings_csv. */
void ratings_csv_free(ratings_csv *out);

#endif
