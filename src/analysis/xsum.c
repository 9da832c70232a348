/*
 * xsum.c — exact, order-independent summation of doubles (a "small
 * superaccumulator" after R. M. Neal, "Fast exact summation using small and
 * large superaccumulators", 2015).
 *
 * Layout: the sum is the integer Σ chunk[i] · 2^(32 i) in units of 2^-1074
 * (the smallest subnormal). A finite double is m · 2^(E - 1075) with a 53-bit
 * integer m, i.e. m shifted left by pos = E - 1 bits (E = biased exponent,
 * subnormals use E = 1), so it lands in at most three consecutive 32-bit
 * digits: chunk[pos/32 .. pos/32 + 2]. Each digit is a signed 64-bit
 * integer, so 2^31 additions of values below 2^32 cannot overflow it;
 * carries are propagated before that (and before reading the result),
 * leaving digits 0..TOP-1 in [0, 2^32) and the sign in digit TOP.
 *
 * Range: a double reaches bit 2045 + 53, but the digits go on to bit 3168
 * (2^2094): libparity adds values scaled by 2^k, k <= 1040 (squares and
 * products of doubles near DBL_MAX, n·K), through parity__xsum_add_pow2,
 * and partial sums of many of them. Only the final rounding says +Inf.
 *
 * Non-finite inputs are not summed but remembered (special), so they show
 * in the result as IEEE addition would show them: never dropped silently.
 *
 * Why: integer addition is associative, so merging accumulators of threads
 * or of shards gives the same bits in any order, and the result is the
 * exact sum correctly rounded once.
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XSUM_N PARITY_XSUM_DIGITS
#define XSUM_TOP (XSUM_N - 1)
#define XSUM_LOW ((int64_t)0xffffffff)
#define XSUM_CARRY_EVERY ((int64_t)1 << 30) /* additions between carries */
#define XSUM_MAX_POW2 1040 /* largest k of parity__xsum_add_pow2 */

enum { XS_NAN = 1, XS_POS_INF = 2, XS_NEG_INF = 4 };

void parity_xsum_init(parity_xsum *s) {
    memset(s, 0, sizeof *s);
}

/* Normalize digits 0..TOP-1 into [0, 2^32), pushing carries upward. The
 * right shift of a negative digit is arithmetic on every supported
 * compiler. */
static void xsum_carry(parity_xsum *s) {
    /* Only the digits from the lowest nonzero one up to the highest, and
     * as far as a carry still travels, can change: real sums touch a few
     * of the 100 digits, and a carry pass over all of them was most of
     * the cost of turning a small tensor's sums into metrics. */
    int lo = 0, hi = XSUM_TOP - 1;
    while (lo < XSUM_TOP && s->chunk[lo] == 0) lo++;
    while (hi > lo && s->chunk[hi] == 0) hi--;
    for (int i = lo; i < XSUM_TOP; i++) {
        int64_t c = s->chunk[i] >> 32;
        s->chunk[i] &= XSUM_LOW;
        s->chunk[i + 1] += c;
        if (i >= hi && c == 0) break; /* above: zeros, nothing arrives */
    }
    s->adds = 0;
}

/* Add x · 2^k (0 <= k <= XSUM_MAX_POW2) exactly. */
static void xsum_add_at(parity_xsum *s, double x, int k) {
    uint64_t bits;
    memcpy(&bits, &x, 8);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ull << 52) - 1);
    if (e == 0x7ff) { /* remembered, not summed */
        s->special |= m ? XS_NAN : (bits >> 63) ? XS_NEG_INF : XS_POS_INF;
        return;
    }
    if (e == 0) {
        if (m == 0) return;
        e = 1;
    } else {
        m |= 1ull << 52;
    }
    if (s->adds >= XSUM_CARRY_EVERY) xsum_carry(s);
    int pos = e - 1 + k;
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

void parity_xsum_add(parity_xsum *s, double x) {
    xsum_add_at(s, x, 0);
}

void parity__xsum_add_pow2(parity_xsum *s, double x, int k) {
    xsum_add_at(s, x, k < 0 ? 0 : k > XSUM_MAX_POW2 ? XSUM_MAX_POW2 : k);
}

void parity_xsum_merge(parity_xsum *into, const parity_xsum *from) {
    parity_xsum f = *from;
    xsum_carry(&f);
    xsum_carry(into);
    for (int i = 0; i < XSUM_N; i++) into->chunk[i] += f.chunk[i];
    into->adds = 2; /* digits now below 2^33: two additions' worth */
    into->special |= f.special;
}

void parity__xsum_negate(parity_xsum *s) {
    for (int i = 0; i < XSUM_N; i++) s->chunk[i] = -s->chunk[i];
    int64_t sp = s->special;
    s->special = (sp & XS_NAN) | (sp & XS_POS_INF ? XS_NEG_INF : 0) |
                 (sp & XS_NEG_INF ? XS_POS_INF : 0);
}

/* The exact sum as sign and magnitude: digits d[*lo..*top], each in
 * [0, 2^32), d[*top] != 0, nothing above *top and nothing below *lo
 * (*top = -1 for zero). Returns -1 or 1. Only the digits from the lowest
 * nonzero one to one past the highest are touched: a real sum uses a few
 * of the 100, and turning a small tensor's sums into metrics did this
 * some 25 times per pair over all of them. */
static int xsum_magnitude(const parity_xsum *s, uint64_t *d, int *lo,
                          int *top) {
    int a = 0, b = XSUM_TOP, sign = 1;
    while (a <= XSUM_TOP && s->chunk[a] == 0) a++;
    *lo = a, *top = -1;
    if (a > XSUM_TOP) return 1;
    while (s->chunk[b] == 0) b--;
    int64_t t[XSUM_N + 1], c = 0;
    for (int i = a; i <= b; i++) { /* value = c·2^(32(b+1)) + Σ t[i]·2^(32i) */
        int64_t v = s->chunk[i] + c;
        t[i] = v & XSUM_LOW;
        c = v >> 32; /* arithmetic on every supported compiler */
    }
    t[b + 1] = c;
    if (c < 0) { /* negative: the magnitude is minus every digit, carried */
        sign = -1;
        c = 0;
        for (int i = a; i <= b + 1; i++) {
            int64_t v = -t[i] + c;
            t[i] = v & XSUM_LOW;
            c = v >> 32;
        }
    }
    for (int i = a; i <= b + 1; i++) {
        d[i] = (uint64_t)t[i];
        if (d[i]) *top = i;
    }
    return sign;
}

/* The magnitude's digits d[lo..top] rounded to q · 2^(*e - 1074), q an
 * integer below 2^53 (or exactly 2^53 after rounding up), nearest even.
 * Values below 2^53 units are exact (q is the value, *e = 0): that is the
 * subnormal range, so ldexp of the pair is the correctly rounded double. */
static uint64_t xsum_round(const uint64_t *d, int lo, int top, int *e) {
    int k = top;
    *e = 0;
    if (k < 0) return 0;
    int lz = __builtin_clzll(d[k]) - 32;   /* 0..31 within the digit */
    int p = 32 * k + 31 - lz;              /* bit index of the leading one */
    /* w: the 64 bits from p down to p - 63; sticky: anything below them */
    uint64_t d1 = k - 1 >= lo ? d[k - 1] : 0;
    uint64_t d2 = k - 2 >= lo ? d[k - 2] : 0;
    uint64_t w = (d[k] << (32 + lz)) | (d1 << lz) | (lz ? d2 >> (32 - lz) : 0);
    int sticky = lz ? (d2 & ((1ull << (32 - lz)) - 1)) != 0 : d2 != 0;
    for (int i = k - 3; i >= lo && !sticky; i--) sticky = d[i] != 0;
    if (p < 53) return w >> (63 - p); /* all bits sit in w: exact */
    uint64_t q = w >> 11, rem = w & 0x7ff;
    if (rem > 0x400 || (rem == 0x400 && (sticky || (q & 1)))) q++;
    *e = p - 52;
    return q;
}

static double xsum_special(int64_t sp) {
    if ((sp & XS_NAN) || (sp & (XS_POS_INF | XS_NEG_INF)) == (XS_POS_INF | XS_NEG_INF))
        return NAN;
    return sp & XS_POS_INF ? INFINITY : -INFINITY;
}

double parity_xsum_result(const parity_xsum *s) {
    uint64_t d[XSUM_N + 1];
    int e, lo, top;
    if (s->special) return xsum_special(s->special);
    int sign = xsum_magnitude(s, d, &lo, &top);
    uint64_t q = xsum_round(d, lo, top, &e);
    /* ldexp overflows to ±Inf exactly when the rounded value does */
    return sign * ldexp((double)q, e - 1074);
}

parity__wide parity__xsum_wide(const parity_xsum *s) {
    uint64_t d[XSUM_N + 1];
    int e, lo, top;
    if (s->special) return parity__wide_of(xsum_special(s->special));
    int sign = xsum_magnitude(s, d, &lo, &top);
    uint64_t q = xsum_round(d, lo, top, &e);
    return parity__wide_make(sign * (double)q, e - 1074);
}

/* ---- the exact value as text (docs/json-schema.md, "state") -----------
 * Canonical, so equal sums print equal bytes however they were added:
 * "0"; "nan", "inf", "-inf" after non-finite inputs (a NaN, or both
 * infinities, make any later result NaN); else [-]0xMpE with M an odd
 * integer in lowercase hex and E a decimal exponent: the value M·2^E,
 * exactly. */

/* Bit pos of the magnitude d[lo..top] (0 above top and below lo). */
static unsigned xsum_bit(const uint64_t *d, int lo, int top, long pos) {
    long i = pos >> 5;
    if (i < lo || i > top) return 0;
    return (unsigned)(d[i] >> (pos & 31)) & 1u;
}

void parity__xsum_text(const parity_xsum *s, parity_buf *b) {
    uint64_t d[XSUM_N + 1];
    int lo, top;
    if (s->special) {
        double v = xsum_special(s->special);
        parity__buf_puts(b, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    int sign = xsum_magnitude(s, d, &lo, &top);
    if (top < 0) {
        parity__buf_puts(b, "0");
        return;
    }
    while (d[lo] == 0) lo++; /* a carry may have cleared the lowest digits */
    long low = 32L * lo + __builtin_ctzll(d[lo]);  /* lowest one bit */
    long high = 32L * top + 63 - __builtin_clzll(d[top]); /* highest */
    long nhex = (high - low) / 4 + 1;
    char hex[XSUM_N * 8 + 8];
    for (long j = 0; j < nhex; j++) { /* hex digit j from the top of M */
        long base = low + 4 * (nhex - 1 - j);
        unsigned v = 0;
        for (int k = 3; k >= 0; k--) v = 2 * v + xsum_bit(d, lo, top, base + k);
        hex[j] = "0123456789abcdef"[v];
    }
    hex[nhex] = '\0';
    parity__buf_printf(b, "%s0x%sp%ld", sign < 0 ? "-" : "", hex, low - 1074);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int parity__xsum_parse(parity_xsum *s, const char *t) {
    parity_xsum_init(s);
    if (strcmp(t, "0") == 0) return 0;
    if (strcmp(t, "nan") == 0) return s->special = XS_NAN, 0;
    if (strcmp(t, "inf") == 0) return s->special = XS_POS_INF, 0;
    if (strcmp(t, "-inf") == 0) return s->special = XS_NEG_INF, 0;
    int neg = *t == '-';
    t += neg;
    if (t[0] != '0' || t[1] != 'x' || hex_value(t[2]) <= 0) return -1;
    const char *h = t + 2, *p = strchr(h, 'p');
    if (!p) return -1;
    long nhex = p - h;
    if (nhex > 32L * XSUM_TOP / 4 || (hex_value(p[-1]) & 1) == 0) return -1;
    const char *x = p + 1 + (p[1] == '-'); /* the exponent's digits */
    if (*x < '0' || *x > '9' || (*x == '0' && (x[1] || p[1] == '-'))) return -1;
    char *end;
    long e = strtol(p + 1, &end, 10);
    if (*end || e < -1074 || e > 32L * XSUM_TOP) return -1;
    int lead = 32 - __builtin_clz((unsigned)hex_value(h[0])); /* its bits */
    long low = e + 1074, high = low + 4 * (nhex - 1) + lead - 1;
    if (high >= 32L * XSUM_TOP) return -1;
    for (long j = 0; j < nhex; j++) {
        int v = hex_value(h[j]);
        if (v < 0) return -1;
        for (int k = 0; k < 4; k++) {
            long pos = low + 4 * (nhex - 1 - j) + k;
            if (v >> k & 1) s->chunk[pos >> 5] |= (int64_t)1 << (pos & 31);
        }
    }
    if (neg) parity__xsum_negate(s);
    return 0;
}
