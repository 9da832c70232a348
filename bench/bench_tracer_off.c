/*
 * bench_tracer_off.c — the add loop of bench_tracer.c in a translation unit
 * built with PARITY_NO_TRACE, as a port builds a release binary: the add
 * calls stay in the source and compile to nothing.
 */
#define PARITY_NO_TRACE 1
#include "parity.h"

#include <stdint.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The same loop as loop_local in bench_tracer.c. */
double bench_loop_compiled_out(long n, parity_tracer *t, volatile uint64_t *sink,
                               const int64_t *shape, float *y) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        parity_tracer_add(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
        *sink = (uint64_t)i;
    }
    return now() - t0;
}

/* The "all four" loop of bench_tracer.c: printf form, inject, strided,
 * last + parents. */
double bench_loop_all_compiled_out(long n, parity_tracer *t, volatile uint64_t *sink,
                                   const int64_t *shape, float *y) {
    static const int64_t view_shape[2] = {4, 4}, view_stride[2] = {8, 1};
    double t0 = now();
    for (long i = 0; i < n; i++) {
        parity_tracer_addf(t, PARITY_DT_F32, 3, shape, y, NULL, "layers.%ld.attn", i);
        parity_tracer_inject(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
        parity_tracer_add_strided(t, "view", PARITY_DT_F32, 2, view_shape, view_stride, y, NULL);
        const char *parent = parity_tracer_last(t, NULL);
        parity_tracer_parents(t, NULL, &parent, 1, NULL);
        *sink = (uint64_t)i;
    }
    return now() - t0;
}
