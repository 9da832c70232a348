/*
 * kernels_fused.c — the fused chunk kernel (see fused.h): decode both
 * sides' stored elements eight at a time and update, in the same eight
 * lanes as the reference kernels,
 *   side x in {r, p}:  Σx, Σ(x-K)², Σx²  (TwoSum lanes), min, max, zeros
 *   pair:  d = p - r;  Σ|d|, Σd², Σr·p, Σ(r-Kr)(p-Kp)  (TwoSum lanes),
 *          max |d|, max |d|/|r| over r != 0, #(|d| > atol + rtol·|r|),
 *          max ULP distance (order-preserving images of the stored bits)
 * and a flag per lane for any non-finite value.
 *
 * One source, several instruction sets: the body is written with GCC
 * vector extensions on eight-double vectors and inlined into one wrapper
 * per ISA (target attributes): the compiler maps the same per-lane
 * operations to four SSE2 registers, two AVX2 registers or one AVX-512
 * register. Nothing is contracted into an fma (ISO C mode: fp-contract is
 * off) and lanes never mix, so every ISA gives the same bits, which are
 * also the reference path's (stats.c side_kernel, diff.c pair_kernel).
 *
 * Why fused: the reference path writes each chunk as doubles (64 KiB for
 * the two sides), reads it back three times and computes r - Kr twice; a
 * division per pair finds max |d|/|r|. Here every stored byte is read
 * once, and the division runs only for a pair whose quotient may beat the
 * running maximum: |d| <= fl(qk·|r|) with qk = qmax·(1 - 2^-50) proves
 * |d|/|r| < qmax (the product's rounding is below the 2^-50 margin while
 * qk·|r| >= 2^-1000, checked; beyond DBL_MAX it is +Inf and |d| finite).
 */
#include "fused.h"

#include <float.h>
#include <math.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h> /* also the SSE2 instance's minpd and maxpd */
#endif

/* Vectors pass by value only between always_inline helpers, inlined into
 * one wrapper, so no call ever uses the vector calling convention. */
#pragma GCC diagnostic ignored "-Wpsabi"
#define AI static inline __attribute__((always_inline))
/* One stored element (the tails): its value and order-preserving image
 * (the pattern with the sign cleared, negated when the sign is set). */
static double fused_load1(parity_dtype dt, const unsigned char *s, int64_t *img) {
    uint64_t u64;
    uint32_t u32;
    uint16_t u16;
    if (dt == PARITY_DT_F64) {
        memcpy(&u64, s, 8);
        int64_t mag = (int64_t)(u64 & 0x7fffffffffffffffull);
        *img = (u64 >> 63) ? -mag : mag;
    } else if (dt == PARITY_DT_F32) {
        memcpy(&u32, s, 4);
        int64_t mag = u32 & 0x7fffffffu;
        *img = (u32 >> 31) ? -mag : mag;
    } else {
        memcpy(&u16, s, 2);
        int64_t mag = u16 & 0x7fffu;
        *img = (u16 >> 15) ? -mag : mag;
    }
    return parity_dtype_to_double(dt, s);
}

/* How far ahead of the pair in hand the main loop asks for the stored
 * bytes of each side. Mapped file pages are 4 KiB and scattered in
 * memory, and the hardware prefetcher stops at the end of each page, so
 * without the hint every page began with a wait for memory; 1 KiB ahead
 * (tens of loop steps) cut the user time of a one-thread F32 diff from
 * memory by about a tenth (docs/performance.md). A hint past the end of
 * the mapping is harmless: a prefetch never faults. */
#define FUSED_AHEAD 1024

/* The sums a chunk of F32, F16 or BF16 adds plainly, without TwoSum's
 * error terms, when they turn out exact (bit q: sum q of the lanes, in the
 * order of kernels_fused.inc): Σr, Σp and Σ|d|, whose terms are multiples
 * of the quantum of the smallest stored magnitude and rarely span enough
 * binades to round (see FX(plain_exact)). The squares and products need a
 * quantum so fine (the smallest magnitude's, squared) that a chunk of
 * ordinary data rounds them: they keep TwoSum and Fast2Sum. FUSED_TRACK:
 * the kernel tracks the smallest magnitudes (F16 needs not: its quantum
 * 2^-24 always suffices). */
#define FUSED_PLAIN ((1u << 0) | (1u << 3) | (1u << 6))
#define FUSED_TRACK (1u << 31)

/* After the lanes: clean or not, and max |d|/|r|. The main loop only
 * flags pairs whose quotient may beat the caller's running maximum; a
 * chunk with such a pair is passed again with the division (rare: a new
 * record of the quotient). The maximum of the quotients is the maximum
 * of the same per-pair divisions as the reference kernel's. */
static void fused_finish(parity_dtype dt, const unsigned char *r,
                         const unsigned char *p, size_t m,
                         const parity__fused_in *in, parity__fused_out *out) {
    enum { L = PARITY__LANES };
    parity__pair_chunk *pc = &out->pair;
    out->clean = !parity__lanes_overflowed(&out->r.s[0][0], &out->r.c[0][0], 3 * L) &&
                 !parity__lanes_overflowed(&out->p.s[0][0], &out->p.c[0][0], 3 * L) &&
                 !parity__lanes_overflowed(&pc->s[0][0], &pc->c[0][0], 4 * L);
    /* inline divisions: every pair of a first chunk, and the tail */
    pc->rtol_max = out->rtol_div > in->rtol_max ? out->rtol_div : in->rtol_max;
    if (in->first && out->clean) { /* the values at abs_max's position */
        size_t esz = parity_dtype_size(dt);
        pc->abs_max_r = parity_dtype_to_double(dt, r + pc->pos_amax * esz);
        pc->abs_max_p = parity_dtype_to_double(dt, p + pc->pos_amax * esz);
    }
    if (!out->clean || !out->rtol_cand || in->first) return;
    enum { BLOCK = 256 };
    double rb[BLOCK], pb[BLOCK];
    size_t esz = parity_dtype_size(dt);
    double best = pc->rtol_max;
    for (size_t i = 0; i < m; i += BLOCK) {
        size_t n = m - i < BLOCK ? m - i : BLOCK;
        parity_convert(dt, r + i * esz, n, 0, rb);
        parity_convert(dt, p + i * esz, n, 0, pb);
        for (size_t j = 0; j < n; j++) {
            double ar = fabs(rb[j]), q = ar != 0 ? fabs(pb[j] - rb[j]) / ar : 0.0;
            best = q > best ? q : best;
        }
    }
    pc->rtol_max = best;
}

/* The end of a shift pass: the tail x[i..n) into lane 0, then the bound
 * on the spread of exponents and the exact sum (stats.c explains both). */
static int fused_shift_finish(parity_dtype dt, const unsigned char *x,
                              size_t i, size_t n, double *s, double *c,
                              double *hi, double *lo, double *k) {
    size_t esz = parity_dtype_size(dt);
    for (; i < n; i++) {
        double v = parity_dtype_to_double(dt, x + i * esz), a = fabs(v);
        parity__two_sum(&s[0], &c[0], v);
        hi[0] = a > hi[0] ? a : hi[0];
        lo[0] = ((a < lo[0]) & (a != 0)) ? a : lo[0];
    }
    double top = 0, bottom = INFINITY;
    for (int j = 0; j < PARITY__LANES; j++) {
        top = hi[j] > top ? hi[j] : top;
        bottom = lo[j] < bottom ? lo[j] : bottom;
    }
    int prec = parity_dtype_mantissa_bits(dt) + 1, e_max, e_min;
    if (prec > 53) prec = 53;
    if (!(top <= DBL_MAX)) return 0;
    if (top == 0) {
        *k = 0.0;
        return 1;
    }
    frexp(top, &e_max);
    frexp(bottom, &e_min);
    if (e_max - e_min > 82 - prec) return 0;
    parity_xsum acc;
    parity_xsum_init(&acc);
    for (int j = 0; j < PARITY__LANES; j++) {
        if (!isfinite(s[j]) || !isfinite(c[j])) return 0;
        parity_xsum_add(&acc, s[j]);
        parity_xsum_add(&acc, c[j]);
    }
    double sum = parity_xsum_result(&acc);
    if (!isfinite(sum)) return 0;
    *k = sum / (double)n;
    return 1;
}

#define FW 2
#define FX(n) n##_sse2
#define FATTR
#include "kernels_fused.inc"
#undef FW
#undef FX
#undef FATTR

#if defined(__x86_64__) && defined(__GNUC__)
#define PARITY__X86 1

/* F16C. GCC's __builtin_cpu_supports knows it (a read of what libgcc
 * found at start-up: cheap, asked once per kernel); clang 14's does not,
 * so its builds (fuzzing, sanitizers: never timed) ask CPUID leaf 1, ECX
 * bit 29, an instruction a virtual machine traps: tens of microseconds,
 * which made a third of a 10,000-tensor diff when every build asked it. */
static int cpu_has_f16c(void) {
#if defined(__clang__)
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
#else
    return __builtin_cpu_supports("f16c");
#endif
}
#define FW 4
#define FX(n) n##_avx2
#define FATTR __attribute__((target("avx2,f16c")))
#include "kernels_fused.inc"
#undef FW
#undef FX
#undef FATTR

#define FW 8
#define FX(n) n##_avx512
#define FATTR __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,f16c")))
#include "kernels_fused.inc"
#undef FW
#undef FX
#undef FATTR
#endif

parity__isa parity__isa_best(int simd) {
    if (simd == PARITY_SIMD_SCALAR) return PARITY__ISA_NONE;
    parity__isa cap = simd == PARITY_SIMD_SSE2  ? PARITY__ISA_SSE2
                      : simd == PARITY_SIMD_AVX2 ? PARITY__ISA_AVX2
                                                 : PARITY__ISA_AVX512;
    parity__isa best = PARITY__ISA_SSE2;
#ifdef PARITY__X86
    /* libgcc fills its CPU model once, in a constructor, before main: these
     * are reads of it, so any thread may ask at any time and nothing is
     * cached here. Called from a constructor that runs earlier, they say
     * "no extension": the SSE2 kernel, the same results. */
    if (__builtin_cpu_supports("avx2") && cpu_has_f16c())
        best = PARITY__ISA_AVX2;
    if (best == PARITY__ISA_AVX2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        best = PARITY__ISA_AVX512;
#endif
    return best < cap ? best : cap;
}

int parity__fused_shift(parity_dtype dt, parity__isa isa,
                        const unsigned char *x, size_t n, double *k) {
    if (n == 0 || isa == PARITY__ISA_NONE) return 0;
#ifdef PARITY__X86
    if (isa == PARITY__ISA_AVX512) return shift_avx512(dt, x, n, k);
    if (isa == PARITY__ISA_AVX2) return shift_avx2(dt, x, n, k);
#endif
    return shift_sse2(dt, x, n, k);
}

parity__fused_fn parity__fused_kernel(parity_dtype dt, parity__isa isa) {
    static const parity__fused_fn base[4] = {f64_sse2, f32_sse2, f16_sse2, bf16_sse2};
#ifdef PARITY__X86
    static const parity__fused_fn avx2[4] = {f64_avx2, f32_avx2, f16_avx2, bf16_avx2};
    static const parity__fused_fn avx512[4] = {f64_avx512, f32_avx512, f16_avx512,
                                               bf16_avx512};
#endif
    int k = dt == PARITY_DT_F64 ? 0 : dt == PARITY_DT_F32 ? 1
            : dt == PARITY_DT_F16 ? 2 : dt == PARITY_DT_BF16 ? 3 : -1;
    if (k < 0 || isa == PARITY__ISA_NONE) return NULL;
#ifdef PARITY__X86
    if (isa == PARITY__ISA_AVX512) return avx512[k];
    if (isa == PARITY__ISA_AVX2) return avx2[k];
#endif
    return base[k];
}
