/*
 * wide.c — doubles with an unbounded exponent (m · 2^e), for the few
 * operations that turn exact sums into metrics.
 *
 * Why: the exact sums may lie far beyond DBL_MAX (Σd² of values near 1e300)
 * while the metric built from them is an ordinary number (rmse = √(Σd²/n),
 * relative = ‖d‖/‖r‖, a mean of huge values). Each operation rounds its
 * 53-bit mantissa once, as a double operation would, and scaling by powers
 * of two is exact, so inside the double range (subnormals aside) every
 * result has the bits plain double arithmetic would give. Non-finite
 * mantissas carry NaN/Inf through with e = 0.
 */
#include "acc.h"

#include <math.h>

parity__wide parity__wide_make(double m, long e) {
    int k = 0;
    if (m == 0 || !isfinite(m)) return (parity__wide){m, 0};
    m = frexp(m, &k); /* 0.5 <= |m| < 1 */
    return (parity__wide){m, e + k};
}

parity__wide parity__wide_of(double x) {
    return parity__wide_make(x, 0);
}

double parity__wide_double(parity__wide a) {
    if (a.m == 0 || !isfinite(a.m)) return a.m;
    if (a.e > 2000) return copysign(INFINITY, a.m); /* ldexp takes an int */
    if (a.e < -2000) return copysign(0.0, a.m);
    return ldexp(a.m, (int)a.e);
}

static int plain(parity__wide a) {
    return a.m == 0 || !isfinite(a.m);
}

parity__wide parity__wide_add(parity__wide a, parity__wide b) {
    if (plain(a) || plain(b)) {
        if (a.m == 0) return b;
        if (b.m == 0) return a;
        return parity__wide_of((isfinite(a.m) ? 0 : a.m) + (isfinite(b.m) ? 0 : b.m));
    }
    if (a.e < b.e) {
        parity__wide t = a;
        a = b, b = t;
    }
    /* Beyond 64 bits apart b is below half an ulp of a (|m| >= 0.5), so
     * the correctly rounded sum is a; within, ldexp is exact. */
    if (a.e - b.e > 64) return a;
    return parity__wide_make(a.m + ldexp(b.m, (int)(b.e - a.e)), a.e);
}

parity__wide parity__wide_sub(parity__wide a, parity__wide b) {
    b.m = -b.m;
    return parity__wide_add(a, b);
}

parity__wide parity__wide_mul(parity__wide a, parity__wide b) {
    if (plain(a) || plain(b)) return parity__wide_of(a.m * b.m);
    return parity__wide_make(a.m * b.m, a.e + b.e);
}

parity__wide parity__wide_div(parity__wide a, parity__wide b) {
    if (plain(a) || plain(b)) return parity__wide_of(a.m / b.m); /* m alone decides */
    return parity__wide_make(a.m / b.m, a.e - b.e);
}

parity__wide parity__wide_sqrt(parity__wide a) {
    if (plain(a) || a.m < 0) return parity__wide_of(sqrt(a.m));
    if (a.e & 1) /* make e even: 2m in [1, 2) */
        return parity__wide_make(sqrt(2 * a.m), (a.e - 1) / 2);
    return parity__wide_make(sqrt(a.m), a.e / 2);
}

double parity__wide_log10(parity__wide a) {
    double x = parity__wide_double(a);
    if (plain(a) || (isfinite(x) && fabs(x) >= 0x1p-1022))
        return log10(x); /* in range: the plain function's bits */
    return log10(a.m) + (double)a.e * 0.30102999566398119521; /* log10(2) */
}

int parity__wide_sign(parity__wide a) {
    return a.m > 0 ? 1 : a.m < 0 ? -1 : 0; /* NaN: 0 */
}
