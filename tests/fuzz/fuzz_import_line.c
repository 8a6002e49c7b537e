/* libFuzzer target: lq_import_parse_line, the JSONL import schema, on a
 * project with labels a, b and c.
 *
 * Every input (a line of text, NUL-terminated here) must give 0 and a sane
 * record (an id of 1-LQ_MAX_EXTERNAL_ID bytes, data that is JSON again, a
 * gold that is empty or one of the labels, the id exactly as the line has
 * it), or LQ_EBADREQ with a message.
 * Leaks show up through libFuzzer's leak detection. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ops/import.h"
#include "daemon/model/project.h"
#include "proto/error.h"

#define FUZZ_PROJECT_ID 7

static lq_project *project;

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_import_line: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char *labels[] = {"a", "b", "c"};
    (void)argc;
    (void)argv;
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "p";
    cfg.labels = labels;
    cfg.n_labels = 3;
    cfg.overlap = 2;
    cfg.max_overlap = 2;
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.id = FUZZ_PROJECT_ID;
    rec.config = &cfg;
    project = lq_project_new(&rec);
    if (!project)
        fail("setup", "lq_project_new failed");
    return 0;
}

/* The id the line gives, read independently: a string's bytes must arrive
 * whole (a NUL inside would cut it short and merge distinct ids). */
static void check_id(const char *line, const char *external_id)
{
    json_error_t jerr;
    json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    json_t *id = root ? json_object_get(root, "id") : NULL;
    if (!id)
        fail("accepted a line without an id", line);
    if (json_is_string(id) && (json_string_length(id) != strlen(external_id) ||
                               strcmp(json_string_value(id), external_id) != 0))
        fail("the id changed on the way", external_id);
    json_decref(root);
}

static void check_record(const char *line, const Labelq__TaskRecord *rec)
{
    size_t n = strlen(rec->external_id);
    if (n == 0 || n > LQ_MAX_EXTERNAL_ID)
        fail("accepted a bad id", rec->external_id);
    check_id(line, rec->external_id);
    json_error_t jerr;
    json_t *back = json_loads(rec->data_json, JSON_DECODE_ANY, &jerr);
    if (!back)
        fail("data is not JSON", rec->data_json);
    json_decref(back);
    if (rec->gold[0] && lq_project_label_index(project, rec->gold) < 0)
        fail("accepted a gold that is no label", rec->gold);
    if (rec->project_id != FUZZ_PROJECT_ID)
        fail("record", "wrong project id");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    Labelq__TaskRecord rec;
    char err[256] = "";
    int rc = lq_import_parse_line(project, line, &rec, err, sizeof(err));
    if (rc == 0)
        check_record(line, &rec);
    else if (rc != LQ_EBADREQ)
        fail("unexpected result", lq_strerror(rc));
    else if (err[0] == '\0')
        fail("rejected without a message", line);
    lq_import_record_clear(&rec);
    free(line);
    return 0;
}
