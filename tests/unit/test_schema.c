/* Project schema checks and JSONL import line validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/ops/import.h"
#include "daemon/model/project.h"
#include "proto/error.h"
#include "quality/majority.h"

static int check(const char *name, char **labels, size_t n, uint32_t overlap)
{
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    char err[256];
    cfg.name = (char *)name;
    cfg.labels = labels;
    cfg.n_labels = n;
    cfg.overlap = overlap;
    return lq_project_config_check(&cfg, err, sizeof(err));
}

static void config_rules(void **state)
{
    (void)state;
    char *ok[] = {"pos", "neg", "neutral"};
    char *dup[] = {"pos", "neg", "pos"};
    char *empty[] = {"pos", ""};
    char *comma[] = {"a,b"};
    assert_int_equal(check("sentiment", ok, 3, 0), 0);
    assert_int_equal(check("sentiment", ok, 0, 3), LQ_EBADREQ);
    assert_int_equal(check("sentiment", dup, 3, 3), LQ_EBADREQ);
    assert_int_equal(check("sentiment", empty, 2, 3), LQ_EBADREQ);
    assert_int_equal(check("sentiment", comma, 1, 3), LQ_EBADREQ);
    assert_int_equal(check("", ok, 3, 3), LQ_EBADREQ);
    assert_int_equal(check("has space", ok, 3, 3), LQ_EBADREQ);
    assert_int_equal(check("x", ok, 3, LQ_MAX_OVERLAP + 1), LQ_EBADREQ);

    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    char err[256];
    cfg.name = "d";
    cfg.labels = ok;
    cfg.n_labels = 3;
    assert_int_equal(lq_project_config_check(&cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.overlap, LQ_DEFAULT_OVERLAP);
    assert_int_equal(cfg.lease_ttl_s, LQ_DEFAULT_LEASE_TTL);
}

static lq_project *project(void)
{
    static char *labels[] = {"pos", "neg", "neutral"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "s";
    cfg.labels = labels;
    cfg.n_labels = 3;
    cfg.overlap = 3;
    Labelq__ProjectRecord rec = LABELQ__PROJECT_RECORD__INIT;
    rec.id = 9;
    rec.config = &cfg;
    return lq_project_new(&rec);
}

static void label_index(void **state)
{
    (void)state;
    lq_project *p = project();
    assert_int_equal(lq_project_label_index(p, "pos"), 0);
    assert_int_equal(lq_project_label_index(p, "neutral"), 2);
    assert_int_equal(lq_project_label_index(p, "Pos"), -1);
    assert_int_equal(lq_project_label_index(p, ""), -1);
    lq_project_free(p);
}

static int parse(lq_project *p, const char *line, Labelq__TaskRecord *rec, char *err)
{
    return lq_import_parse_line(p, line, rec, err, 256);
}

static void import_lines(void **state)
{
    (void)state;
    lq_project *p = project();
    Labelq__TaskRecord rec;
    char err[256];
    assert_int_equal(parse(p, "{\"id\":\"r1\",\"data\":{\"text\":\"hi\"},\"priority\":4,"
                              "\"gold\":\"neg\"}", &rec, err), 0);
    assert_string_equal(rec.external_id, "r1");
    assert_string_equal(rec.data_json, "{\"text\":\"hi\"}");
    assert_int_equal(rec.priority, 4);
    assert_string_equal(rec.gold, "neg");
    assert_int_equal(rec.project_id, 9);
    lq_import_record_clear(&rec);

    assert_int_equal(parse(p, "{\"id\":17,\"data\":\"plain\"}", &rec, err), 0);
    assert_string_equal(rec.external_id, "17");
    assert_string_equal(rec.data_json, "\"plain\"");
    lq_import_record_clear(&rec);

    const char *bad[] = {
        "{\"id\":\"x\",\"data\":",            /* invalid JSON */
        "[1,2]",                              /* not an object */
        "{\"data\":{}}",                      /* missing id */
        "{\"id\":\"x\"}",                     /* missing data */
        "{\"id\":\"\",\"data\":1}",           /* empty id */
        "{\"id\":[1],\"data\":1}",            /* id of the wrong type */
        "{\"id\":\"x\",\"data\":1,\"gold\":\"maybe\"}", /* gold outside the schema */
        "{\"id\":\"x\",\"data\":1,\"priority\":1.5}",
        "{\"id\":\"x\",\"data\":1,\"priority\":99999999999}",
        "{\"id\":\"x\",\"id\":\"y\",\"data\":1}", /* duplicate key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(p, bad[i], &rec, err), LQ_EBADREQ);
        assert_true(strlen(err) > 0);
    }
    char long_id[600];
    snprintf(long_id, sizeof(long_id), "{\"id\":\"%0300d\",\"data\":1}", 1);
    assert_int_equal(parse(p, long_id, &rec, err), LQ_EBADREQ);
    lq_project_free(p);
}

static void majority_vote(void **state)
{
    (void)state;
    unsigned a[] = {2, 1, 0};
    lq_vote v = lq_majority(a, 3);
    assert_int_equal(v.label, 0);
    assert_false(v.tie);
    assert_float_equal(v.confidence, 2.0 / 3.0, 1e-12);
    assert_float_equal(v.agreement, 1.0 / 3.0, 1e-12); /* 1 agreeing pair of 3 */
    unsigned tie[] = {0, 1, 1};
    v = lq_majority(tie, 3);
    assert_int_equal(v.label, 1); /* earliest in the schema */
    assert_true(v.tie);
    unsigned none[] = {0, 0};
    v = lq_majority(none, 2);
    assert_int_equal(v.label, -1);
    unsigned one[] = {0, 1};
    v = lq_majority(one, 2);
    assert_float_equal(v.agreement, 1.0, 1e-12);
    unsigned all[] = {0, 0, 3};
    v = lq_majority(all, 3);
    assert_float_equal(v.confidence, 1.0, 1e-12);
    assert_float_equal(v.agreement, 1.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_rules),
        cmocka_unit_test(label_index),
        cmocka_unit_test(import_lines),
        cmocka_unit_test(majority_vote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
