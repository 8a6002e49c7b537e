/* The options labelq agreement and labelq aggregate share. */
#include "client/cli/cli.h"
#include "client/cli/typed.h"
#include "schema/label_value.h"

int cli_typed_option(cli_typed_options *o, int opt, const char *arg)
{
    switch (opt) {
    case 'j':
        o->json = true;
        return 0;
    case 't':
        if (lq_label_type_parse(arg, &o->type) < 0)
            return cli_bad_arg("--type must be single, multi, ordinal, numeric, text, spans or "
                               "boxes, not '%s'",
                               arg);
        return 0;
    case 'l':
        o->labels = arg;
        return 0;
    case 's':
        o->scale = arg;
        return 0;
    case 'r':
        o->range = arg;
        return 0;
    default:
        return CLI_GO_ON;
    }
}

int cli_single_schema(const cli_typed_options *o, cli_schema *out)
{
    cli_schema_args a = {.labels = o->labels, .scale = o->scale, .number = o->range};
    return cli_schema_offline(LABELQ__LABEL_TYPE__SINGLE, &a, out);
}
