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
