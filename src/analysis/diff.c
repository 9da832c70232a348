/*
 * diff.c — the metrics of a pair r (reference), p (port), d = p - r.
 *
 * Sums run over the n positions where both sides are finite; non-finite
 * positions are counted, never summed (NaN vs NaN and equal infinities
 * agree, anything else disagrees). The kernel below sees only finite pairs;
 * diff_run.c streams the tensors through it in chunks and threads. Finite
 * pairs whose d, d², r·p overflow a lane are summed again by exact.c.
 */
#include "acc.h"

#include <math.h>
#include <string.h>

void parity__pair_init(parity__pair_acc *a, double kr, double kp) {
    memset(a, 0, sizeof *a);
    parity__side_init(&a->r, kr);
    parity__side_init(&a->p, kp);
    parity_xsum_init(&a->abs_d);
    parity_xsum_init(&a->d2);
    parity_xsum_init(&a->rp);
    parity_xsum_init(&a->cov);
    a->abs_max_ref = a->abs_max_port = NAN;
    a->abs_max_at = a->max_ulp_at = a->first_nf_only = PARITY__NO_POS;
}

static size_t first_abs_equal(const double *r, const double *p, size_t m,
                              double v) {
    size_t i = 0;
    while (i < m && fabs(p[i] - r[i]) != v) i++;
    return i < m ? i : 0;
}

/* Running state of the pair kernel: TwoSum lanes and lane maxima. */
typedef struct pair_lanes {
    parity__vd s[4][PARITY__VECS], c[4][PARITY__VECS];
    parity__vd amax[PARITY__VECS], rmax[PARITY__VECS];
    parity__vi mis[PARITY__VECS];
} pair_lanes;

typedef struct pair_consts {
    parity__vd kr, kp, atol, rtol;
} pair_consts;

/* One pair of vectors (two pairs) into lane pair k:
 *   d = p - r;  Σ|d|, Σd², Σ r·p, Σ (r-Kr)(p-Kp)  (TwoSum lanes)
 *   max |d|;  max |d|/|r| over r != 0;
 *   mismatch: |d| > atol + rtol·|r|  (NumPy allclose, asymmetric: the
 *   tolerance scales with the reference). */
static inline void pair_step(pair_lanes *l, int k, const double *r,
                             const double *p, const pair_consts *cs) {
    const parity__vd zero = {0.0, 0.0, 0.0, 0.0};
    parity__vd rv, pv;
    PARITY__VLOAD(rv, r);
    PARITY__VLOAD(pv, p);
    parity__vd d = pv - rv, ad = PARITY__VABS(d), ar = PARITY__VABS(rv);
    parity__vd d2 = d * d, rp = rv * pv;
    parity__vd cv = (rv - cs->kr) * (pv - cs->kp);
    parity__vi nz = (parity__vi)(rv != zero);
    parity__vd q = PARITY__VSEL(nz, ad / PARITY__VSEL(nz, ar, ad), zero);
    parity__vd rtol_r = cs->rtol * ar; /* own statement: never an fma */
    parity__vd tol = cs->atol + rtol_r;
    parity__vtwo_sum(&l->s[0][k], &l->c[0][k], &ad);
    parity__vtwo_sum(&l->s[1][k], &l->c[1][k], &d2);
    parity__vtwo_sum(&l->s[2][k], &l->c[2][k], &rp);
    parity__vtwo_sum(&l->s[3][k], &l->c[3][k], &cv);
    l->amax[k] = PARITY__VSEL((parity__vi)(ad > l->amax[k]), ad, l->amax[k]);
    l->rmax[k] = PARITY__VSEL((parity__vi)(q > l->rmax[k]), q, l->rmax[k]);
    l->mis[k] -= (parity__vi)(ad > tol); /* true is -1 */
}

/* The same for one pair of the tail, into the first lane only. */
static void pair_step1(pair_lanes *l, double rv, double pv, double kr,
                       double kp, double atol, double rtol) {
    double d = pv - rv, ad = fabs(d), ar = fabs(rv);
    double v[4] = {ad, d * d, rv * pv, (rv - kr) * (pv - kp)};
    double q = rv != 0 ? ad / ar : 0.0;
    for (int k = 0; k < 4; k++) {
        double s0 = l->s[k][0][0], c0 = l->c[k][0][0];
        parity__two_sum(&s0, &c0, v[k]);
        l->s[k][0][0] = s0, l->c[k][0][0] = c0;
    }
    if (ad > l->amax[0][0]) l->amax[0][0] = ad;
    if (q > l->rmax[0][0]) l->rmax[0][0] = q;
    double rtol_r = rtol * ar;
    l->mis[0][0] += ad > atol + rtol_r;
}

/* File-local clone behind a plain function, as side_kernel in stats.c. */
PARITY__KERNEL
static void pair_kernel(const double *r, const double *p, size_t m,
                        double kr, double kp, double atol, double rtol,
                        parity__pair_chunk *out) {
    enum { L = PARITY__LANES, V = PARITY__VECS };
    pair_lanes l;
    const pair_consts cs = {{kr, kr, kr, kr}, {kp, kp, kp, kp},
                            {atol, atol, atol, atol}, {rtol, rtol, rtol, rtol}};
    memset(&l, 0, sizeof l);
    size_t i = 0;
    for (; i + L <= m; i += L)
        for (int k = 0; k < V; k++)
            pair_step(&l, k, r + i + PARITY__VW * k, p + i + PARITY__VW * k, &cs);
    for (; i < m; i++) pair_step1(&l, r[i], p[i], kr, kp, atol, rtol);
    memcpy(out->s, l.s, sizeof out->s);
    memcpy(out->c, l.c, sizeof out->c);
    out->abs_max = 0, out->rtol_max = 0, out->mismatched = 0;
    for (int k = 0; k < V; k++) {
        for (int j = 0; j < PARITY__VW; j++) {
            out->abs_max = l.amax[k][j] > out->abs_max ? l.amax[k][j] : out->abs_max;
            out->rtol_max = l.rmax[k][j] > out->rtol_max ? l.rmax[k][j] : out->rtol_max;
            out->mismatched += (uint64_t)l.mis[k][j];
        }
    }
}

void parity__pair_kernel(const double *r, const double *p, size_t m,
                         double kr, double kp, double atol, double rtol,
                         parity__pair_chunk *out) {
    pair_kernel(r, p, m, kr, kp, atol, rtol, out);
    out->has_pos = 0; /* commit searches r, p for abs_max's position */
    out->exact = parity__lanes_overflowed(&out->s[0][0], &out->c[0][0],
                                          4 * PARITY__LANES);
    if (out->exact) parity__pair_exact_tol(r, p, m, atol, rtol, out);
}

int parity__pair_wants_pos(const parity__pair_acc *a,
                           const parity__pair_chunk *c, size_t m,
                           uint64_t start) {
    if (c->exact) return 1;
    if (m == 0 || c->has_pos) return 0;
    return !(a->abs_max_at != PARITY__NO_POS && (c->abs_max < a->abs_max ||
             (c->abs_max == a->abs_max && start > a->abs_max_at)));
}

void parity__pair_commit(parity__pair_acc *a, const parity__pair_chunk *c,
                         const double *r, const double *p, size_t m,
                         uint64_t first, const uint64_t *pos) {
    parity_xsum *dst[4] = {&a->abs_d, &a->d2, &a->rp, &a->cov};
    if (c->exact) parity__pair_exact(a, r, p, m); /* rare: see exact.c */
    for (int q = 0; q < 4 && !c->exact; q++) {
        for (int j = 0; j < PARITY__LANES; j++) {
            parity_xsum_add(dst[q], c->s[q][j]);
            parity_xsum_add(dst[q], c->c[q][j]);
        }
    }
    a->mismatched += c->mismatched;
    if (c->rtol_max > a->rtol_max) a->rtol_max = c->rtol_max;
    if (m == 0) return;
    uint64_t start = pos ? pos[0] : first; /* no position in the chunk is earlier */
    if (a->abs_max_at != PARITY__NO_POS && (c->abs_max < a->abs_max ||
        (c->abs_max == a->abs_max && start > a->abs_max_at)))
        return;
    size_t i = c->has_pos ? c->pos_amax : first_abs_equal(r, p, m, c->abs_max);
    uint64_t at = pos ? pos[i] : first + i;
    if (a->abs_max_at == PARITY__NO_POS || c->abs_max > a->abs_max || at < a->abs_max_at) {
        a->abs_max = c->abs_max;
        a->abs_max_at = at;
        a->abs_max_ref = c->has_pos ? c->abs_max_r : r[i];
        a->abs_max_port = c->has_pos ? c->abs_max_p : p[i];
    }
}

/* |a - b| of two int64 images, exact in uint64 (the true difference of
 * two doubles' images is below 2^64). */
static uint64_t image_dist(int64_t a, int64_t b) {
    return a >= b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

/* Order-preserving image of an f32 pattern (see ulp.c). */
static inline int64_t f32_image(double x) {
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    int64_t mag = u & 0x7fffffffu;
    return (u >> 31) ? -mag : mag;
}

static inline uint64_t f64_dist(double a, double b) {
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    int64_t ia = (int64_t)(ua & 0x7fffffffffffffffull);
    int64_t ib = (int64_t)(ub & 0x7fffffffffffffffull);
    if (ua >> 63) ia = -ia;
    if (ub >> 63) ib = -ib;
    return image_dist(ia, ib);
}

typedef float parity__vf __attribute__((vector_size(16)));
typedef int32_t parity__vi32 __attribute__((vector_size(16)));

/* Largest f32 ULP distance of m pairs, four at a time: round each double
 * to f32, take the pattern's order-preserving image (mag ^ s) - s with s
 * the sign spread over the word, subtract in 64 bits. */
PARITY__KERNEL
static uint64_t ulp_max_f32(const double *r, const double *p, size_t m) {
    const parity__vi32 low31 = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    parity__vi best = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + PARITY__VW <= m; i += PARITY__VW) {
        parity__vd dr, dp;
        PARITY__VLOAD(dr, r + i);
        PARITY__VLOAD(dp, p + i);
        parity__vf fr = __builtin_convertvector(dr, parity__vf);
        parity__vf fp = __builtin_convertvector(dp, parity__vf);
        parity__vi32 ur = (parity__vi32)fr, up = (parity__vi32)fp;
        parity__vi32 sr = ur >> 31, sp = up >> 31;
        parity__vi32 ir = ((ur & low31) ^ sr) - sr, ip = ((up & low31) ^ sp) - sp;
        parity__vi d = __builtin_convertvector(ip, parity__vi) -
                       __builtin_convertvector(ir, parity__vi);
        parity__vi neg = d >> 63;
        d = (d ^ neg) - neg;                 /* |d| < 2^32 */
        parity__vi gt = d > best;
        best = (gt & d) | (~gt & best);
    }
    uint64_t out = 0;
    for (int j = 0; j < PARITY__VW; j++)
        if ((uint64_t)best[j] > out) out = (uint64_t)best[j];
    for (; i < m; i++) {
        int64_t d = f32_image(p[i]) - f32_image(r[i]);
        if ((uint64_t)(d < 0 ? -d : d) > out) out = (uint64_t)(d < 0 ? -d : d);
    }
    return out;
}

/* |f32 pattern| rounded to bf16 or f16 (ties to even), four at a time;
 * the same integer steps as bf16_magnitude / f16_magnitude in ulp.c. */
static inline parity__vi32 small_magnitudes(parity_dtype dt, parity__vf f) {
    const parity__vi32 low31 = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    parity__vi32 u = (parity__vi32)f & low31;
    if (dt == PARITY_DT_BF16) return (u + 0x7fff + ((u >> 16) & 1)) >> 16;
    const parity__vf half = {0.5f, 0.5f, 0.5f, 0.5f};
    parity__vf af = (parity__vf)u;
    parity__vi32 sub = (parity__vi32)(af + half) - 0x3f000000;   /* < 2^-14 */
    parity__vi32 nrm = (u + ((15 - 127) * (1 << 23)) + 0xfff + ((u >> 13) & 1)) >> 13;
    parity__vi32 big = u >= 143 * (1 << 23);                     /* >= 2^16 */
    parity__vi32 small = u < 113 * (1 << 23);
    nrm = (big & 0x7c00) | (~big & nrm);
    return (small & sub) | (~small & nrm);
}

/* Largest BF16 or F16 ULP distance of m pairs of f32-exact values (every
 * value read from an F32, F16 or BF16 tensor); a vector holding any other
 * value goes through parity__ulp_image. */
PARITY__KERNEL
static uint64_t ulp_max_small(parity_dtype dt, const double *r,
                              const double *p, size_t m) {
    parity__vi32 best = {0, 0, 0, 0};
    uint64_t out = 0;
    size_t i = 0;
    for (; i + PARITY__VW <= m; i += PARITY__VW) {
        parity__vd dr, dp;
        PARITY__VLOAD(dr, r + i);
        PARITY__VLOAD(dp, p + i);
        parity__vf fr = __builtin_convertvector(dr, parity__vf);
        parity__vf fp = __builtin_convertvector(dp, parity__vf);
        parity__vi exact = (__builtin_convertvector(fr, parity__vd) == dr) &
                           (__builtin_convertvector(fp, parity__vd) == dp);
        if (!(exact[0] & exact[1] & exact[2] & exact[3])) {
            for (int j = 0; j < PARITY__VW; j++) {
                uint64_t u = image_dist(parity__ulp_image(dt, r[i + j]),
                                        parity__ulp_image(dt, p[i + j]));
                if (u > out) out = u;
            }
            continue;
        }
        parity__vi32 sr = (parity__vi32)fr >> 31, sp = (parity__vi32)fp >> 31;
        parity__vi32 ir = (small_magnitudes(dt, fr) ^ sr) - sr;
        parity__vi32 ip = (small_magnitudes(dt, fp) ^ sp) - sp;
        parity__vi32 d = ip - ir, neg = d >> 31;
        d = (d ^ neg) - neg;              /* |d| < 2^17 */
        parity__vi32 gt = d > best;
        best = (gt & d) | (~gt & best);
    }
    for (int j = 0; j < PARITY__VW; j++)
        if ((uint64_t)best[j] > out) out = (uint64_t)best[j];
    for (; i < m; i++) {
        uint64_t u = image_dist(parity__ulp_image(dt, r[i]), parity__ulp_image(dt, p[i]));
        if (u > out) out = u;
    }
    return out;
}

static uint64_t ulp_max_f32_entry(const double *r, const double *p, size_t m) {
    return ulp_max_f32(r, p, m);
}

static uint64_t ulp_max_small_entry(parity_dtype dt, const double *r,
                                    const double *p, size_t m) {
    return ulp_max_small(dt, r, p, m);
}

/* ULP distance of pair i in dtype dt. */
static uint64_t ulp_at(parity_dtype dt, const double *r, const double *p,
                       size_t i) {
    if (dt == PARITY_DT_F32) {
        int64_t d = f32_image(p[i]) - f32_image(r[i]);
        return (uint64_t)(d < 0 ? -d : d);
    }
    if (dt == PARITY_DT_F64) return f64_dist(r[i], p[i]);
    return image_dist(parity__ulp_image(dt, r[i]), parity__ulp_image(dt, p[i]));
}

/* The largest ULP distance of m pairs; the common dtypes get vector loops. */
static uint64_t ulp_max(parity_dtype dt, const double *r, const double *p,
                        size_t m) {
    uint64_t best = 0;
    if (dt == PARITY_DT_F32) return ulp_max_f32_entry(r, p, m);
    if (dt == PARITY_DT_BF16 || dt == PARITY_DT_F16)
        return ulp_max_small_entry(dt, r, p, m);
    for (size_t i = 0; i < m; i++) {
        uint64_t u = ulp_at(dt, r, p, i);
        if (u > best) best = u;
    }
    return best;
}

int parity__ulp_wants_pos(const parity__pair_acc *a, uint64_t best,
                          uint64_t start) {
    if (best == 0 || best < a->max_ulp) return 0;
    return !(best == a->max_ulp && start > a->max_ulp_at);
}

void parity__pair_ulp_at(parity__pair_acc *a, uint64_t best, uint64_t at) {
    if (!parity__ulp_wants_pos(a, best, at)) return;
    if (best > a->max_ulp || at < a->max_ulp_at) {
        a->max_ulp = best;
        a->max_ulp_at = at;
    }
}

void parity__pair_ulp(parity__pair_acc *a, parity_dtype dt, const double *r,
                      const double *p, size_t m, uint64_t first,
                      const uint64_t *pos) {
    parity__pair_ulp_best(a, dt, ulp_max(dt, r, p, m), r, p, m, first, pos);
}

void parity__pair_ulp_best(parity__pair_acc *a, parity_dtype dt,
                           uint64_t best, const double *r, const double *p,
                           size_t m, uint64_t first, const uint64_t *pos) {
    uint64_t start = pos ? pos[0] : first; /* no position here is earlier */
    if (!parity__ulp_wants_pos(a, best, start)) return;
    size_t i = 0;
    while (i + 1 < m && ulp_at(dt, r, p, i) != best) i++;
    uint64_t where = pos ? pos[i] : first + i;
    if (best > a->max_ulp || where < a->max_ulp_at) {
        a->max_ulp = best;
        a->max_ulp_at = where;
    }
}

/* Non-finite values agree when both are NaN or both the same infinity. */
void parity__pair_nonfinite(parity__pair_acc *a, const double *r,
                            const double *p, size_t n, uint64_t first) {
    for (size_t i = 0; i < n; i++) {
        int fr = isfinite(r[i]), fp = isfinite(p[i]);
        if (fr && fp) continue;
        if (fr || fp) {
            if (fr) a->nf_port_only++;
            else a->nf_ref_only++;
            a->mismatched++;
            if (first + i < a->first_nf_only) a->first_nf_only = first + i;
        } else if (!(isnan(r[i]) && isnan(p[i])) && r[i] != p[i]) {
            a->nf_differ++;
            a->mismatched++;
        }
    }
}

void parity__pair_merge(parity__pair_acc *into, const parity__pair_acc *from) {
    parity__side_merge(&into->r, &from->r);
    parity__side_merge(&into->p, &from->p);
    parity_xsum_merge(&into->abs_d, &from->abs_d);
    parity_xsum_merge(&into->d2, &from->d2);
    parity_xsum_merge(&into->rp, &from->rp);
    parity_xsum_merge(&into->cov, &from->cov);
    if (from->abs_max_at != PARITY__NO_POS &&
        (into->abs_max_at == PARITY__NO_POS || from->abs_max > into->abs_max ||
         (from->abs_max == into->abs_max && from->abs_max_at < into->abs_max_at))) {
        into->abs_max = from->abs_max;
        into->abs_max_at = from->abs_max_at;
        into->abs_max_ref = from->abs_max_ref;
        into->abs_max_port = from->abs_max_port;
    }
    if (from->rtol_max > into->rtol_max) into->rtol_max = from->rtol_max;
    into->mismatched += from->mismatched;
    if (from->max_ulp > into->max_ulp ||
        (from->max_ulp == into->max_ulp && from->max_ulp_at < into->max_ulp_at)) {
        into->max_ulp = from->max_ulp;
        into->max_ulp_at = from->max_ulp_at;
    }
    into->nf_ref_only += from->nf_ref_only;
    into->nf_port_only += from->nf_port_only;
    into->nf_differ += from->nf_differ;
    if (from->first_nf_only < into->first_nf_only)
        into->first_nf_only = from->first_nf_only;
}
