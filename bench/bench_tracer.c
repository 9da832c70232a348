/*
 * bench_tracer.c — what a disabled tracer costs a port.
 *
 * A port keeps its parity_tracer_add calls in the code and runs with the
 * tracer NULL (no PARITY_TRACE). The inline add in parity.h is then one
 * test of the pointer. This program times N iterations of three loops:
 *   plain    sink = i                                (the bare loop)
 *   traced   t = tracer; parity_tracer_add(t, ...); sink = i
 *   stage    a tiny stage: y = 0.5x + 1 over 32 floats, plus sink = i
 *   stage+t  the same stage followed by the add
 * The tracer pointer is read from a volatile each iteration, as a port
 * reloads it from its state, so the compiler can neither prove it NULL nor
 * hoist the test out of the loop; the volatile sink keeps every loop alive.
 * Each loop runs `reps` times, interleaved, and the median is reported:
 *   overhead % = (median traced - median plain) / median plain x 100.
 * Usage: bench_tracer [N [reps]]   (defaults 1000000 and 31)
 */
#include "parity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static double loop_traced(long n) {
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

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : 31;
    if (n <= 0 || reps <= 0 || reps > 1000) return 2;
    for (int j = 0; j < 32; j++) x[j] = (float)j;
    double *t = calloc(4 * (size_t)reps, sizeof *t);
    if (!t) return 2;
    for (int r = 0; r < reps; r++) {
        t[r] = loop_plain(n);
        t[reps + r] = loop_traced(n);
        t[2 * reps + r] = loop_stage(n, 0);
        t[3 * reps + r] = loop_stage(n, 1);
    }
    double plain = median(t, reps), traced = median(t + reps, reps);
    double st = median(t + 2 * reps, reps), stt = median(t + 3 * reps, reps);
    printf("iterations %ld, repetitions %d, medians:\n", n, reps);
    printf("  plain loop          %8.3f ms  %6.3f ns/iter\n", plain * 1e3, plain * 1e9 / n);
    printf("  + disabled add      %8.3f ms  %6.3f ns/iter  overhead %+.1f%%\n",
           traced * 1e3, traced * 1e9 / n, (traced - plain) / plain * 100);
    printf("  32-float stage      %8.3f ms  %6.3f ns/iter\n", st * 1e3, st * 1e9 / n);
    printf("  + disabled add      %8.3f ms  %6.3f ns/iter  overhead %+.1f%%\n",
           stt * 1e3, stt * 1e9 / n, (stt - st) / st * 100);
    printf("  cost of one disabled add: %.3f ns\n", (traced - plain) * 1e9 / n);
    free(t);
    return 0;
}
