/*
 * fused.h — the fused chunk kernel of parity_diff_tensors (internal to
 * src/analysis): one pass over the stored bytes of both tensors decodes
 * each element in registers and feeds every accumulator of the two sides
 * and of the pair, instead of decoding into buffers and running three
 * kernels (side r, side p, pair) and the ULP loop over them.
 *
 * Bits: the fused pass performs, lane for lane, the operations of
 * stats.c's side_kernel and diff.c's pair_kernel (same eight lanes, the
 * same TwoSum steps, the same tail through lane 0, no fused multiply-add),
 * so its chunk results are the reference path's bits; the tests compare
 * the two on every dtype (PARITY_SIMD=scalar forces the reference path).
 * One exception, with the same bits: Σr, Σp and Σ|d| of F32, F16 and BF16
 * are first added without TwoSum's error terms, and that pass is kept
 * only when it provably rounded nowhere (every error term would have been
 * +0); test_fused_plain compares the two passes.
 *
 * Scope: both tensors C-contiguous, native byte order, the same dtype,
 * one of F64, F32, F16, BF16. A chunk holding a non-finite value, or whose
 * lane sums overflow, is not "clean": the caller redoes it through the
 * reference path (rare by construction).
 */
#ifndef PARITY_FUSED_H
#define PARITY_FUSED_H

#include "acc.h"

/* The instruction sets a fused kernel is compiled for, best last. */
typedef enum parity__isa {
    PARITY__ISA_NONE = 0,   /* no fused kernel: the reference path        */
    PARITY__ISA_SSE2,       /* x86-64 baseline (or the target's default)  */
    PARITY__ISA_AVX2,       /* AVX2 + F16C                                */
    PARITY__ISA_AVX512      /* AVX-512 F/DQ/BW/VL                         */
} parity__isa;

/* Inputs of one chunk that do not depend on the data. */
typedef struct parity__fused_in {
    double kr, kp;          /* the shifts K of each side                   */
    double atol, rtol;
    double rtol_max;        /* the running max |d|/|r| of the caller: only */
                            /* larger quotients need a division           */
    int first;              /* fresh accumulators (a worker's first chunk):*/
                            /* every pair divides, and the first positions */
                            /* of the extrema are tracked                 */
    int plain;              /* try plain sums where they may be exact      */
                            /* (kernels_fused.inc, FX(plain_exact)): the   */
                            /* same bits, fewer operations; a chunk where  */
                            /* they are not exact is passed again         */
} parity__fused_in;

/* What one fused pass over m element pairs found. */
typedef struct parity__fused_out {
    parity__side_chunk r, p; /* as side_kernel on each side               */
    parity__pair_chunk pair; /* as pair_kernel (rtol_max includes the      */
                             /* caller's running max)                      */
    uint64_t max_ulp;        /* largest ULP distance in the dtype          */
    int rtol_cand;           /* some |d|/|r| may beat the running maximum */
    double rtol_div;         /* max |d|/|r| of the pairs divided inline   */
    size_t pos_ulp;          /* with first: offset of max_ulp's first pair */
    int clean;               /* 0: a non-finite value or an overflowing    */
                             /* lane: redo the chunk by the reference path */
    int plain_missed;        /* plain sums were tried and not all exact:   */
                             /* the chunk took two passes                  */
} parity__fused_out;

typedef void (*parity__fused_fn)(const unsigned char *r, const unsigned char *p,
                                 size_t m, const parity__fused_in *in,
                                 parity__fused_out *out);

/* The best ISA this CPU runs, capped at cap (PARITY_SIMD_AUTO: no cap). A
 * pure function of the CPU (cpuid through __builtin_cpu_supports), so
 * calling it from any thread at any time gives the same answer. */
parity__isa parity__isa_best(int simd);
/* The fused kernel for dtype dt at isa, or NULL when there is none (other
 * dtypes, PARITY__ISA_NONE). */
parity__fused_fn parity__fused_kernel(parity_dtype dt, parity__isa isa);

/* The shift K (parity__shift_of) of the n stored elements at x, from the
 * bytes in one vector pass; returns 0 when the proof that lanes give the
 * definition's bits does not apply (then use parity__shift_of). */
int parity__fused_shift(parity_dtype dt, parity__isa isa,
                        const unsigned char *x, size_t n, double *k);

#endif /* PARITY_FUSED_H */
