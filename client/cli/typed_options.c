/* The options labelq agreement and labelq aggregate share. */
#include "client/cli/cli.h"
#include "client/cli/typed.h"

int cli_typed_option(cli_typed_options *o, int opt, const char *arg)
{
    switch (opt) {
    case 'j':
        o->json = true;
        return 0;
    case 't':
        if (typed_kind_parse(arg, &o->kind) < 0)
            return cli_bad_arg("--type must be single, multi, ordinal, numeric, text, spans or "
                               "boxes, not '%s'",
                               arg);
        return 0;
    case 's':
        o->scale = arg;
        return 0;
    default:
        return CLI_GO_ON;
    }
}
