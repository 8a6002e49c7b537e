/* How labelq-bench reaches labelqd: the admin CLI's flags and environment
 * (--server/LABELQ_SERVER, --ca/LABELQ_CA, --token/LABELQ_TOKEN,
 * --token-file/LABELQ_TOKEN_FILE), a flag beating the environment. The
 * annotator threads reuse the server and CA with their own tokens. */
#ifndef LQ_BENCH_CONNECT_H
#define LQ_BENCH_CONNECT_H

#include <stddef.h>

#include "labelq.h"

typedef struct bench_connect {
    const char *server; /* NULL: LABELQ_SERVER, then LQ_DEFAULT_SERVER */
    const char *ca;     /* NULL: LABELQ_CA, then the system trust store */
    const char *token;  /* at most one of token and token_file */
    const char *token_file;
    char *token_buf; /* the token read from token_file; owned */
} bench_connect;

/* Fills what the flags left NULL from the environment and reads the token
 * file, if any, into token (whitespace stripped). Having no token at all is
 * fine here (--annotator-tokens may be enough). Returns 0 or LQ_EIO /
 * LQ_ENOMEM with err saying why. */
int bench_connect_resolve(bench_connect *f, char *err, size_t errlen);

/* Connects with token (NULL: f's own token). err gets the library's reason
 * on failure. Returns 0 or a negative LQ_E* code. */
int bench_connect_open(const bench_connect *f, const char *token, lq_client **out, char *err,
                       size_t errlen);

/* Frees what resolve allocated. Cannot fail. */
void bench_connect_free(bench_connect *f);

#endif
