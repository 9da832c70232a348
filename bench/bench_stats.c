/*
 * bench_stats.c — throughput of parity_diff_tensors and parity_stats_tensor
 * on two in-memory tensors (no file I/O: the numeric core alone).
 *
 * Build (after building libparity in BUILD):
 *   cc -O2 -Iinclude bench/bench_stats.c BUILD/libparity.a -lcjson -lz -lm -lpthread -o bench_stats
 * Run: ./bench_stats [elements, default 2^28] [dtype F32|BF16|F16|F64]
 * Prints seconds and GB/s of input per configuration; never used by tests.
 */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static double next_uniform(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Fill n elements of dt with values in [-10, 0] (ref) or the same plus
 * small noise (port). */
static void fill(unsigned char *buf, parity_dtype dt, uint64_t n, int port) {
    rng_state = 0x243f6a8885a308d3ull; /* port = ref + noise */
    for (uint64_t i = 0; i < n; i++) {
        double v = -10.0 * next_uniform();
        if (port) v += 1e-3 * ((double)(i * 2654435761u % 1000) / 1000.0 - 0.5);
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        switch (dt) {
        case PARITY_DT_F32: memcpy(buf + 4 * i, &f, 4); break;
        case PARITY_DT_F64: memcpy(buf + 8 * i, &v, 8); break;
        case PARITY_DT_BF16: { uint16_t h = (uint16_t)(u >> 16); memcpy(buf + 2 * i, &h, 2); break; }
        default: { /* F16 via a crude exponent rebias: values in [2^-14, 16) */
            uint16_t h = (uint16_t)(((u >> 16) & 0x8000) | ((((u >> 23) & 0xff) - 112) << 10) |
                                    ((u >> 13) & 0x3ff));
            memcpy(buf + 2 * i, &h, 2);
        }
        }
    }
}

static parity_tensor view(const unsigned char *data, parity_dtype dt, uint64_t n) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = "x", t.file = "memory", t.dtype = dt, t.ndim = 1;
    t.shape[0] = (int64_t)n, t.stride[0] = 1, t.count = n;
    t.data = data, t.nbytes = n * parity_dtype_size(dt);
    return t;
}

int main(int argc, char **argv) {
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : (1ull << 28);
    parity_dtype dt = argc > 2 ? parity_dtype_from_name(argv[2]) : PARITY_DT_F32;
    size_t esz = parity_dtype_size(dt);
    if (!esz) return 2;
    unsigned char *a = malloc(n * esz), *b = malloc(n * esz);
    if (!a || !b) return 2;
    fill(a, dt, n, 0);
    fill(b, dt, n, 1);
    parity_tensor ta = view(a, dt, n), tb = view(b, dt, n);
    double gb = 2.0 * (double)(n * esz) / 1e9;
    parity_stats s;
    double t0 = now();
    parity_stats_tensor(&ta, &s, NULL);
    printf("stats  %s n=%llu: %.3f s (%.2f GB/s)\n", argv[2] ? argv[2] : "F32",
           (unsigned long long)n, now() - t0, gb / 2 / (now() - t0));
    for (int threads = 1; threads <= 2; threads++) {
        parity_diff_opts o = parity_diff_opts_default();
        parity_diff d;
        o.threads = threads;
        t0 = now();
        parity_diff_tensors(&ta, &tb, &o, &d, NULL);
        double dt_s = now() - t0;
        printf("diff   threads=%d: %.3f s (%.2f GB/s) relative=%.6g\n", threads, dt_s,
               gb / dt_s, d.relative);
        parity_diff_clear(&d);
    }
    free(a);
    free(b);
    return 0;
}
