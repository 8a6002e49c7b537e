#include "proto/envelope.h"

void lq_envelope_wrap(Labelq__Envelope *env, uint64_t id, Labelq__Envelope__BodyCase kind,
                      void *body)
{
    env->id = id;
    env->body_case = kind;
    env->error = body; /* the union's first member; see envelope.h */
}

void *lq_envelope_body(const Labelq__Envelope *env)
{
    return env->body_case == LABELQ__ENVELOPE__BODY__NOT_SET ? NULL : (void *)env->error;
}

void *lq_envelope_take(Labelq__Envelope *env)
{
    void *body = lq_envelope_body(env);
    env->body_case = LABELQ__ENVELOPE__BODY__NOT_SET;
    env->error = NULL;
    labelq__envelope__free_unpacked(env, NULL);
    return body;
}
