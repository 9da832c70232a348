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

typedef struct ex_const {
    double v;
    const char *name;
} ex_const;

/* Scales a port picks up by accident (SPEC §6). The head sizes cover the
 * common attention heads (1/√d missing or applied twice). */
static const char *scale_const(double a, char *nm, size_t cap) {
    static const int heads[] = {8,  16, 24, 32,  40,  48,  56,  64,  72,  80, 96,
                                112, 128, 160, 192, 256, 320, 384, 512};
    const double ln10 = log(10.0), pi = acos(-1.0);
    const ex_const k[] = {
        {2, "2"}, {0.5, "1/2"}, {pi, "pi"}, {1 / pi, "1/pi"}, {ln10, "ln 10"},
        {1 / ln10, "1/ln 10"}, {20 / ln10, "20/ln 10"}, {10 / ln10, "10/ln 10"},
        {ln10 / 20, "ln 10/20"}, {ln10 / 10, "ln 10/10"}, {1000, "1000"},
        {1e-3, "1/1000"}, {-1, "-1"}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        if (fabs(a - k[i].v) <= 0.005 * fabs(k[i].v)) return k[i].name;
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        double s = sqrt((double)heads[i]);
        if (fabs(a - s) <= 0.005 * s) return snprintf(nm, cap, "sqrt(%d)", heads[i]), nm;
        if (fabs(a - 1 / s) <= 0.005 / s) return snprintf(nm, cap, "1/sqrt(%d)", heads[i]), nm;
    }
    return NULL;
}

/* "6.928 = sqrt(48)"; the number alone when it reads as the name already
 * ("2", "1000", "-1"). */
const char *ex_scale_name(double a, char *buf, size_t cap) {
    char num[32], nm[32];
    snprintf(num, sizeof num, "%.4g", a);
    const char *name = scale_const(a, nm, sizeof nm);
    if (name && strcmp(name, num) != 0) snprintf(buf, cap, "%s = %s", num, name);
    else snprintf(buf, cap, "%s", num);
    return buf;
}

/* One unit in the last place of |v| in dt (the spacing of dt's values
 * there), down to dt's smallest subnormal step. */
double ex_ulp(parity_dtype dt, double v) {
    int m = parity_dtype_mantissa_bits(dt), e = 0;
    double min_step = dt == PARITY_DT_F16 ? 0x1p-24 : dt == PARITY_DT_BF16 ? 0x1p-133 : 0x1p-149;
    if (v == 0 || !isfinite(v)) return min_step;
    frexp(fabs(v), &e); /* |v| = f·2^e, f in [0.5, 1): ulp = 2^(e−1−m) */
    double u = ldexp(1.0, e - 1 - m);
    return u > min_step ? u : min_step;
}

/* A port computing in dt rounds each stage (≤ half an ULP of the value)
 * and carries the rounding of earlier stages, which scales with the
 * tensor's magnitude rather than the element's:
 *   band = ulp(|r|)/2 + ulp(rms(r))/2   (both in dt)
 * ulp_rms = ulp(rms(r)) is the same for every element: callers compute it
 * once (ex_ulp), not per element. */
double ex_precision_band(parity_dtype dt, double r, double ulp_rms) {
    return 0.5 * (ex_ulp(dt, r) + ulp_rms);
}

static parity_status add_precision(ex_ctx *x, parity_error *err) {
    static const parity_dtype dts[3] = {PARITY_DT_F32, PARITY_DT_F16, PARITY_DT_BF16};
    int wide = x->r->dtype == PARITY_DT_F64 || x->p->dtype == PARITY_DT_F64;
    for (int i = wide ? 0 : 1; i < 3; i++) {
        ex_cand c = {0};
        c.h.kind = PARITY_HYP_PRECISION;
        c.h.complexity = 1 + i;
        c.a = (double)dts[i];
        c.b = ex_ulp(dts[i], x->rms_r);
        c.h.params[0] = (double)dts[i];
        snprintf(c.h.text, sizeof c.h.text, "precision only (within %s rounding)",
                 i == 0 ? "f32" : i == 1 ? "f16" : "bf16");
        TRY(ex_add(x, &c, err));
    }
    return PARITY_OK;
}

static parity_status add_offset(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_OFFSET;
    c.h.complexity = 2;
    c.b = f->sd / (double)f->n;
    double db = c.b * parity_domain_db_per_unit(x->o.domain);
    c.h.params[0] = c.b, c.h.params[1] = db;
    if (x->o.domain == PARITY_DOMAIN_LINEAR)
        snprintf(c.h.text, sizeof c.h.text, "constant offset %+.4g", c.b);
    else
        snprintf(c.h.text, sizeof c.h.text, "constant offset %+.4g (%+.4g dB %s)", c.b, db,
                 parity_domain_name(x->o.domain));
    return ex_add(x, &c, err);
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
    c.h.complexity = flip ? 1 : 2;
    if (flip) snprintf(c.h.text, sizeof c.h.text, "sign flip (scale %.4g)", c.a);
    else snprintf(c.h.text, sizeof c.h.text, "scale %s", ex_scale_name(c.a, nm, sizeof nm));
    return ex_add(x, &c, err);
}

static parity_status add_affine(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    double n = (double)f->n, mr = f->sr / n, mp = f->sp / n;
    double var = f->srr / n - mr * mr, cov = f->srp / n - mr * mp;
    if (!(var > 0)) return PARITY_OK;
    ex_cand c = {0};
    char nm[64];
    c.h.kind = PARITY_HYP_AFFINE;
    c.h.complexity = 3;
    c.a = cov / var;
    c.b = mp - c.a * mr;
    c.h.params[0] = c.a, c.h.params[1] = c.b;
    snprintf(c.h.text, sizeof c.h.text, "affine: p = a*r + b, a = %s, b = %.4g",
             ex_scale_name(c.a, nm, sizeof nm), c.b);
    return ex_add(x, &c, err);
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
    c.h.complexity = 3;
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
    return ex_add(x, &c, err);
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
    c.h.complexity = 1;
    c.measured = 1;
    c.h.params[0] = (double)f->nf_port_only, c.h.params[1] = (double)f->nf_first;
    snprintf(c.h.text, sizeof c.h.text,
             "non-finite values appear: %llu NaN/Inf where ref is finite (first at [%s])",
             (unsigned long long)f->nf_port_only, pos);
    return ex_add(x, &c, err);
}

parity_status ex_global_candidates(ex_ctx *x, parity_error *err) {
    TRY(add_nonfinite(x, err));
    if (x->f.n == 0 || x->f.sdd == 0) return PARITY_OK;
    TRY(add_precision(x, err));
    TRY(add_offset(x, err));
    TRY(add_scale(x, err));
    TRY(add_affine(x, err));
    return add_clamp(x, err);
}
