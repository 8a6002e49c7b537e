/* Envelope bodies, whatever their kind.
 *
 * protobuf-c keeps a oneof's members in one union, and every member here is
 * a pointer to a message struct (all of which share one representation), so
 * one store or load through any member serves every kind. These helpers keep
 * that knowledge in one place. */
#ifndef LQ_ENVELOPE_H
#define LQ_ENVELOPE_H

#include <stdint.h>

#include "proto/labelq.pb-c.h"

/* Makes env (initialized) a message of kind carrying body, which stays the
 * caller's. Cannot fail. */
void lq_envelope_wrap(Labelq__Envelope *env, uint64_t id, Labelq__Envelope__BodyCase kind,
                      void *body);

/* env's body, whatever its kind; NULL when it has none. Cannot fail. */
void *lq_envelope_body(const Labelq__Envelope *env);

/* Detaches the body of an unpacked envelope and frees the envelope. The
 * caller owns the body: free it with its type's free_unpacked(body, NULL). */
void *lq_envelope_take(Labelq__Envelope *env);

#endif
