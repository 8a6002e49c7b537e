/* labelqd's config file, INI (config_file.c). */
#ifndef LQ_CONFIG_FILE_H
#define LQ_CONFIG_FILE_H

#include "daemon/core/config.h"

/* Reads the INI file at path into cfg: keys at the top or
 * under [labelqd]. Returns 0, or -1 after printing "labelqd: PATH:LINE:
 * reason" to stderr. Values are copied into cfg->owned. */
int lq_config_load_file(lq_config *cfg, const char *path);

/* Frees what the config file loaded; cfg's strings from it die here.
 * Cannot fail; safe to call twice. */
void lq_config_free(lq_config *cfg);

#endif
