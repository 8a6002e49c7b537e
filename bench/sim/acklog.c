/* Acknowledgement log for labelq-bench; see bench_acklog.h. */
#include "bench/sim/acklog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "proto/error.h"

int bench_acklog_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd < 0 ? LQ_EIO : fd;
}

int bench_acklog_write(int fd, uint64_t task_id, const char *external_id, const char *annotator,
                       const char *label)
{
    if (fd < 0)
        return 0;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "task_id", (json_int_t)task_id, "id",
                          external_id, "annotator", annotator, "label", label);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        return LQ_ENOMEM;
    size_t n = strlen(text);
    text[n++] = '\n'; /* replaces the NUL; the length is known */
    int rc = LQ_EIO;
    /* One write per line: a short write to a regular file means the disk
     * is full, which the caller reports. */
    for (;;) {
        ssize_t w = write(fd, text, n);
        if (w == (ssize_t)n)
            rc = 0;
        else if (w < 0 && errno == EINTR)
            continue;
        break;
    }
    free(text);
    return rc;
}
