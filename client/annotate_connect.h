/* How labelq-annotate finds and authenticates to labelqd: the same flags
 * and environment as the admin CLI (--server/LABELQ_SERVER,
 * --ca/LABELQ_CA, --token/LABELQ_TOKEN, --token-file/LABELQ_TOKEN_FILE).
 * A flag beats the environment; a token given by flag in either form beats
 * both token variables. */
#ifndef LQ_ANNOTATE_CONNECT_H
#define LQ_ANNOTATE_CONNECT_H

#include <stddef.h>

#include "labelq.h"

typedef struct annotate_connect {
    const char *server; /* NULL: LABELQ_SERVER, then LQ_DEFAULT_SERVER */
    const char *ca;     /* NULL: LABELQ_CA, then the system trust store */
    const char *token;  /* at most one of token and token_file */
    const char *token_file;
} annotate_connect;

/* Fills what the flags left NULL from the environment. Cannot fail. */
void annotate_connect_from_env(annotate_connect *f);

/* Reads the token (from the file if so told, whitespace stripped) and
 * connects. On failure err says why, in full ("reading token file X: ...",
 * or "connecting to HOST:PORT: " and the library's reason). Returns 0 or a negative LQ_E* code. */
int annotate_connect_open(const annotate_connect *f, lq_client **out, char *err, size_t errlen);

#endif
