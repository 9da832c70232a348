/*
 * xacc.c — exact sums in a few doubles, for the per-index profiles: one
 * exact sum per index and quantity, where a superaccumulator each (816
 * bytes) would cost 3 KiB per index of a vocabulary axis.
 *
 * The sum is a nonoverlapping expansion (J. R. Shewchuk, "Adaptive
 * precision floating-point arithmetic", 1997): doubles part[0..n), smallest
 * first, whose exact sum is the value. Adding x is grow-expansion: TwoSum
 * x through the parts, keeping each nonzero error term; the result is
 * exact and again nonoverlapping. Real profile sums need two or three
 * parts; a sum that would need more than PARITY__XACC_PARTS, or whose
 * TwoSum leaves the double range, or that meets a non-finite value, moves
 * into a superaccumulator of its own (xsum.c), exact over any range.
 * Exact means order-independent: threads and slices of a run give the
 * same value, so the same bits once rounded.
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void parity__xacc_init(parity__xacc *a) {
    memset(a, 0, sizeof *a);
}

void parity__xacc_free(parity__xacc *a) {
    free(a->big);
    a->big = NULL;
}

/* Move the sum into a superaccumulator; -1 out of memory. */
static int promote(parity__xacc *a) {
    parity_xsum *s = malloc(sizeof *s);
    if (!s) return -1;
    parity_xsum_init(s);
    for (int i = 0; i < a->n; i++) parity_xsum_add(s, a->part[i]);
    a->big = s;
    a->n = 0;
    return 0;
}

int parity__xacc_add(parity__xacc *a, double x) {
    if (a->big) {
        parity_xsum_add(a->big, x);
        return 0;
    }
    double out[PARITY__XACC_PARTS + 1];
    int m = 0, fits = isfinite(x);
    double q = x;
    for (int i = 0; i < a->n && fits; i++) { /* grow-expansion */
        double s = q + a->part[i], z = s - q;
        double e = (q - (s - z)) + (a->part[i] - z);
        fits = isfinite(s);
        if (e != 0) out[m++] = e;
        q = s;
    }
    if (fits && q != 0) out[m++] = q;
    if (fits && m <= PARITY__XACC_PARTS) {
        memcpy(a->part, out, (size_t)m * sizeof *out);
        a->n = m;
        return 0;
    }
    if (promote(a)) return -1;
    parity_xsum_add(a->big, x);
    return 0;
}

int parity__xacc_merge(parity__xacc *into, const parity__xacc *from) {
    if (from->big) {
        if (!into->big && promote(into)) return -1;
        parity_xsum_merge(into->big, from->big);
        return 0;
    }
    for (int i = 0; i < from->n; i++)
        if (parity__xacc_add(into, from->part[i])) return -1;
    return 0;
}

void parity__xacc_get(const parity__xacc *a, parity_xsum *out) {
    if (a->big) {
        *out = *a->big;
        return;
    }
    parity_xsum_init(out);
    for (int i = 0; i < a->n; i++) parity_xsum_add(out, a->part[i]);
}

/* Peel s into doubles, largest first: each is the rest rounded to nearest,
 * so what is left lies below half its last place and the parts do not
 * overlap. A value beyond the double range, or one needing more parts,
 * is kept whole. */
int parity__xacc_set(parity__xacc *a, const parity_xsum *s) {
    parity_xsum rest = *s;
    double peel[PARITY__XACC_PARTS];
    int n = 0;
    parity__xacc_init(a);
    for (;;) {
        double v = parity_xsum_result(&rest);
        if (v == 0) break;
        if (!isfinite(v) || n == PARITY__XACC_PARTS) {
            a->big = malloc(sizeof *a->big);
            if (!a->big) return -1;
            *a->big = *s;
            return 0;
        }
        peel[n++] = v;
        parity_xsum_add(&rest, -v);
    }
    for (int i = 0; i < n; i++) a->part[i] = peel[n - 1 - i];
    a->n = n;
    return 0;
}
