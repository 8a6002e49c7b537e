/* labelqd's command line (config_args.c). */
#ifndef LQ_CONFIG_ARGS_H
#define LQ_CONFIG_ARGS_H

#include "daemon/core/config.h"

/* Parses argv into cfg: first the file named by --config (if any), then
 * every other flag, so a flag beats the file wherever it stands, then
 * lq_config_check. Returns 0 to run, 1 when --help, --version or
 * --check-config printed what was asked (exit 0), or -1 after printing a
 * usage or config error (exit 2).
 * cfg's strings point into argv and into cfg->owned: call lq_config_free
 * when done (after a non-zero return there is nothing left to free). */
int lq_config_parse(lq_config *cfg, int argc, char **argv);

#endif
