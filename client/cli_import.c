/* labelq import: stream a JSONL file to the server in chunks, with a few
 * chunks in flight so that the server's disk and the network overlap. */
#include "client/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"

#define CHUNK_MAX_BYTES (1024 * 1024) /* big enough to amortize a commit */
#define CHUNK_MAX_LINES 1000
#define WINDOW 4         /* chunks in flight: enough to hide a round trip */
#define SHOW_REJECTED 20 /* rejected lines listed; the rest are counted */
/* Worst-case protobuf framing around a chunk holding one line: field tags,
 * varint lengths, request id, priority and line number. */
#define ENVELOPE_SLACK 64

static const char usage[] =
    "Usage: labelq import PROJECT FILE.jsonl [--priority P]\n"
    "\n"
    "Load items into PROJECT, one JSON object per line (FILE - reads stdin).\n"
    "Blank lines are skipped. Items whose id is already in the project are\n"
    "skipped, so re-running an interrupted import is safe. A progress bar is\n"
    "shown when stderr is a terminal. Prints \"imported N, skipped M (already\n"
    "present), rejected R\" and lists rejected lines on stderr; exits 1 if any\n"
    "line was rejected.\n"
    "\n"
    "  -p, --priority P   priority for every item (higher is served first),\n"
    "                     overriding the lines' own\n"
    "\n" CLI_GLOBAL_HELP;

typedef struct rejection {
    uint64_t line_no;
    char *message;
} rejection;

typedef struct import {
    cli *g;
    const char *project;
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

static int priority_option(void *ctx, int opt, const char *arg)
{
    import *im = ctx;
    char *end;
    if (opt != 'p')
        return CLI_USAGE;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || errno || v < INT32_MIN || v > INT32_MAX)
        return cli_bad_arg("--priority must be a whole number, not '%s'", arg);
    im->has_priority = true;
    im->priority = (int32_t)v;
    return 0;
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
    chunk.lines = im->line_ptrs;
    chunk.n_lines = im->n;
    chunk.has_priority = im->has_priority;
    chunk.priority = im->priority;
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
        rc = cli_fail("import into %s: %s (%llu items imported before this; re-running "
                      "skips them)",
                      im->project, env->error->message, (unsigned long long)im->imported);
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
    printf("imported %llu, skipped %llu (already present), rejected %llu\n",
           (unsigned long long)im->imported, (unsigned long long)im->skipped,
           (unsigned long long)im->rejected);
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
    static const struct option opts[] = {
        {"priority", required_argument, NULL, 'p'}, CLI_GLOBAL_OPTIONS, {0}};
    int args;
    import *im = calloc(1, sizeof(*im));
    if (!im)
        return cli_fail("out of memory");
    int rc = cli_parse(g, argc, argv, "p:h", opts, usage, priority_option, im, &args);
    if (rc != CLI_GO_ON)
        goto out;
    rc = CLI_USAGE;
    if (argc - args != 2) {
        cli_usage_error(usage, "import takes PROJECT and FILE");
        goto out;
    }
    im->g = g;
    im->project = argv[args];
    im->source = argv[args + 1];
    im->line_budget = LQ_FRAME_DEFAULT_MAX - ENVELOPE_SLACK - strlen(im->project);
    rc = CLI_FAIL;
    if (strcmp(im->source, "-") == 0) {
        im->in = stdin;
        im->source = "stdin";
    } else if (!(im->in = fopen(im->source, "r"))) {
        cli_fail("cannot open %s: %s", im->source, strerror(errno));
        goto out;
    }
    if (!cli_connect(g))
        goto out;
    cli_progress_start(&im->progress, "importing", im->in);
    rc = run(im);
    cli_progress_end(&im->progress);
    if (rc == 0)
        rc = summarize(im);
out:
    if (im->in && im->in != stdin)
        fclose(im->in);
    clear_chunk(im);
    free(im->held.json);
    for (size_t i = 0; i < im->nshown; i++)
        free(im->shown[i].message);
    free(im);
    return rc;
}
