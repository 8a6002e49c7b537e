/* One line per event, logfmt: ts=... level=... msg="..." key=value ...
 * Written to stderr so journald or a terminal takes it. */
#ifndef LQ_LOG_H
#define LQ_LOG_H

enum { LQ_LOG_DEBUG, LQ_LOG_INFO, LQ_LOG_WARN, LQ_LOG_ERROR };

/* Sets the lowest level written. Cannot fail. */
void lq_log_set_level(int level);

/* Parses "debug|info|warn|error"; returns the level or -1. */
int lq_log_parse_level(const char *name);

/* Writes one line: msg is quoted; kv_fmt (may be NULL) is printf-style and
 * should produce space-separated key=value pairs. Thread-safe (one write). */
void lq_log(int level, const char *msg, const char *kv_fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
