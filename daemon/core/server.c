/* The server's state: lookups by name and id, registration in the by-id
 * arrays, and the clocks requests are stamped with. */
#include "daemon/core/server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/error.h"

static void on_writer_done(uv_async_t *h)
{
    lq_server *srv = h->data;
    lq_writer_drain(srv->writer);
}

void lq_server_writer_notify(void *writer_async)
{
    uv_async_send(writer_async);
}

static int lease_less(const void *a, const void *b)
{
    return ((const lq_lease *)a)->deadline < ((const lq_lease *)b)->deadline;
}

static uint32_t *lease_pos(void *e)
{
    return &((lq_lease *)e)->heap_pos;
}

void lq_server_init(lq_server *srv, const lq_config *cfg, uv_loop_t *loop)
{
    memset(srv, 0, sizeof(*srv));
    srv->cfg = cfg;
    srv->loop = loop;
    lq_task_table_init(&srv->tasks);
    lq_standings_init(&srv->standings);
    lq_heap_init(&srv->leases, lease_less, lease_pos);
    uv_async_init(loop, &srv->writer_async, on_writer_done);
    uv_timer_init(loop, &srv->lease_timer);
    srv->writer_async.data = srv->lease_timer.data = srv;
}

void lq_server_free_state(lq_server *srv)
{
    for (uint32_t i = 0; i < srv->n_projects; i++)
        lq_project_free(srv->projects[i]);
    for (uint32_t i = 0; i < srv->n_annotators; i++)
        lq_annotator_free(srv->annotators[i]);
    free(srv->projects);
    free(srv->annotators);
    srv->projects = NULL;
    srv->annotators = NULL;
    srv->n_projects = srv->n_annotators = 0;
    lq_heap_free(&srv->leases);
    lq_standings_free(&srv->standings);
    lq_task_table_free(&srv->tasks);
}

uint64_t lq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t lq_server_unix_ms(lq_server *srv, uint64_t loop_ms)
{
    uint64_t now = uv_now(srv->loop);
    return lq_now_ms() + (loop_ms > now ? loop_ms - now : 0);
}

static lq_project *project_named(lq_server *srv, const char *name)
{
    for (uint32_t i = 0; i < srv->n_projects; i++)
        if (srv->projects[i] && strcmp(srv->projects[i]->config->name, name) == 0)
            return srv->projects[i];
    return NULL;
}

lq_project *lq_server_project(lq_server *srv, const char *name)
{
    lq_project *p = project_named(srv, name);
    return p && !p->pending ? p : NULL;
}

bool lq_server_name_taken(lq_server *srv, const char *name)
{
    return project_named(srv, name) != NULL;
}

lq_project *lq_server_project_by_id(lq_server *srv, uint32_t id)
{
    return id < srv->n_projects ? srv->projects[id] : NULL;
}

lq_annotator *lq_server_annotator_by_name(lq_server *srv, const char *name)
{
    for (uint32_t i = 0; i < srv->n_annotators; i++)
        if (srv->annotators[i] && strcmp(srv->annotators[i]->name, name) == 0)
            return srv->annotators[i];
    return NULL;
}

lq_annotator *lq_server_annotator(lq_server *srv, uint32_t id)
{
    return id < srv->n_annotators ? srv->annotators[id] : NULL;
}

/* Grows a by-id pointer array so that index id exists. */
static int grow(void ***arr, uint32_t *n, uint32_t id)
{
    if (id < *n)
        return 0;
    uint32_t cap = *n ? *n : 16;
    while (cap <= id)
        cap *= 2;
    void **v = realloc(*arr, cap * sizeof(*v));
    if (!v)
        return LQ_ENOMEM;
    memset(v + *n, 0, (cap - *n) * sizeof(*v));
    *arr = v;
    *n = cap;
    return 0;
}

int lq_server_add_project(lq_server *srv, lq_project *p)
{
    if (grow((void ***)&srv->projects, &srv->n_projects, p->id) < 0)
        return LQ_ENOMEM;
    srv->projects[p->id] = p;
    return 0;
}

int lq_server_add_annotator(lq_server *srv, lq_annotator *a)
{
    if (grow((void ***)&srv->annotators, &srv->n_annotators, a->id) < 0)
        return LQ_ENOMEM;
    srv->annotators[a->id] = a;
    return 0;
}

int lq_server_parse_addr(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
        return LQ_EBADREQ;
    size_t n = (size_t)(colon - spec);
    memcpy(host, spec, n);
    host[n] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return LQ_EBADREQ;
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) ? LQ_EBADREQ : 0;
    }
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) ? LQ_EBADREQ : 0;
}

