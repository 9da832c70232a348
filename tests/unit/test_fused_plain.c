/*
 * test_fused_plain.c — the fused kernel's plain sums leave the bits of its
 * compensated sums.
 *
 * For F32, F16 and BF16 the fused kernel first adds Σr, Σp and Σ|d|
 * plainly and keeps that pass only when it proves every addition exact
 * (kernels_fused.inc, FX(plain_exact)); otherwise it passes the chunk again
 * with TwoSum. Each chunk here goes through every instruction set this CPU
 * runs twice, plain sums allowed and not, and the two results must be the
 * same bytes, field by field. An addition that rounded would leave a
 * nonzero error term in TwoSum's c and none in the plain pass, so a proof
 * that let one through fails here. The chunks: ordinary data (which must
 * take the plain pass, or the test would prove nothing), magnitudes whose
 * spread of binades straddles the bound, values of one sign with one
 * small value whose size straddles it, differences whose Σ|d| straddles
 * its bound with one tiny pair setting the quantum (both outcomes must
 * occur),
 * differences near 2^53 times the quantum, a stray subnormal, one side all
 * zeros, and the largest finite values; lengths with and without a tail.
 */
#include "analysis/fused.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { N = 4096 };

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return rng_state;
}
static double uniform(void) { return (double)(rng() >> 11) * 0x1p-53; }
static double gauss(void) {
    double u = uniform() + 0x1p-60, v = uniform();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* x as the dtype's bits (F32: rounded by the cast; BF16: the float's top
 * half; F16: truncated, subnormals included, beyond the range clamped). */
static void store(parity_dtype dt, double x, unsigned char *at) {
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    if (dt == PARITY_DT_F32) {
        memcpy(at, &u, 4);
        return;
    }
    uint16_t h;
    if (dt == PARITY_DT_BF16) {
        h = (uint16_t)(u >> 16);
    } else {
        double a = fabs(x);
        uint16_t sign = x < 0 ? 0x8000u : 0;
        if (a >= 65504.0) {
            h = sign | 0x7bffu;
        } else if (a < 0x1p-14) {
            h = sign | (uint16_t)(a * 0x1p24); /* subnormal: multiples of 2^-24 */
        } else {
            int e;
            double m = frexp(a, &e); /* a = m·2^e, m in [0.5, 1) */
            h = sign | (uint16_t)((e + 14) << 10) | ((uint16_t)(m * 2048.0) & 0x3ffu);
        }
    }
    memcpy(at, &h, 2);
}

typedef enum { ORDINARY, SPREAD, ONE_SIGN, ABS_EDGE, BIG_DIFF, STRAY_TINY, ZERO_SIDE, EXTREMES,
               N_KINDS } kind;
static const char *const kind_names[N_KINDS] = {"ordinary", "spread", "one-sign", "abs-edge",
                                                "big-diff", "stray-tiny", "zero-side", "extremes"};

/* One chunk of kind k; seed varies the spread so that the bound falls
 * inside the range of cases. */
static void make_chunk(parity_dtype dt, kind k, int seed, size_t m,
                       unsigned char *r, unsigned char *p) {
    size_t esz = dt == PARITY_DT_F32 ? 4 : 2;
    int spread = 8 + seed % 30; /* binades below the largest magnitude */
    for (size_t i = 0; i < m; i++) {
        double x = gauss(), y;
        if (k == SPREAD) x = (rng() & 1 ? 1 : -1) * ldexp(1 + uniform(), -(int)(rng() % (unsigned)spread));
        if (k == ONE_SIGN) x = 1 + uniform() / 4; /* partial sums near n·max|x| */
        y = x + gauss() * 1e-3 * fabs(x);
        if (k == BIG_DIFF) y = x + ldexp(gauss(), seed % 40 - 10);
        if (k == EXTREMES) x = (rng() & 1 ? 1 : -1) * (dt == PARITY_DT_F16 ? 65504.0 : 3e38) * (0.5 + uniform() / 2), y = -x;
        if (k == ZERO_SIDE) x = 0.0;
        store(dt, x, r + i * esz);
        store(dt, y, p + i * esz);
    }
    /* small values set the quantum: first in each lane, so that every later
     * addition of the lane must keep their low bits */
    for (size_t i = 0; k == ONE_SIGN && i < m && i < 8; i++)
        store(dt, ldexp(1 + uniform(), -10 - seed % 30), r + i * esz);
    if (k == ABS_EDGE) { /* differences near 2^-e, whose Σ|d| straddles its */
        /* bound 2^53 q: small values 2^-t of r, first in each lane, set q */
        /* (fine enough for Σ|d|, not for Σr), p is large and coarse */
        int f32 = dt == PARITY_DT_F32, t = 10 + seed % (f32 ? 10 : 26);
        int e = t + (f32 ? 24 : 8) - 44 + (seed / 12) % 5 - 2;
        for (size_t i = 0; i < m; i++) {
            double x = i < 8 ? ldexp(1 + uniform(), -t) : 1 + uniform() / 4;
            store(dt, x, r + i * esz);
            store(dt, x + ldexp(1 + uniform(), -e), p + i * esz);
        }
    }
    if (k == STRAY_TINY && m > 0) { /* the smallest subnormal */
        size_t at = rng() % m;
        unsigned char one[4] = {1, 0, 0, 0};
        memcpy(r + at * esz, one, esz);
    }
}

int main(void) {
    static unsigned char r[N * 4], p[N * 4];
    const parity_dtype dts[3] = {PARITY_DT_F32, PARITY_DT_BF16, PARITY_DT_F16};
    const size_t lengths[4] = {N, N - 3, 13, 8};
    int seen[3][N_KINDS][2] = {{{0}}}; /* per dtype and kind: hits, misses */
    for (int d = 0; d < 3; d++) {
        for (int isa = PARITY__ISA_SSE2; isa <= (int)parity__isa_best(0); isa++) {
            parity__fused_fn f = parity__fused_kernel(dts[d], (parity__isa)isa);
            for (int k = 0; k < N_KINDS; k++) {
                for (int seed = 0; seed < 60; seed++) {
                    size_t m = lengths[seed % 4];
                    make_chunk(dts[d], (kind)k, seed, m, r, p);
                    parity__fused_in in = {0.25, -0.5, 1e-5, 1e-3, seed % 3 ? 0.5 : 0.0,
                                           seed % 3 == 0, 0};
                    parity__fused_out want, got;
                    memset(&want, 0, sizeof want);
                    f(r, p, m, &in, &want);
                    CHECK_MSG(!want.plain_missed, "no plain sums asked, none missed");
                    memset(&got, 0, sizeof got);
                    in.plain = 1;
                    f(r, p, m, &in, &got);
                    int missed = got.plain_missed;
                    CHECK(missed == 0 || missed == 1);
                    seen[d][k][missed != 0]++;
                    got.plain_missed = 0;
                    CHECK_MSG(memcmp(&want, &got, sizeof want) == 0,
                              "%s isa %d %s seed %d m %zu: plain pass differs (missed %d)",
                              parity_dtype_name(dts[d]), isa, kind_names[k], seed, m, missed);
                }
            }
        }
        const char *dn = parity_dtype_name(dts[d]);
        int (*o)[2] = seen[d];
        /* ordinary data takes the plain pass (or this test proves nothing) */
        CHECK_MSG(o[ORDINARY][0] >= 9 * o[ORDINARY][1] && o[ORDINARY][0] > 0,
                  "%s ordinary: %d hits, %d misses", dn, o[ORDINARY][0], o[ORDINARY][1]);
        CHECK_MSG(o[ZERO_SIDE][0] > 0, "%s zero side: %d hits", dn, o[ZERO_SIDE][0]);
        if (dts[d] == PARITY_DT_F16) { /* its quantum 2^-24 always suffices */
            for (int k = 0; k < N_KINDS; k++)
                CHECK_MSG(o[k][1] == 0, "F16 %s: %d misses", kind_names[k], o[k][1]);
        } else { /* both sides of the bound are exercised */
            for (int k = SPREAD; k <= ABS_EDGE; k++)
                CHECK_MSG(o[k][0] > 0 && o[k][1] > 0, "%s %s: %d hits, %d misses", dn,
                          kind_names[k], o[k][0], o[k][1]);
            CHECK_MSG(o[STRAY_TINY][1] > 0, "%s stray tiny: no miss", dn);
            CHECK_MSG(o[BIG_DIFF][0] > 0, "%s big diff: no hit", dn);
        }
    }
    return TEST_SUMMARY();
}
