/* The acknowledgement log (--log-acks FILE): one JSON line per submit the
 * server acknowledged, {"task_id", "id" (the item's external id, as in the
 * export), "annotator", "label"}. Crash tests kill labelqd under
 * load and then check that every line here is still in the store, so a line
 * is written only after the acknowledgement and reaches the kernel before
 * the next submit (one write(2) per line, O_APPEND so threads never
 * interleave within a line). */
#ifndef LQ_BENCH_ACKLOG_H
#define LQ_BENCH_ACKLOG_H

#include <stdint.h>

/* Opens path for appending (creating it). Returns the fd, or LQ_EIO with
 * errno set. */
int bench_acklog_open(const char *path);

/* Appends one line; fd < 0 means no log. Returns 0 or LQ_EIO. */
int bench_acklog_write(int fd, uint64_t task_id, const char *external_id, const char *annotator,
                       const char *label);

#endif
