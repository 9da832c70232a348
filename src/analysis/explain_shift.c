/*
 * explain_shift.c — a lag along one axis: p[i] = r[i − s], over the whole
 * axis (padding and alignment bugs: ±1 frame, a hop of 240 samples, a
 * causal pad on the wrong side).
 *
 * The lag comes from the cross-correlation of whole lines along the axis
 * (all of them with copies, else a bounded sample; explain_layout.c),
 * summed over the lines, by FFT of size N ≥ 2·len (zero padding, so the
 * correlation is linear):
 *   C(s) = Σ_lines Σ_i p[i]·r[i − s]   = IFFT(conj(FFT r)·FFT p)[s mod N]
 * Linear lag:   max over 1 ≤ |s| ≤ len/2 of C(s)/√(Σp²·Σr² over the overlap)
 * Circular lag: max over 1 ≤ s < len of (C(s) + C(s − len))/√(Σp²·Σr²)
 *               (the wrapped part of np.roll is C at s − len)
 * Then three fillings of the vacated indices are measured: circular (the
 * circular lag), zeros and the edge value repeated (the linear lag); the
 * best is the one candidate of the axis.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* In-place radix-2 FFT of n (a power of 2) complex values; w holds
 * exp(−2πik/n) for k < n/2 (forward); inverse conjugates it (unscaled). */
static void fft(double *re, double *im, size_t n, const double *wr, const double *wi,
                int inverse) {
    for (size_t i = 1, j = 0; i < n; i++) { /* bit reversal */
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j], re[j] = t;
            t = im[i], im[i] = im[j], im[j] = t;
        }
    }
    double sg = inverse ? -1.0 : 1.0;
    for (size_t len = 2, step = n / 2; len <= n; len <<= 1, step >>= 1)
        for (size_t i = 0; i < n; i += len)
            for (size_t k = 0; k < len / 2; k++) {
                size_t a = i + k, b = a + len / 2;
                double cr = wr[k * step], ci = sg * wi[k * step];
                double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
                re[b] = re[a] - xr, im[b] = im[a] - xi;
                re[a] += xr, im[a] += xi;
            }
}

/* C(s) for s mod n, summed over the lines: each line packs p + i·r into
 * one transform; P_f = (Z_f + conj Z_{−f})/2, R_f = (Z_f − conj Z_{−f})/2i.
 * buf holds 6n doubles; C lands in buf[0 .. n). */
static void correlate(const ex_lines *l, size_t n, double *buf) {
    double *cr = buf, *ci = buf + n, *zr = buf + 2 * n, *zi = buf + 3 * n;
    double *wr = buf + 4 * n, *wi = buf + 5 * n;
    for (size_t k = 0; k < n / 2; k++) {
        double ang = -2 * acos(-1.0) * (double)k / (double)n;
        wr[k] = cos(ang), wi[k] = sin(ang);
    }
    for (size_t f = 0; f < n; f++) cr[f] = ci[f] = 0;
    for (uint64_t j = 0; j < l->nl; j++) {
        const double *p = l->p + j * (uint64_t)l->len, *r = l->r + j * (uint64_t)l->len;
        for (size_t i = 0; i < n; i++) {
            zr[i] = (int64_t)i < l->len ? p[i] : 0;
            zi[i] = (int64_t)i < l->len ? r[i] : 0;
        }
        fft(zr, zi, n, wr, wi, 0);
        for (size_t f = 0; f < n; f++) {
            size_t g = (n - f) & (n - 1);
            double pr = 0.5 * (zr[f] + zr[g]), pi = 0.5 * (zi[f] - zi[g]);
            double rr = 0.5 * (zi[f] + zi[g]), ri = -0.5 * (zr[f] - zr[g]);
            cr[f] += rr * pr + ri * pi; /* conj(R)·P */
            ci[f] += rr * pi - ri * pr;
        }
    }
    fft(cr, ci, n, wr, wi, 1);
    for (size_t f = 0; f < n; f++) cr[f] /= (double)n;
}

/* Prefix sums of Σ_lines v[i]²: e[i] = Σ over indices < i. */
static void prefix_energy(const ex_lines *l, const double *v, double *e) {
    e[0] = 0;
    for (int64_t i = 0; i < l->len; i++) {
        double s = 0;
        for (uint64_t j = 0; j < l->nl; j++) s += v[j * (uint64_t)l->len + (uint64_t)i] * v[j * (uint64_t)l->len + (uint64_t)i];
        e[i + 1] = e[i] + s;
    }
}

/* The best linear and circular lags (0 when none correlates). */
static void best_lags(const ex_lines *l, const double *c, size_t n, const double *ep,
                      const double *er, int circular, int64_t *lin, int64_t *circ) {
    int64_t len = l->len;
    double best_l = 0, best_c = 0, tot = sqrt(ep[len] * er[len]);
    *lin = *circ = 0;
    for (int64_t s = -(len - 1); s < len; s++) {
        if (s == 0) continue;
        double cs = c[(size_t)(s < 0 ? (int64_t)n + s : s)];
        if (2 * (s < 0 ? -s : s) <= len) { /* overlap: p [s, len), r [0, len − s) */
            double pov = s > 0 ? ep[len] - ep[s] : ep[len + s];
            double rov = s > 0 ? er[len - s] : er[len] - er[-s];
            double rho = pov > 0 && rov > 0 ? cs / sqrt(pov * rov) : 0;
            if (rho > best_l) best_l = rho, *lin = s;
        }
        if (circular && s > 0 && tot > 0) {
            double rho = (cs + c[(size_t)((int64_t)n + s - len)]) / tot;
            if (rho > best_c) best_c = rho, *circ = 2 * s > len ? s - len : s;
        }
    }
}

static void describe(ex_cand *c, int a, int64_t s, int fill) {
    long long v = (long long)s, m = v < 0 ? -v : v;
    const char *sg = v > 0 ? "-" : "+";
    c->h.kind = PARITY_HYP_SHIFT;
    c->h.params[0] = a, c->h.params[1] = (double)s, c->h.params[2] = fill;
    if (fill == 0)
        snprintf(c->h.text, sizeof c->h.text,
                 "roll by %+lld along axis %d (circular, np.roll: p[i] = r[(i %s %lld) mod n])",
                 v, a, sg, m);
    else
        snprintf(c->h.text, sizeof c->h.text, "shift by %+lld along axis %d (p[i] = r[i %s %lld], %s)",
                 v, a, sg, m, fill == 1 ? "zeros shifted in" : "the edge value repeated");
}

/* Σ(p − T(r))² of one filling, exactly with copies, else on the sample
 * (parity__ex_layout_offer measures the winner over every element). */
static double fill_sq(const ex_ctx *x, const ex_samp *s, ex_layout *L, int64_t lag, int fill) {
    uint64_t used;
    L->shift = lag, L->fill = fill;
    return parity__ex_sample_sq(x, s, L, &used);
}

parity_status parity__ex_shift_candidates(ex_ctx *x, const ex_samp *s, const ex_lines *l,
                                  parity_error *err) {
    if (l->len < 4) return PARITY_OK;
    size_t n = 1;
    while (n < 2 * (size_t)l->len) n <<= 1;
    double *buf = malloc((6 * n + 2 * (size_t)l->len + 2) * sizeof *buf);
    FAIL_IF(!buf, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    double *cr = buf, *ep = buf + 6 * n, *er = ep + l->len + 1;
    correlate(l, n, buf);
    prefix_energy(l, l->p, ep);
    prefix_energy(l, l->r, er);
    int64_t lin, circ;
    best_lags(l, cr, n, ep, er, l->len == x->r->shape[l->axis], &lin, &circ);
    free(buf);
    ex_layout L;
    parity__ex_layout_init(x, &L, L_GATHER);
    L.shift_axis = l->axis;
    double best = INFINITY;
    int64_t lag = 0;
    int fill = 0;
    for (int f = 0; f < 3; f++) {
        int64_t g = f == 0 ? circ : lin;
        double sq = g ? fill_sq(x, s, &L, g, f) : INFINITY;
        if (sq < best) best = sq, lag = g, fill = f;
    }
    if (lag == 0) return PARITY_OK;
    L.shift = lag, L.fill = fill;
    ex_cand c = {0};
    describe(&c, l->axis, lag, fill);
    return parity__ex_layout_offer(x, s, &L, &c, err);
}
