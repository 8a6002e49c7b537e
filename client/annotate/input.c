/* Keyboard and line input for labelq-annotate; see annotate_input.h. */
#include "client/annotate/input.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/error.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_D 0x04
#define KEY_ESC 0x1b

struct annotate_input {
    bool tty;
    bool eof;
    bool dropping; /* the buffer overflowed inside a line: drop up to its end */
    size_t len;    /* bytes buffered in buf */
    char buf[INPUT_MAX_LINE];
    char line[INPUT_MAX_LINE]; /* the last line handed out */
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
    if (in->len == sizeof in->buf) {
        in->len = 0; /* a line longer than the buffer is garbage; drop it */
        in->dropping = true;
    }
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

/* The length of the escape sequence at the start of the buffer (ESC [ ...
 * final byte, or ESC O x), or 0 when it is a lone Esc. */
static size_t escape_length(const annotate_input *in)
{
    if (in->len < 2 || (in->buf[1] != '[' && in->buf[1] != 'O'))
        return 0;
    if (in->buf[1] == 'O')
        return in->len < 3 ? in->len : 3;
    for (size_t i = 2; i < in->len; i++) {
        unsigned char c = (unsigned char)in->buf[i];
        if (c >= 0x40 && c <= 0x7E)
            return i + 1;
    }
    return in->len;
}

static void next_key(annotate_input *in, input_event *ev)
{
    size_t esc = in->buf[0] == KEY_ESC ? escape_length(in) : 0;
    if (esc > 0) {
        consume(in, esc); /* arrow keys and friends mean nothing here */
        ev->kind = INPUT_NONE;
        return;
    }
    ev->kind = INPUT_KEY;
    ev->key = (unsigned char)in->buf[0];
    consume(in, 1);
}

/* Takes the next complete line (or the unterminated rest at end of input)
 * out of the buffer, without its "\n" or "\r\n". Returns false when there
 * is none yet. */
static bool take_line(annotate_input *in)
{
    char *nl = memchr(in->buf, '\n', in->len);
    size_t n = nl ? (size_t)(nl - in->buf) : in->len;
    if (!nl && !(in->eof && in->len > 0))
        return false;
    if (in->dropping) {
        consume(in, nl ? n + 1 : n);
        in->dropping = false;
        return take_line(in);
    }
    memcpy(in->line, in->buf, n);
    consume(in, nl ? n + 1 : n);
    if (n > 0 && in->line[n - 1] == '\r')
        n--;
    in->line[n] = '\0';
    return true;
}

static bool next_line(annotate_input *in, input_event *ev)
{
    if (take_line(in)) {
        ev->kind = INPUT_LINE;
        ev->line = in->line;
        return true;
    }
    if (in->eof && in->len == 0) {
        ev->kind = INPUT_END;
        return true;
    }
    return false;
}

int input_next(annotate_input *in, int timeout_ms, input_event *ev)
{
    int r;
    ev->kind = INPUT_NONE;
    ev->line = NULL;
    if (in->tty && in->len > 0) {
        next_key(in, ev);
        return 0;
    }
    if (!in->tty && next_line(in, ev))
        return 0;
    if ((r = fill(in, timeout_ms)) <= 0)
        return r;
    if (in->tty) {
        if (in->eof && in->len == 0)
            ev->kind = INPUT_END;
        else if (in->len > 0)
            next_key(in, ev);
        return 0;
    }
    next_line(in, ev);
    return 0;
}

/* Whether the first pending line, after any blank ones, is word (and
 * complete). */
static bool pending_line_is(const annotate_input *in, const char *word)
{
    size_t i = 0, n = strlen(word);
    while (i < in->len && isspace((unsigned char)in->buf[i]))
        i++;
    if (in->len - i < n || memcmp(in->buf + i, word, n) != 0)
        return false;
    for (i += n; i < in->len && in->buf[i] != '\n'; i++) {
        if (!isspace((unsigned char)in->buf[i]))
            return false;
    }
    return i < in->len || in->eof;
}

/* Whether the buffered input starts with a quit. */
static bool pending_quit(const annotate_input *in, bool q_line_quits)
{
    if (in->tty) {
        for (size_t i = 0; i < in->len; i++) {
            char k = in->buf[i];
            if (k == 'q' || k == 'Q' || k == KEY_CTRL_C || k == KEY_CTRL_D)
                return true;
        }
        return false;
    }
    if (pending_line_is(in, "\x04"))
        return true;
    return q_line_quits && (pending_line_is(in, "q") || pending_line_is(in, "Q"));
}

bool input_wants_quit(annotate_input *in, bool q_line_quits)
{
    while (!in->eof && in->len < sizeof in->buf && fill(in, 0) == 1)
        ;
    if (in->eof && in->len == 0)
        return true;
    if (in->tty && !pending_quit(in, q_line_quits)) {
        in->len = 0; /* keys pressed with nothing on screen mean nothing */
        return in->eof;
    }
    return pending_quit(in, q_line_quits);
}
