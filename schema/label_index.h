/* Finding a label in a project's label list: the one lookup every part of
 * labelq that turns a label name into its index (its place in the schema,
 * 0-based) calls. */
#ifndef LQ_LABEL_INDEX_H
#define LQ_LABEL_INDEX_H

#include <stddef.h>

/* The index of name among labels[0 .. n_labels) (exact bytes), or
 * LQ_EBADREQ (-1) when it is not one of them. labels may be NULL when
 * n_labels is 0. Cannot fail otherwise. */
int lq_label_index(char *const *labels, size_t n_labels, const char *name);

#endif
