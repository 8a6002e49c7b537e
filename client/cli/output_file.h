/* Where export and backup write: the one rule for an output path (docs/cli.md,
 * "Output files"). A regular file, or a path that does not exist yet, is
 * written as PATH.tmp and renamed over PATH only when complete, so it is
 * never half-written; a symbolic link is followed and that rule applied to
 * its target, in the target's directory, so the link stays a link; a
 * device, FIFO or other file that is not regular is written in place;
 * /dev/stdout, /dev/stderr and /dev/fd/N are the descriptor labelq has open;
 * a directory is refused. */
#ifndef LQ_CLI_OUTPUT_FILE_H
#define LQ_CLI_OUTPUT_FILE_H

#include <stdio.h>
#include <sys/types.h>

typedef struct cli_output {
    FILE *f;          /* write here */
    const char *name; /* what f writes, for messages: a path, or "stdout" */
    char *target;     /* the file renamed over at the end; NULL when in place */
    char *tmp;        /* target.tmp while it is written; NULL when in place */
} cli_output;

/* Opens path for output by the rule above (NULL or "-": stdout). A temp
 * file is created with mode (less the umask). Returns CLI_OK, or CLI_FAIL
 * having printed why, with nothing left open or created. */
int cli_output_open(cli_output *o, const char *path, mode_t mode);

/* Completes the output: flushes it and, for a temp file, syncs it and
 * renames it over its target. Returns CLI_OK, or CLI_FAIL having printed why
 * (then the temp file is removed and the target untouched). Either way o is
 * closed. */
int cli_output_commit(cli_output *o);

/* Gives the output up: closes it and removes the temp file, leaving the
 * target as it was. Cannot fail; does nothing on an output already closed. */
void cli_output_discard(cli_output *o);

#endif
