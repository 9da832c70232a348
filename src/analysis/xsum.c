/*
 * xsum.c — exact, order-independent summation of doubles (a "small
 * superaccumulator" after R. M. Neal, "Fast exact summation using small and
 * large superaccumulators", 2015).
 *
 * Layout: the sum is the integer Σ chunk[i] · 2^(32 i) in units of 2^-1074
 * (the smallest subnormal). A finite double is m · 2^(E - 1075) with a 53-bit
 * integer m, i.e. m shifted left by pos = E - 1 bits (E = biased exponent,
 * subnormals use E = 1), so it lands in at most three consecutive 32-bit
 * digits: chunk[pos/32 .. pos/32 + 2], highest index 65. Each digit is a
 * signed 64-bit integer, so 2^31 additions of values below 2^32 cannot
 * overflow it; carries are propagated before that (and before reading the
 * result), leaving digits 0..65 in [0, 2^32) and the sign in digit 66.
 *
 * Why: integer addition is associative, so merging accumulators of threads
 * or of shards gives the same bits in any order, and the result is the
 * exact sum correctly rounded once.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

#define XSUM_N 67
#define XSUM_TOP (XSUM_N - 1)
#define XSUM_LOW ((int64_t)0xffffffff)
#define XSUM_CARRY_EVERY ((int64_t)1 << 30) /* additions between carries */

void parity_xsum_init(parity_xsum *s) {
    memset(s, 0, sizeof *s);
}

/* Normalize digits 0..65 into [0, 2^32), pushing carries upward. The right
 * shift of a negative digit is arithmetic on every supported compiler. */
static void xsum_carry(parity_xsum *s) {
    for (int i = 0; i < XSUM_TOP; i++) {
        int64_t c = s->chunk[i] >> 32;
        s->chunk[i] &= XSUM_LOW;
        s->chunk[i + 1] += c;
    }
    s->adds = 0;
}

void parity_xsum_add(parity_xsum *s, double x) {
    uint64_t bits;
    memcpy(&bits, &x, 8);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ull << 52) - 1);
    if (e == 0x7ff) return; /* the caller filters non-finite values */
    if (e == 0) {
        if (m == 0) return;
        e = 1;
    } else {
        m |= 1ull << 52;
    }
    if (s->adds >= XSUM_CARRY_EVERY) xsum_carry(s);
    int pos = e - 1;
    int i = pos >> 5, sh = pos & 31;
    int64_t lo = (int64_t)((m << sh) & 0xffffffffu);
    int64_t mid = (int64_t)((m >> (32 - sh)) & 0xffffffffu);
    int64_t hi = (int64_t)((m >> (32 - sh)) >> 32);
    if (bits >> 63) {
        lo = -lo;
        mid = -mid;
        hi = -hi;
    }
    s->chunk[i] += lo;
    s->chunk[i + 1] += mid;
    s->chunk[i + 2] += hi;
    s->adds++;
}

void parity_xsum_merge(parity_xsum *into, const parity_xsum *from) {
    parity_xsum f = *from;
    xsum_carry(&f);
    xsum_carry(into);
    for (int i = 0; i < XSUM_N; i++) into->chunk[i] += f.chunk[i];
    into->adds = 2; /* digits now below 2^33: two additions' worth */
}

/* The magnitude's digits (all in [0, 2^32), normalized) to a double,
 * correctly rounded to nearest even. */
static double xsum_round(const int64_t *d) {
    int k = XSUM_TOP;
    while (k >= 0 && d[k] == 0) k--;
    if (k < 0) return 0.0;
    if (k == XSUM_TOP) return INFINITY; /* ≥ 2^(32·66 - 1074) = 2^1038 */
    uint64_t top = (uint64_t)d[k];
    int lz = __builtin_clzll(top) - 32;    /* 0..31 within the digit */
    int p = 32 * k + 31 - lz;              /* bit index of the leading one */
    /* w: the 64 bits from p down to p - 63; sticky: anything below them */
    uint64_t d1 = k >= 1 ? (uint64_t)d[k - 1] : 0;
    uint64_t d2 = k >= 2 ? (uint64_t)d[k - 2] : 0;
    uint64_t w = (top << (32 + lz)) | (d1 << lz) | (lz ? d2 >> (32 - lz) : 0);
    int sticky = lz ? (d2 & ((1ull << (32 - lz)) - 1)) != 0 : d2 != 0;
    for (int i = k - 3; i >= 0 && !sticky; i--) sticky = d[i] != 0;
    if (p < 53) /* subnormal or small: exact, all bits sit in w */
        return ldexp((double)(w >> (63 - p)), -1074);
    uint64_t q = w >> 11, rem = w & 0x7ff;
    if (rem > 0x400 || (rem == 0x400 && (sticky || (q & 1)))) q++;
    return ldexp((double)q, p - 52 - 1074);
}

double parity_xsum_result(const parity_xsum *s) {
    parity_xsum t = *s;
    xsum_carry(&t);
    double sign = 1.0;
    if (t.chunk[XSUM_TOP] < 0) {
        /* negative total: negate every digit and normalize again */
        for (int i = 0; i < XSUM_N; i++) t.chunk[i] = -t.chunk[i];
        xsum_carry(&t);
        sign = -1.0;
    }
    return sign * xsum_round(t.chunk);
}
