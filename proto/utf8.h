/* UTF-8 as labelq takes it: the one check of "valid UTF-8" that every
 * string field of a request (proto/wire_scan.c), label values, the offline
 * CSV's names and texts and typed answers pass, a lenient decoder for
 * showing text that may not pass it, and an escape for putting such text
 * into a message. Valid means RFC 3629: shortest form only, no UTF-16
 * surrogates (U+D800..DFFF), nothing above U+10FFFF; jansson refuses
 * anything else in a string. It lives with the wire format because the
 * wire's strings are checked with it, and proto/ is below everything that
 * uses it (schema/, the daemon, the clients). */
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

/* Copies the len bytes at src into dst (cap >= 1 bytes) as valid UTF-8
 * text ending in a NUL: each valid character as it is, each other byte
 * (NUL included) as the four characters \xNN, so that no byte of src that
 * is not text reaches dst. Stops at a character boundary (or before an
 * escape) when dst is full. Returns the bytes written before the NUL.
 * Cannot fail. */
size_t lq_utf8_escape(char *dst, size_t cap, const char *src, size_t len);

#endif
