/*
 * stats.c — statistics of one side: counts, min/max with their first
 * position, exact sums, mean and population std, streamed in chunks.
 *
 *   sum   = Σx            (finite x only; exact, correctly rounded)
 *   mean  = sum / n_finite (an integer tensor's: exact, then rounded once;
 *                          int_sum.c sums its stored integers)
 *   std   = √( (Σ(x-K)² - (Σ(x-K))²/n) / n )   K = shift, population
 *   sumsq = Σx²           (each square rounded, the sum exact up to the
 *                          in-chunk compensation, see acc.h)
 * A chunk of finite values whose lane sums overflow (values beyond 1e154
 * squared, 1e308 + 1e308) is summed again exactly by exact.c, and the
 * results come from the sums through wide.c, so they are +Inf only when the
 * true value is beyond the double range.
 */
#include "acc.h"
#include "core/quant.h"

#include <float.h>
#include <math.h>
#include <string.h>

void parity__side_init(parity__side_acc *a, double shift) {
    memset(a, 0, sizeof *a);
    a->min = a->max = NAN;
    a->argmin = a->argmax = PARITY__NO_POS;
    a->shift = shift;
    parity_xsum_init(&a->sum);
    parity_xsum_init(&a->sum_c2);
    parity_xsum_init(&a->sumsq);
}

size_t parity__side_count(parity__side_acc *a, const double *x, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += !(fabs(x[i]) <= DBL_MAX);
    a->count += n;
    if (bad == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) a->n_nan++;
        else if (x[i] == INFINITY) a->n_posinf++;
        else if (x[i] == -INFINITY) a->n_neginf++;
    }
    return bad;
}

/* Index of the first element equal to v (v is known to be present). */
static size_t first_equal(const double *x, size_t m, double v) {
    size_t i = 0;
    while (i < m && x[i] != v) i++;
    return i < m ? i : 0; /* absent only when the chunk held NaN */
}

/* Per value x (lanes of two-double vectors, PARITY__LANES in all):
 *   Σx, Σ(x-K)², Σx² as TwoSum pairs; running min and max; x == 0 count;
 *   |x| <= DBL_MAX count (finite). */
typedef struct side_lanes {
    parity__vd s[3][PARITY__VECS], c[3][PARITY__VECS];
    parity__vd mn[PARITY__VECS], mx[PARITY__VECS];
    parity__vi zero[PARITY__VECS], fin[PARITY__VECS];
} side_lanes;

static inline void side_step(side_lanes *l, int k, const double *x,
                             const parity__vd *shift) {
    const parity__vd big = {DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX};
    const parity__vd zero = {0.0, 0.0, 0.0, 0.0};
    parity__vd v;
    PARITY__VLOAD(v, x);
    parity__vd dv = v - *shift;
    parity__vd dv2 = dv * dv, v2 = v * v;
    parity__vtwo_sum(&l->s[0][k], &l->c[0][k], &v);
    parity__vtwo_sum(&l->s[1][k], &l->c[1][k], &dv2);
    parity__vtwo_sum(&l->s[2][k], &l->c[2][k], &v2);
    l->mn[k] = PARITY__VSEL((parity__vi)(v < l->mn[k]), v, l->mn[k]);
    l->mx[k] = PARITY__VSEL((parity__vi)(v > l->mx[k]), v, l->mx[k]);
    l->zero[k] -= (parity__vi)(v == zero);              /* true is -1 */
    l->fin[k] -= (parity__vi)(PARITY__VABS(v) <= big);
}

static void side_lanes_init(side_lanes *l) {
    memset(l, 0, sizeof *l);
    for (int k = 0; k < PARITY__VECS; k++) {
        l->mn[k] = (parity__vd){INFINITY, INFINITY, INFINITY, INFINITY};
        l->mx[k] = (parity__vd){-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    }
}

/* The cloned kernel stays file-local and is reached through a plain
 * function: some compilers only emit the clone dispatcher next to a call. */
PARITY__KERNEL
static void side_kernel(const double *x, size_t m, double shift,
                        parity__side_chunk *out) {
    enum { L = PARITY__LANES, V = PARITY__VECS };
    side_lanes l;
    side_lanes_init(&l);
    const parity__vd k2 = {shift, shift, shift, shift};
    size_t i = 0;
    for (; i + L <= m; i += L)
        for (int k = 0; k < V; k++) side_step(&l, k, x + i + PARITY__VW * k, &k2);
    for (; i < m; i++) { /* the tail goes through lane pair 0, one at a time */
        double vv = x[i], dv = vv - shift, dv2 = dv * dv, v2 = vv * vv;
        double s0[3], c0[3];
        for (int q = 0; q < 3; q++) s0[q] = l.s[q][0][0], c0[q] = l.c[q][0][0];
        parity__two_sum(&s0[0], &c0[0], vv);
        parity__two_sum(&s0[1], &c0[1], dv2);
        parity__two_sum(&s0[2], &c0[2], v2);
        for (int q = 0; q < 3; q++) l.s[q][0][0] = s0[q], l.c[q][0][0] = c0[q];
        if (vv < l.mn[0][0]) l.mn[0][0] = vv;
        if (vv > l.mx[0][0]) l.mx[0][0] = vv;
        l.zero[0][0] += vv == 0;
        l.fin[0][0] += fabs(vv) <= DBL_MAX;
    }
    double lo = INFINITY, hi = -INFINITY;
    uint64_t fin = 0;
    out->n_zero = 0;
    for (int k = 0; k < V; k++) {
        for (int j = 0; j < PARITY__VW; j++) {
            lo = l.mn[k][j] < lo ? l.mn[k][j] : lo;
            hi = l.mx[k][j] > hi ? l.mx[k][j] : hi;
            out->n_zero += (uint64_t)l.zero[k][j];
            fin += (uint64_t)l.fin[k][j];
        }
    }
    memcpy(out->s, l.s, sizeof out->s);
    memcpy(out->c, l.c, sizeof out->c);
    out->m = m;
    out->n_bad = m - fin;
    out->vmin = lo;
    out->vmax = hi;
}

void parity__side_kernel(const double *x, size_t m, double shift,
                         parity__side_chunk *out) {
    side_kernel(x, m, shift, out);
    out->has_pos = 0; /* commit searches x for the extrema's positions */
    out->exact = out->n_bad == 0 &&
                 parity__lanes_overflowed(&out->s[0][0], &out->c[0][0],
                                          3 * PARITY__LANES);
}

/* Keep the smaller value; on a tie the earlier position (first occurrence,
 * as NumPy's argmin). */
static void keep_min(double *v, uint64_t *at, double cand, uint64_t cand_at) {
    if (*at == PARITY__NO_POS || cand < *v || (cand == *v && cand_at < *at)) {
        *v = cand;
        *at = cand_at;
    }
}

static void keep_max(double *v, uint64_t *at, double cand, uint64_t cand_at) {
    if (*at == PARITY__NO_POS || cand > *v || (cand == *v && cand_at < *at)) {
        *v = cand;
        *at = cand_at;
    }
}

int parity__side_wants_pos(const parity__side_acc *a,
                           const parity__side_chunk *c, uint64_t start) {
    if (c->m == 0) return 0;
    if (c->exact) return 1;
    return !c->has_pos && (a->argmin == PARITY__NO_POS || c->vmin < a->min ||
           (c->vmin == a->min && start < a->argmin) || c->vmax > a->max ||
           (c->vmax == a->max && start < a->argmax));
}

void parity__side_commit(parity__side_acc *a, const parity__side_chunk *c,
                         const double *x, uint64_t first,
                         const uint64_t *pos) {
    parity_xsum *dst[3] = {&a->sum, &a->sum_c2, &a->sumsq};
    if (c->m == 0) return;
    if (a->ints) parity__side_ints_commit(a, c->m, pos ? 0 : first, pos);
    if (c->exact) parity__side_exact(a, x, c->m); /* rare: see exact.c */
    for (int q = 0; q < 3 && !c->exact; q++) {
        for (int j = 0; j < PARITY__LANES; j++) {
            parity_xsum_add(dst[q], c->s[q][j]);
            parity_xsum_add(dst[q], c->c[q][j]);
        }
    }
    a->n_finite += c->m;
    a->n_zero += c->n_zero;
    /* every position of the chunk is >= start: a tie with an earlier
     * accumulator position cannot win, so no search is needed */
    uint64_t start = pos ? pos[0] : first;
    if (a->argmin == PARITY__NO_POS || c->vmin < a->min ||
        (c->vmin == a->min && start < a->argmin)) {
        if (c->has_pos) {
            keep_min(&a->min, &a->argmin, c->vmin, start + c->pos_min);
        } else {
            size_t i = first_equal(x, c->m, c->vmin);
            keep_min(&a->min, &a->argmin, x[i], pos ? pos[i] : first + i);
        }
    }
    if (a->argmax == PARITY__NO_POS || c->vmax > a->max ||
        (c->vmax == a->max && start < a->argmax)) {
        if (c->has_pos) {
            keep_max(&a->max, &a->argmax, c->vmax, start + c->pos_max);
        } else {
            size_t i = first_equal(x, c->m, c->vmax);
            keep_max(&a->max, &a->argmax, x[i], pos ? pos[i] : first + i);
        }
    }
}

void parity__side_merge(parity__side_acc *into, const parity__side_acc *from) {
    into->count += from->count;
    into->n_finite += from->n_finite;
    into->n_nan += from->n_nan;
    into->n_posinf += from->n_posinf;
    into->n_neginf += from->n_neginf;
    into->n_zero += from->n_zero;
    if (from->argmin != PARITY__NO_POS)
        keep_min(&into->min, &into->argmin, from->min, from->argmin);
    if (from->argmax != PARITY__NO_POS)
        keep_max(&into->max, &into->argmax, from->max, from->argmax);
    parity_xsum_merge(&into->sum, &from->sum);
    parity_xsum_merge(&into->sum_c2, &from->sum_c2);
    parity_xsum_merge(&into->sumsq, &from->sumsq);
    if (!into->ints) into->ints = from->ints;
    into->isum += from->isum;
    into->has_isum |= from->has_isum;
}

/* Add k·n to s exactly: the product is split into two doubles with fma. */
static void xsum_add_scaled(parity_xsum *s, double k, uint64_t n) {
    /* n·k = hi + lo exactly when n < 2^53 (a count of elements is); past
     * DBL_MAX the same split of n·(k·2^-64), added at 2^64 (k is then far
     * above 2^-1000, so k·2^-64 is exact) */
    double dn = (double)n;
    double hi = dn * k;
    if (fabs(hi) <= DBL_MAX) {
        parity_xsum_add(s, hi);
        parity_xsum_add(s, fma(dn, k, -hi));
        return;
    }
    double ks = k * 0x1p-64;
    hi = dn * ks;
    parity__xsum_add_pow2(s, hi, 64);
    parity__xsum_add_pow2(s, fma(dn, ks, -hi), 64);
}

parity__wide parity__side_s1(const parity__side_acc *a) {
    parity_xsum t = a->sum;
    xsum_add_scaled(&t, -a->shift, a->n_finite);
    return parity__xsum_wide(&t);
}

parity__wide parity__side_m2(const parity__side_acc *a, parity__wide s1) {
    parity__wide n = parity__wide_of((double)a->n_finite);
    return parity__wide_sub(parity__xsum_wide(&a->sum_c2),
                            parity__wide_mul(s1, parity__wide_div(s1, n)));
}

void parity__side_finish(const parity__side_acc *a, parity_stats *out) {
    memset(out, 0, sizeof *out);
    out->count = a->count;
    out->n_finite = a->n_finite;
    out->n_nan = a->n_nan;
    out->n_posinf = a->n_posinf;
    out->n_neginf = a->n_neginf;
    out->n_zero = a->n_zero;
    out->min = a->min, out->max = a->max;
    out->argmin = a->argmin, out->argmax = a->argmax;
    out->sum = parity_xsum_result(&a->sum);
    out->sumsq = parity_xsum_result(&a->sumsq);
    out->mean = out->std = NAN;
    if (a->n_finite == 0) return;
    /* wide arithmetic: the sums may lie beyond DBL_MAX, the mean and std
     * of finite values never do (or only just: std of ±DBL_MAX) */
    parity__wide n = parity__wide_of((double)a->n_finite);
    out->mean = parity__wide_double(parity__wide_div(parity__xsum_wide(&a->sum), n));
    if (a->has_isum) { /* integers: the exact sum, the exact mean, each rounded once */
        out->sum = parity__i128_div(a->isum, 1);
        out->mean = parity__i128_div(a->isum, a->n_finite);
    }
    parity__wide m2 = parity__side_m2(a, parity__side_s1(a));
    out->std = parity__wide_sign(m2) > 0
                   ? parity__wide_double(parity__wide_sqrt(parity__wide_div(m2, n)))
                   : 0.0;
}

/* The definition of K: the finite values of buf[0..n) summed in order
 * by TwoSum, (s + c) / k. */
static double shift_sequential(const double *buf, size_t n) {
    double s = 0, c = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(buf[i])) continue;
        parity__two_sum(&s, &c, buf[i]);
        k++;
    }
    if (k == 0) return 0.0;
    if (isfinite(s + c)) return (s + c) / (double)k;
    /* the sum overflowed (values near DBL_MAX): sum x·2^-12 instead;
     * K only needs to be finite and near the mean */
    s = c = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(buf[i])) parity__two_sum(&s, &c, buf[i] * 0x1p-12);
    double kk = (s + c) / (double)k * 0x1p12;
    return isfinite(kk) ? kk : 0.0;
}

/* The same K without the sequential dependency, when it provably has the
 * same bits. Sequential TwoSum leaves s + c = Σx exactly whenever no
 * addition to c rounds: all values (P significant bits, exponents E_min
 * to E_max among the nonzero ones) are multiples of q = 2^(E_min - P + 1),
 * so are every partial sum and error term; the errors are each at most
 * 2^(E_max + 13 - 53) (partial sums stay below 4096·2^(E_max + 1)), so
 * every partial sum of c is a multiple of q below 2^(E_max - 28), exactly
 * representable when E_max - E_min <= 82 - P. Then fl(s + c) is Σx
 * rounded once, which eight TwoSum lanes (the same bound holds per lane)
 * and a superaccumulator give too. Returns 0 (use the sequential loop)
 * otherwise: a non-finite value, a wider spread, an overflow. */
PARITY__KERNEL
static int shift_lanes(const double *buf, size_t n, int prec, double *out) {
    enum { L = PARITY__LANES, V = PARITY__VECS, VW = PARITY__VW };
    const parity__vd inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    const parity__vd zero = {0, 0, 0, 0};
    parity__vd sv[V], cv[V], hv[V], lv[V];
    double s[L], c[L], hi[L], lo[L];
    for (int k = 0; k < V; k++) sv[k] = cv[k] = hv[k] = zero, lv[k] = inf;
    size_t i = 0;
    for (; i + L <= n; i += L) {
        for (int k = 0; k < V; k++) {
            parity__vd x, a;
            PARITY__VLOAD(x, buf + i + VW * k);
            a = PARITY__VABS(x);
            parity__vtwo_sum(&sv[k], &cv[k], &x);
            hv[k] = PARITY__VSEL((parity__vi)(a > hv[k]), a, hv[k]);
            parity__vi below = (parity__vi)(a < lv[k]) & (parity__vi)(a != zero);
            lv[k] = PARITY__VSEL(below, a, lv[k]);
        }
    }
    memcpy(s, sv, sizeof s);
    memcpy(c, cv, sizeof c);
    memcpy(hi, hv, sizeof hi);
    memcpy(lo, lv, sizeof lo);
    for (; i < n; i++) {
        double a = fabs(buf[i]);
        parity__two_sum(&s[0], &c[0], buf[i]);
        hi[0] = a > hi[0] ? a : hi[0];
        lo[0] = ((a < lo[0]) & (a != 0)) ? a : lo[0];
    }
    double top = 0, bottom = INFINITY;
    for (int j = 0; j < L; j++) {
        top = hi[j] > top ? hi[j] : top;
        bottom = lo[j] < bottom ? lo[j] : bottom;
    }
    if (!(top <= DBL_MAX)) return 0; /* non-finite values (or NaN) */
    if (top == 0) { /* all zeros: K = 0 either way */
        *out = 0.0;
        return 1;
    }
    int e_max, e_min;
    frexp(top, &e_max);
    frexp(bottom, &e_min);
    if (e_max - e_min > 82 - prec) return 0;
    parity_xsum x;
    parity_xsum_init(&x);
    for (int j = 0; j < L; j++) {
        if (!isfinite(s[j]) || !isfinite(c[j])) return 0;
        parity_xsum_add(&x, s[j]);
        parity_xsum_add(&x, c[j]);
    }
    double sum = parity_xsum_result(&x);
    if (!isfinite(sum)) return 0;
    *out = sum / (double)n;
    return 1;
}

double parity__shift_of(const parity_tensor *t, double *buf) {
    size_t n = t->count < PARITY__CHUNK ? (size_t)t->count : PARITY__CHUNK;
    int mbits = parity_dtype_mantissa_bits(t->dtype);
    int prec = parity_dtype_is_float(t->dtype) && mbits < 52 ? mbits + 1 : 53;
    double k;
    parity_tensor_read(t, 0, n, buf);
    if (n > 0 && shift_lanes(buf, n, prec, &k)) return k;
    return shift_sequential(buf, n);
}

/* Compact the finite values of x[0..n) to the front, recording positions. */
static size_t compact_finite(double *x, size_t n, uint64_t first,
                             uint64_t *pos) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        x[m] = x[i];
        pos[m++] = first + i;
    }
    return m;
}

/* One streaming pass of t into acc (initialized here). */
static parity_status stats_run(const parity_tensor *t, parity__side_acc *acc,
                               parity_error *err) {
    FAIL_IF(parity_dtype_block(t->dtype, NULL, NULL) < 0, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "%s: tensor '%s': invalid dtype",
            t->file ? t->file : "?", t->name ? t->name : "?");
    double buf[PARITY__CHUNK];
    uint64_t pos[PARITY__CHUNK];
    parity__side_chunk ch;
    parity__side_init(acc, t->count ? parity__shift_of(t, buf) : 0.0);
    parity__side_track_ints(acc, t);
    uint64_t released = 0; /* pages before this are dropped (file maps) */
    /* elements per release (whole blocks for quantized types) */
    uint64_t run = parity__dtype_elems_for_bytes(t->dtype, PARITY__RELEASE_BYTES);
    for (uint64_t first = 0; first < t->count; first += PARITY__CHUNK) {
        uint64_t left = t->count - first;
        size_t n = left < PARITY__CHUNK ? (size_t)left : PARITY__CHUNK;
        parity_tensor_read(t, first, n, buf);
        const uint64_t *p = NULL;
        parity__side_kernel(buf, n, acc->shift, &ch);
        if (ch.n_bad) { /* rare: count the specials, redo on finite values */
            parity__side_count(acc, buf, n);
            size_t m = compact_finite(buf, n, first, pos);
            p = pos;
            parity__side_kernel(buf, m, acc->shift, &ch);
        } else {
            acc->count += n;
        }
        parity__side_commit(acc, &ch, buf, first, p);
        /* after the commit, which reads an integer tensor's stored values */
        if (first + n - released >= run || n == left) {
            parity__tensor_release(t, released, first + n - released);
            released = first + n;
        }
    }
    return PARITY_OK;
}

parity_status parity__stats_tensor_state(const parity_tensor *t, parity_stats *out,
                                         parity_buf *state, parity_error *err) {
    FAIL_IF(!t || !out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_stats_tensor: tensor and output are required");
    parity__side_acc acc;
    TRY(stats_run(t, &acc, err));
    parity__side_finish(&acc, out);
    if (state) {
        state->len = 0;
        parity__side_state(state, &acc);
    }
    return PARITY_OK;
}

parity_status parity_stats_tensor(const parity_tensor *t, parity_stats *out,
                                  parity_error *err) {
    return parity__stats_tensor_state(t, out, NULL, err);
}
