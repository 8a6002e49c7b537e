/* JSON text for exports, appended straight to an lq_outbuf: the bytes
 * jansson's compact dump writes for the same values, without building a
 * tree per item (which was most of an export's CPU). The JSONL writer
 * (jsonl.c) is made of these; tests/unit/test_export_formats.c holds them
 * to jansson's output byte for byte. Thread-safe: exports run on libuv's
 * thread pool. */
#ifndef LQ_JSON_TEXT_H
#define LQ_JSON_TEXT_H

#include "daemon/export/format.h"

/* Appends s, valid UTF-8, as a JSON string: '"' and '\\' escaped, control
 * characters as \b \f \n \r \t or \u00XX, everything else (non-ASCII,
 * '/', DEL) as it is. Returns 0 or LQ_ENOMEM. */
int lq_json_string(lq_outbuf *o, const char *s);

/* Appends v as jansson writes a real at 6 significant digits (the
 * export's confidences, agreements and seconds: "0.666667", "1.0",
 * "1e-7"). Returns 0, or LQ_ENOMEM (also for a value jansson cannot write:
 * NaN, infinities). */
int lq_json_real6(lq_outbuf *o, double v);

/* Appends v as jansson writes a real exactly (17 significant digits). */
int lq_json_real_exact(lq_outbuf *o, double v);

#endif
