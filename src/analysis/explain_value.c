/*
 * explain_value.c — the value-dependent residual: p − r = f(r) for a smooth
 * f, as an activation approximation leaves it (tanh-GELU against erf-GELU:
 * the same input, a difference that depends only on the value).
 *
 * Bins: EX_BINS quantile bins of r, their edges placed from a sample of at
 * most EX_SAMPLE values of r (strided over the tensor). The fit pass sums
 * n_b, Σr_b and Σd_b per bin; f is the piecewise-linear curve through the
 * knots (Σr_b/n_b, Σd_b/n_b), constant beyond the outer knots.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strided sample of the finite values of r, sorted; returns its size. */
static size_t sample_r(const ex_ctx *x, double *s) {
    uint64_t count = x->r->count, step = count / EX_SAMPLE + 1;
    size_t n = 0;
    for (uint64_t i = 0; i < count && n < EX_SAMPLE; i += step) {
        double v;
        v = x->rr ? x->rr[i] : parity__ex_read_at(x, x->r, i);
        if (isfinite(v)) s[n++] = v;
    }
    qsort(s, n, sizeof *s, parity__ex_cmp_double);
    return n;
}

parity_status parity__ex_value_edges(ex_ctx *x, parity_error *err) {
    double *s = malloc(EX_SAMPLE * sizeof *s);
    FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    size_t n = sample_r(x, s);
    ex_fit *f = &x->f;
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += s[i] * s[i];
    f->tol = n ? EX_CLAMP_TOL * sqrt(ss / (double)n) : 0.0;
    f->nbins = 0;
    if (n >= 4 * EX_BINS) {
        f->edges[0] = s[0];
        for (int b = 1; b < EX_BINS; b++) {
            double e = s[(size_t)b * n / EX_BINS];
            if (e > f->edges[f->nbins]) f->edges[++f->nbins] = e;
        }
        f->edges[++f->nbins] = INFINITY;
    }
    if (f->nbins < 8) f->nbins = 0; /* too few distinct values for a curve */
    if (f->nbins) parity__ex_lut_make(&f->bin_lut, f->edges, f->nbins);
    free(s);
    return PARITY_OK;
}

void parity__ex_value_bin(ex_fit *f, double r, double d) {
    if (f->nbins == 0) return;
    int lo = parity__ex_lut_find(&f->bin_lut, f->edges, f->nbins, r); /* last edges[b] <= r */
    f->bin_n[lo] += 1, f->bin_r[lo] += r, f->bin_d[lo] += d;
}

double parity__ex_value_eval(const ex_cand *c, double r) {
    const double *kx = c->va, *ky = c->vb;
    int64_t n = c->nk;
    if (r <= kx[0]) return ky[0];
    if (r >= kx[n - 1]) return ky[n - 1];
    int64_t lo = parity__ex_lut_find(&c->lut, kx, (int)n, r), hi = lo + 1; /* kx[lo] <= r < kx[hi] */
    double t = (r - kx[lo]) / (kx[hi] - kx[lo]);
    return ky[lo] + t * (ky[hi] - ky[lo]);
}

parity_status parity__ex_value_candidates(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    if (f->nbins == 0) return PARITY_OK;
    ex_cand c = {0};
    c.va = malloc(EX_BINS * sizeof *c.va);
    c.vb = malloc(EX_BINS * sizeof *c.vb);
    if (!c.va || !c.vb) parity__ex_cand_free(&c);
    FAIL_IF(!c.va || !c.vb, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (int b = 0; b < f->nbins; b++) {
        if (f->bin_n[b] == 0) continue;
        double kx = f->bin_r[b] / f->bin_n[b];
        if (c.nk > 0 && kx <= c.va[c.nk - 1]) continue; /* keep knots increasing */
        c.va[c.nk] = kx, c.vb[c.nk++] = f->bin_d[b] / f->bin_n[b];
    }
    c.h.kind = PARITY_HYP_VALUE_DEPENDENT;
    parity__ex_lut_make(&c.lut, c.va, (int)c.nk);
    snprintf(c.h.text, sizeof c.h.text, "value-dependent residual");
    if (c.nk >= 4) return parity__ex_add(x, &c, err);
    parity__ex_cand_free(&c);
    return PARITY_OK;
}

/* erf-GELU and its tanh approximation. */
static double gelu_erf(double v) { return 0.5 * v * (1 + erf(v / sqrt(2.0))); }
static double gelu_tanh(double v) {
    return 0.5 * v * (1 + tanh(sqrt(2 / acos(-1.0)) * (v + 0.044715 * v * v * v)));
}

/* tanh-GELU − erf-GELU as a function of the erf-GELU output r, on the
 * increasing branch (input ≥ −0.7518, output ≥ −0.16997). */
static double gelu_gap_at(double r) {
    double lo = -0.7518, hi = r > 0 ? r + 10 : 1.0;
    for (int i = 0; i < 80; i++) {
        double mid = 0.5 * (lo + hi);
        if (gelu_erf(mid) < r) lo = mid;
        else hi = mid;
    }
    return gelu_tanh(lo) - gelu_erf(lo);
}

/* |cos| between the fitted curve and the GELU gap over the knots r >= 0,
 * where the gap is a function of r (for r in (−0.17, 0) two inputs give
 * the same output with different gaps): > 0.9 reads "like tanh-GELU vs
 * erf-GELU", unless a line or a constant fits the curve about as well. */
static double gelu_likeness(const ex_cand *c) {
    double sxy = 0, sxx = 0, syy = 0, slx = 0, sll = 0, s1 = 0, n = 0;
    for (int64_t k = 0; k < c->nk; k++) {
        if (c->va[k] < 0) continue;
        double g = gelu_gap_at(c->va[k]), y = c->vb[k], r = c->va[k];
        sxy += g * y, sxx += g * g, syy += y * y;
        slx += r * y, sll += r * r, s1 += y, n++;
    }
    if (!(sxx > 0 && syy > 0)) return 0.0;
    double cg = fabs(sxy) / sqrt(sxx * syy);
    /* a scale or an offset (d = (a − 1)·r, d = b) is no activation gap:
     * the GELU gap must fit the curve clearly better than a line or a
     * constant does */
    double cl = sll > 0 ? fabs(slx) / sqrt(sll * syy) : 0, cc = n > 0 ? fabs(s1) / sqrt(n * syy) : 0;
    return cg > fmax(cl, cc) + 0.05 ? cg : 0.0;
}

void parity__ex_value_describe(ex_cand *c) {
    int64_t at = 0;
    for (int64_t k = 1; k < c->nk; k++)
        if (fabs(c->vb[k]) > fabs(c->vb[at])) at = k;
    c->h.params[0] = c->vb[at], c->h.params[1] = c->va[at];
    int gelu = gelu_likeness(c) > 0.9;
    snprintf(c->h.text, sizeof c->h.text,
             "value-dependent residual (peak %.2g near r=%.3g%s)", c->vb[at], c->va[at],
             gelu ? ": like tanh-GELU vs erf-GELU" : "");
}

/* T(r) = r + f(r), for the evaluation pass (explain_kinds.c). */
double parity__ex_apply_value(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx, (void)p;
    return r + parity__ex_value_eval(c, r);
}
