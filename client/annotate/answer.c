/* Answers by project type for labelq-annotate; see annotate_answer.h. */
#include "client/annotate/answer.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/annotate/edit.h"
#include "client/annotate/spans.h"
#include "proto/error.h"
#include "schema/label_index.h"
#include "schema/typed_value.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_D 0x04
#define KEY_BACKSPACE 0x08
#define KEY_CTRL_S 0x13
#define KEY_CTRL_U 0x15
#define KEY_ESC 0x1b
#define KEY_DELETE 0x7f
#define ONE_KEY_CHOICES 9     /* choices 1-9 are one key each */
#define EDIT_MAX 256          /* a typed number, step or span line */
#define TEXT_DEFAULT_MAX 4096 /* the server's default max_text_bytes */

struct answer {
    const Labelq__ProjectConfig *cfg;
    Labelq__LabelType type;
    bool tty;
    line_edit edit;
    bool *on;       /* multi: n_labels flags */
    span_set spans; /* spans: this item's tokens and marks */
    char *value;    /* the last value built; owned */
    char *detail;   /* the last detail built; owned */
    char keys[256];
};

bool answer_supported(const Labelq__ProjectConfig *cfg)
{
    return cfg->type >= LABELQ__LABEL_TYPE__SINGLE && cfg->type <= LABELQ__LABEL_TYPE__SPANS;
}

static bool one_key(const answer *a)
{
    return a->cfg->n_labels <= ONE_KEY_CHOICES;
}

static size_t text_max(const answer *a)
{
    return a->cfg->max_text_bytes ? a->cfg->max_text_bytes : TEXT_DEFAULT_MAX;
}

static void describe_keys(answer *a)
{
    const Labelq__ProjectConfig *cfg = a->cfg;
    char *k = a->keys;
    size_t n = sizeof a->keys;
    switch (a->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        if (!a->tty)
            snprintf(k, n,
                     "a line of label numbers is the set (an empty line: none)   [s] skip  "
                     "[q] quit");
        else if (one_key(a))
            snprintf(k, n, "[1-%zu] toggle  [Enter] submit  [s] skip  [q] quit", cfg->n_labels);
        else
            snprintf(k, n, "a number + Enter toggles  [Enter] submit  [s] skip  [q] quit");
        break;
    case LABELQ__LABEL_TYPE__NUMERIC:
        snprintf(k, n, "a number from %g to %g%s   [s] skip  [q] quit", cfg->number_min,
                 cfg->number_max, a->tty ? ", Enter" : "");
        break;
    case LABELQ__LABEL_TYPE__TEXT:
        if (a->tty)
            snprintf(k, n,
                     "type up to %zu bytes  [Enter] submit  [Esc] clear  [Ctrl-S] skip  "
                     "[Ctrl-D] quit",
                     text_max(a));
        else
            snprintf(k, n,
                     "a line is the answer (up to %zu bytes); a line of Ctrl-S skips, of "
                     "Ctrl-D quits",
                     text_max(a));
        break;
    case LABELQ__LABEL_TYPE__SPANS:
        if (a->tty)
            snprintf(k, n,
                     "FIRST-LAST LABEL + Enter marks a span  [u] undo  [Enter] submit  "
                     "[s] skip  [q] quit");
        else
            snprintf(k, n,
                     "a line FIRST-LAST LABEL marks a span, u undoes, an empty line "
                     "submits   [s] skip  [q] quit");
        break;
    default:
        if (a->tty && !one_key(a))
            snprintf(k, n, "a number + Enter chooses   [s] skip  [q] quit");
        else
            snprintf(k, n, "[s] skip  [q] quit");
        break;
    }
}

int answer_new(const Labelq__ProjectConfig *cfg, bool tty, answer **out)
{
    answer *a = calloc(1, sizeof *a);
    if (!a)
        return LQ_ENOMEM;
    a->cfg = cfg;
    a->type = cfg->type;
    a->tty = tty;
    size_t max = a->type == LABELQ__LABEL_TYPE__TEXT ? text_max(a) : EDIT_MAX;
    if (edit_init(&a->edit, max) < 0 || !(a->on = calloc(cfg->n_labels + 1, sizeof *a->on))) {
        answer_free(a);
        return LQ_ENOMEM;
    }
    describe_keys(a);
    *out = a;
    return 0;
}

void answer_free(answer *a)
{
    if (!a)
        return;
    edit_free(&a->edit);
    spans_free(&a->spans);
    free(a->on);
    free(a->value);
    free(a->detail);
    free(a);
}

void answer_clear(answer *a)
{
    edit_clear(&a->edit);
    memset(a->on, 0, a->cfg->n_labels * sizeof *a->on);
    a->spans.n_marks = 0;
}

int answer_start(answer *a, const char *data_json, char *err, size_t errlen)
{
    answer_clear(a);
    if (a->type == LABELQ__LABEL_TYPE__SPANS)
        return spans_load(&a->spans, data_json, a->cfg, err, errlen);
    return 0;
}

const char *answer_value(const answer *a)
{
    return a->value ? a->value : "";
}

bool answer_q_line_quits(const answer *a)
{
    return a->type != LABELQ__LABEL_TYPE__TEXT;
}

static void say(answer_result *r, answer_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(answer_result *r, answer_kind kind, const char *fmt, ...)
{
    va_list ap;
    r->kind = kind;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

/* Takes v (malloc'd, NULL without memory) as the value to submit. */
static int submit_value(answer *a, char *v, answer_result *r)
{
    if (!v)
        return LQ_ENOMEM;
    free(a->value);
    a->value = v;
    r->kind = ANSWER_SUBMIT;
    return 0;
}

/* The choice numbered (from 1) or named s, into *k (0-based). A number is
 * always a position, as the screen numbers the choices. */
static bool find_choice(const answer *a, const char *s, size_t *k)
{
    size_t n = a->cfg->n_labels;
    if (isdigit((unsigned char)s[0])) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (*end || errno || v < 1 || v > n)
            return false;
        *k = (size_t)v - 1;
        return true;
    }
    int i = lq_label_index(a->cfg->labels, n, s);
    if (i < 0)
        return false;
    *k = (size_t)i;
    return true;
}

static int choose(answer *a, const char *s, answer_result *r)
{
    size_t k;
    if (!find_choice(a, s, &k)) {
        say(r, ANSWER_INVALID, "'%.40s' is not a choice: 1-%zu, s or q", s, a->cfg->n_labels);
        return 0;
    }
    return submit_value(a, strdup(a->cfg->labels[k]), r);
}

static int multi_value(answer *a, answer_result *r)
{
    uint64_t set = 0;
    char *v = NULL;
    for (size_t i = 0; i < a->cfg->n_labels && i < 64; i++)
        if (a->on[i])
            set |= (uint64_t)1 << i;
    if (lq_value_of_set(a->cfg, set, &v) < 0)
        return LQ_ENOMEM;
    return submit_value(a, v, r);
}

static void toggle(answer *a, size_t k, answer_result *r)
{
    a->on[k] = !a->on[k];
    say(r, ANSWER_CHANGED, "%s %s", a->cfg->labels[k], a->on[k] ? "on" : "off");
}

/* Checks s as the project's schema does (lq_schema); refuses it locally
 * with the schema's reason when the server would. */
static int numeric(answer *a, const char *s, answer_result *r)
{
    double x;
    char *v = NULL;
    if (!s[0]) {
        say(r, ANSWER_INVALID, "type a number from %g to %g", a->cfg->number_min,
            a->cfg->number_max);
        return 0;
    }
    if (lq_value_number(a->cfg, s, &x, r->message, sizeof r->message) < 0) {
        r->kind = ANSWER_INVALID;
        return 0;
    }
    if (lq_value_of_number(x, &v) < 0)
        return LQ_ENOMEM;
    return submit_value(a, v, r);
}

static int text(answer *a, const char *s, answer_result *r)
{
    Labelq__ProjectConfig cfg = *a->cfg;
    cfg.max_text_bytes = (uint32_t)text_max(a);
    if (!s[0])
        say(r, ANSWER_INVALID, "type the answer first (%s skips)",
            a->tty ? "Ctrl-S" : "a line of Ctrl-S");
    else if (!edit_valid_text(s))
        say(r, ANSWER_INVALID, "the answer must be UTF-8 text without control characters");
    else if (lq_value_text(&cfg, s, r->message, sizeof r->message) < 0)
        r->kind = ANSWER_INVALID;
    else
        return submit_value(a, strdup(s), r);
    return 0;
}

static int spans_line(answer *a, const char *s, answer_result *r)
{
    char *const *labels = a->cfg->labels;
    if (!s[0])
        return submit_value(a, spans_json(&a->spans, a->cfg), r);
    if (strcmp(s, "u") == 0 || strcmp(s, "U") == 0) {
        if (spans_undo(&a->spans, labels, r->message, sizeof r->message))
            r->kind = ANSWER_CHANGED;
        else
            say(r, ANSWER_INVALID, "no span to undo");
        return 0;
    }
    int rc = spans_add(&a->spans, s, labels, a->cfg->n_labels, r->message, sizeof r->message);
    if (rc == LQ_ENOMEM)
        return rc;
    r->kind = rc == 0 ? ANSWER_CHANGED : ANSWER_INVALID;
    return 0;
}

/* ---- terminal keys ---- */

/* Backspace, Esc and Ctrl-U on the line being typed. */
static bool editing_key(answer *a, unsigned char key, answer_result *r)
{
    if (key == KEY_BACKSPACE || key == KEY_DELETE)
        edit_backspace(&a->edit);
    else if (key == KEY_ESC || key == KEY_CTRL_U)
        edit_clear(&a->edit);
    else
        return false;
    r->kind = ANSWER_CHANGED;
    return true;
}

/* A typed byte into the line; a character still being typed is not shown
 * yet (half of it would draw as garbage). */
static void typed(answer *a, unsigned char key, answer_result *r)
{
    switch (edit_byte(&a->edit, key)) {
    case EDIT_OK:
        r->kind = a->edit.pending ? ANSWER_NONE : ANSWER_CHANGED;
        break;
    case EDIT_FULL:
        say(r, ANSWER_INVALID, "the answer takes at most %zu bytes", a->edit.max);
        break;
    default:
        r->kind = ANSWER_NONE; /* other control keys mean nothing here */
        break;
    }
}

static bool is_enter(unsigned char key)
{
    return key == '\r' || key == '\n';
}

static int choice_key(answer *a, unsigned char key, answer_result *r)
{
    char s[2] = {(char)key, '\0'};
    if (one_key(a) && isdigit(key))
        return choose(a, s, r);
    if (isdigit(key))
        typed(a, key, r);
    else if (is_enter(key) && a->edit.len > 0)
        return choose(a, edit_text(&a->edit), r);
    else if (!editing_key(a, key, r) && !is_enter(key))
        say(r, ANSWER_INVALID, "'%s' is not a choice: 1-%zu, s or q", isprint(key) ? s : "?",
            a->cfg->n_labels);
    return 0;
}

static int multi_key(answer *a, unsigned char key, answer_result *r)
{
    size_t k;
    if (one_key(a) && isdigit(key)) {
        char s[2] = {(char)key, '\0'};
        if (find_choice(a, s, &k))
            toggle(a, k, r);
        else
            say(r, ANSWER_INVALID, "'%c' is not a label: 1-%zu", key, a->cfg->n_labels);
    } else if (isdigit(key)) {
        typed(a, key, r);
    } else if (is_enter(key) && a->edit.len > 0) {
        if (find_choice(a, edit_text(&a->edit), &k))
            toggle(a, k, r);
        else
            say(r, ANSWER_INVALID, "'%s' is not a label: 1-%zu", a->edit.buf, a->cfg->n_labels);
        edit_clear(&a->edit);
    } else if (is_enter(key)) {
        return multi_value(a, r);
    } else if (!editing_key(a, key, r)) {
        say(r, ANSWER_INVALID, "toggle labels with their numbers, Enter submits; s skips, q quits");
    }
    return 0;
}

static int numeric_key(answer *a, unsigned char key, answer_result *r)
{
    if (is_enter(key))
        return numeric(a, edit_text(&a->edit), r);
    if (key && strchr("0123456789.-+eE", key))
        typed(a, key, r);
    else if (!editing_key(a, key, r))
        say(r, ANSWER_INVALID, "type a number from %g to %g, then Enter; s skips, q quits",
            a->cfg->number_min, a->cfg->number_max);
    return 0;
}

static int spans_key(answer *a, unsigned char key, answer_result *r)
{
    if (a->edit.len == 0 && (key == 's' || key == 'S'))
        r->kind = ANSWER_SKIP;
    else if (a->edit.len == 0 && (key == 'q' || key == 'Q'))
        r->kind = ANSWER_QUIT;
    else if (a->edit.len == 0 && (key == 'u' || key == 'U'))
        return spans_line(a, "u", r);
    else if (is_enter(key)) {
        int rc = spans_line(a, edit_text(&a->edit), r);
        if (rc == 0 && r->kind == ANSWER_CHANGED)
            edit_clear(&a->edit);
        return rc;
    } else if (!editing_key(a, key, r))
        typed(a, key, r);
    return 0;
}

int answer_key(answer *a, unsigned char key, answer_result *r)
{
    r->kind = ANSWER_NONE;
    r->message[0] = '\0';
    if (key == KEY_CTRL_C || key == KEY_CTRL_D) {
        r->kind = ANSWER_QUIT;
        return 0;
    }
    if (a->type == LABELQ__LABEL_TYPE__TEXT) {
        if (key == KEY_CTRL_S)
            r->kind = ANSWER_SKIP;
        else if (is_enter(key))
            return text(a, edit_text(&a->edit), r);
        else if (!editing_key(a, key, r))
            typed(a, key, r);
        return 0;
    }
    if (a->type == LABELQ__LABEL_TYPE__SPANS)
        return spans_key(a, key, r);
    if (key == 's' || key == 'S') {
        r->kind = ANSWER_SKIP;
        return 0;
    }
    if (key == 'q' || key == 'Q') {
        r->kind = ANSWER_QUIT;
        return 0;
    }
    switch (a->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        return multi_key(a, key, r);
    case LABELQ__LABEL_TYPE__NUMERIC:
        return numeric_key(a, key, r);
    default:
        return choice_key(a, key, r);
    }
}

/* ---- lines on a pipe ---- */

static int multi_line(answer *a, const char *s, answer_result *r)
{
    char word[EDIT_MAX];
    memset(a->on, 0, a->cfg->n_labels * sizeof *a->on);
    while (*s) {
        size_t n = strcspn(s, " \t,");
        size_t k;
        if (n > 0) {
            snprintf(word, sizeof word, "%.*s", (int)n, s);
            if (!find_choice(a, word, &k)) {
                say(r, ANSWER_INVALID, "'%.40s' is not a label: 1-%zu", word, a->cfg->n_labels);
                return 0;
            }
            a->on[k] = !a->on[k];
        }
        s += n;
        s += strspn(s, " \t,");
    }
    return multi_value(a, r);
}

int answer_line(answer *a, const char *line, answer_result *r)
{
    char s[EDIT_MAX];
    r->kind = ANSWER_NONE;
    r->message[0] = '\0';
    if (a->type == LABELQ__LABEL_TYPE__TEXT) {
        if (strcmp(line, "\x13") == 0)
            r->kind = ANSWER_SKIP;
        else if (strcmp(line, "\x04") == 0)
            r->kind = ANSWER_QUIT;
        else if (line[0])
            return text(a, line, r);
        return 0;
    }
    size_t start = strspn(line, " \t"), len = strlen(line + start);
    while (len > 0 && isspace((unsigned char)line[start + len - 1]))
        len--;
    if (len >= sizeof s) {
        say(r, ANSWER_INVALID, "the line is longer than %zu bytes", sizeof s - 1);
        return 0;
    }
    memcpy(s, line + start, len);
    s[len] = '\0';
    if (strcmp(s, "s") == 0 || strcmp(s, "S") == 0)
        r->kind = ANSWER_SKIP;
    else if (strcmp(s, "q") == 0 || strcmp(s, "Q") == 0)
        r->kind = ANSWER_QUIT;
    else if (a->type == LABELQ__LABEL_TYPE__MULTI)
        return multi_line(a, s, r);
    else if (a->type == LABELQ__LABEL_TYPE__SPANS)
        return spans_line(a, s, r);
    else if (!s[0])
        return 0; /* blank lines carry no decision */
    else if (a->type == LABELQ__LABEL_TYPE__NUMERIC)
        return numeric(a, s, r);
    else
        return choose(a, s, r);
    return 0;
}

int answer_view_get(answer *a, answer_view *v)
{
    memset(v, 0, sizeof *v);
    v->keys = a->keys;
    v->detail = "";
    if (a->type != LABELQ__LABEL_TYPE__NUMERIC && a->type != LABELQ__LABEL_TYPE__TEXT) {
        v->choices = a->cfg->labels;
        v->n_choices = a->cfg->n_labels;
    }
    if (a->type == LABELQ__LABEL_TYPE__MULTI)
        v->on = a->on;
    bool editing = a->type == LABELQ__LABEL_TYPE__NUMERIC || a->type == LABELQ__LABEL_TYPE__TEXT ||
                   a->type == LABELQ__LABEL_TYPE__SPANS || !one_key(a);
    if (a->tty && editing)
        v->edit = a->edit.buf;
    if (a->type == LABELQ__LABEL_TYPE__SPANS) {
        free(a->detail);
        if (!(a->detail = spans_describe(&a->spans, a->cfg->labels)))
            return LQ_ENOMEM;
        v->detail = a->detail;
    }
    return 0;
}
