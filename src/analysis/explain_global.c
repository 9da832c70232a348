/*
 * explain_global.c — candidates with a few global parameters, fitted in
 * closed form from the fit pass's sums (n, Σr, Σp, Σr², Σrp, Σd):
 *
 *   offset     b = Σd/n                                  p = r + b
 *   scale      a = Σrp/Σr²                               p = a·r
 *   affine     a = cov(r,p)/var(r), b = mean p − a·mean r
 *   clamp      lo/hi = the mean of the port values pinned within
 *              tol = 1e-4·rms(r) of the port's extreme while r lies beyond
 *              it (≥ 0.1% of the pairs, at least 2), so noise or rounding
 *              after the clamp does not hide it
 *   precision  p within the rounding band of f16 / bf16 / f32 around r
 *   non-finite p is NaN/Inf where r is finite
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One band: the rounding of the dtype actually involved (the narrower
 * stored float, or the half format the port's values lie on). When the
 * port stores the stage in that format and the reference does not, the
 * rounding is a step of the stage itself, whatever its inputs: it is
 * judged on the pair (params[2] = 1). Otherwise it is never offered when
 * the caller knows the stage's inputs differ (inherited error is not
 * precision). */
static parity_status add_precision(ex_ctx *x, parity_error *err) {
    parity_dtype dt = x->involved;
    if (dt != PARITY_DT_F16 && dt != PARITY_DT_BF16) dt = PARITY_DT_F32;
    int own = dt != PARITY_DT_F32 && x->p->dtype == dt && x->r->dtype != dt;
    if (x->o.inputs_state == 1 && !own) return PARITY_OK;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_PRECISION;
    c.h.complexity = dt == PARITY_DT_F32 ? 0 : dt == PARITY_DT_F16 ? 1 : 2;
    c.a = (double)dt;
    c.b = parity__ex_ulp(dt, x->rms_r);
    c.h.params[0] = (double)dt, c.h.params[2] = own;
    snprintf(c.h.text, sizeof c.h.text, "precision only (within %s rounding)",
             dt == PARITY_DT_F32 ? "f32" : dt == PARITY_DT_F16 ? "f16" : "bf16");
    return parity__ex_add(x, &c, err);
}

/* Dropout left on: a share q of p exactly 0 where r is not, the rest
 * scaled by 1/(1 − q) (within 5%). */
static parity_status add_dropout(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    double q = (double)f->n_pzero / (double)f->n, s = f->nz_srr > 0 ? f->nz_srp / f->nz_srr : 0;
    if (q < 0.01 || q > 0.95 || fabs(s * (1 - q) - 1) > 0.05) return PARITY_OK;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_DROPOUT;
    c.a = s;
    c.h.params[0] = q, c.h.params[1] = s;
    snprintf(c.h.text, sizeof c.h.text, "dropout left on: %.1f%% of the values zeroed, the rest "
             "scaled %.4g = 1/(1 - %.3g)", 100 * q, s, 1 - 1 / s);
    return parity__ex_add(x, &c, err);
}

static parity_status add_offset(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_OFFSET;
    c.b = f->sd / (double)f->n;
    double db = c.b * parity_domain_db_per_unit(x->o.domain);
    c.h.params[0] = c.b, c.h.params[1] = db;
    if (x->o.domain == PARITY_DOMAIN_LINEAR)
        snprintf(c.h.text, sizeof c.h.text, "constant offset %+.4g", c.b);
    else
        snprintf(c.h.text, sizeof c.h.text, "constant offset %+.4g (%+.4g dB %s)", c.b, db,
                 parity_domain_name(x->o.domain));
    return parity__ex_add(x, &c, err);
}

static parity_status add_scale(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    if (!(f->srr > 0)) return PARITY_OK;
    ex_cand c = {0};
    char nm[64];
    c.a = f->srp / f->srr;
    c.h.params[0] = c.a;
    int flip = fabs(c.a + 1) <= 0.005;
    c.h.kind = flip ? PARITY_HYP_SIGN_FLIP : PARITY_HYP_SCALE;
    if (flip) snprintf(c.h.text, sizeof c.h.text, "sign flip (scale %.4g)", c.a);
    else snprintf(c.h.text, sizeof c.h.text, "scale %s", parity__ex_scale_name(c.a, nm, sizeof nm));
    return parity__ex_add(x, &c, err);
}

static parity_status add_affine(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    double n = (double)f->n, mr = f->sr / n, mp = f->sp / n;
    double var = f->srr / n - mr * mr, cov = f->srp / n - mr * mp;
    if (!(var > 0)) return PARITY_OK;
    ex_cand c = {0};
    char nm[64];
    c.h.kind = PARITY_HYP_AFFINE;
    c.a = cov / var;
    c.b = mp - c.a * mr;
    c.h.params[0] = c.a, c.h.params[1] = c.b;
    snprintf(c.h.text, sizeof c.h.text, "affine: p = a*r + b, a = %s, b = %.4g",
             parity__ex_scale_name(c.a, nm, sizeof nm), c.b);
    return parity__ex_add(x, &c, err);
}

/* A clamp at one extreme: enough port values pinned there while r lies
 * beyond it. */
static int pinned(const ex_fit *f, const ex_pin *c) {
    return (double)c->beyond >= fmax(2.0, 1e-3 * (double)f->n);
}

static parity_status add_clamp(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    int hi = pinned(f, &f->hi), lo = pinned(f, &f->lo);
    if (!hi && !lo) return PARITY_OK;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_CLAMP;
    c.a = lo ? f->lo.sum / (double)f->lo.n : -INFINITY;
    c.b = hi ? f->hi.sum / (double)f->hi.n : INFINITY;
    uint64_t n_pin = (hi ? f->hi.n : 0) + (lo ? f->lo.n : 0);
    c.h.params[0] = c.a, c.h.params[1] = c.b, c.h.params[2] = (double)n_pin;
    if (hi && lo)
        snprintf(c.h.text, sizeof c.h.text, "clamp to [%.4g, %.4g] (%llu values pinned)",
                 c.a, c.b, (unsigned long long)n_pin);
    else
        snprintf(c.h.text, sizeof c.h.text, "clamp at %s %.4g (%llu values pinned)",
                 hi ? "max" : "min", hi ? c.b : c.a, (unsigned long long)n_pin);
    return parity__ex_add(x, &c, err);
}

static parity_status add_nonfinite(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    if (f->nf_port_only == 0) return PARITY_OK;
    ex_cand c = {0};
    int64_t idx[PARITY_MAX_DIMS];
    char pos[160] = "";
    size_t at = 0;
    parity_tensor_unravel(x->r, f->nf_first, idx);
    for (int k = 0; k < x->r->ndim && at + 24 < sizeof pos; k++)
        at += (size_t)snprintf(pos + at, sizeof pos - at, "%s%lld", k ? ", " : "",
                               (long long)idx[k]);
    c.h.kind = PARITY_HYP_NONFINITE;
    c.measured = 1;
    c.h.params[0] = (double)f->nf_port_only, c.h.params[1] = (double)f->nf_first;
    snprintf(c.h.text, sizeof c.h.text,
             "non-finite values appear: %llu NaN/Inf where ref is finite (first at [%s])",
             (unsigned long long)f->nf_port_only, pos);
    return parity__ex_add(x, &c, err);
}

parity_status parity__ex_global_candidates(ex_ctx *x, parity_error *err) {
    TRY(add_nonfinite(x, err));
    if (x->f.n == 0 || x->f.sdd == 0) return PARITY_OK;
    TRY(add_precision(x, err));
    TRY(add_offset(x, err));
    TRY(add_scale(x, err));
    TRY(add_affine(x, err));
    TRY(add_dropout(x, err));
    return add_clamp(x, err);
}

/* ---- T(r) of each kind, for the evaluation pass (explain_kinds.c) ------- */

/* Precision is a tolerance, not a map: p clipped to the rounding band of
 * r, so only what lies beyond the band counts against it. */
double parity__ex_apply_precision(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx;
    double band = parity__ex_precision_band((parity_dtype)c->a, r, c->b);
    return p > r + band ? r + band : (p < r - band ? r - band : p);
}
double parity__ex_apply_dropout(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx;
    return p == 0 ? 0 : c->a * r;
}
double parity__ex_apply_offset(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx, (void)p;
    return r + c->b;
}
double parity__ex_apply_scale(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx, (void)p;
    return c->a * r;
}
double parity__ex_apply_affine(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx, (void)p;
    return c->a * r + c->b;
}
double parity__ex_apply_clamp(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)idx, (void)p;
    return r < c->a ? c->a : (r > c->b ? c->b : r);
}
