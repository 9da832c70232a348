/*
 * trace_many.c — many small stages as fast as the tracer takes them; the
 * crash test (tests/tracer/run_kill.sh) kills it at random moments.
 *
 *   trace_many N
 *
 * Traces to PARITY_TRACE: "input" (F32 [16], i, marked as an input), then
 * stages "s1".."sN" (F32 [64], element i of stage k = k + i/64, exact in
 * float32), each named with a printf-style name and recorded with its
 * parent (the stage before it: "input" for s1). After each stage is
 * recorded it prints the stage number on a line of its own, unbuffered, so
 * whoever kills it knows which stages the tracer had finished. Exit 0, or
 * 2 with a one-line error.
 */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "k\n" on stdout with one write: nothing is buffered when the kill comes. */
static void report(long k) {
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", k);
    if (write(1, line, (size_t)n) != n) exit(2);
}

int main(int argc, char **argv) {
    long n = argc == 2 ? atol(argv[1]) : 0;
    if (n <= 0) {
        fprintf(stderr, "usage: trace_many N\n");
        return 2;
    }
    parity_error err = {0};
    parity_tracer *t = NULL;
    if (parity_tracer_open(NULL, &t, &err) != PARITY_OK) {
        fprintf(stderr, "trace_many: %s\n", err.msg);
        return 2;
    }
    float in[16], x[64];
    const int64_t s16[1] = {16}, s64[1] = {64};
    for (int i = 0; i < 16; i++) in[i] = (float)i;
    if (parity_tracer_add_input(t, "input", PARITY_DT_F32, 1, s16, in, &err) != PARITY_OK) {
        fprintf(stderr, "trace_many: %s\n", err.msg);
        return 2;
    }
    report(0);
    for (long k = 1; k <= n; k++) {
        const char *prev = parity_tracer_last(t, NULL);
        for (int i = 0; i < 64; i++) x[i] = (float)k + (float)i / 64;
        if (parity_tracer_addf(t, PARITY_DT_F32, 1, s64, x, &err, "s%ld", k) != PARITY_OK ||
            parity_tracer_parents(t, NULL, &prev, 1, &err) != PARITY_OK) {
            fprintf(stderr, "trace_many: %s\n", err.msg);
            return 2;
        }
        report(k);
    }
    if (parity_tracer_close(t, &err) != PARITY_OK) {
        fprintf(stderr, "trace_many: %s\n", err.msg);
        return 2;
    }
    return 0;
}
