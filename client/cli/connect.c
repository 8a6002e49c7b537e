/* Turning flags and environment into one authenticated connection. */
#include "client/cli/cli.h"

#ifndef LABELQ_VERSION
#define LABELQ_VERSION "unknown"
#endif

lq_client *cli_connect(cli *g)
{
    lq_client_options o = {0};
    char err[512];

    if (g->client)
        return g->client;
    o.server = g->server;
    o.ca_file = g->ca;
    o.token = g->token;
    o.cert_file = g->cert;
    o.key_file = g->key;
    o.client_name = "labelq/" LABELQ_VERSION;
    if (lq_client_options_resolve(&o, g->token_file, &g->token_buf, err, sizeof(err)) < 0) {
        cli_fail("%s", err);
        return NULL;
    }
    if (!o.token) {
        cli_fail("no token: pass --token or --token-file, or set LABELQ_TOKEN or "
                 "LABELQ_TOKEN_FILE (the admin token is in the data dir's admin.token)");
        return NULL;
    }
    if (lq_client_connect(&o, &g->client, err, sizeof(err)) < 0) {
        cli_fail("%s", err);
        return NULL;
    }
    return g->client;
}
