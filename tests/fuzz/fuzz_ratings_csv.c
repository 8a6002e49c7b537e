/* libFuzzer target: ratings_csv_read (client/ratings_csv.h) on the input as
 * a file (fmemopen), once for nominal labels and once as a numeric metric
 * needs them.
 *
 * Either the read fails with a message, or what it returns holds together:
 * every rating is inside the declared ranges and has its line, every code
 * has a name, nominal labels run in byte order and numeric labels' values
 * strictly upwards. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/ratings_csv.h"
#include "proto/error.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_ratings_csv: %s: %s\n", what, detail);
    abort();
}

static void check_names(char **names, uint32_t n, const char *what)
{
    if (n > 0 && !names)
        fail(what, "no name array");
    for (uint32_t i = 0; i < n; i++)
        if (!names[i] || !names[i][0])
            fail(what, "a code without a name");
}

static void check(const ratings_csv *out, const char *numeric_for)
{
    const lq_ratings *r = &out->r;
    if (r->n == 0 || r->v != out->v)
        fail("success", "no ratings");
    if (lq_ratings_check(r) != 0)
        fail("success", "a rating outside the declared ranges");
    check_names(out->unit_names, r->n_units, "units");
    check_names(out->annotator_names, r->n_annotators, "annotators");
    check_names(out->label_names, r->n_labels, "labels");
    for (size_t i = 0; i < r->n; i++)
        if (!out->line || out->line[i] == 0)
            fail("success", "a rating without its line");
    if (!numeric_for) {
        if (r->values)
            fail("nominal read", "has values");
        for (uint32_t i = 1; i < r->n_labels; i++)
            if (strcmp(out->label_names[i - 1], out->label_names[i]) >= 0)
                fail("nominal read", "labels not in byte order");
        return;
    }
    if (!r->values)
        fail("numeric read", "no values");
    for (uint32_t i = 1; i < r->n_labels; i++)
        if (!(r->values[i - 1] < r->values[i]))
            fail("numeric read", "values not strictly ascending");
}

static void read_once(const uint8_t *data, size_t size, const char *numeric_for)
{
    /* fmemopen of zero bytes fails on some libcs; an empty file is "". */
    static const char empty[1];
    FILE *in = fmemopen(size ? (void *)data : (void *)empty, size ? size : 1, "r");
    if (!in)
        return;
    if (!size)
        fgetc(in);
    ratings_csv out;
    char err[512] = "";
    int rc = ratings_csv_read(in, "fuzz.csv", numeric_for, &out, err, sizeof(err));
    fclose(in);
    if (rc == 0)
        check(&out, numeric_for);
    else if (rc != LQ_EBADREQ)
        fail("unexpected result", lq_strerror(rc));
    else if (err[0] == '\0')
        fail("failed without a message", numeric_for ? "numeric" : "nominal");
    ratings_csv_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_once(data, size, NULL);
    read_once(data, size, "--metric interval");
    return 0;
}
