/*
 * notrace_calls.c — one port function calling every tracing call of a
 * forward pass; tests/tracer/run_notrace.sh compiles it (never links it)
 * with and without -DPARITY_NO_TRACE and reads the object's undefined
 * symbols. BAD_FORMAT / BAD_CONST add a call that must not compile under
 * -Werror: a format that does not match its argument, a read-only buffer
 * given to inject.
 */
#include "parity.h"

int port_step(parity_tracer *t, float *x, const float *w, float *att, int layer, int pos);

int port_step(parity_tracer *t, float *x, const float *w, float *att, int layer, int pos) {
    parity_error err;
    const int64_t shape[1] = {4}, s_att[2] = {2, pos + 1}, st_att[2] = {8, 1};
    int bad = 0;
    const char *prev = parity_tracer_last(t, NULL);
    bad |= parity_tracer_add(t, "w", PARITY_DT_F32, 1, shape, w, &err);
    bad |= parity_tracer_add_input(t, "x", PARITY_DT_F32, 1, shape, w, &err);
    bad |= parity_tracer_add_strided(t, "att", PARITY_DT_F32, 2, s_att, st_att, att, &err);
    bad |= parity_tracer_inject(t, "x", PARITY_DT_F32, 1, shape, x, &err);
    bad |= parity_tracer_inject_input(t, "x", PARITY_DT_F32, 1, shape, x, &err);
    bad |= parity_tracer_inject_strided(t, "att", PARITY_DT_F32, 2, s_att, st_att, att, &err);
    bad |= parity_tracer_addf(t, PARITY_DT_F32, 1, shape, w, &err, "layers.%d.w", layer);
    bad |= parity_tracer_add_stridedf(t, PARITY_DT_F32, 2, s_att, st_att, att, &err,
                                      "layers.%d.att", layer);
    bad |= parity_tracer_injectf(t, PARITY_DT_F32, 1, shape, x, &err, "layers.%d.x", layer);
    bad |= parity_tracer_inject_stridedf(t, PARITY_DT_F32, 2, s_att, st_att, att, &err,
                                         "layers.%d.att", layer);
    bad |= parity_tracer_parents(t, NULL, &prev, 1, &err);
    /* as statements, their status ignored: no unused-value warning */
    parity_tracer_add(t, "w", PARITY_DT_F32, 1, shape, w, NULL);
    parity_tracer_inject(t, "x", PARITY_DT_F32, 1, shape, x, NULL);
    parity_tracer_addf(t, PARITY_DT_F32, 1, shape, w, NULL, "layers.%d.w", layer);
    parity_tracer_add_stridedf(t, PARITY_DT_F32, 2, s_att, st_att, att, NULL, "l%d.att", layer);
    parity_tracer_injectf(t, PARITY_DT_F32, 1, shape, x, NULL, "layers.%d.x", layer);
    parity_tracer_inject_stridedf(t, PARITY_DT_F32, 2, s_att, st_att, att, NULL, "l%d", layer);
    parity_tracer_parents(t, NULL, &prev, 1, NULL);
#if defined(BAD_FORMAT)
    bad |= parity_tracer_addf(t, PARITY_DT_F32, 1, shape, w, &err, "layers.%s", layer);
#endif
#if defined(BAD_CONST)
    bad |= parity_tracer_inject(t, "w", PARITY_DT_F32, 1, shape, w, &err);
#endif
    return bad;
}
