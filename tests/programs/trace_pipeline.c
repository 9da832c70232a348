/*
 * trace_pipeline.c — a six-stage toy "port" traced with the C tracer; the
 * tracer tests run it.
 *
 *   trace_pipeline [--defect K] [--sleep-after K]
 *
 * The trace goes where PARITY_TRACE says (nothing is traced when it is
 * unset); PARITY_INJECT=REF replaces each stage's output by REF's before
 * the next stage runs. Every buffer is float32 [1, 8, 32], C order:
 *   input   x[i] = ((i mod 17) - 8) / 8          (traced as a model input)
 *   stage1  2x + 1
 *   stage2  x²/2 - 1/4
 *   stage3  x + mean of its row (the last axis)
 *   stage4  3x/4 + x[previous column]/10  (column 0: 3x/4)
 *   stage5  x / (1 + |x|)
 *   stage6  x - max of its row
 * Each stage is recorded with its parent (the stage before it), and
 * injected: in inject mode the next stage starts from the reference.
 * --defect K multiplies stage K's output by 1.01 (a planted bug);
 * --sleep-after K sleeps forever once stage K is traced (crash tests kill
 * it there). Exit status 0, or 2 with a one-line error on stderr.
 */
#include "parity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS 8
#define COLS 32
#define N (ROWS * COLS)

/* out = stage k of in; both [ROWS][COLS]. */
static void stage(int k, const float *in, float *out) {
    for (int r = 0; r < ROWS; r++) {
        const float *x = in + r * COLS;
        float *y = out + r * COLS;
        float mean = 0, max = x[0];
        for (int c = 0; c < COLS; c++) mean += x[c] / COLS;
        for (int c = 1; c < COLS; c++) max = x[c] > max ? x[c] : max;
        for (int c = 0; c < COLS; c++) {
            switch (k) {
            case 1: y[c] = 2 * x[c] + 1; break;
            case 2: y[c] = x[c] * x[c] / 2 - 0.25f; break;
            case 3: y[c] = x[c] + mean; break;
            case 4: y[c] = 0.75f * x[c] + (c ? x[c - 1] / 10 : 0); break;
            case 5: y[c] = x[c] / (1 + fabsf(x[c])); break;
            default: y[c] = x[c] - max; break;
            }
        }
    }
}

static int fail(const char *what, const parity_error *err) {
    fprintf(stderr, "trace_pipeline: %s: %s\n", what, err->msg);
    return 2;
}

int main(int argc, char **argv) {
    int defect = 0, sleep_after = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--defect") && i + 1 < argc) {
            defect = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--sleep-after") && i + 1 < argc) {
            sleep_after = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: trace_pipeline [--defect K] [--sleep-after K]\n");
            return 2;
        }
    }
    static float buf[7][N]; /* buf[0] input, buf[k] stage k */
    const int64_t shape[3] = {1, ROWS, COLS};
    parity_error err = {0};
    parity_tracer *t = NULL;
    if (parity_tracer_open(NULL, &t, &err)) return fail("open", &err);
    for (int i = 0; i < N; i++) buf[0][i] = (float)((i % 17) - 8) / 8.0f;
    if (parity_tracer_add_input(t, "input", PARITY_DT_F32, 3, shape, buf[0], &err))
        return fail("input", &err);
    const char *prev = parity_tracer_last(t, NULL); /* "input" */
    for (int k = 1; k <= 6; k++) {
        stage(k, buf[k - 1], buf[k]);
        if (k == defect)
            for (int i = 0; i < N; i++) buf[k][i] *= 1.01f;
        /* stage k: computed from stage k-1; patched in inject mode */
        if (parity_tracer_injectf(t, PARITY_DT_F32, 3, shape, buf[k], &err, "stage%d", k) ||
            parity_tracer_parents(t, NULL, &prev, 1, &err))
            return fail("stage", &err);
        prev = parity_tracer_last(t, NULL);
        while (k == sleep_after) pause();
    }
    size_t injected = parity_tracer_injected(t);
    if (parity_tracer_close(t, &err)) return fail("close", &err);
    printf("stages 6 injected %zu output[0] %.9g\n", injected, buf[6][0]);
    return 0;
}
