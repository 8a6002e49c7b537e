/* Progress and summary for labelq-bench; see bench_report.h. */
#include "bench/sim/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"

static double rate(const bench_result *r)
{
    return r->seconds > 0 ? (double)r->labels / r->seconds : 0.0;
}

static bool project_done(const bench_result *r)
{
    return r->status_known && r->tasks_done == r->tasks;
}

void bench_report_progress(const bench_result *r)
{
    fprintf(stderr, "\r%6.0fs  %llu labels  %.1f/s  %llu errors", r->seconds,
            (unsigned long long)r->labels, rate(r), (unsigned long long)r->errors);
    if (r->status_known)
        fprintf(stderr, "  done %llu/%llu", (unsigned long long)r->tasks_done,
                (unsigned long long)r->tasks);
    fputs("\x1b[K", stderr);
    fflush(stderr);
}

void bench_report_progress_clear(void)
{
    fputs("\r\x1b[K", stderr);
    fflush(stderr);
}

/* Accuracy observed on the labels that landed on items with truth; NULL
 * when there were none to judge. */
static json_t *observed_json(bool truth, uint64_t judged, uint64_t correct)
{
    return truth && judged ? json_real((double)correct / (double)judged) : json_null();
}

static json_t *detail_json(const bench_result *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->n_detail; i++) {
        const bench_annotator_result *a = &r->detail[i];
        json_t *o = json_pack("{s:s, s:f, s:I, s:o}", "name", a->name, "true_accuracy",
                              a->true_accuracy, "labels", (json_int_t)a->labels,
                              "observed_accuracy", observed_json(r->truth, a->judged, a->correct));
        if (json_array_append_new(arr, o) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

static int print_json(const bench_result *r)
{
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:f, s:f, s:I, s:o, s:b, s:o}", "project", r->project,
                  "annotators", (json_int_t)r->annotators, "labels", (json_int_t)r->labels,
                  "seconds", r->seconds, "labels_per_second", rate(r), "errors",
                  (json_int_t)r->errors, "accuracy", observed_json(r->truth, r->judged, r->correct),
                  "done", project_done(r), "annotators_detail", detail_json(r));
    char *s;
    int rc = 0;
    if (!o)
        return LQ_ENOMEM;
    s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (!s)
        return LQ_ENOMEM;
    if (printf("%s\n", s) < 0)
        rc = LQ_EIO;
    free(s);
    return rc;
}

static void print_text(const bench_result *r)
{
    printf("project      %s\n", r->project);
    printf("annotators   %u\n", r->annotators);
    printf("labels       %llu\n", (unsigned long long)r->labels);
    printf("seconds      %.2f\n", r->seconds);
    printf("labels/s     %.1f\n", rate(r));
    printf("errors       %llu", (unsigned long long)r->errors);
    if (r->expired)
        printf(" (%llu submits after the lease expired)", (unsigned long long)r->expired);
    putchar('\n');
    if (r->truth && r->judged)
        printf("accuracy     %.3f (of %llu labels on items with truth)\n",
               (double)r->correct / (double)r->judged, (unsigned long long)r->judged);
    else if (r->truth)
        printf("accuracy     - (no label landed on an item in the truth file)\n");
    if (r->status_known)
        printf("done         %s (%llu of %llu tasks)\n", project_done(r) ? "yes" : "no",
               (unsigned long long)r->tasks_done, (unsigned long long)r->tasks);
    printf("seed         %llu\n", (unsigned long long)r->seed);
}

/* The accuracy each annotator was given next to what it did: how far a
 * quality estimate (labelq report) can be checked against the truth. */
static void print_detail(const bench_result *r)
{
    int w = (int)strlen("ANNOTATOR");
    for (size_t i = 0; i < r->n_detail; i++) {
        int n = (int)strlen(r->detail[i].name);
        w = n > w ? n : w;
    }
    printf("\n%-*s  %13s  %8s  %17s\n", w, "ANNOTATOR", "TRUE-ACCURACY", "LABELS",
           "OBSERVED-ACCURACY");
    for (size_t i = 0; i < r->n_detail; i++) {
        const bench_annotator_result *a = &r->detail[i];
        char observed[32] = "-";
        if (r->truth && a->judged)
            snprintf(observed, sizeof observed, "%.3f (%llu)",
                     (double)a->correct / (double)a->judged, (unsigned long long)a->judged);
        printf("%-*s  %13.3f  %8llu  %17s\n", w, a->name, a->true_accuracy,
               (unsigned long long)a->labels, observed);
    }
}

int bench_report_summary(const bench_result *r, bool json)
{
    if (json)
        return print_json(r);
    print_text(r);
    if (r->n_detail)
        print_detail(r);
    return fflush(stdout) == 0 ? 0 : LQ_EIO;
}
