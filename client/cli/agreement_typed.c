/* labelq agreement --type multi|ordinal|numeric|text|spans|boxes: the
 * type's agreement figures, computed by lq_typed_figures_compute as
 * labelqd's report computes them, on a typed CSV (typed_ratings.h). A
 * figure undefined on the data is null in JSON and n/a with the reason in
 * text, as for single-choice labels. */
#include "client/cli/cli.h"
#include "client/cli/typed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/typed_ratings.h"
#include "proto/error.h"
#include "quality/typed_agreement.h"
#include "schema/label_value.h"

#define ERR_MAX 512

/* How the command spells each figure: its JSON key and its text title. */
static const struct {
    const char *key, *title;
} spelling[] = {
    [LQ_FIG_PERCENT] = {"percent_agreement", "percent agreement"},
    [LQ_FIG_NOMINAL_ALPHA] = {"alpha_nominal", "alpha (nominal)"},
    [LQ_FIG_ORDINAL_ALPHA] = {"alpha_ordinal", "alpha (ordinal)"},
    [LQ_FIG_FLEISS] = {"fleiss_kappa", "Fleiss kappa"},
    [LQ_FIG_KAPPA_LINEAR] = {"kappa_linear", "kappa (linear)"},
    [LQ_FIG_KAPPA_QUADRATIC] = {"kappa_quadratic", "kappa (quadratic)"},
    [LQ_FIG_MASI_ALPHA] = {"alpha_masi", "alpha (MASI)"},
    [LQ_FIG_JACCARD_ALPHA] = {"alpha_jaccard", "alpha (Jaccard)"},
    [LQ_FIG_LABEL_ALPHA] = {"per_label_alpha", "alpha of"},
    [LQ_FIG_INTERVAL_ALPHA] = {"alpha_interval", "alpha (interval)"},
    [LQ_FIG_RATIO_ALPHA] = {"alpha_ratio", "alpha (ratio)"},
    [LQ_FIG_TEXT_ALPHA] = {"alpha_edit", "alpha (edit distance)"},
    [LQ_FIG_SPAN_F1] = {"span_f1", "span F1"},
    [LQ_FIG_TOKEN_ALPHA] = {"token_alpha", "token alpha (BIO)"},
    [LQ_FIG_BOX_F1] = {"box_f1", "box F1 (IoU >= 0.5)"},
};

static json_t *figure_json(const lq_figure *f)
{
    return f->defined ? json_real(f->value) : json_null();
}

static bool has_names(Labelq__LabelType t)
{
    return t != LABELQ__LABEL_TYPE__NUMERIC && t != LABELQ__LABEL_TYPE__TEXT;
}

static int print_json(const typed_ratings *t, const lq_typed_figures *fig)
{
    const ratings_csv *d = &t->csv;
    json_t *o = json_object(), *per_label = NULL;
    bool ok = o != NULL;
    ok = ok && json_object_set_new(o, "type", json_string(lq_label_type_name(t->cfg.type))) == 0;
    ok = ok && json_object_set_new(o, "units", json_integer(d->r.n_units)) == 0;
    ok = ok && json_object_set_new(o, "annotators", json_integer(d->r.n_annotators)) == 0;
    ok = ok && json_object_set_new(o, "ratings", json_integer((json_int_t)d->r.n)) == 0;
    ok = ok && json_object_set_new(o, "missing", json_integer((json_int_t)d->missing)) == 0;
    if (has_names(t->cfg.type))
        ok = ok && json_object_set_new(o, "labels", json_integer((json_int_t)t->cfg.n_labels)) == 0;
    for (size_t i = 0; ok && i < fig->n; i++) {
        const lq_figure *f = &fig->v[i];
        if (f->id != LQ_FIG_LABEL_ALPHA) {
            ok = json_object_set_new(o, spelling[f->id].key, figure_json(f)) == 0;
            continue;
        }
        if (!per_label && (!(per_label = json_object()) ||
                           json_object_set_new(o, spelling[f->id].key, per_label) < 0))
            ok = false;
        ok = ok && json_object_set_new(per_label, t->cfg.labels[f->label], figure_json(f)) == 0;
    }
    if (!ok) {
        json_decref(o);
        o = NULL;
    }
    return cli_print_json(o);
}

static void print_block(const char *source, const typed_ratings *t, const lq_typed_figures *fig)
{
    const ratings_csv *d = &t->csv;
    printf("%-22s %s\n", "file", source);
    printf("%-22s %s\n", "type", lq_label_type_name(t->cfg.type));
    printf("%-22s %u\n", "units", d->r.n_units);
    printf("%-22s %u\n", "annotators", d->r.n_annotators);
    printf("%-22s %zu (%zu missing)\n", "ratings", d->r.n, d->missing);
    if (has_names(t->cfg.type))
        printf("%-22s %zu\n", "labels", t->cfg.n_labels);
    for (size_t i = 0; i < fig->n; i++) {
        const lq_figure *f = &fig->v[i];
        char title[64];
        if (f->id == LQ_FIG_LABEL_ALPHA)
            snprintf(title, sizeof(title), "alpha of '%s'", t->cfg.labels[f->label]);
        else
            snprintf(title, sizeof(title), "%s", spelling[f->id].title);
        if (f->defined)
            printf("%-22s %.4f\n", title, f->value);
        else
            printf("%-22s n/a (%s)\n", title, f->why);
    }
}

int cli_agreement_typed(const char *path, const cli_typed_options *o)
{
    typed_ratings t;
    lq_typed_figures fig = {0};
    char err[ERR_MAX];
    int rc = typed_ratings_load(path, o, &t, err, sizeof(err));
    if (rc == CLI_USAGE)
        goto out;
    if (rc < 0) {
        rc = cli_fail("%s", err);
        goto out;
    }
    int code = lq_typed_figures_compute(&t.vr.r, &fig);
    if (code < 0) {
        rc = cli_fail("%s: %s", path, lq_strerror(code));
        goto out;
    }
    if (o->json) {
        rc = print_json(&t, &fig);
    } else {
        print_block(strcmp(path, "-") == 0 ? "stdin" : path, &t, &fig);
        rc = CLI_OK;
    }
out:
    lq_typed_figures_free(&fig);
    typed_ratings_free(&t);
    return rc;
}
