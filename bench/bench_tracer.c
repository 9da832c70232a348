/*
 * bench_tracer.c — what the tracer costs a port.
 *
 * Disabled tracer (default mode). A port keeps its parity_tracer_add calls
 * in the code and runs without PARITY_TRACE: parity_tracer_open then gives
 * a NULL tracer and the inline add in parity.h is one test of the pointer.
 * N iterations of each loop, the volatile sink keeping every loop alive:
 *   plain      sink = i                                   (the bare loop)
 *   local      parity_tracer_add(t, ...); sink = i
 *              t is a local obtained once, at run time, from
 *              parity_tracer_open(NULL) with PARITY_TRACE unset: how a port
 *              holds it (the compiler cannot know it is NULL, but may test
 *              it once outside the loop)
 *   off        the local loop in a file built with PARITY_NO_TRACE
 *              (bench_tracer_off.c): the adds compile to nothing
 *   volatile   the same with t re-read from a volatile every iteration, so
 *              the test can be neither proven nor hoisted: the worst case,
 *              one load and one branch per add
 *   addf       parity_tracer_addf(t, ..., "layers.%ld.attn", i): the
 *              printf form, whose name is never formatted when disabled
 *   inject     parity_tracer_inject on the same buffer
 *   strided    parity_tracer_add_strided of a [8, 16] view of [8, 32]
 *   flow       parity_tracer_parents(t, NULL, {parity_tracer_last(t,
 *              NULL)}, 1, ...): naming a parent and recording it
 *   all, off   the four calls above in one iteration, and the same loop
 *              built with PARITY_NO_TRACE
 *   (all with the local pointer)
 *   stage      a tiny stage: y = 0.5x + 1 over 32 floats, plus sink
 *   stage+v    the same stage followed by the volatile-pointer add
 * Each loop runs `reps` times, interleaved, and the median is reported:
 *   overhead % = (median with adds - median without) / median without x 100
 *   ns per add = (median with adds - median without) / N
 * Usage: bench_tracer [N [reps]]   (defaults 1000000 and 31)
 *
 * Directory mode. bench_tracer --dir PATH [stages [reps]] traces `stages`
 * stages of 64 floats into the directory PATH (removed and recreated each
 * time; put it on tmpfs to time the tracer rather than fsync) and reports
 * the median time per run and per stage (defaults 4000 and 5).
 */
#include "parity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static parity_tracer *volatile tracer; /* NULL: tracing disabled */
static volatile uint64_t sink;
static volatile float scale = 0.5f;

static const int64_t shape[3] = {1, 8, 32};
static float x[32], y[32];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double loop_plain(long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) sink = (uint64_t)i;
    return now() - t0;
}

/* t: the port's own local copy of the tracer pointer. */
static double loop_local(long n, parity_tracer *t) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        parity_tracer_add(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
        sink = (uint64_t)i;
    }
    return now() - t0;
}

/* bench_tracer_off.c */
double bench_loop_compiled_out(long n, parity_tracer *t, volatile uint64_t *sink,
                               const int64_t *shape, float *y);
double bench_loop_all_compiled_out(long n, parity_tracer *t, volatile uint64_t *sink,
                                   const int64_t *shape, float *y);

static const int64_t view_shape[2] = {4, 4}, view_stride[2] = {8, 1}; /* of y */

/* One loop per call, so each loop body is the call and the store only. */
#define CALL_LOOP(fn, call)                                                                        \
    static double fn(long n, parity_tracer *t) {                                                   \
        double t0 = now();                                                                         \
        for (long i = 0; i < n; i++) {                                                             \
            call;                                                                                  \
            sink = (uint64_t)i;                                                                    \
        }                                                                                          \
        return now() - t0;                                                                         \
    }
CALL_LOOP(loop_addf, parity_tracer_addf(t, PARITY_DT_F32, 3, shape, y, NULL, "layers.%ld.attn", i))
CALL_LOOP(loop_inject, parity_tracer_inject(t, "stage", PARITY_DT_F32, 3, shape, y, NULL))
CALL_LOOP(loop_strided,
          parity_tracer_add_strided(t, "view", PARITY_DT_F32, 2, view_shape, view_stride, y, NULL))
CALL_LOOP(loop_flow, const char *parent = parity_tracer_last(t, NULL);
          parity_tracer_parents(t, NULL, &parent, 1, NULL))
CALL_LOOP(loop_all, parity_tracer_addf(t, PARITY_DT_F32, 3, shape, y, NULL, "layers.%ld.attn", i);
          parity_tracer_inject(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
          parity_tracer_add_strided(t, "view", PARITY_DT_F32, 2, view_shape, view_stride, y, NULL);
          const char *parent = parity_tracer_last(t, NULL);
          parity_tracer_parents(t, NULL, &parent, 1, NULL))

static double loop_volatile(long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        parity_tracer *t = tracer;
        parity_tracer_add(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
        sink = (uint64_t)i;
    }
    return now() - t0;
}

/* y = a x + 1 over 32 floats; a is volatile so the work is redone. */
static void stage(void) {
    float a = scale;
    for (int j = 0; j < 32; j++) y[j] = a * x[j] + 1.0f;
}

static double loop_stage(long n, int traced) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        stage();
        if (traced) {
            parity_tracer *t = tracer;
            parity_tracer_add(t, "stage", PARITY_DT_F32, 3, shape, y, NULL);
        }
        sink = (uint64_t)i + (uint64_t)y[i & 31];
    }
    return now() - t0;
}

static int cmp_double(const void *a, const void *b) {
    double u = *(const double *)a, v = *(const double *)b;
    return u < v ? -1 : u > v;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void row(const char *what, double with, double without, long n) {
    printf("  %-30s %8.3f ms  %6.3f ns/iter", what, with * 1e3, with * 1e9 / n);
    if (without > 0)
        printf("  overhead %+6.2f%%  %+.3f ns per add", (with - without) / without * 100,
               (with - without) * 1e9 / n);
    printf("\n");
}

static int bench_disabled(long n, int reps) {
    parity_error err;
    parity_tracer *t = (parity_tracer *)&err;
    unsetenv("PARITY_TRACE");
    if (parity_tracer_open(NULL, &t, &err) != PARITY_OK || t != NULL) {
        fprintf(stderr, "bench_tracer: expected a disabled tracer\n");
        return 2;
    }
    for (int j = 0; j < 32; j++) x[j] = (float)j;
    double *m = calloc(12 * (size_t)reps, sizeof *m);
    if (!m) return 2;
    for (int r = 0; r < reps; r++) {
        m[r] = loop_plain(n);
        m[reps + r] = loop_local(n, t);
        m[2 * reps + r] = loop_volatile(n);
        m[3 * reps + r] = loop_stage(n, 0);
        m[4 * reps + r] = loop_stage(n, 1);
        m[5 * reps + r] = bench_loop_compiled_out(n, t, &sink, shape, y);
        m[6 * reps + r] = loop_addf(n, t);
        m[7 * reps + r] = loop_inject(n, t);
        m[8 * reps + r] = loop_strided(n, t);
        m[9 * reps + r] = loop_flow(n, t);
        m[10 * reps + r] = loop_all(n, t);
        m[11 * reps + r] = bench_loop_all_compiled_out(n, t, &sink, shape, y);
    }
    double med[12];
    for (int k = 0; k < 12; k++) med[k] = median(m + k * reps, reps);
    double plain = med[0];
    printf("disabled tracer: iterations %ld, repetitions %d, medians:\n", n, reps);
    row("plain loop", plain, 0, n);
    row("+ add, local pointer", med[1], plain, n);
    row("+ add, -DPARITY_NO_TRACE", med[5], plain, n);
    row("+ add, volatile pointer", med[2], plain, n);
    row("+ addf, local pointer", med[6], plain, n);
    row("+ inject, local pointer", med[7], plain, n);
    row("+ add_strided, local pointer", med[8], plain, n);
    row("+ last + parents, local", med[9], plain, n);
    row("+ all four, local pointer", med[10], plain, n);
    row("+ all four, -DPARITY_NO_TRACE", med[11], plain, n);
    row("32-float stage", med[3], 0, n);
    row("+ add, volatile pointer", med[4], med[3], n);
    free(m);
    return 0;
}

/* One run: `stages` adds of 64 floats into a fresh directory at path. */
static double dir_run(const char *path, long stages) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) return -1;
    parity_error err;
    parity_tracer *t = NULL;
    float v[64] = {0};
    const int64_t s64[1] = {64};
    double t0 = now();
    if (parity_tracer_open(path, &t, &err) != PARITY_OK || !t) return -1;
    for (long k = 0; k < stages; k++) {
        v[0] = (float)k;
        if (parity_tracer_add(t, "stage", PARITY_DT_F32, 1, s64, v, &err) != PARITY_OK) {
            fprintf(stderr, "bench_tracer: %s\n", err.msg);
            parity_tracer_close(t, NULL);
            return -1;
        }
    }
    if (parity_tracer_close(t, &err) != PARITY_OK) return -1;
    return now() - t0;
}

static int bench_dir(const char *path, long stages, int reps) {
    double *m = calloc((size_t)reps, sizeof *m);
    if (!m || strlen(path) > 1000) return 2;
    for (int r = 0; r < reps; r++) {
        m[r] = dir_run(path, stages);
        if (m[r] < 0) {
            fprintf(stderr, "bench_tracer: %s: the directory trace failed\n", path);
            free(m);
            return 2;
        }
    }
    double med = median(m, reps);
    printf("directory trace %s: %ld stages of 64 floats, repetitions %d, median "
           "%.3f s, %.1f us per stage\n", path, stages, reps, med, med * 1e6 / stages);
    free(m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dir") == 0) {
        long stages = argc > 3 ? atol(argv[3]) : 4000;
        int reps = argc > 4 ? atoi(argv[4]) : 5;
        if (argc < 3 || stages <= 0 || reps <= 0 || reps > 1000) return 2;
        return bench_dir(argv[2], stages, reps);
    }
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 31;
    if (n <= 0 || reps <= 0 || reps > 1000) return 2;
    return bench_disabled(n, reps);
}
