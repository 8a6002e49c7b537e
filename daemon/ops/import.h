/* Import of JSONL items into a project, one chunk per request.
 *
 * The loop parses and validates each line (the schema lives here, not in
 * clients); the writer stores the chunk's valid lines in one transaction, so
 * a chunk is never half-written. Ids already present are skipped. */
#ifndef LQ_IMPORT_H
#define LQ_IMPORT_H

#include "daemon/core/server.h"


void lq_import_add_chunk(lq_peer *c, uint64_t id, const Labelq__ImportChunk *req);

/* Parses one JSONL line for project p into rec (strings malloc'd: free with
 * lq_import_record_clear). Returns 0, or LQ_EBADREQ with the reason in err. */
int lq_import_parse_line(const lq_project *p, const char *line, Labelq__TaskRecord *rec,
                         char *err, size_t errlen);
void lq_import_record_clear(Labelq__TaskRecord *rec);

#endif
