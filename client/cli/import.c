/* labelq import: stream a JSONL file into a batch of a project in chunks,
 * with a few chunks in flight so that the server's disk and the network
 * overlap. */
#include "client/cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/frame.h"

#define CHUNK_MAX_BYTES (1024 * 1024) /* big enough to amortize a commit */
#define CHUNK_MAX_LINES 1000
#define WINDOW 4         /* chunks in flight: enough to hide a round trip */
#define SHOW_REJECTED 20 /* rejected lines listed; the rest are counted */
/* Worst-case protobuf framing around a chunk holding one line: field tags,
 * varint lengths, request id, priority and line number. */
#define ENVELOPE_SLACK 64
/* A batch name: 1-64 of [A-Za-z0-9_.@-] (the server's rule). The default
 * one is the file's base name, cut to leave room for the stamp. */
#define BATCH_NAME_MAX 64
#define BATCH_STAMP_FORMAT "-%Y%m%d-%H%M%S"
#define BATCH_STAMP_LEN 16 /* "-YYYYMMDD-HHMMSS" */

static const char usage[] =
    "Usage: labelq import PROJECT FILE.jsonl [--batch NAME [--append]] [--priority P]\n"
    "\n"
    "Load items into a new batch of PROJECT, one JSON object per line (FILE -\n"
    "reads stdin). Blank lines are skipped. Items whose id is already in the\n"
    "project are skipped, so re-running an interrupted import is safe. A\n"
    "progress bar is shown when stderr is a terminal. Prints \"imported N,\n"
    "skipped M (already present), rejected R into batch NAME\" and lists\n"
    "rejected lines on stderr; exits 1 if any line was rejected.\n"
    "\n"
    "  -b, --batch NAME   the batch to create: 1-64 of A-Z a-z 0-9 _ . @ -\n"
    "                     (default: the file's name and the UTC time, e.g.\n"
    "                     items.jsonl-20250131-140217; stdin-... for -)\n"
    "  -a, --append       add to batch NAME if it exists (else it is an error)\n"
    "  -p, --priority P   the batch's priority, a whole number (default 0):\n"
    "                     batches with a higher one are served first. Inside a\n"
    "                     batch, items keep their own \"priority\", then file order.\n"
    "                     With --append, sets the existing batch's priority.\n"
    "\n" CLI_GLOBAL_HELP;

typedef struct rejection {
    uint64_t line_no;
    char *message;
} rejection;

typedef struct import {
    cli *g;
    const char *project;
    const char *batch; /* --batch, else default_batch */
    char default_batch[BATCH_NAME_MAX + 1];
    bool append;
    bool has_priority;
    int32_t priority;
    FILE *in;
    const char *source; /* the file's name for messages */
    uint64_t line_no;
    size_t line_budget;
    bool eof;
    Labelq__ImportLine held; /* read, but did not fit the previous chunk */
    Labelq__ImportLine lines[CHUNK_MAX_LINES];
    Labelq__ImportLine *line_ptrs[CHUNK_MAX_LINES];
    size_t n, bytes;         /* the chunk being filled */
    uint64_t window[WINDOW]; /* ids of chunks in flight */
    size_t inflight;
    uint64_t imported, skipped, rejected;
    rejection shown[SHOW_REJECTED]; /* lowest line numbers first */
    size_t nshown;
    cli_progress progress;
} import;

static int import_option(void *ctx, int opt, const char *arg)
{
    import *im = ctx;
    switch (opt) {
    case 'p':
        im->has_priority = true;
        return cli_parse_priority("--priority", arg, &im->priority);
    case 'b':
        im->batch = arg;
        return cli_check_batch_name(arg);
    case 'a':
        im->append = true;
        return 0;
    default:
        return CLI_USAGE;
    }
}

/* The batch name when none is given: the file's base name (or "stdin")
 * with characters a batch name may not hold made '_', cut so that the UTC
 * time of the import fits after it. Cannot fail. */
static void default_batch_name(char *buf, const char *source, time_t now)
{
    const char *slash = strrchr(source, '/');
    const char *base = slash ? slash + 1 : source;
    size_t n = 0;
    if (*base == '\0')
        base = "import"; /* "dir/": there is no name to take */
    for (; base[n] && n < BATCH_NAME_MAX - BATCH_STAMP_LEN; n++)
        buf[n] = cli_batch_name_char(base[n]) ? base[n] : '_';
    struct tm tm;
    strftime(buf + n, BATCH_NAME_MAX + 1 - n, BATCH_STAMP_FORMAT, gmtime_r(&now, &tm));
}

/* Records a rejected line, keeping the SHOW_REJECTED lowest line numbers
 * (chunks may be answered out of order). Returns 0 or an exit status. */
static int note_rejection(import *im, uint64_t line_no, const char *message)
{
    im->rejected++;
    size_t at = im->nshown;
    while (at > 0 && im->shown[at - 1].line_no > line_no)
        at--;
    if (at == SHOW_REJECTED)
        return 0;
    char *copy = strdup(message);
    if (!copy)
        return cli_fail("out of memory");
    if (im->nshown == SHOW_REJECTED)
        free(im->shown[--im->nshown].message);
    memmove(&im->shown[at + 1], &im->shown[at], (im->nshown - at) * sizeof(im->shown[0]));
    im->shown[at] = (rejection){line_no, copy};
    im->nshown++;
    return 0;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return false;
    return true;
}

/* Reads the next line worth sending into *out (which then owns the text).
 * Returns 1, 0 at end of input, or -1 after reporting a failure. Lines that
 * can never be sent are rejected here, never sent. */
static int read_line(import *im, Labelq__ImportLine *out)
{
    for (;;) {
        char *text = NULL;
        size_t cap = 0;
        ssize_t got = getline(&text, &cap, im->in);
        if (got < 0) {
            free(text);
            if (ferror(im->in)) {
                cli_fail("cannot read %s: %s", im->source, strerror(errno));
                return -1;
            }
            return 0;
        }
        size_t len = (size_t)got;
        im->line_no++;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
        const char *why = NULL;
        char msg[128];
        if (is_blank(text, len)) {
            free(text);
            continue;
        }
        if (strlen(text) != len) {
            why = "contains a NUL byte (not valid JSON text)";
        } else if (len > im->line_budget) {
            snprintf(msg, sizeof(msg), "%zu bytes, over the %zu-byte limit for one line", len,
                     im->line_budget);
            why = msg;
        }
        if (why) {
            free(text);
            if (note_rejection(im, im->line_no, why) != 0)
                return -1;
            continue;
        }
        *out = (Labelq__ImportLine)LABELQ__IMPORT_LINE__INIT;
        out->line_no = im->line_no;
        out->json = text;
        return 1;
    }
}

/* Fills the chunk up to CHUNK_MAX_LINES lines or CHUNK_MAX_BYTES bytes; a
 * line that would overflow the bytes waits in im->held for the next one.
 * Returns 0 or an exit status. */
static int fill_chunk(import *im)
{
    while (im->n < CHUNK_MAX_LINES) {
        if (!im->held.json) {
            if (im->eof)
                break;
            int rc = read_line(im, &im->held);
            if (rc < 0)
                return CLI_FAIL;
            if (rc == 0)
                im->eof = true;
            continue;
        }
        size_t len = strlen(im->held.json);
        if (im->n > 0 && im->bytes + len > CHUNK_MAX_BYTES)
            break;
        im->lines[im->n] = im->held;
        im->line_ptrs[im->n] = &im->lines[im->n];
        im->held.json = NULL;
        im->n++;
        im->bytes += len;
    }
    return 0;
}

static void clear_chunk(import *im)
{
    for (size_t i = 0; i < im->n; i++)
        free(im->lines[i].json);
    im->n = im->bytes = 0;
}

/* Sends the filled chunk and adds it to the window. Returns 0, or CLI_FAIL
 * after reporting. */
static int send_chunk(import *im)
{
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    Labelq__Envelope req = LABELQ__ENVELOPE__INIT;
    chunk.project = (char *)im->project;
    chunk.batch = (char *)im->batch;
    chunk.lines = im->line_ptrs;
    chunk.n_lines = im->n;
    req.body_case = LABELQ__ENVELOPE__BODY_IMPORT_CHUNK;
    req.import_chunk = &chunk;
    int rc = lq_client_send(im->g->client, &req, &im->window[im->inflight]);
    clear_chunk(im);
    if (rc < 0)
        return cli_fail_call(im->g, "import");
    im->inflight++;
    return 0;
}

/* Takes one ImportReply off the window into the totals. Returns 0, or
 * CLI_FAIL after reporting. */
static int take_reply(import *im)
{
    Labelq__Envelope *env = NULL;
    if (lq_client_recv(im->g->client, &env, -1) < 0)
        return cli_fail_call(im->g, "import");
    int rc = 0;
    size_t slot = 0;
    while (slot < im->inflight && im->window[slot] != env->id)
        slot++;
    if (slot == im->inflight) /* a push (id 0), not ours */
        goto out;
    im->window[slot] = im->window[--im->inflight];
    if (env->body_case == LABELQ__ENVELOPE__BODY_ERROR) {
        /* Earlier chunks are committed; say so, since that decides what to do next. */
        rc = cli_fail("import into %s: %s (%llu items imported into batch %s before this; "
                      "re-running with --batch %s --append skips them and adds the rest)",
                      im->project, env->error->message, (unsigned long long)im->imported, im->batch,
                      im->batch);
        goto out;
    }
    if (env->body_case != LABELQ__ENVELOPE__BODY_IMPORT_REPLY) {
        rc = cli_fail("import into %s: the server answered with a message that is not an "
                      "import reply",
                      im->project);
        goto out;
    }
    const Labelq__ImportReply *r = env->import_reply;
    im->imported += r->imported;
    im->skipped += r->skipped;
    for (size_t i = 0; i < r->n_rejected && rc == 0; i++)
        if (note_rejection(im, r->rejected[i]->line_no, r->rejected[i]->message) != 0)
            rc = CLI_FAIL;
out:
    labelq__envelope__free_unpacked(env, NULL);
    return rc;
}

/* Reads, sends and collects until the input is done and the window empty. */
static int run(import *im)
{
    while (!im->eof || im->held.json || im->n > 0 || im->inflight > 0) {
        int rc;
        if (im->inflight < WINDOW && (!im->eof || im->held.json || im->n > 0)) {
            rc = fill_chunk(im);
            if (rc == 0 && im->n > 0)
                rc = send_chunk(im);
        } else {
            rc = take_reply(im);
            long long pos = ftello(im->in);
            cli_progress_update(&im->progress, pos, im->imported + im->skipped);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int summarize(import *im)
{
    printf("imported %llu, skipped %llu (already present), rejected %llu into batch %s\n",
           (unsigned long long)im->imported, (unsigned long long)im->skipped,
           (unsigned long long)im->rejected, im->batch);
    fflush(stdout);
    for (size_t i = 0; i < im->nshown; i++)
        fprintf(stderr, "line %llu: %s\n", (unsigned long long)im->shown[i].line_no,
                im->shown[i].message);
    if (im->rejected > im->nshown)
        fprintf(stderr, "... and %llu more\n", (unsigned long long)(im->rejected - im->nshown));
    return im->rejected > 0 ? CLI_FAIL : CLI_OK;
}

int cli_import(cli *g, int argc, char **argv)
{
    static const struct option opts[] = {{"priority", required_argument, NULL, 'p'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"append", no_argument, NULL, 'a'},
                                         CLI_GLOBAL_OPTIONS,
                                         {0}};
    Labelq__BatchInfo *info = NULL;
    int args;
    import *im = calloc(1, sizeof(*im));
    if (!im)
        return cli_fail("out of memory");
    int rc = cli_parse(g, argc, argv, "p:b:ah", opts, usage, import_option, im, &args);
    if (rc != CLI_GO_ON)
        goto out;
    rc = CLI_USAGE;
    if (argc - args != 2) {
        cli_usage_error(usage, "import takes PROJECT and FILE");
        goto out;
    }
    if (im->append && !im->batch) {
        cli_usage_error(usage, "--append needs --batch NAME (the batch to add to)");
        goto out;
    }
    im->g = g;
    im->project = argv[args];
    im->source = argv[args + 1];
    rc = CLI_FAIL;
    if (strcmp(im->source, "-") == 0) {
        im->in = stdin;
        im->source = "stdin";
    } else if (!(im->in = fopen(im->source, "r"))) {
        cli_fail("cannot open %s: %s", im->source, strerror(errno));
        goto out;
    }
    if (!im->batch) {
        default_batch_name(im->default_batch, im->source, time(NULL));
        im->batch = im->default_batch;
    }
    im->line_budget =
        LQ_FRAME_DEFAULT_MAX - ENVELOPE_SLACK - strlen(im->project) - strlen(im->batch);
    if (!cli_connect(g))
        goto out;
    /* First the batch, so that a name taken (or canceled) fails before
     * any item is sent. */
    if (lq_batch_create(g->client, im->project, im->batch, im->has_priority ? &im->priority : NULL,
                        im->append, &info) < 0) {
        cli_fail("import into %s: batch %s: %s", im->project, im->batch,
                 lq_client_error(g->client));
        goto out;
    }
    cli_progress_start(&im->progress, "importing", im->in);
    rc = run(im);
    cli_progress_end(&im->progress);
    if (rc == 0)
        rc = summarize(im);
out:
    if (info)
        labelq__batch_info__free_unpacked(info, NULL);
    if (im->in && im->in != stdin)
        fclose(im->in);
    clear_chunk(im);
    free(im->held.json);
    for (size_t i = 0; i < im->nshown; i++)
        free(im->shown[i].message);
    free(im);
    return rc;
}
