/* See project_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "project_fixture.h"

int it_project_try_create(lq_client *admin, const char *name, const char *const *labels,
                          size_t n_labels, unsigned overlap, unsigned lease_ttl_s,
                          Labelq__ProjectInfo **out)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = (char *)name;
    cfg.labels = (char **)labels;
    cfg.n_labels = n_labels;
    cfg.overlap = overlap;
    cfg.lease_ttl_s = lease_ttl_s;
    Labelq__ProjectInfo *info = NULL;
    int rc = lq_project_create(admin, &cfg, &info);
    if (out)
        *out = info;
    else if (info)
        labelq__project_info__free_unpacked(info, NULL);
    return rc;
}

void it_project_create(lq_client *admin, const char *name, const char *const *labels,
                       size_t n_labels, unsigned overlap, unsigned lease_ttl_s)
{
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(
        admin, it_project_try_create(admin, name, labels, n_labels, overlap, lease_ttl_s, &info),
        0);
    assert_non_null(info);
    assert_non_null(info->config);
    assert_string_equal(info->config->name, name);
    assert_int_equal(info->config->n_labels, n_labels);
    for (size_t i = 0; i < n_labels; i++)
        assert_string_equal(info->config->labels[i], labels[i]);
    if (overlap)
        assert_int_equal(info->config->overlap, overlap);
    if (lease_ttl_s)
        assert_int_equal(info->config->lease_ttl_s, lease_ttl_s);
    assert_int_equal(info->tasks, 0);
    labelq__project_info__free_unpacked(info, NULL);
}

char *it_annotator_add(lq_client *admin, const char *name)
{
    char *token = NULL;
    it_assert_code(admin, lq_annotator_add(admin, name, LABELQ__ROLE__ANNOTATOR, &token), 0);
    assert_non_null(token);
    assert_true(strlen(token) > 0);
    return token;
}

Labelq__ImportReply *it_import_lines(lq_client *admin, const char *project,
                                     const char *const *lines, size_t n, uint64_t first_line_no)
{
    Labelq__ImportLine *storage = calloc(n ? n : 1, sizeof *storage);
    Labelq__ImportLine **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    assert_non_null(storage);
    assert_non_null(ptrs);
    for (size_t i = 0; i < n; i++) {
        Labelq__ImportLine l = LABELQ__IMPORT_LINE__INIT;
        l.line_no = first_line_no + i;
        l.json = (char *)lines[i];
        storage[i] = l;
        ptrs[i] = &storage[i];
    }
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = (char *)project;
    chunk.lines = ptrs;
    chunk.n_lines = n;
    Labelq__ImportReply *reply = NULL;
    int rc = lq_import_chunk(admin, &chunk, &reply);
    free(ptrs);
    free(storage);
    it_assert_code(admin, rc, 0);
    assert_non_null(reply);
    return reply;
}

void it_item_id(char *buf, size_t len, const char *prefix, size_t i)
{
    snprintf(buf, len, "%s-%05zu", prefix, i);
}

void it_item_line(char *buf, size_t len, const char *prefix, size_t i)
{
    char id[128];
    it_item_id(id, sizeof id, prefix, i);
    snprintf(buf, len, "{\"id\": \"%s\", \"data\": {\"text\": \"item %zu of %s\", \"n\": %zu}}", id,
             i, prefix, i);
}

void it_import_items(lq_client *admin, const char *project, const char *prefix, size_t n)
{
    enum { LINE_MAX_LEN = 256 };
    char *text = malloc((size_t)IT_IMPORT_CHUNK_LINES * LINE_MAX_LEN);
    const char **lines = malloc(IT_IMPORT_CHUNK_LINES * sizeof *lines);
    assert_non_null(text);
    assert_non_null(lines);
    for (size_t start = 0; start < n; start += IT_IMPORT_CHUNK_LINES) {
        size_t count = n - start < IT_IMPORT_CHUNK_LINES ? n - start : IT_IMPORT_CHUNK_LINES;
        for (size_t i = 0; i < count; i++) {
            char *line = text + i * LINE_MAX_LEN;
            it_item_line(line, LINE_MAX_LEN, prefix, start + i);
            lines[i] = line;
        }
        Labelq__ImportReply *r = it_import_lines(admin, project, lines, count, start + 1);
        if (r->n_rejected)
            fail_msg("import rejected line %llu: %s", (unsigned long long)r->rejected[0]->line_no,
                     r->rejected[0]->message);
        assert_int_equal(r->imported, count);
        assert_int_equal(r->skipped, 0);
        labelq__import_reply__free_unpacked(r, NULL);
    }
    free(lines);
    free(text);
}

Labelq__ProjectInfo *it_project_info(lq_client *c, const char *project)
{
    Labelq__ProjectInfo *info = NULL;
    it_assert_code(c, lq_project_get(c, project, &info), 0);
    assert_non_null(info);
    return info;
}

void it_assert_status(const Labelq__ProjectInfo *info, uint64_t tasks, uint64_t done,
                      uint64_t labels, uint64_t leased, uint64_t pending)
{
    if (info->tasks != tasks || info->done != done || info->labels != labels ||
        info->leased != leased || info->pending != pending)
        fail_msg("status: tasks %llu done %llu labels %llu leased %llu pending %llu; "
                 "want tasks %llu done %llu labels %llu leased %llu pending %llu",
                 (unsigned long long)info->tasks, (unsigned long long)info->done,
                 (unsigned long long)info->labels, (unsigned long long)info->leased,
                 (unsigned long long)info->pending, (unsigned long long)tasks,
                 (unsigned long long)done, (unsigned long long)labels, (unsigned long long)leased,
                 (unsigned long long)pending);
}

Labelq__LeaseReply *it_lease(lq_client *c, const char *project, unsigned max_tasks,
                             unsigned wait_ms)
{
    Labelq__LeaseReply *r = NULL;
    it_assert_code(c, lq_lease(c, project, max_tasks, wait_ms, &r), 0);
    assert_non_null(r);
    return r;
}

void it_submit(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
               bool expect_duplicate)
{
    bool dup = !expect_duplicate;
    it_assert_code(c, lq_submit(c, task_id, label, duration_ms, &dup), 0);
    if (dup != expect_duplicate)
        fail_msg("submit task %llu label %s: duplicate = %d, want %d", (unsigned long long)task_id,
                 label, dup, expect_duplicate);
}
