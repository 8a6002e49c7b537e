/* How the CLI reports: one "labelq: ..." line per failure on stderr, usage
 * on stderr for a bad command line, JSON on stdout. */
#include "client/cli/cli.h"

#include <stdarg.h>

static void vreport(const char *fmt, va_list ap)
{
    fputs("labelq: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    fputs(usage, stderr);
    return CLI_USAGE;
}

int cli_bad_arg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

int cli_fail_call(cli *g, const char *what)
{
    return cli_fail("%s: %s", what, lq_client_error(g->client));
}

int cli_print_json(json_t *v)
{
    if (!v)
        return cli_fail("out of memory");
    /* Keys in insertion order: the order the code lists them is the order
     * a person reading the output expects. */
    int rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(v);
    if (rc < 0 || fputc('\n', stdout) == EOF)
        return cli_fail("cannot write to stdout");
    return CLI_OK;
}
