/* Label schemas in the admin CLI; see cli_schema.h. */
#include "client/cli/schema.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/cli.h"
#include "schema/label_index.h"
#include "schema/label_value.h"

/* The server's limits (schema/label_value.h), checked here so that a typo
 * fails before a round trip, naming the flag. */
#define MAX_SCALE_STEPS LQ_MAX_LABELS
#define MAX_TEXT_LIMIT LQ_MAX_TEXT_LIMIT
#define MAX_FIELD_LEN LQ_MAX_NAME_LEN

const char *cli_schema_type_name(Labelq__LabelType t)
{
    return lq_label_type_name(t);
}

bool cli_schema_indexed(Labelq__LabelType t)
{
    return t == LABELQ__LABEL_TYPE__SINGLE || t == LABELQ__LABEL_TYPE__ORDINAL;
}

static void free_labels(char **labels, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

void cli_schema_free(cli_schema *s)
{
    free_labels(s->labels, s->n_labels);
    s->labels = NULL;
    s->n_labels = 0;
}

/* Splits "a, b,c" (the value of flag) into trimmed labels, refusing empty
 * and repeated ones. Returns 0 or CLI_USAGE / CLI_FAIL having reported. */
static int split_labels(const char *flag, const char *spec, char ***out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = spec; *p; p++)
        cap += *p == ',';
    char **labels = calloc(cap, sizeof(*labels));
    if (!labels)
        return cli_fail("out of memory");
    *n = 0;
    for (const char *p = spec;; p++) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && *p == ' ')
            p++;
        const char *e = end;
        while (e > p && e[-1] == ' ')
            e--;
        if (e == p) {
            free_labels(labels, *n);
            return cli_bad_arg("%s has an empty label in '%s'", flag, spec);
        }
        labels[*n] = strndup(p, (size_t)(e - p));
        if (!labels[*n]) {
            free_labels(labels, *n);
            return cli_fail("out of memory");
        }
        if (lq_label_index(labels, *n, labels[*n]) >= 0) {
            int rc = cli_bad_arg("%s lists '%s' twice", flag, labels[*n]);
            free_labels(labels, *n + 1);
            return rc;
        }
        (*n)++;
        if (*end == '\0')
            break;
        p = end;
    }
    *out = labels;
    return 0;
}

/* Splits "LO..HI" at its first ".." into two malloc'd halves. Returns
 * false (nothing allocated) when there is no "..", or without memory. */
static bool split_range(const char *spec, char **lo, char **hi)
{
    const char *dots = strstr(spec, "..");
    if (!dots)
        return false;
    *lo = strndup(spec, (size_t)(dots - spec));
    *hi = strdup(dots + 2);
    if (!*lo || !*hi) {
        free(*lo);
        free(*hi);
        return false;
    }
    return true;
}

static bool whole_number(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return s[0] != '\0' && *end == '\0' && errno == 0;
}

static bool finite_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return s[0] != '\0' && *end == '\0' && isfinite(*out);
}

/* --scale LO..HI: the steps "LO", ..., "HI". */
static int scale_range(const char *spec, const char *lo_s, const char *hi_s, cli_schema *out)
{
    long lo, hi;
    if (!whole_number(lo_s, &lo) || !whole_number(hi_s, &hi))
        return cli_bad_arg("--scale takes LO..HI with whole numbers, or NAME,NAME,... (the "
                           "steps in order), not '%s'",
                           spec);
    if (lo >= hi || hi - lo + 1 > MAX_SCALE_STEPS)
        return cli_bad_arg("--scale %s: LO must be below HI, with at most %d steps", spec,
                           MAX_SCALE_STEPS);
    size_t n = (size_t)(hi - lo + 1);
    out->labels = calloc(n, sizeof(*out->labels));
    if (!out->labels)
        return cli_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        char step[24];
        snprintf(step, sizeof(step), "%ld", lo + (long)i);
        if (!(out->labels[i] = strdup(step))) {
            free_labels(out->labels, i);
            out->labels = NULL;
            return cli_fail("out of memory");
        }
    }
    out->n_labels = n;
    return 0;
}

static int parse_scale(const char *spec, cli_schema *out)
{
    char *lo, *hi;
    int rc;
    if (!strchr(spec, ',') && split_range(spec, &lo, &hi)) {
        rc = scale_range(spec, lo, hi, out);
        free(lo);
        free(hi);
        return rc;
    }
    if ((rc = split_labels("--scale", spec, &out->labels, &out->n_labels)) != 0)
        return rc;
    if (out->n_labels < 2) {
        cli_schema_free(out);
        return cli_bad_arg("--scale needs at least 2 steps: LO..HI or NAME,NAME,..., not '%s'",
                           spec);
    }
    return 0;
}

static int parse_number(const char *flag, const char *spec, cli_schema *out)
{
    char *lo, *hi;
    if (!split_range(spec, &lo, &hi))
        return cli_bad_arg("%s takes MIN..MAX, e.g. 0..10 or -1.5..2.5, not '%s'", flag, spec);
    bool ok = finite_number(lo, &out->number_min) && finite_number(hi, &out->number_max);
    free(lo);
    free(hi);
    if (!ok)
        return cli_bad_arg("%s takes MIN..MAX with two finite numbers, not '%s'", flag, spec);
    if (!(out->number_min < out->number_max))
        return cli_bad_arg("%s %s: MIN must be below MAX", flag, spec);
    return 0;
}

typedef struct type_flag {
    const char *flag;
    Labelq__LabelType type;
    bool given;
} type_flag;

/* Finds the one type flag given. Returns 0, or CLI_USAGE having reported. */
static int pick_type(const cli_schema_args *a, Labelq__LabelType *type)
{
    const type_flag flags[] = {
        {"--labels", LABELQ__LABEL_TYPE__SINGLE, a->labels != NULL},
        {"--multi-labels", LABELQ__LABEL_TYPE__MULTI, a->multi != NULL},
        {"--scale", LABELQ__LABEL_TYPE__ORDINAL, a->scale != NULL},
        {"--number", LABELQ__LABEL_TYPE__NUMERIC, a->number != NULL},
        {"--text", LABELQ__LABEL_TYPE__TEXT, a->text},
        {"--spans", LABELQ__LABEL_TYPE__SPANS, a->spans != NULL},
        {"--boxes", LABELQ__LABEL_TYPE__BOXES, a->boxes != NULL},
    };
    const char *first = NULL;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (!flags[i].given)
            continue;
        if (first)
            return cli_bad_arg("give one label type, not both %s and %s", first, flags[i].flag);
        first = flags[i].flag;
        *type = flags[i].type;
    }
    if (!first)
        return cli_bad_arg("project create needs a label type: --labels A,B,... (one label), "
                           "--multi-labels A,B,..., --scale LO..HI, --number MIN..MAX, --text, "
                           "--spans A,B,... or --boxes A,B,...");
    return 0;
}

/* --max-text and --field, which only some types take. */
static int parse_extras(const cli_schema_args *a, cli_schema *out)
{
    Labelq__LabelType t = out->type;
    if (a->max_text) {
        unsigned long n;
        if (t != LABELQ__LABEL_TYPE__TEXT)
            return cli_bad_arg("--max-text goes with --text, not a %s project",
                               cli_schema_type_name(t));
        if (cli_parse_uint("--max-text", a->max_text, 1, MAX_TEXT_LIMIT, &n) != 0)
            return CLI_USAGE;
        out->max_text_bytes = (unsigned)n;
    }
    if (a->field) {
        if (t != LABELQ__LABEL_TYPE__SPANS && t != LABELQ__LABEL_TYPE__BOXES)
            return cli_bad_arg("--field goes with --spans or --boxes, not a %s project",
                               cli_schema_type_name(t));
        if (a->field[0] == '\0' || strlen(a->field) > MAX_FIELD_LEN)
            return cli_bad_arg("--field must name a data field in 1-%d bytes", MAX_FIELD_LEN);
        out->field = a->field;
    }
    return 0;
}

int cli_schema_parse(const cli_schema_args *a, cli_schema *out)
{
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = pick_type(a, &out->type)) != 0 || (rc = parse_extras(a, out)) != 0)
        return rc;
    switch (out->type) {
    case LABELQ__LABEL_TYPE__SINGLE:
        return split_labels("--labels", a->labels, &out->labels, &out->n_labels);
    case LABELQ__LABEL_TYPE__MULTI:
        return split_labels("--multi-labels", a->multi, &out->labels, &out->n_labels);
    case LABELQ__LABEL_TYPE__ORDINAL:
        return parse_scale(a->scale, out);
    case LABELQ__LABEL_TYPE__NUMERIC:
        return parse_number("--number", a->number, out);
    case LABELQ__LABEL_TYPE__SPANS:
        return split_labels("--spans", a->spans, &out->labels, &out->n_labels);
    case LABELQ__LABEL_TYPE__BOXES:
        return split_labels("--boxes", a->boxes, &out->labels, &out->n_labels);
    default:
        return 0; /* text: nothing more */
    }
}

int cli_schema_offline(Labelq__LabelType t, const cli_schema_args *a, cli_schema *out)
{
    bool listed = t == LABELQ__LABEL_TYPE__SINGLE || t == LABELQ__LABEL_TYPE__MULTI ||
                  t == LABELQ__LABEL_TYPE__SPANS || t == LABELQ__LABEL_TYPE__BOXES;
    memset(out, 0, sizeof(*out));
    out->type = t;
    if (a->labels && !listed)
        return cli_bad_arg("--labels is for --type single, multi, spans or boxes; --type %s "
                           "takes %s",
                           lq_label_type_name(t),
                           t == LABELQ__LABEL_TYPE__ORDINAL   ? "--scale"
                           : t == LABELQ__LABEL_TYPE__NUMERIC ? "--range"
                                                              : "neither");
    if (a->scale && t != LABELQ__LABEL_TYPE__ORDINAL)
        return cli_bad_arg("--scale is for --type ordinal");
    if (a->number && t != LABELQ__LABEL_TYPE__NUMERIC)
        return cli_bad_arg("--range is for --type numeric");
    int rc = 0;
    if (a->labels)
        rc = split_labels("--labels", a->labels, &out->labels, &out->n_labels);
    else if (a->scale)
        rc = parse_scale(a->scale, out);
    else if (a->number)
        rc = parse_number("--range", a->number, out);
    if (rc != 0) { /* what was split is freed: nothing for cli_schema_free */
        out->labels = NULL;
        out->n_labels = 0;
    }
    return rc;
}

void cli_schema_apply(const cli_schema *s, Labelq__ProjectConfig *cfg)
{
    cfg->type = s->type;
    cfg->labels = s->labels;
    cfg->n_labels = s->n_labels;
    cfg->number_min = s->number_min;
    cfg->number_max = s->number_max;
    cfg->max_text_bytes = s->max_text_bytes;
    if (s->field)
        cfg->field = (char *)s->field;
}

/* The labels joined with commas into a new string, or NULL. */
static char *join_labels(char *const *labels, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(labels[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", labels[i]);
    return s;
}

char *cli_schema_brief(const Labelq__ProjectConfig *cfg)
{
    char buf[128];
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__NUMERIC:
        snprintf(buf, sizeof(buf), "%g..%g", cfg->number_min, cfg->number_max);
        return strdup(buf);
    case LABELQ__LABEL_TYPE__TEXT:
        snprintf(buf, sizeof(buf), "max %u bytes", cfg->max_text_bytes);
        return strdup(buf);
    case LABELQ__LABEL_TYPE__SPANS:
    case LABELQ__LABEL_TYPE__BOXES: {
        char *labels = join_labels(cfg->labels, cfg->n_labels);
        size_t len = labels ? strlen(labels) + strlen(cfg->field) + sizeof(" over ") : 0;
        char *s = labels ? malloc(len) : NULL;
        if (s)
            snprintf(s, len, "%s over %s", labels, cfg->field);
        free(labels);
        return s;
    }
    default:
        return join_labels(cfg->labels, cfg->n_labels);
    }
}

int cli_schema_json(const Labelq__ProjectConfig *cfg, json_t *obj)
{
    int rc = json_object_set_new(obj, "type", json_string(cli_schema_type_name(cfg->type)));
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__ORDINAL: {
        json_t *steps = json_array();
        for (size_t i = 0; steps && i < cfg->n_labels; i++)
            json_array_append_new(steps, json_string(cfg->labels[i]));
        rc |= json_object_set_new(obj, "steps", steps);
        break;
    }
    case LABELQ__LABEL_TYPE__NUMERIC:
        rc |= json_object_set_new(obj, "number_min", json_real(cfg->number_min));
        rc |= json_object_set_new(obj, "number_max", json_real(cfg->number_max));
        break;
    case LABELQ__LABEL_TYPE__TEXT:
        rc |= json_object_set_new(obj, "max_text_bytes", json_integer(cfg->max_text_bytes));
        break;
    case LABELQ__LABEL_TYPE__SPANS:
    case LABELQ__LABEL_TYPE__BOXES:
        rc |= json_object_set_new(obj, "field", json_string(cfg->field));
        break;
    default:
        break;
    }
    return rc ? -1 : 0;
}
