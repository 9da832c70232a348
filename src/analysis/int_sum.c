/*
 * int_sum.c — exact sums of integer tensors. The kernels see every value
 * as a double, and a double holds a 64-bit integer only to 53 bits: the
 * mean of [INT64_MIN, INT64_MAX, -1] summed as doubles is -1/3 (the two
 * extremes cancel to +1 after rounding), where the integers give -2/3. So
 * an accumulator of an integer tensor also reads the stored integers of
 * the positions it commits and keeps
 *
 *   isum  = Σv exactly, in 128 bits (4,096 values per chunk of at most
 *           2^64 each; 2^63 values of 2^64 before it could overflow),
 *           merged across chunks, threads and shards by addition;
 *   Σx   += Σ(v - x) for x = the double of v, so the superaccumulator sum
 *           (mean difference, variance, correlation) is exact too.
 *
 * Results are rounded once: sum = isum, mean = isum / n (an exact
 * quotient of a 128-bit and a 64-bit integer, rounded to nearest, ties to
 * even). The variance keeps its double sums of squares (each term within
 * half an ulp of the largest magnitude).
 */
#include "acc.h"

#include <math.h>
#include <string.h>

#define BLOCK 256 /* integers read per step: 4 KiB on the stack */

void parity__side_track_ints(parity__side_acc *a, const parity_tensor *t) {
    parity_dtype dt = t ? t->dtype : PARITY_DT_INVALID;
    int integer =
        t && !parity_dtype_is_float(dt) && parity_dtype_size(dt) > 0 && parity_dtype_size(dt) <= 8;
    a->ints = integer ? t : NULL;
    a->isum = 0;
    a->has_isum = integer;
}

/* v minus the double it was seen as (parity_convert rounds to nearest):
 * at most 2^10 in magnitude. A double of 2^63 (2^64) is v's neighbour
 * beyond the type, which no integer conversion may reach. */
static int64_t rounding_i64(int64_t v) {
    double x = (double)v;
    return x >= 0x1p63 ? v - INT64_MAX - 1 : v - (int64_t)x;
}
static int64_t rounding_u64(uint64_t v) {
    double x = (double)v;
    return x >= 0x1p64 ? (int64_t)(v - (1ull << 63)) - INT64_MAX - 1 : (int64_t)(v - (uint64_t)x);
}

/* Contiguous values in the host's byte order (the usual case): one pass
 * over the stored bytes, sums in registers. Returns 0 when t is not so. */
static int sum_direct(const parity_tensor *t, uint64_t first, size_t m, parity__i128 *sum,
                      int64_t *rounding) {
    if (t->byteswap && parity_dtype_size(t->dtype) > 1) return 0;
    if (!parity__tensor_c_contiguous(t)) return 0;
    const unsigned char *p = t->data + first * parity_dtype_size(t->dtype);
    parity__i128 s = 0;
    int64_t r = 0, s64 = 0;
#define SUM_NARROW(T)                                                                              \
    for (size_t i = 0; i < m; i++) {                                                               \
        T v;                                                                                       \
        memcpy(&v, p + i * sizeof v, sizeof v);                                                    \
        s64 += (int64_t)v; /* 4,096 values of 32 bits: no overflow */                              \
    }
    switch (t->dtype) {
    case PARITY_DT_I8: SUM_NARROW(int8_t) break;
    case PARITY_DT_U8: SUM_NARROW(uint8_t) break;
    case PARITY_DT_I16: SUM_NARROW(int16_t) break;
    case PARITY_DT_U16: SUM_NARROW(uint16_t) break;
    case PARITY_DT_I32: SUM_NARROW(int32_t) break;
    case PARITY_DT_U32: SUM_NARROW(uint32_t) break;
    case PARITY_DT_BOOL:
        for (size_t i = 0; i < m; i++) s64 += p[i] != 0;
        break;
    case PARITY_DT_I64:
        for (size_t i = 0; i < m; i++) {
            int64_t v;
            memcpy(&v, p + 8 * i, 8);
            s += v;
            r += rounding_i64(v);
        }
        break;
    case PARITY_DT_U64:
        for (size_t i = 0; i < m; i++) {
            uint64_t v;
            memcpy(&v, p + 8 * i, 8);
            s += v;
            r += rounding_u64(v);
        }
        break;
    default: return 0;
    }
#undef SUM_NARROW
    *sum = s + s64;
    *rounding = r;
    return 1;
}

void parity__side_ints_commit(parity__side_acc *a, size_t m, uint64_t first, const uint64_t *pos) {
    parity__i128 v[BLOCK], sum = 0;
    int64_t rounding = 0;
    const parity_tensor *t = a->ints;
    int wide = t->dtype == PARITY_DT_I64 || t->dtype == PARITY_DT_U64;
    if (pos || !sum_direct(t, first, m, &sum, &rounding)) {
        for (size_t i = 0; i < m;) {
            size_t k = m - i < BLOCK ? m - i : BLOCK;
            if (pos) { /* the finite positions of a chunk: one at a time */
                for (size_t j = 0; j < k; j++) parity__tensor_read_i128(t, pos[i + j], 1, &v[j]);
            } else {
                parity__tensor_read_i128(t, first + i, k, v);
            }
            for (size_t j = 0; j < k; j++) {
                sum += v[j];
                if (wide && t->dtype == PARITY_DT_I64)
                    rounding += rounding_i64((int64_t)v[j]);
                else if (wide)
                    rounding += rounding_u64((uint64_t)v[j]);
            }
            i += k;
        }
    }
    a->isum += sum;
    /* the doubles the kernels summed miss Σ(v - x): at most m * 2^10 <=
     * 2^22, one exact double */
    if (rounding) parity_xsum_add(&a->sum, (double)rounding);
}

/* q as a double, rounded to nearest, ties to even: the top 53 bits,
 * rounded on the bits below them. */
static double u128_to_double(unsigned __int128 q) {
    int len = 0;
    for (unsigned __int128 x = q; x; x >>= 1) len++;
    if (len <= 53) return (double)(uint64_t)q;
    int drop = len - 53;
    unsigned __int128 half = (unsigned __int128)1 << (drop - 1);
    unsigned __int128 rest = q & (((unsigned __int128)1 << drop) - 1);
    uint64_t m = (uint64_t)(q >> drop);
    if (rest > half || (rest == half && (m & 1))) m++; /* may reach 2^53: exact */
    return ldexp((double)m, drop);
}

double parity__i128_div(parity__i128 s, uint64_t n) {
    if (n == 0) return NAN;
    int neg = s < 0;
    unsigned __int128 a = neg ? -(unsigned __int128)s : (unsigned __int128)s;
    unsigned __int128 q = a / n, r = a % n;
    int e = 0; /* the quotient is (q + r/n) * 2^-e */
    /* bring in 64 more quotient bits while fewer than 55 are known, so the
     * remainder only decides a sticky bit below the rounding position */
    while (q < ((unsigned __int128)1 << 54) && (q | r) != 0) {
        unsigned __int128 rr = r << 64; /* r < n < 2^64 */
        q = (q << 64) | (rr / n);
        r = rr % n;
        e += 64;
    }
    double d = u128_to_double(q | (r != 0));
    d = ldexp(d, -e);
    return neg ? -d : d;
}
