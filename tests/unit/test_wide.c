/*
 * test_wide.c — the unbounded-exponent arithmetic of src/analysis/wide.c
 * and the superaccumulator's wide rounding: the same bits as double
 * arithmetic inside the double range (random operands), hand-derived
 * results beyond it, and the exact slow path of src/analysis/exact.c.
 */
#include "analysis/acc.h"
#include "parity.h"
#include "testutil.h"

#include <float.h>
#include <math.h>

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static double rnd(void) { /* sign · [0.5, 1) · 2^(-300..300) */
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    double m = 0.5 + (double)(g_rng >> 12) * 0x1p-53;
    return ldexp(g_rng & 1 ? -m : m, (int)(g_rng >> 40) % 601 - 300);
}

static void test_same_as_double(void) {
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        double a = rnd(), b = i % 7 ? rnd() : a * (1 + 0x1p-40); /* some cancel */
        parity__wide wa = parity__wide_of(a), wb = parity__wide_of(b);
        double got[5] = {parity__wide_double(parity__wide_add(wa, wb)),
                         parity__wide_double(parity__wide_sub(wa, wb)),
                         parity__wide_double(parity__wide_mul(wa, wb)),
                         parity__wide_double(parity__wide_div(wa, wb)),
                         parity__wide_double(parity__wide_sqrt(parity__wide_of(fabs(a))))};
        double want[5] = {a + b, a - b, a * b, a / b, sqrt(fabs(a))};
        for (int k = 0; k < 5; k++)
            if (!testutil_same_bits_(got[k], want[k]) && bad++ < 3)
                fprintf(stderr, "op %d on %a, %a: %a vs %a\n", k, a, b, got[k], want[k]);
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_beyond_range(void) {
    parity__wide big = parity__wide_make(0.75, 2000); /* 1.5 · 2^1999 */
    parity__wide sq = parity__wide_mul(big, big);
    CHECK_SAME_DBL(parity__wide_double(sq), INFINITY);
    CHECK_EQ_DBL(parity__wide_double(parity__wide_div(big, parity__wide_make(0.75, 1990))),
                 0x1p10);
    CHECK_EQ_DBL(parity__wide_double(parity__wide_sqrt(parity__wide_make(0.5, 2047))),
                 0x1p1023);
    CHECK_NEAR_DBL(parity__wide_log10(parity__wide_make(0.5, 3001)), 3000 * log10(2.0),
                   1e-15);
    CHECK_SAME_DBL(parity__wide_double(parity__wide_add(big, parity__wide_of(1.0))),
                   INFINITY);
    CHECK_EQ_DBL(parity__wide_double(parity__wide_sub(sq, sq)), 0.0);
    CHECK(isnan(parity__wide_double(parity__wide_sqrt(parity__wide_of(-1.0)))));
    CHECK_SAME_DBL(parity__wide_double(parity__wide_div(parity__wide_of(1.0),
                                                        parity__wide_of(0.0))),
                   INFINITY);
}

/* Squares near DBL_MAX summed exactly, then read back wide. */
static void test_exact_squares(void) {
    parity__side_acc a;
    double x[3] = {DBL_MAX, -DBL_MAX, 0x1p600};
    parity__side_init(&a, 0.0);
    parity__side_exact(&a, x, 3);
    parity__wide s2 = parity__xsum_wide(&a.sumsq); /* 2·DBL_MAX² + 2^1200 */
    parity__wide want = parity__wide_add(
        parity__wide_mul(parity__wide_of(2.0),
                         parity__wide_mul(parity__wide_of(DBL_MAX), parity__wide_of(DBL_MAX))),
        parity__wide_make(0.5, 1201));
    CHECK_EQ_DBL(s2.m, want.m);
    CHECK_EQ_INT(s2.e, want.e);
    CHECK_EQ_DBL(parity_xsum_result(&a.sum), 0x1p600);
    /* K far from the values: x - K overflows, taken as halves */
    parity__side_init(&a, -DBL_MAX);
    parity__side_exact(&a, x, 1); /* (DBL_MAX + DBL_MAX)² = 4·DBL_MAX² */
    parity__wide c2 = parity__xsum_wide(&a.sum_c2);
    parity__wide w4 = parity__wide_mul(parity__wide_of(4.0),
                                       parity__wide_mul(parity__wide_of(DBL_MAX),
                                                        parity__wide_of(DBL_MAX)));
    CHECK(c2.m == w4.m && c2.e == w4.e);
}

int main(void) {
    test_same_as_double();
    test_beyond_range();
    test_exact_squares();
    return TEST_SUMMARY();
}
