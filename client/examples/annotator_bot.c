/* annotator_bot: a model annotator on the installed liblabelq, nothing else.
 *
 *   cc annotator_bot.c $(pkg-config --cflags --libs labelq) -o annotator_bot
 *   LABELQ_SERVER=host:7443 LABELQ_CA=ca.pem LABELQ_TOKEN=<annotator token> \
 *       ./annotator_bot PROJECT
 *
 * It leases tasks in batches and labels each with its "model": the first
 * label of the project's schema whose name appears in the item's JSON, else
 * the schema's first label. It stops when a lease comes back empty (no work
 * left for it) and prints how many items it labeled. Exit 0, or 1 on error. */
#include <labelq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 32     /* tasks per lease request */
#define WAIT_MS 1000 /* how long a lease waits for work before we stop */

static const char *predict(const Labelq__ProjectConfig *schema, const char *item_json)
{
    for (size_t i = 0; i < schema->n_labels; i++)
        if (strstr(item_json, schema->labels[i]))
            return schema->labels[i];
    return schema->labels[0];
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: annotator_bot PROJECT (LABELQ_SERVER, LABELQ_CA, LABELQ_TOKEN)\n");
        return 2;
    }
    lq_client_options opts = {.client_name = "annotator_bot"};
    lq_client *c = NULL;
    Labelq__ProjectInfo *info = NULL;
    char *owned = NULL, err[256] = "no token: set LABELQ_TOKEN";
    unsigned long labeled = 0;
    int rc = lq_client_options_resolve(&opts, NULL, &owned, err, sizeof(err));
    if (rc == 0 && !opts.token)
        rc = LQ_EUNAUTH;
    if (rc == 0)
        rc = lq_client_connect(&opts, &c, err, sizeof(err));
    if (rc == 0 && (rc = lq_project_get(c, argv[1], &info)) == 0 && info->config->n_labels == 0)
        rc = LQ_EBADREQ; /* no label schema to choose from */
    while (rc == 0) {
        Labelq__LeaseReply *lease;
        if ((rc = lq_lease(c, argv[1], BATCH, WAIT_MS, &lease)) < 0)
            break;
        size_t n = lease->n_tasks;
        for (size_t i = 0; i < n && rc == 0; i++) {
            const Labelq__LeasedTask *t = lease->tasks[i];
            if ((rc = lq_submit(c, t->task_id, predict(info->config, t->data_json), 0, NULL)) == 0)
                labeled++;
        }
        labelq__lease_reply__free_unpacked(lease, NULL);
        if (n == 0)
            break;
    }
    if (rc < 0)
        fprintf(stderr, "annotator_bot: %s\n", c ? lq_client_error(c) : err);
    printf("labeled %lu\n", labeled);
    if (info)
        labelq__project_info__free_unpacked(info, NULL);
    lq_client_close(c);
    free(owned);
    return rc < 0;
}
