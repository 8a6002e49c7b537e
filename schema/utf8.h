/* UTF-8 as labelq takes it: the one check of "valid UTF-8" that label
 * values, the offline CSV's names and texts and typed answers pass, and a
 * lenient decoder for showing text that may not pass it. Valid means RFC
 * 3629: shortest form only, no UTF-16 surrogates (U+D800..DFFF), nothing
 * above U+10FFFF; jansson refuses anything else in a string. */
#ifndef LQ_UTF8_H
#define LQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Checks that the len bytes at s are valid UTF-8 (a NUL byte is the
 * character U+0000). s may be NULL when len is 0. Returns 0 or
 * LQ_EBADREQ. */
int lq_utf8_check(const char *s, size_t len);

/* The length of the sequence that byte b leads: 1 to 4, or 0 when b
 * cannot lead one (a continuation byte, C0, C1, F5..FF). Only the lead
 * byte is looked at. Cannot fail. */
size_t lq_utf8_lead_length(unsigned char b);

/* Decodes one character at s (n >= 1 bytes available) into *cp and
 * returns the bytes it took, always at least 1: a malformed sequence is
 * U+FFFD taken one byte at a time, so decoding always advances. Cannot
 * fail. */
size_t lq_utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
