/* labelq aggregate --type multi|ordinal|numeric|text|spans|boxes: each
 * unit's consensus, confidence and agreement, computed by
 * lq_typed_consensus_compute as labelqd's estimate computes them, on a
 * typed CSV (typed_ratings.h). The consensus is the label value labelqd
 * would store (lq_value_consensus). */
#include "client/cli/cli.h"
#include "client/cli/typed.h"

#include <stdlib.h>
#include <string.h>

#include "client/cli/typed_ratings.h"
#include "proto/error.h"
#include "schema/label_value.h"
#include "schema/value_ratings.h"

#define ERR_MAX 512
#define SHOWN_UNITS 20     /* units in the text table; --json has them all */
#define SHOWN_VALUE_MAX 48 /* bytes of a consensus value in the text table */
#define NAME_WIDTH_MAX 32

/* The methods of a type, comma-separated, for messages. Cannot fail. */
static const char *methods_of(Labelq__LabelType t)
{
    switch (t) {
    case LABELQ__LABEL_TYPE__MULTI:
        return "majority, dawid-skene";
    case LABELQ__LABEL_TYPE__ORDINAL:
        return "majority, dawid-skene, median";
    case LABELQ__LABEL_TYPE__NUMERIC:
        return "median";
    case LABELQ__LABEL_TYPE__TEXT:
        return "medoid";
    case LABELQ__LABEL_TYPE__SPANS:
        return "token-vote";
    case LABELQ__LABEL_TYPE__BOXES:
        return "iou-cluster";
    default:
        return "majority, dawid-skene";
    }
}

typedef struct outcome {
    const typed_ratings *t;
    lq_typed_consensus c;
    uint32_t *count; /* per unit: its ratings */
} outcome;

static json_t *by_name(char *const *names, const double *p, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        if (json_object_set_new(o, names[i], json_real(p[i])) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* The type's own members of unit u's object. Returns false without memory. */
static bool extras(const outcome *o, uint32_t u, json_t *j)
{
    const Labelq__ProjectConfig *cfg = &o->t->cfg;
    const lq_typed_consensus *c = &o->c;
    size_t nl = cfg->n_labels, first, n;
    json_t *a, *b;
    int rc = 0;
    switch (cfg->type) {
    case LABELQ__LABEL_TYPE__MULTI:
        return json_object_set_new(j, "p_present",
                                   by_name(cfg->labels, c->sets.p_present + (size_t)u * nl, nl)) ==
               0;
    case LABELQ__LABEL_TYPE__ORDINAL:
        rc |= json_object_set_new(j, "median", json_string(cfg->labels[c->median[u]]));
        rc |= json_object_set_new(j, "split", json_boolean(c->split[u]));
        if (c->has_votes) {
            rc |= json_object_set_new(j, "tie", json_boolean(c->votes.tie[u]));
            rc |= json_object_set_new(
                j, "posterior", by_name(cfg->labels, c->votes.posterior + (size_t)u * nl, nl));
        }
        return rc == 0;
    case LABELQ__LABEL_TYPE__NUMERIC:
        return json_object_set_new(j, "spread", json_real(c->spread[u])) == 0;
    case LABELQ__LABEL_TYPE__TEXT:
        return json_object_set_new(j, "mean_distance", json_real(c->mean_distance[u])) == 0;
    case LABELQ__LABEL_TYPE__SPANS:
        first = c->spans.start[u], n = c->spans.start[u + 1] - first;
        a = json_array();
        for (size_t k = 0; a && k < n; k++)
            rc |= json_array_append_new(a, json_real(c->spans.confidence[first + k]));
        return a && rc == 0 && json_object_set_new(j, "span_confidence", a) == 0;
    case LABELQ__LABEL_TYPE__BOXES:
        first = c->boxes.start[u], n = c->boxes.start[u + 1] - first;
        a = json_array();
        b = json_array();
        for (size_t k = 0; a && b && k < n; k++) {
            rc |= json_array_append_new(a, json_real(c->boxes.confidence[first + k]));
            rc |= json_array_append_new(b, json_integer(c->boxes.support[first + k]));
        }
        rc |= json_object_set_new(j, "box_confidence", a);
        rc |= json_object_set_new(j, "support", b);
        return a && b && rc == 0;
    default:
        return true;
    }
}

/* Unit u's consensus as typed JSON (a string for a label, step or text). */
static json_t *label_json(const outcome *o, uint32_t u)
{
    char *value;
    json_t *v = NULL;
    if (lq_value_consensus(&o->t->cfg, &o->t->vr.r, &o->c, u, &value) < 0 || !value)
        return NULL;
    switch (o->t->cfg.type) {
    case LABELQ__LABEL_TYPE__ORDINAL:
    case LABELQ__LABEL_TYPE__TEXT:
        v = json_string(value);
        break;
    default:
        v = json_loads(value, JSON_DECODE_ANY, NULL);
        break;
    }
    free(value);
    return v;
}

static json_t *unit_json(const outcome *o, uint32_t u)
{
    if (!o->c.rated[u])
        return json_pack("{s:n, s:n, s:n, s:i}", "label", "confidence", "agreement", "ratings", 0);
    json_t *j = json_pack("{s:o, s:f, s:f, s:I}", "label", label_json(o, u), "confidence",
                          o->c.confidence[u], "agreement", o->c.agreement[u], "ratings",
                          (json_int_t)o->count[u]);
    if (j && !extras(o, u, j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* One unit a line, written as it goes, as the single-choice output is. */
static int print_json(const outcome *o)
{
    const ratings_csv *d = &o->t->csv;
    bool ok = fputs("{\n", stdout) >= 0;
    ok = ok && cli_put_member(2, "type", json_string(lq_label_type_name(o->t->cfg.type)), ",\n");
    ok = ok && cli_put_member(2, "method", json_string(lq_method_name(o->c.method)), ",\n");
    ok = ok && fputs("  \"units\": {\n", stdout) >= 0;
    for (uint32_t u = 0; ok && u < d->r.n_units; u++)
        ok = cli_put_member(4, d->unit_names[u], unit_json(o, u),
                            u + 1 < d->r.n_units ? ",\n" : "\n");
    ok = ok && fputs("  }\n}\n", stdout) >= 0 && fflush(stdout) == 0;
    if (!ok)
        return cli_fail(ferror(stdout) ? "cannot write to stdout" : "out of memory");
    return CLI_OK;
}

static int print_table(const outcome *o)
{
    const ratings_csv *d = &o->t->csv;
    uint32_t shown = d->r.n_units < SHOWN_UNITS ? d->r.n_units : SHOWN_UNITS;
    size_t w = strlen("unit");
    for (uint32_t u = 0; u < shown; u++) {
        size_t len = strlen(d->unit_names[u]);
        w = len > w ? (len < NAME_WIDTH_MAX ? len : NAME_WIDTH_MAX) : w;
    }
    printf("%-13s %s, %s\n", "method", lq_label_type_name(o->t->cfg.type),
           lq_method_name(o->c.method));
    printf("%-13s %zu ratings (%zu missing) by %u annotators on %u units\n", "data", d->r.n,
           d->missing, d->r.n_annotators, d->r.n_units);
    printf("\n%-*s  %10s  %9s  %s\n", (int)w, "unit", "confidence", "agreement", "consensus");
    for (uint32_t u = 0; u < shown; u++) {
        char *text = NULL;
        if (!o->c.rated[u]) {
            printf("%-*s  %10s  %9s  -\n", (int)w, d->unit_names[u], "(no ratings)", "");
            continue;
        }
        if (lq_value_consensus(&o->t->cfg, &o->t->vr.r, &o->c, u, &text) < 0 || !text)
            return cli_fail("out of memory");
        size_t len = strlen(text), cut = len > SHOWN_VALUE_MAX ? SHOWN_VALUE_MAX : len;
        while (cut < len && cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        printf("%-*s  %10.3f  %9.3f  %.*s%s\n", (int)w, d->unit_names[u], o->c.confidence[u],
               o->c.agreement[u], (int)cut, text, cut < len ? "..." : "");
        free(text);
    }
    if (shown < d->r.n_units)
        printf("... %u more units (%u in all; --json lists every unit)\n", d->r.n_units - shown,
               d->r.n_units);
    return CLI_OK;
}

/* The method named name for the type (NULL: labelqd's choice for n
 * ratings). Returns 0, or CLI_USAGE after reporting. */
static int pick_method(Labelq__LabelType t, const char *name, size_t n, lq_method *m)
{
    lq_kind kind = lq_label_kind(t);
    if (!name) {
        *m = lq_method_default(kind, n);
        return 0;
    }
    if (lq_method_parse(name, m) < 0 || !lq_method_fits(kind, *m))
        return cli_bad_arg("--method for --type %s must be %s, not '%s'", lq_label_type_name(t),
                           methods_of(t), name);
    return 0;
}

int cli_aggregate_typed(const char *path, const cli_typed_options *o, const char *method)
{
    typed_ratings t;
    outcome out = {.t = &t};
    lq_method m;
    char err[ERR_MAX];
    int rc = pick_method(o->type, method, 0, &m);
    memset(&t, 0, sizeof(t));
    if (rc != 0)
        return rc;
    if ((rc = typed_ratings_load(path, o, &t, err, sizeof(err))) == CLI_USAGE)
        goto out;
    if (rc < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    if (!method)
        m = lq_method_default(t.vr.r.kind, lq_typed_count(&t.vr.r));
    out.count = calloc(t.csv.r.n_units ? t.csv.r.n_units : 1, sizeof(*out.count));
    int code = out.count ? lq_typed_consensus_compute(&t.vr.r, m, &out.c) : LQ_ENOMEM;
    if (code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(code));
        goto out;
    }
    for (size_t i = 0; i < t.csv.r.n; i++)
        out.count[t.csv.r.v[i].unit]++;
    rc = o->json ? print_json(&out) : print_table(&out);
out:
    lq_typed_consensus_free(&out.c);
    free(out.count);
    typed_ratings_free(&t);
    return rc;
}
