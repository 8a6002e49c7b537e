#include "schema/label_index.h"

#include <string.h>

#include "proto/error.h"

int lq_label_index(char *const *labels, size_t n_labels, const char *name)
{
    for (size_t i = 0; i < n_labels; i++)
        if (strcmp(labels[i], name) == 0)
            return (int)i;
    return LQ_EBADREQ;
}
