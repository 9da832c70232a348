/*
 * numfmt.c — snprintf(buf, cap, "%.*g", prec, x), the same bytes, faster.
 *
 * A report of 10,000 stages prints some 150,000 numbers at four (or a few
 * more) significant digits; through snprintf that was a fifth of a
 * 10,000-tensor diff's run. The digits come from one scaling by an exact
 * power of ten instead: a·10^k is a double within half an ulp of the true
 * product, so its nearest integer is the correctly rounded P-digit
 * significand unless the product lies within a few ulps of a rounding
 * boundary (a half-way point, or the decade's edge). Then, and for what
 * the scaling cannot hold exactly (more than 15 digits, a power of ten
 * beyond 10^22, subnormals, non-finite values), snprintf itself answers.
 * tests/unit/test_numfmt.c compares the two on millions of values.
 */
#include "render/report_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* 10^0 .. 10^22: each exactly a double. */
static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The P-digit significand of a > 0 and its decimal exponent, a ≈
 * q·10^(e - P + 1) with 10^(P-1) <= q < 10^P; 0 when the fast path cannot
 * prove it (the caller then asks snprintf). */
static int digits_of(double a, int prec, uint64_t *q, int *e) {
    int e2;
    frexp(a, &e2);                                   /* a < 2^e2          */
    int e10 = (int)floor((double)(e2 - 1) * 0.30102999566398120); /* ±1  */
    const double lo = POW10[prec - 1] - 0.5, hi = POW10[prec] - 0.5; /* exact */
    for (int tries = 0; tries < 3; tries++) {
        int k = prec - 1 - e10;                      /* scale by 10^k     */
        if (k > 22 || k < -22) return 0;
        double s = k >= 0 ? a * POW10[k] : a / POW10[-k]; /* one rounding */
        /* the true product lies within 2^-53·s of s: a boundary (the
         * decade's, or a half-way point f + 1/2) that close to s could
         * fall on either side of it */
        double near = s * 0x1p-50;
        if (fabs(s - lo) <= near || fabs(s - hi) <= near) return 0;
        if (s < lo) { /* rounds below 10^(P-1): a smaller exponent */
            e10--;
            continue;
        }
        if (s > hi) { /* rounds to 10^P or more: the next decade */
            e10++;
            continue;
        }
        double f = floor(s), frac = s - f;           /* both exact        */
        if (fabs(frac - 0.5) <= near) return 0;
        *q = (uint64_t)f + (frac > 0.5);
        *e = e10;
        return 1;
    }
    return 0;
}

int parity__fmt_g(double x, int prec, char *buf, size_t cap) {
    if (prec == 0) prec = 1;
    uint64_t q;
    int e;
    double a = fabs(x);
    if (!(prec >= 1 && prec <= 15) || cap < 32 || !isfinite(x) || a < 0x1p-1000 ||
        !digits_of(a, prec, &q, &e))
        return snprintf(buf, cap, "%.*g", prec, x);
    char d[16]; /* the P digits, most significant first */
    for (int i = prec - 1; i >= 0; i--) d[i] = (char)('0' + q % 10), q /= 10;
    int nd = prec; /* %g drops trailing zeros (and then a bare point) */
    while (nd > 1 && d[nd - 1] == '0') nd--;
    char *o = buf;
    if (signbit(x)) *o++ = '-';
    if (e < -4 || e >= prec) { /* d.ddde±XX */
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100) *o++ = (char)('0' + ae / 100);
        *o++ = (char)('0' + ae / 10 % 10);
        *o++ = (char)('0' + ae % 10);
    } else if (e >= 0) { /* ddd.ddd */
        for (int i = 0; i <= e; i++) *o++ = i < nd ? d[i] : '0';
        if (nd > e + 1) {
            *o++ = '.';
            memcpy(o, d + e + 1, (size_t)(nd - e - 1));
            o += nd - e - 1;
        }
    } else { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -e - 1; i++) *o++ = '0';
        memcpy(o, d, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (int)(o - buf);
}
