/*
 * explain_op.c — the operation family, elementwise part (explain_op.h):
 *
 *   activation  y = f(x) for f in identity, ReLU, leaky ReLU (slope α
 *               fitted over x < 0: α = Σxy/Σx²), SiLU, GELU (erf), GELU
 *               (tanh approximation), quick-GELU x·σ(1.702x), sigmoid,
 *               tanh, softplus, Mish, ELU
 *   scale       y = s·x, s = Σxy/Σx² (an attention scale 1/√d, 1/d, none)
 *   residual    p = r + c·x_port, c = Σ(p − r)·x / Σx² (closed form, every
 *               element): c ≈ −1 a residual missing, +1 added twice
 *
 * Each side's op is fitted on a strided sample of EX_OP_SAMPLE positions
 * (fewer when max_sample is smaller):
 * the best kind by relative residual e = ‖y − f(x)‖/‖y‖ (the simpler one
 * within 10%), identified when e ≤ EX_OP_TOL (1e-2 when the port's values are
 * bf16 values: its rounding alone leaves 4e-3). A pair is named when the two
 * sides' ops differ and each side's op fits the other side EX_OP_APART
 * times worse (so ReLU against leaky ReLU on positive inputs is no
 * finding). One streaming pass then measures the port's op over every
 * element, checks the reference's, sums the residual fit and how far the
 * inputs differ. Row operations and RoPE: explain_op_rows.c,
 * explain_op_rope.c.
 */
#include "analysis/explain_op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A_IDENT, A_SCALE, A_RELU, A_LEAKY, A_SILU, A_GELU_ERF, A_GELU_TANH, A_QUICK,
       A_SIGMOID, A_TANH, A_SOFTPLUS, A_MISH, A_ELU, A_COUNT };

static const char *const act_name[A_COUNT] = {
    "identity", "scale", "ReLU", "leaky ReLU", "SiLU", "GELU (erf)",
    "GELU (tanh approximation)", "quick-GELU", "sigmoid", "tanh", "softplus", "Mish", "ELU"};

static double softplus(double v) { return v > 30 ? v : log1p(exp(v)); }

static double act(int k, double a, double v) {
    switch (k) {
    case A_IDENT: return v;
    case A_SCALE: return a * v;
    case A_RELU: return v > 0 ? v : 0;
    case A_LEAKY: return v > 0 ? v : a * v;
    case A_SILU: return v / (1 + exp(-v));
    case A_GELU_ERF: return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    case A_GELU_TANH:
        return 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    case A_QUICK: return v / (1 + exp(-1.702 * v));
    case A_SIGMOID: return 1 / (1 + exp(-v));
    case A_TANH: return tanh(v);
    case A_SOFTPLUS: return softplus(v);
    case A_MISH: return v * tanh(softplus(v));
    default: return v > 0 ? v : expm1(v);
    }
}

typedef struct act_fit {
    int kind;           /* −1: not identified                              */
    double a;           /* slope or scale                                   */
    double e;           /* relative residual of kind on the sample          */
    double ek[A_COUNT], ak[A_COUNT];
} act_fit;

/* e of kind k with parameter a over the sample. */
static double act_err(const double *xs, const double *ys, size_t n, int k, double a) {
    double s = 0, yy = 0;
    for (size_t i = 0; i < n; i++) {
        double e = ys[i] - act(k, a, xs[i]);
        s += e * e, yy += ys[i] * ys[i];
    }
    return yy > 0 ? sqrt(s / yy) : (s > 0 ? INFINITY : 0);
}

static void fit_side(const double *xs, const double *ys, size_t n, double tol, act_fit *f) {
    double sxy = 0, sxx = 0, nxy = 0, nxx = 0;
    size_t neg = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += xs[i] * ys[i], sxx += xs[i] * xs[i];
        if (xs[i] < 0) nxy += xs[i] * ys[i], nxx += xs[i] * xs[i], neg++;
    }
    f->kind = -1, f->e = INFINITY;
    for (int k = 0; k < A_COUNT; k++) {
        double a = k == A_SCALE ? (sxx > 0 ? sxy / sxx : 1) : k == A_LEAKY ? (nxx > 0 ? nxy / nxx : 0) : 0;
        f->ak[k] = a;
        f->ek[k] = act_err(xs, ys, n, k, a);
        if (k == A_LEAKY && (neg < 8 || !(a > 1e-4 && a < 1))) f->ek[k] = INFINITY;
        if (k == A_SCALE && !(fabs(a) > 0)) f->ek[k] = INFINITY;
        /* the simplest within 10% (identity before a scale of 1) */
        if (f->ek[k] < 0.9 * f->e || (f->kind < 0 && f->ek[k] < INFINITY))
            f->kind = k, f->e = f->ek[k], f->a = a;
    }
    if (!(f->e <= tol)) f->kind = -1;
}

/* The words of one side's op ("SiLU", "leaky ReLU slope 0.1", "0.125 = 1/sqrt(64)"). */
static void act_words(const act_fit *f, int as_scale, char *buf, size_t cap) {
    char nm[64];
    if (as_scale) {
        double s = f->kind == A_IDENT ? 1.0 : f->a;
        snprintf(buf, cap, "%s%s", parity__ex_scale_name(s, nm, sizeof nm),
                 f->kind == A_IDENT ? " (none)" : "");
    } else if (f->kind == A_LEAKY)
        snprintf(buf, cap, "leaky ReLU slope %.3g", f->a);
    else
        snprintf(buf, cap, "%s", act_name[f->kind]);
}

/* The two sides' ops differ, and each fits the other side clearly worse. */
static int acts_differ(const act_fit *r, const act_fit *p) {
    if (r->kind < 0 || p->kind < 0) return 0;
    int scales = (r->kind == A_IDENT || r->kind == A_SCALE) && (p->kind == A_IDENT || p->kind == A_SCALE);
    if (scales) {
        double sr = r->kind == A_IDENT ? 1 : r->a, sp = p->kind == A_IDENT ? 1 : p->a;
        return fabs(sr / sp - 1) > 1e-3;
    }
    if (r->kind == p->kind)
        return r->kind == A_LEAKY && fabs(r->a / p->a - 1) > 0.02;
    double floor_e = 1e-6;
    return p->ek[r->kind] >= EX_OP_APART * fmax(p->e, floor_e) &&
           r->ek[p->kind] >= EX_OP_APART * fmax(r->e, floor_e);
}

/* Strided sample of the finite quadruples (x_ref, x_port, r, p). */
static size_t sample4(const ex_ctx *x, double *xr, double *xp, double *rs, double *ps) {
    uint64_t cap = parity__ex_cap(x), count = x->r->count, step = count / cap + 1;
    size_t n = 0;
    for (uint64_t i = 0; i < count && n < cap; i += step) {
        double v[4];
        v[0] = parity__ex_read_at(x, x->xr, i);
        v[1] = parity__ex_read_at(x, x->xp, i);
        v[2] = parity__ex_r_at(x, i);
        v[3] = parity__ex_p_at(x, i);
        if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) || !isfinite(v[3])) continue;
        xr[n] = v[0], xp[n] = v[1], rs[n] = v[2], ps[n++] = v[3];
    }
    return n;
}

typedef struct op_pass {
    const act_fit *fr, *fp; /* NULL: no activation pair to measure         */
    double sq_p, sq_r;      /* Σ(p − g(x_p))², Σ(r − f(x_r))²               */
    double sdx, sxx, sdd;   /* Σ(p − r)·x_p, Σx_p², Σ(p − r)²                */
} op_pass;

/* Every element: the activation pair, the residual sums, the inputs. */
static void full_pass(ex_ctx *x, op_pass *o) {
    enum { M = 1024 };
    double b[4][M];
    uint64_t count = x->r->count, done = 0;
    const parity_tensor *t[4] = {x->xr, x->xp, x->r, x->p};
    for (uint64_t at = 0; at < count; at += M) {
        parity__ex_release(t, 4, &done, at, 0);
        size_t m = count - at < M ? (size_t)(count - at) : M;
        parity_tensor_read(x->xr, at, m, b[0]);
        parity_tensor_read(x->xp, at, m, b[1]);
        parity_tensor_read(x->r, at, m, b[2]);
        parity_tensor_read(x->p, at, m, b[3]);
        for (size_t i = 0; i < m; i++) {
            double xr = b[0][i], xp = b[1][i], r = b[2][i], p = b[3][i];
            if (!isfinite(xr) || !isfinite(xp)) continue;
            x->in_sdd += (xp - xr) * (xp - xr), x->in_srr += xr * xr;
            if (!isfinite(r) || !isfinite(p)) continue;
            double d = p - r;
            o->sdx += d * xp, o->sxx += xp * xp, o->sdd += d * d;
            if (!o->fr) continue;
            double ep = p - act(o->fp->kind, o->fp->a, xp), er = r - act(o->fr->kind, o->fr->a, xr);
            o->sq_p += ep * ep, o->sq_r += er * er;
        }
    }
    parity__ex_release(t, 4, &done, count, 1);
    x->in_measured = 1;
}

static parity_status offer_act(ex_ctx *x, const act_fit *fr, const act_fit *fp, const op_pass *o,
                               parity_error *err) {
    /* the reference's op must hold over every element too */
    if (!(o->sq_r <= x->op_tol * x->op_tol * x->f.srr)) return PARITY_OK;
    int scales = (fr->kind == A_IDENT || fr->kind == A_SCALE) && (fp->kind == A_IDENT || fp->kind == A_SCALE);
    char wr[96], wp[96], text[256];
    act_words(fr, scales, wr, sizeof wr);
    act_words(fp, scales, wp, sizeof wp);
    snprintf(text, sizeof text, "%s of the input: ref %s, port %s", scales ? "scale" : "activation",
             wr, wp);
    double pr[8] = {scales ? PARITY_OP_SCALE : PARITY_OP_ACTIVATION, -1,
                    scales ? (fr->kind == A_IDENT ? 1 : fr->a) : fr->a,
                    scales ? (fp->kind == A_IDENT ? 1 : fp->a) : fp->a, fr->kind, fp->kind, 0, 0};
    return parity__ex_add_measured(x, PARITY_HYP_OP, o->sq_p, text, pr, err);
}

/* p = r + c·x with c = ±1 (within 2%). */
static parity_status offer_residual(ex_ctx *x, const op_pass *o, parity_error *err) {
    if (!(o->sxx > 0)) return PARITY_OK;
    double c = o->sdx / o->sxx;
    if (fabs(fabs(c) - 1) > 0.02) return PARITY_OK;
    double sq = fmax(0.0, o->sdd - c * o->sdx);
    char text[256];
    snprintf(text, sizeof text,
             c > 0 ? "residual added twice: p = r + c*input, c = %.4g (the skip connection "
                     "is added again)"
                   : "residual missing: p = r + c*input, c = %.4g (the skip connection is "
                     "not added)",
             c);
    double pr[8] = {c};
    return parity__ex_add_measured(x, PARITY_HYP_RESIDUAL, sq, text, pr, err);
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim || a->count != b->count) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

static parity_status elementwise(ex_ctx *x, parity_error *err) {
    size_t cap = (size_t)parity__ex_cap(x);
    double *buf = calloc(4 * cap, sizeof *buf);
    FAIL_IF(!buf, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    double *xr = buf, *xp = buf + cap, *rs = xp + cap, *ps = rs + cap;
    size_t n = sample4(x, xr, xp, rs, ps);
    act_fit fr, fp;
    fit_side(xr, rs, n, x->op_tol, &fr);
    fit_side(xp, ps, n, x->op_tol, &fp);
    free(buf);
    op_pass o = {0};
    int pair = n >= 16 && acts_differ(&fr, &fp);
    if (pair) o.fr = &fr, o.fp = &fp;
    full_pass(x, &o);
    if (pair) TRY(offer_act(x, &fr, &fp, &o, err));
    return offer_residual(x, &o, err);
}

parity_status parity__ex_op_candidates(ex_ctx *x, parity_error *err) {
    if (!x->xr || !x->xp || !same_shape(x->xr, x->r) || !same_shape(x->xp, x->r)) return PARITY_OK;
    if (x->f.n == 0) return PARITY_OK;
    x->op_tol = x->involved == PARITY_DT_BF16 ? EX_OP_TOL_BF16 : EX_OP_TOL;
    if (x->f.sdd > 0) TRY(elementwise(x, err));
    TRY(parity__ex_op_rows(x, err));
    return parity__ex_op_rope(x, err);
}
