/* The client side of tests/walk/request_walk.sh: sets up a project with
 * two items and an annotator, then makes one request per line read from
 * stdin ("lease" or "submit"), printing "done" after each reply, so the
 * script can have labelqd's code counted around exactly one request.
 *
 * usage: walk_client   (LABELQ_SERVER, LABELQ_CA, LABELQ_TOKEN_FILE: the admin) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labelq.h"

static void die(const char *what, lq_client *c)
{
    fprintf(stderr, "walk_client: %s: %s\n", what, c ? lq_client_error(c) : "");
    exit(1);
}

static lq_client *connect_as(const char *token)
{
    lq_client_options opts = {0};
    char *owned = NULL, err[256];
    opts.token = token;
    if (lq_client_options_resolve(&opts, NULL, &owned, err, sizeof err) < 0)
        die(err, NULL);
    lq_client *c;
    if (lq_client_connect(&opts, &c, err, sizeof err) < 0)
        die(err, NULL);
    free(owned);
    return c;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    lq_client *admin = connect_as(NULL);
    char *labels[] = {"yes", "no"};
    Labelq__ProjectConfig cfg = LABELQ__PROJECT_CONFIG__INIT;
    cfg.name = "walk";
    cfg.labels = labels;
    cfg.n_labels = 2;
    cfg.overlap = 1;
    Labelq__ProjectInfo *info;
    if (lq_project_create(admin, &cfg, &info) < 0)
        die("project create", admin);
    labelq__project_info__free_unpacked(info, NULL);
    char *token;
    if (lq_annotator_add(admin, "walker", LABELQ__ROLE__ANNOTATOR, &token) < 0)
        die("annotator add", admin);
    Labelq__ImportLine lines[2], *ptrs[2] = {&lines[0], &lines[1]};
    char *json[2] = {"{\"id\":\"a\",\"data\":\"one\"}", "{\"id\":\"b\",\"data\":\"two\"}"};
    for (int i = 0; i < 2; i++) {
        labelq__import_line__init(&lines[i]);
        lines[i].line_no = (uint32_t)i + 1;
        lines[i].json = json[i];
    }
    Labelq__ImportChunk chunk = LABELQ__IMPORT_CHUNK__INIT;
    chunk.project = "walk";
    chunk.lines = ptrs;
    chunk.n_lines = 2;
    Labelq__ImportReply *ir;
    if (lq_import_chunk(admin, &chunk, &ir) < 0)
        die("import", admin);
    labelq__import_reply__free_unpacked(ir, NULL);
    lq_client_close(admin);

    lq_client *c = connect_as(token);
    uint64_t task = 0;
    char line[64];
    puts("ready");
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "lease", 5) == 0) {
            Labelq__LeaseReply *r;
            if (lq_lease(c, "walk", 1, 0, &r) < 0 || r->n_tasks != 1)
                die("lease", c);
            task = r->tasks[0]->task_id;
            labelq__lease_reply__free_unpacked(r, NULL);
        } else if (strncmp(line, "submit", 6) == 0) {
            if (lq_submit(c, task, "yes", 1000, NULL) < 0)
                die("submit", c);
        } else {
            break;
        }
        puts("done");
    }
    lq_client_close(c);
    free(token);
    return 0;
}
