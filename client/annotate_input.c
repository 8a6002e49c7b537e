/* Keyboard and line input for labelq-annotate; see annotate_input.h. */
#include "annotate_input.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/error.h"

#define INPUT_BUF 4096
#define KEY_CTRL_C 0x03
#define KEY_CTRL_D 0x04

struct annotate_input {
    bool tty;
    bool eof;
    size_t len; /* bytes buffered in buf */
    char buf[INPUT_BUF];
};

int input_open(bool tty, annotate_input **out)
{
    annotate_input *in = calloc(1, sizeof *in);
    if (!in)
        return LQ_ENOMEM;
    in->tty = tty;
    *out = in;
    return 0;
}

void input_close(annotate_input *in)
{
    free(in);
}

/* Reads what fd 0 has within timeout_ms into the buffer. Returns 1 when
 * something arrived (or end of input), 0 on timeout or signal, LQ_EIO. */
static int fill(annotate_input *in, int timeout_ms)
{
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    ssize_t n;
    int r;
    if (in->eof)
        return 1;
    if (in->len == sizeof in->buf)
        in->len = 0; /* a line longer than the buffer is garbage; drop it */
    r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : LQ_EIO;
    if (r == 0)
        return 0;
    n = read(STDIN_FILENO, in->buf + in->len, sizeof in->buf - in->len);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : LQ_EIO;
    if (n == 0)
        in->eof = true;
    in->len += (size_t)n;
    return 1;
}

static void consume(annotate_input *in, size_t n)
{
    memmove(in->buf, in->buf + n, in->len - n);
    in->len -= n;
}

/* Maps a key or a trimmed line to a decision. */
static void decide(const char *word, size_t n_labels, input_decision *d)
{
    char *end;
    unsigned long k;
    d->kind = INPUT_INVALID;
    snprintf(d->text, sizeof d->text, "%s", word);
    if (strcmp(word, "q") == 0 || strcmp(word, "Q") == 0) {
        d->kind = INPUT_QUIT;
        return;
    }
    if (strcmp(word, "s") == 0 || strcmp(word, "S") == 0) {
        d->kind = INPUT_SKIP;
        return;
    }
    if (!isdigit((unsigned char)word[0]))
        return;
    errno = 0;
    k = strtoul(word, &end, 10);
    if (errno || *end || k < 1 || k > n_labels)
        return;
    d->kind = INPUT_LABEL;
    d->label = k - 1;
}

static void next_key(annotate_input *in, size_t n_labels, input_decision *d)
{
    unsigned char key = (unsigned char)in->buf[0];
    char word[2] = {(char)key, '\0'};
    consume(in, 1);
    if (key == KEY_CTRL_C || key == KEY_CTRL_D) {
        d->kind = INPUT_QUIT;
        return;
    }
    if (key == 0x1b || !isprint(key)) {
        /* Arrow keys and friends arrive as escape sequences: ignore. */
        d->kind = INPUT_NONE;
        return;
    }
    decide(word, n_labels, d);
}

/* Takes the next complete line (or the unterminated rest at end of input)
 * out of the buffer, trimmed. Returns false when there is none yet. */
static bool take_line(annotate_input *in, char *line, size_t cap)
{
    char *nl = memchr(in->buf, '\n', in->len);
    size_t n = nl ? (size_t)(nl - in->buf) : in->len;
    size_t start = 0, stop = n;
    if (!nl && !(in->eof && in->len > 0))
        return false;
    while (start < stop && isspace((unsigned char)in->buf[start]))
        start++;
    while (stop > start && isspace((unsigned char)in->buf[stop - 1]))
        stop--;
    if (stop - start >= cap)
        stop = start + cap - 1;
    memcpy(line, in->buf + start, stop - start);
    line[stop - start] = '\0';
    consume(in, nl ? n + 1 : n);
    return true;
}

static bool next_line(annotate_input *in, size_t n_labels, input_decision *d)
{
    char line[sizeof d->text];
    while (take_line(in, line, sizeof line)) {
        if (line[0] == '\0')
            continue; /* blank lines carry no decision */
        decide(line, n_labels, d);
        return true;
    }
    if (in->eof && in->len == 0) {
        d->kind = INPUT_QUIT;
        return true;
    }
    return false;
}

int input_next(annotate_input *in, size_t n_labels, int timeout_ms, input_decision *d)
{
    int r;
    d->kind = INPUT_NONE;
    d->text[0] = '\0';
    if (in->tty && in->len > 0) {
        next_key(in, n_labels, d);
        return 0;
    }
    if (!in->tty && next_line(in, n_labels, d))
        return 0;
    if ((r = fill(in, timeout_ms)) <= 0)
        return r;
    if (in->tty) {
        if (in->eof && in->len == 0)
            d->kind = INPUT_QUIT;
        else if (in->len > 0)
            next_key(in, n_labels, d);
        return 0;
    }
    next_line(in, n_labels, d);
    return 0;
}

/* Whether the buffered input starts with a quit: a q key, or a "q" line
 * after any blank lines. */
static bool pending_quit(const annotate_input *in)
{
    size_t i = 0;
    if (in->tty) {
        for (; i < in->len; i++) {
            char k = in->buf[i];
            if (k == 'q' || k == 'Q' || k == KEY_CTRL_C || k == KEY_CTRL_D)
                return true;
        }
        return false;
    }
    while (i < in->len && isspace((unsigned char)in->buf[i]))
        i++;
    if (i == in->len || (in->buf[i] != 'q' && in->buf[i] != 'Q'))
        return false;
    for (i++; i < in->len && in->buf[i] != '\n'; i++) {
        if (!isspace((unsigned char)in->buf[i]))
            return false;
    }
    return i < in->len || in->eof;
}

bool input_wants_quit(annotate_input *in)
{
    while (!in->eof && in->len < sizeof in->buf && fill(in, 0) == 1)
        ;
    if (in->eof && in->len == 0)
        return true;
    if (in->tty && !pending_quit(in)) {
        in->len = 0; /* keys pressed with nothing on screen mean nothing */
        return in->eof;
    }
    return pending_quit(in);
}
