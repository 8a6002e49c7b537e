/* Admin-side setup for integration tests: projects, annotators, imports and
 * status, each asserting success unless its name says "try". Items made by
 * it_import_items have ids "PREFIX-00000", "PREFIX-00001", ... and data
 * {"text": "item N of PREFIX", "n": N}. */
#ifndef IT_PROJECT_FIXTURE_H
#define IT_PROJECT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/labelq.h"

#define IT_IMPORT_CHUNK_LINES 500 /* lines per ImportChunk in it_import_items */

/* Calls lq_project_create with labels[0..n_labels-1]; returns its code and,
 * on success, the ProjectInfo (NULL out: freed here). */
int it_project_try_create(lq_client *admin, const char *name, const char *const *labels,
                          size_t n_labels, unsigned overlap, unsigned lease_ttl_s,
                          Labelq__ProjectInfo **out);

/* Creates the project and asserts it worked and echoes the config. */
void it_project_create(lq_client *admin, const char *name, const char *const *labels,
                       size_t n_labels, unsigned overlap, unsigned lease_ttl_s);

/* Adds an annotator (role ANNOTATOR); returns its malloc'd token. */
char *it_annotator_add(lq_client *admin, const char *name);

/* Imports lines[0..n-1] as one chunk with line numbers first_line_no, ...;
 * asserts the call succeeded and returns the reply (caller frees). */
Labelq__ImportReply *it_import_lines(lq_client *admin, const char *project,
                                     const char *const *lines, size_t n, uint64_t first_line_no);

/* Writes the JSONL line of generated item i into buf. */
void it_item_line(char *buf, size_t len, const char *prefix, size_t i);

/* Writes generated item i's id into buf. */
void it_item_id(char *buf, size_t len, const char *prefix, size_t i);

/* Imports n generated items in chunks; asserts all n were imported. */
void it_import_items(lq_client *admin, const char *project, const char *prefix, size_t n);

/* lq_project_get, asserting success; caller frees. */
Labelq__ProjectInfo *it_project_info(lq_client *c, const char *project);

/* Asserts the five status counts at once, so a failure shows them all. */
void it_assert_status(const Labelq__ProjectInfo *info, uint64_t tasks, uint64_t done,
                      uint64_t labels, uint64_t leased, uint64_t pending);

/* lq_lease asserting success; caller frees. */
Labelq__LeaseReply *it_lease(lq_client *c, const char *project, unsigned max_tasks,
                             unsigned wait_ms);

/* lq_submit asserting success and duplicate == expect_duplicate. */
void it_submit(lq_client *c, uint64_t task_id, const char *label, uint32_t duration_ms,
               bool expect_duplicate);

/* Asserts that a call returned code want, naming both codes and the
 * client's message when not. */
#define it_assert_code(c, rc, want)                                                                \
    do {                                                                                           \
        int it_rc_ = (rc);                                                                         \
        if (it_rc_ != (want))                                                                      \
            fail_msg("%s: got %d (%s: %s), want %d (%s)", #rc, it_rc_, lq_strerror(it_rc_),        \
                     lq_client_error(c), (want), lq_strerror(want));                               \
    } while (0)

#endif
