/* Truth table for labelq-bench: an open-addressing hash from external id to
 * label; see bench_truth.h. */
#include "bench/sim/truth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"

typedef struct entry {
    char *id; /* NULL: empty slot */
    char *label;
} entry;

struct bench_truth {
    entry *slot;
    size_t cap; /* a power of two, kept at most half full */
    size_t n;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static entry *find(const bench_truth *t, const char *id)
{
    size_t i = (size_t)fnv1a(id) & (t->cap - 1);
    while (t->slot[i].id && strcmp(t->slot[i].id, id) != 0)
        i = (i + 1) & (t->cap - 1);
    return &t->slot[i];
}

static int grow(bench_truth *t)
{
    bench_truth bigger = {.cap = t->cap ? t->cap * 2 : 1024};
    if (!(bigger.slot = calloc(bigger.cap, sizeof *bigger.slot)))
        return LQ_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slot[i].id)
            *find(&bigger, t->slot[i].id) = t->slot[i];
    }
    free(t->slot);
    t->slot = bigger.slot;
    t->cap = bigger.cap;
    return 0;
}

/* Sets id's label; a later line for the same id wins, as a corrected
 * answer would. */
static int put(bench_truth *t, const char *id, const char *label)
{
    entry *e;
    char *copy;
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return LQ_ENOMEM;
    if (!(copy = strdup(label)))
        return LQ_ENOMEM;
    e = find(t, id);
    if (e->id) {
        free(e->label);
        e->label = copy;
        return 0;
    }
    if (!(e->id = strdup(id))) {
        free(copy);
        return LQ_ENOMEM;
    }
    e->label = copy;
    t->n++;
    return 0;
}

/* Parses one line into t. */
static int load_line(bench_truth *t, const char *line, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *v = json_loads(line, 0, &jerr);
    json_t *id, *label;
    char num[32];
    const char *key;
    int rc = LQ_EBADREQ;
    if (!v) {
        snprintf(err, errlen, "%s", jerr.text);
        return LQ_EBADREQ;
    }
    id = json_object_get(v, "id");
    label = json_object_get(v, "label");
    if (json_is_integer(id)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        key = num;
    } else {
        key = json_string_value(id);
    }
    /* A string is kept as is; other values (sets, numbers, spans, boxes)
     * as their compact JSON text, which bench_answer parses by type. */
    char *text = label && !json_is_string(label)
                     ? json_dumps(label, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
                                             JSON_REAL_PRECISION(17))
                     : NULL;
    if (!key || !label || json_is_null(label))
        snprintf(err, errlen, "want {\"id\": ..., \"label\": ...}");
    else if (!json_is_string(label) && !text)
        snprintf(err, errlen, "out of memory");
    else if ((rc = put(t, key, text ? text : json_string_value(label))) < 0)
        snprintf(err, errlen, "out of memory");
    free(text);
    json_decref(v);
    return rc;
}

static bool blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    }
    return true;
}

int bench_truth_load(const char *path, bench_truth **out, char *err, size_t errlen)
{
    bench_truth *t = calloc(1, sizeof *t);
    FILE *fp = fopen(path, "r");
    char *line = NULL, why[256];
    size_t cap = 0;
    unsigned long line_no = 0;
    int rc = 0;
    if (!t || !fp) {
        snprintf(err, errlen, "%s: %s", path, t ? strerror(errno) : "out of memory");
        rc = t ? LQ_EIO : LQ_ENOMEM;
        goto out;
    }
    while (getline(&line, &cap, fp) >= 0) {
        line_no++;
        if (blank(line))
            continue;
        if ((rc = load_line(t, line, why, sizeof why)) < 0) {
            snprintf(err, errlen, "%s:%lu: %s", path, line_no, why);
            goto out;
        }
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = LQ_EIO;
    }
out:
    free(line);
    if (fp)
        fclose(fp);
    if (rc < 0) {
        bench_truth_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

const char *bench_truth_get(const bench_truth *t, const char *id)
{
    if (!t || t->n == 0)
        return NULL;
    const entry *e = find(t, id);
    return e->id ? e->label : NULL;
}

void bench_truth_free(bench_truth *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slot[i].id);
        free(t->slot[i].label);
    }
    free(t->slot);
    free(t);
}
