/*
 * xsum.h — the exact, order-independent sum (xsum.c) behind every sum the
 * statistics print: internal since the accumulators are the library's
 * own business (docs/metrics.md describes them).
 */
#ifndef PARITY_XSUM_H
#define PARITY_XSUM_H

#include "internal.h"

/* An exactly rounded, order-independent sum of doubles (a fixed-point
 * superaccumulator from 2^-1074 up to about 2^2150, so partial sums far
 * beyond DBL_MAX, and the squares and products libparity adds internally,
 * stay exact): merging two accumulators gives the same bits in any order,
 * so threads and shards stay deterministic. A non-finite input is never
 * dropped: it makes the result NaN or that infinity, as IEEE addition. */
#define PARITY_XSUM_DIGITS 100
typedef struct parity_xsum {
    int64_t chunk[PARITY_XSUM_DIGITS]; /* 32-bit digits with carry room,  */
                                       /* least significant first         */
    int64_t adds;      /* additions since the last carry propagation      */
    int64_t special;   /* non-finite inputs seen: 1 NaN, 2 +Inf, 4 -Inf   */
} parity_xsum;

void parity_xsum_init(parity_xsum *s);
void parity_xsum_add(parity_xsum *s, double x);
void parity_xsum_merge(parity_xsum *into, const parity_xsum *from);
/* The sum, correctly rounded to nearest double (±Inf on overflow; NaN
 * after a NaN or infinities of both signs, ±Inf after one infinity). */
double parity_xsum_result(const parity_xsum *s);

#endif /* PARITY_XSUM_H */
