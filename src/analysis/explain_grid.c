/*
 * explain_grid.c — quantization: the port's values lie on a grid the
 * reference's do not, T(r) = Q(r):
 *
 *   float format  p within 5% of an ULP (plus 1e-5·rms p of noise) of a
 *                 value of fp8 e5m2 or fp8 e4m3 (the narrowest that holds
 *                 99% of a sample of p, tried in that order); Q = rounding
 *                 to that format. f16 and bf16 are the precision
 *                 candidate's (explain_global.c), which names the dtype.
 *   integer grid  p = z + step·q, q integer: per tensor, step = max|p|/qmax
 *                 (symmetric int8 127, int4 7) or the smallest gap between
 *                 the distinct values of the sample (any zero point z =
 *                 min p); per channel along an axis, step_i = max_i|p|/qmax
 *                 from the fit pass's per-index extremes. Integral within
 *                 2% of a step for 99% of the sample; the bits are those of
 *                 the levels between min p and max p.
 * The reference must not lie on the same grid (< 90% of its sample).
 *
 * parity__ex_involved_dtype: the dtype whose rounding bounds the pair, for
 * the precision candidates (the narrower stored float dtype, or f16 / bf16
 * when the port's F32 values lie on that grid).
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct gsamp {
    size_t n;
    double *p, *r;
    double rms_p;
} gsamp;

static parity_status gsample(const ex_ctx *x, gsamp *g, parity_error *err) {
    uint64_t cap = parity__ex_cap(x), count = x->r->count, step = count / cap + 1;
    memset(g, 0, sizeof *g);
    g->p = malloc(2 * (size_t)cap * sizeof *g->p);
    FAIL_IF(!g->p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    g->r = g->p + cap;
    double ss = 0;
    for (uint64_t i = 0; i < count && g->n < cap; i += step) {
        double p = parity__ex_p_at(x, i), r = parity__ex_r_at(x, i);
        if (!isfinite(p) || !isfinite(r)) continue;
        g->p[g->n] = p, g->r[g->n++] = r, ss += p * p;
    }
    g->rms_p = g->n ? sqrt(ss / (double)g->n) : 0;
    return PARITY_OK;
}

static double on_format(parity_dtype dt, const double *v, size_t n, double rms) {
    size_t in = 0;
    for (size_t i = 0; i < n; i++) {
        double q = parity_round_to(dt, v[i]);
        in += fabs(v[i] - q) <= 0.05 * parity__ex_ulp(dt, q) + 1e-5 * rms;
    }
    return n ? (double)in / (double)n : 0;
}

static int is_half(parity_dtype d) { return d == PARITY_DT_F16 || d == PARITY_DT_BF16; }

parity_dtype parity__ex_involved_dtype(const ex_ctx *x) {
    parity_dtype a = x->r->dtype, b = x->p->dtype;
    if (is_half(b)) return b;
    if (is_half(a)) return a;
    if (a == PARITY_DT_F64 && b == PARITY_DT_F64) {
        /* data built in memory: what the port's values lie on */
    } else if (a != PARITY_DT_F32 && b != PARITY_DT_F32) {
        return PARITY_DT_F32;
    }
    enum { N = 4096 };
    double v[N], ss = 0;
    size_t n = 0;
    uint64_t count = x->p->count, step = count / N + 1;
    for (uint64_t i = 0; i < count && n < N; i += step) {
        double p = parity__ex_p_at(x, i);
        if (isfinite(p)) v[n++] = p, ss += p * p;
    }
    double rms = n ? sqrt(ss / (double)n) : 0;
    /* bf16 first: its values (8 significant bits) are f16 values too */
    if (n && on_format(PARITY_DT_BF16, v, n, rms) >= 0.999) return PARITY_DT_BF16;
    if (n && on_format(PARITY_DT_F16, v, n, rms) >= 0.999) return PARITY_DT_F16;
    return PARITY_DT_F32;
}

static const char *fmt_name(parity_dtype d) {
    return d == PARITY_DT_F8_E5M2 ? "fp8 e5m2" : d == PARITY_DT_F8_E4M3 ? "fp8 e4m3"
           : d == PARITY_DT_BF16  ? "bf16" : "f16";
}

static parity_status try_formats(ex_ctx *x, const gsamp *g, parity_error *err) {
    /* f16 and bf16 are the precision candidate's (explain_global.c) */
    static const parity_dtype dts[2] = {PARITY_DT_F8_E5M2, PARITY_DT_F8_E4M3};
    for (int k = 0; k < 2; k++) {
        if (x->p->dtype == dts[k] || x->r->dtype == dts[k]) return PARITY_OK;
        if (on_format(dts[k], g->p, g->n, g->rms_p) < 0.99) continue;
        if (on_format(dts[k], g->r, g->n, g->rms_p) >= 0.9) return PARITY_OK;
        ex_cand c = {0};
        c.h.kind = PARITY_HYP_GRID;
        c.a = (double)dts[k], c.axis = -1;
        c.h.params[0] = 0, c.h.params[1] = parity_dtype_size(dts[k]) * 8.0;
        c.h.params[2] = (double)dts[k], c.h.params[3] = -1;
        snprintf(c.h.text, sizeof c.h.text, "quantization: the port's values are %s values "
                 "(%d bits): the reference rounded to %s", fmt_name(dts[k]),
                 (int)c.h.params[1], fmt_name(dts[k]));
        return parity__ex_add(x, &c, err);
    }
    return PARITY_OK;
}

/* Share of v with (v − z)/step within 2% of an integer. */
static double integral(const double *v, size_t n, double z, double step) {
    size_t in = 0;
    for (size_t i = 0; i < n; i++) {
        double q = (v[i] - z) / step;
        in += fabs(q - round(q)) <= 0.02;
    }
    return n ? (double)in / (double)n : 0;
}

/* The smallest gap between distinct values (clusters within 1e-5 of the
 * range) of the sample. */
static double min_gap(const double *v, size_t n, double *work) {
    memcpy(work, v, n * sizeof *work);
    qsort(work, n, sizeof *work, parity__ex_cmp_double);
    double range = work[n - 1] - work[0], tol = 1e-5 * range, gap = INFINITY;
    double prev = work[0];
    for (size_t i = 1; i < n; i++) {
        if (work[i] - work[i - 1] <= tol) continue;
        gap = fmin(gap, work[i] - prev);
        prev = work[i];
    }
    return gap;
}

/* One step over the tensor: p = z + step·q; the bits of its levels. */
static parity_status offer_tensor(ex_ctx *x, double z, double step, parity_error *err) {
    const ex_fit *f = &x->f;
    double levels = round((f->hi.ext - f->lo.ext) / step) + 1;
    int bits = (int)ceil(log2(fmax(levels, 2)));
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_GRID;
    c.a = z, c.b = step, c.axis = -1;
    c.h.params[0] = step, c.h.params[1] = bits, c.h.params[2] = 0, c.h.params[3] = -1;
    snprintf(c.h.text, sizeof c.h.text, "quantization: the port's values lie on a grid of step "
             "%.4g (%.0f levels: int%d), the reference rounded to it", step, levels, bits);
    return parity__ex_add(x, &c, err);
}

/* A symmetric step per index along axis: step_i = max_i|p|/qmax (127:
 * int8, 7: int4); steps is handed over to the candidate. */
static parity_status offer_channels(ex_ctx *x, int axis, double qmax, double *steps, int64_t len,
                                    parity_error *err) {
    int bits = qmax == 127 ? 8 : 4;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_GRID;
    c.axis = axis, c.va = steps, c.len = len, c.b = qmax;
    c.h.params[1] = bits, c.h.params[2] = 0, c.h.params[3] = axis;
    snprintf(c.h.text, sizeof c.h.text, "quantization per channel along axis %d: the port's "
             "values lie on a grid whose step is max|p|/%.0f per index (int%d), the reference "
             "rounded to it", axis, qmax, bits);
    return parity__ex_add(x, &c, err);
}

static parity_status try_tensor(ex_ctx *x, const gsamp *g, int *found, parity_error *err) {
    const ex_fit *f = &x->f;
    double amax = fmax(fabs(f->hi.ext), fabs(f->lo.ext));
    static const double qmax[2] = {127, 7};
    for (int k = 0; k < 2 && amax > 0; k++) {
        double step = amax / qmax[k];
        if (integral(g->p, g->n, 0, step) >= 0.99 && integral(g->r, g->n, 0, step) < 0.9)
            return *found = 1, offer_tensor(x, 0, step, err);
    }
    double *work = malloc(g->n * sizeof *work);
    FAIL_IF(!work, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    double gap = min_gap(g->p, g->n, work), z = f->lo.ext;
    free(work);
    if (!(gap > 0) || !isfinite(gap) || (f->hi.ext - z) / gap > 65535) return PARITY_OK;
    if (integral(g->p, g->n, z, gap) >= 0.99 && integral(g->r, g->n, z, gap) < 0.9)
        return *found = 1, offer_tensor(x, z, gap, err);
    return PARITY_OK;
}

/* Per channel along each axis: step_i = max_i|p|/qmax from the fit pass. */
static parity_status try_channels(ex_ctx *x, const gsamp *g, parity_error *err) {
    static const double qmax[2] = {127, 7};
    for (int ax = 0; ax < x->r->ndim; ax++) {
        const ex_axis_acc *a = &x->f.ax[ax];
        /* each index's own max lies on its grid by construction: only
         * indices with many values say anything */
        if (!a->n || !a->pmax || a->step > 1 || x->r->count < 16 * (uint64_t)a->len) continue;
        for (int k = 0; k < 2; k++) {
            double *steps = malloc((size_t)a->len * sizeof *steps);
            FAIL_IF(!steps, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
            for (int64_t i = 0; i < a->len; i++) steps[i] = a->pmax[i] / qmax[k];
            /* the sample's positions are strided: recover each index */
            uint64_t count = x->r->count, stride = count / parity__ex_cap(x) + 1;
            size_t in_p = 0, in_r = 0, n = 0;
            int64_t idx[PARITY_MAX_DIMS];
            for (uint64_t i = 0, j = 0; i < count && j < g->n; i += stride) {
                parity_tensor_unravel(x->r, i, idx);
                double s = steps[idx[ax]];
                double p = parity__ex_p_at(x, i), r = parity__ex_r_at(x, i);
                if (!isfinite(p) || !isfinite(r) || !(s > 0)) continue;
                j++, n++;
                in_p += fabs(p / s - round(p / s)) <= 0.02;
                in_r += fabs(r / s - round(r / s)) <= 0.02;
            }
            if (n && in_p >= 0.99 * (double)n && in_r < 0.9 * (double)n)
                return offer_channels(x, ax, qmax[k], steps, a->len, err);
            free(steps);
        }
    }
    return PARITY_OK;
}

parity_status parity__ex_grid_candidates(ex_ctx *x, parity_error *err) {
    if (x->f.n < 64 || x->f.sdd <= 0) return PARITY_OK;
    gsamp g;
    TRY(gsample(x, &g, err));
    int found = 0;
    parity_status st = g.n >= 64 ? try_formats(x, &g, err) : PARITY_OK;
    if (st == PARITY_OK && g.n >= 64) st = try_tensor(x, &g, &found, err);
    if (st == PARITY_OK && g.n >= 64 && !found) st = try_channels(x, &g, err);
    free(g.p);
    return st;
}

/* Q(r): the format's rounding, or z + step·round((r − z)/step) (per
 * channel: step_i, clipped to ±qmax·step_i). */
double parity__ex_apply_grid(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)p;
    if (c->h.params[2] > 0) return parity_round_to((parity_dtype)c->a, r);
    if (c->axis < 0) return c->a + c->b * round((r - c->a) / c->b);
    double s = c->va[idx[c->axis]], q = s > 0 ? round(r / s) : 0, qm = c->b;
    q = q > qm ? qm : q < -qm ? -qm : q;
    return s > 0 ? s * q : r;
}
