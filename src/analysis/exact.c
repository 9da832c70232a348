/*
 * exact.c — the slow path of a chunk whose finite values overflow the
 * kernels' double lanes: 1e200² is +Inf, 1e308 + 1e308 is +Inf, and so is
 * 1e308 - (-1e308). The kernels stay as they are (fast, vectorized);
 * afterwards a check of the 2 × 8 lane sums per quantity finds such a chunk
 * and commit sums it again here, one value at a time, without overflow:
 *
 *   difference a - b:  d = a - b when finite, else (a/2 - b/2) · 2^1
 *                      (halving is exact for the values that overflow,
 *                      and rounds a partner below 2^-1021 only by 2^-1075,
 *                      nothing next to a difference beyond 2^1024)
 *   product a·b:       hi + lo = a·b exactly (fma) when |hi| < 2^990;
 *                      else both factors are >= 2^-34 and the product is
 *                      taken as (a·2^-520)(b·2^-520), exact, in units of
 *                      2^1040
 *
 * Every term goes to one of two TwoSum pairs: the ordinary scale (terms
 * below 2^1000: 4,096 of them stay below 2^1012) or the 2^1040 scale (the
 * rest, each at most 2^1010 there, so below 2^1022 in all). At the end of
 * the chunk both pairs go to the superaccumulator at their scale (it
 * reaches 2^2094). So Σx, Σ(x-K)², Σx², Σ|d|, Σd², Σrp and
 * Σ(r-Kr)(p-Kp) keep the fast path's accuracy (compensated within the
 * chunk, exact across chunks), and only the final rounding (or wide.c's
 * arithmetic) can say +Inf: when the true value is beyond the double range.
 */
#include "acc.h"

#include <float.h>
#include <math.h>

#define BIG_SCALE 1040          /* the big pair counts in units of 2^1040 */
#define LINEAR_LIMIT 0x1p1000   /* a linear term below: ordinary scale     */
#define PRODUCT_LIMIT 0x1p990   /* a product below: ordinary scale         */

/* One sum of a chunk in two scales: s + c, plus (bs + bc) · 2^1040. */
typedef struct two_scale {
    double s, c, bs, bc;
} two_scale;

/* Add both pairs to x and clear them. */
static void flush(two_scale *t, parity_xsum *x) {
    parity_xsum_add(x, t->s);
    parity_xsum_add(x, t->c);
    parity__xsum_add_pow2(x, t->bs, BIG_SCALE);
    parity__xsum_add_pow2(x, t->bc, BIG_SCALE);
    t->s = t->c = t->bs = t->bc = 0;
}

/* Add h · 2^e (e in {0, 1}) to t. */
static void add_linear(two_scale *t, double h, int e) {
    if (e == 0 && fabs(h) < LINEAR_LIMIT) parity__two_sum(&t->s, &t->c, h);
    else parity__two_sum(&t->bs, &t->bc, h * (e ? 0x1p-1039 : 0x1p-1040));
}

/* Add (a · 2^ea) · (b · 2^eb) to t (ea, eb in {0, 1}). */
static void add_product(two_scale *t, double a, int ea, double b, int eb) {
    double hi = a * b;
    if (fabs(hi) < PRODUCT_LIMIT) {
        double k = (double)(1 << (ea + eb)); /* scaling up: exact */
        parity__two_sum(&t->s, &t->c, hi * k);
        t->c += fma(a, b, -hi) * k;
        return;
    }
    /* exact scalings (both factors are far above the subnormals here) */
    double sa = a * (ea ? 0x1p-519 : 0x1p-520), sb = b * (eb ? 0x1p-519 : 0x1p-520);
    hi = sa * sb;
    parity__two_sum(&t->bs, &t->bc, hi);
    t->bc += fma(sa, sb, -hi);
}

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

void parity__side_exact(parity__side_acc *a, const double *x, size_t m) {
    two_scale t[3] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    parity_xsum *dst[3] = {&a->sum, &a->sum_c2, &a->sumsq};
    for (size_t i = 0; i < m; i++) {
        int e;
        double y = difference(x[i], a->shift, &e);
        add_linear(&t[0], x[i], 0);
        add_product(&t[1], y, e, y, e);
        add_product(&t[2], x[i], 0, x[i], 0);
        if (i % PARITY__CHUNK == PARITY__CHUNK - 1) /* keeps the bounds above */
            for (int q = 0; q < 3; q++) flush(&t[q], dst[q]);
    }
    for (int q = 0; q < 3; q++) flush(&t[q], dst[q]);
}

void parity__pair_exact(parity__pair_acc *a, const double *r, const double *p,
                        size_t m) {
    two_scale t[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    for (size_t i = 0; i < m; i++) {
        int ed, er, ep;
        double d = difference(p[i], r[i], &ed);
        double yr = difference(r[i], a->r.shift, &er);
        double yp = difference(p[i], a->p.shift, &ep);
        add_linear(&t[0], fabs(d), ed);
        add_product(&t[1], d, ed, d, ed);
        add_product(&t[2], r[i], 0, p[i], 0);
        add_product(&t[3], yr, er, yp, ep);
        if (i % PARITY__CHUNK == PARITY__CHUNK - 1) { /* keeps the bounds above */
            flush(&t[0], &a->abs_d);
            flush(&t[1], &a->d2);
            flush(&t[2], &a->rp);
            flush(&t[3], &a->cov);
        }
    }
    flush(&t[0], &a->abs_d);
    flush(&t[1], &a->d2);
    flush(&t[2], &a->rp);
    flush(&t[3], &a->cov);
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
