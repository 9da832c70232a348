/*
 * exact.c — the slow path of a chunk whose finite values overflow the
 * kernels' double lanes: 1e200² is +Inf, 1e308 + 1e308 is +Inf, and so is
 * 1e308 - (-1e308). The kernels stay as they are (fast, vectorized);
 * afterwards a check of the 2 × 8 lane sums per quantity finds such a chunk
 * and commit redoes its sums here, one value at a time, exactly:
 *
 *   difference a - b:  d = a - b when finite, else (a/2 - b/2) · 2^1
 *                      (halving is exact for the values that overflow,
 *                      and rounds a partner below 2^-1021 only by 2^-1075,
 *                      nothing next to a difference beyond 2^1024)
 *   product a·b:       a·b = hi + lo exactly (fma), added at once when
 *                      |hi| < 2^990; else both factors are >= 2^-34 and
 *                      (a·2^-520)(b·2^-520) = hi + lo is exact, added at
 *                      2^1040 (the superaccumulator reaches 2^2094)
 *
 * so Σx, Σ(x-K)², Σx², Σ|d|, Σd², Σrp and Σ(r-Kr)(p-Kp) are exact sums of
 * exact terms; only the final rounding (or wide.c's arithmetic) can say
 * +Inf, and only when the true value is beyond the double range.
 */
#include "acc.h"

#include <float.h>
#include <math.h>

int parity__lanes_overflowed(const double *s, const double *c, size_t n) {
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= (fabs(s[i]) <= DBL_MAX) & (fabs(c[i]) <= DBL_MAX);
    return !ok;
}

/* a - b as h · 2^*e, e in {0, 1}, never infinite for finite a, b. */
static double difference(double a, double b, int *e) {
    double d = a - b;
    *e = 0;
    if (fabs(d) <= DBL_MAX) return d;
    *e = 1;
    return a * 0.5 - b * 0.5;
}

/* Add (a · 2^ea) · (b · 2^eb) to s exactly (ea, eb in {0, 1}). */
static void add_product(parity_xsum *s, double a, int ea, double b, int eb) {
    double hi = a * b;
    if (fabs(hi) < 0x1p990) {
        double lo = fma(a, b, -hi);
        parity__xsum_add_pow2(s, hi, ea + eb);
        parity__xsum_add_pow2(s, lo, ea + eb);
        return;
    }
    double sa = ldexp(a, ea - 520), sb = ldexp(b, eb - 520);
    hi = sa * sb;
    parity__xsum_add_pow2(s, hi, 1040);
    parity__xsum_add_pow2(s, fma(sa, sb, -hi), 1040);
}

void parity__side_exact(parity__side_acc *a, const double *x, size_t m) {
    for (size_t i = 0; i < m; i++) {
        int e;
        double y = difference(x[i], a->shift, &e);
        parity_xsum_add(&a->sum, x[i]);
        add_product(&a->sum_c2, y, e, y, e);
        add_product(&a->sumsq, x[i], 0, x[i], 0);
    }
}

void parity__pair_exact(parity__pair_acc *a, const double *r, const double *p,
                        size_t m) {
    for (size_t i = 0; i < m; i++) {
        int ed, er, ep;
        double d = difference(p[i], r[i], &ed);
        double yr = difference(r[i], a->r.shift, &er);
        double yp = difference(p[i], a->p.shift, &ep);
        parity__xsum_add_pow2(&a->abs_d, fabs(d), ed);
        add_product(&a->d2, d, ed, d, ed);
        add_product(&a->rp, r[i], 0, p[i], 0);
        add_product(&a->cov, yr, er, yp, ep);
    }
}

/* The kernel's tests on overflowed differences give +Inf or a wrong
 * comparison; here: |d| > atol + rtol·|r| and |d|/|r| with |d| = h·2^e. */
void parity__pair_exact_tol(const double *r, const double *p, size_t m,
                            double atol, double rtol, parity__pair_chunk *c) {
    c->mismatched = 0;
    c->rtol_max = 0;
    for (size_t i = 0; i < m; i++) {
        int e;
        double h = fabs(difference(p[i], r[i], &e)), ar = fabs(r[i]);
        double q = 0.0;
        if (e == 0) {
            double rtol_r = rtol * ar; /* the kernel's two roundings */
            c->mismatched += h > atol + rtol_r;
            if (r[i] != 0) q = h / ar;
        } else { /* |d| > DBL_MAX: compare halves (+Inf only when beyond) */
            c->mismatched += h > atol * 0.5 + rtol * (ar * 0.5);
            if (r[i] != 0) q = h / ar * 2.0;
        }
        if (q > c->rtol_max) c->rtol_max = q;
    }
}
