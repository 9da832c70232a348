/*
 * explain_op_rope.c — the operation family, rotary position embeddings
 * (explain_op.h). The last axis holds d/2 pairs, each rotated by an angle
 * (t + offset)·θ^(−2i/d), t the index along the position axis (the
 * second- or third-to-last). Pairs are (2i, 2i+1) (interleaved, GPT-J) or
 * (i, i + d/2) (half-split, GPT-NeoX, Llama in Hugging Face).
 *
 * For each side and each pairing, the angle of pair i at position t is
 *   φ(t, i) = atan2(Σ x_a·y_b − x_b·y_a, Σ x_a·y_a + x_b·y_b)
 * summed over the other axes (heads, batch). Unwrapped along t, a line
 * fit gives the frequency ω_i and intercept; θ from ln ω_i = −(2i/d)·ln θ
 * over the pairs whose angle moves enough to measure; the offset from the
 * intercepts, lowest frequency first (no wrap), refined by the higher
 * ones. The fitted rotation must reproduce y within EX_OP_TOL; the port's
 * is then measured over every row.
 */
#include "analysis/explain_op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROPE_MAX_CELLS 65536 /* positions × pairs accumulated              */
#define ROPE_READ (1u << 22) /* values per tensor read for the angles      */

typedef struct rope_fit {
    int cv;              /* 0 interleaved, 1 half-split; −1 none           */
    double theta, off, e;
} rope_fit;

static void pair_idx(int cv, int64_t d, int64_t i, int64_t *a, int64_t *b) {
    if (cv == 0) *a = 2 * i, *b = 2 * i + 1;
    else *a = i, *b = i + d / 2;
}

/* y of one row at position t under a fit (into out[d]). */
static void rope_row(const rope_fit *f, const double *xv, int64_t d, int64_t t, double *out) {
    for (int64_t i = 0; i < d / 2; i++) {
        int64_t a, b;
        pair_idx(f->cv, d, i, &a, &b);
        double ang = ((double)t + f->off) * pow(f->theta, -2.0 * (double)i / (double)d);
        double c = cos(ang), s = sin(ang);
        out[a] = xv[a] * c - xv[b] * s;
        out[b] = xv[a] * s + xv[b] * c;
    }
}

typedef struct rope_acc {
    int64_t d, T;
    int pa;
    double *cs;          /* [side 2][cv 2][T][d/2][2]: Σcross, Σdot         */
    double norm[2][2];   /* [side]: Σ|x|², Σ|y|²                            */
} rope_acc;

static double *cell(const rope_acc *A, int side, int cv, int64_t t, int64_t i) {
    return A->cs + ((((size_t)side * 2 + (size_t)cv) * (size_t)A->T + (size_t)t) * (size_t)(A->d / 2) +
                    (size_t)i) * 2;
}

static void acc_row(rope_acc *A, int side, const double *xv, const double *yv, int64_t t) {
    for (int cv = 0; cv < 2; cv++)
        for (int64_t i = 0; i < A->d / 2; i++) {
            int64_t a, b;
            pair_idx(cv, A->d, i, &a, &b);
            double *c = cell(A, side, cv, t, i);
            c[0] += xv[a] * yv[b] - xv[b] * yv[a];
            c[1] += xv[a] * yv[a] + xv[b] * yv[b];
        }
    for (int64_t i = 0; i < A->d; i++) A->norm[side][0] += xv[i] * xv[i], A->norm[side][1] += yv[i] * yv[i];
}

static int64_t pos_of(const parity_tensor *t, int pa, uint64_t base) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, base, idx);
    return idx[pa];
}

/* Σ over rows (all, or units spread up to ROPE_READ values). */
static parity_status accumulate(const ex_ctx *x, rope_acc *A, parity_error *err) {
    const parity_tensor *t[4] = {x->xr, x->xp, x->r, x->p};
    ex_slab sl;
    int ok;
    TRY(parity__ex_slab_open(&sl, t, 4, x->r->ndim - 1, 16384, &ok, err));
    if (!ok) return PARITY_OK;
    uint64_t per = sl.w * (uint64_t)sl.len, nu = ROPE_READ / per;
    nu = nu < 1 ? 1 : nu > sl.units ? sl.units : nu;
    for (uint64_t j = 0; j < nu; j++) {
        parity__ex_slab_read(&sl, j * sl.units / nu);
        for (uint64_t l = 0; l < sl.nl; l++) {
            const double *v[4];
            int fin = 1;
            for (int k = 0; k < 4; k++) v[k] = sl.v[k] + l * (uint64_t)A->d;
            for (int64_t i = 0; i < A->d; i++)
                fin &= isfinite(v[0][i]) && isfinite(v[1][i]) && isfinite(v[2][i]) && isfinite(v[3][i]);
            if (!fin) continue;
            int64_t tp = pos_of(x->r, A->pa, sl.base[l]);
            acc_row(A, 0, v[0], v[2], tp);
            acc_row(A, 1, v[1], v[3], tp);
        }
    }
    parity__ex_slab_free(&sl);
    return PARITY_OK;
}

/* ω_i and intercept of the unwrapped angle of pair i along t. */
static void line_fit(const rope_acc *A, int side, int cv, int64_t i, double *w, double *b) {
    double prev = 0, un = 0, st = 0, sp = 0, stt = 0, stp = 0, n = (double)A->T;
    for (int64_t t = 0; t < A->T; t++) {
        const double *c = cell(A, side, cv, t, i);
        double ph = atan2(c[0], c[1]);
        if (t == 0) un = ph;
        else {
            double dd = ph - prev;
            dd -= 2 * M_PI * round(dd / (2 * M_PI));
            un += dd;
        }
        prev = ph;
        st += (double)t, sp += un, stt += (double)t * (double)t, stp += (double)t * un;
    }
    double den = stt - st * st / n;
    *w = den > 0 ? (stp - st * sp / n) / den : 0;
    *b = (sp - *w * st) / n;
}

static void fit_one(const rope_acc *A, int side, int cv, rope_fit *f, double *w, double *b) {
    int64_t h = A->d / 2;
    double num = 0, den = 0;
    f->cv = -1;
    for (int64_t i = 0; i < h; i++) line_fit(A, side, cv, i, &w[i], &b[i]);
    for (int64_t i = 1; i < h; i++) {
        if (!(w[i] > 0) || w[i] * (double)(A->T - 1) < 0.05) continue;
        double u = 2.0 * (double)i / (double)A->d;
        num += -u * log(w[i]), den += u * u;
    }
    if (!(den > 0) || fabs(w[0] - 1) > 0.05) return;
    f->theta = exp(num / den);
    double off = NAN;
    for (int64_t i = h - 1; i >= 0; i--) { /* lowest frequency first */
        if (!(w[i] >= 1e-3)) continue;
        if (isnan(off)) off = b[i] / w[i];
        else off = (b[i] + 2 * M_PI * round((w[i] * off - b[i]) / (2 * M_PI))) / w[i];
    }
    if (isnan(off)) return;
    f->off = (fabs(off - round(off)) < 0.05 ? round(off) : off) + 0.0; /* never -0 */
    f->cv = cv;
}

/* Σ(y − rope(x))² and Σy² over the rows read (side 0: r, 1: p). */
static parity_status rope_sq(const ex_ctx *x, int pa, const rope_fit *f, int side, uint64_t limit,
                             double *sq, double *yy, parity_error *err) {
    const parity_tensor *t[2] = {side ? x->xp : x->xr, side ? x->p : x->r};
    ex_slab sl;
    int ok;
    *sq = *yy = 0;
    TRY(parity__ex_slab_open(&sl, t, 2, x->r->ndim - 1, 16384, &ok, err));
    if (!ok) return *sq = INFINITY, PARITY_OK;
    int64_t d = sl.len;
    double *out = malloc((size_t)d * sizeof *out);
    if (!out) parity__ex_slab_free(&sl);
    FAIL_IF(!out, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    uint64_t per = sl.w * (uint64_t)d, nu = limit / per;
    nu = nu < 1 ? 1 : nu > sl.units ? sl.units : nu;
    for (uint64_t j = 0; j < nu; j++) {
        parity__ex_slab_read(&sl, j * sl.units / nu);
        for (uint64_t l = 0; l < sl.nl; l++) {
            const double *xv = sl.v[0] + l * (uint64_t)d, *yv = sl.v[1] + l * (uint64_t)d;
            rope_row(f, xv, d, pos_of(x->r, pa, sl.base[l]), out);
            for (int64_t i = 0; i < d; i++)
                if (isfinite(yv[i]) && isfinite(out[i]))
                    *sq += (yv[i] - out[i]) * (yv[i] - out[i]), *yy += yv[i] * yv[i];
        }
    }
    free(out);
    parity__ex_slab_free(&sl);
    return PARITY_OK;
}

/* The better pairing for one side, checked on the rows it was fitted on. */
static parity_status fit_side(const ex_ctx *x, const rope_acc *A, int side, rope_fit *f,
                              double *w, double *b, parity_error *err) {
    f->cv = -1, f->e = INFINITY;
    double ratio = A->norm[side][0] > 0 ? A->norm[side][1] / A->norm[side][0] : 0;
    if (fabs(ratio - 1) > 0.01) return PARITY_OK; /* a rotation keeps the norm */
    for (int cv = 0; cv < 2; cv++) {
        rope_fit g;
        fit_one(A, side, cv, &g, w, b);
        if (g.cv < 0) continue;
        double sq, yy;
        TRY(rope_sq(x, A->pa, &g, side, ROPE_READ, &sq, &yy, err));
        g.e = yy > 0 ? sqrt(sq / yy) : INFINITY;
        if (g.e < f->e) *f = g;
    }
    if (!(f->e <= x->op_tol)) f->cv = -1;
    return PARITY_OK;
}

static void words(const rope_fit *r, const rope_fit *p, char *text, size_t cap) {
    static const char *pairs[2] = {"interleaved pairs (2i, 2i+1)", "half-split pairs (i, i+d/2)"};
    size_t at = (size_t)snprintf(text, cap, "RoPE:"), start = at;
    if (r->cv != p->cv)
        at += (size_t)snprintf(text + at, cap - at, " ref %s, port %s", pairs[r->cv], pairs[p->cv]);
    if (fabs(r->theta / p->theta - 1) > 0.01 && at < cap)
        at += (size_t)snprintf(text + at, cap - at, "%s base theta ref %.4g, port %.4g",
                               at > start ? ";" : "", r->theta, p->theta);
    if (fabs(r->off - p->off) > 0.05 && at < cap)
        at += (size_t)snprintf(text + at, cap - at, "%s position offset ref %.4g, port %.4g",
                               at > start ? ";" : "", r->off, p->off);
    if (at == start) text[0] = 0;
}

static parity_status try_axis(ex_ctx *x, int pa, parity_error *err) {
    rope_acc A = {.d = x->r->shape[x->r->ndim - 1], .T = x->r->shape[pa], .pa = pa};
    size_t cells = (size_t)(A.T * (A.d / 2));
    A.cs = calloc(cells * 8, sizeof *A.cs);
    double *wb = malloc((size_t)A.d * sizeof *wb);
    if (!A.cs || !wb) free(A.cs), free(wb);
    FAIL_IF(!A.cs || !wb, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    parity_status st = accumulate(x, &A, err);
    rope_fit fr, fp;
    if (st == PARITY_OK) st = fit_side(x, &A, 0, &fr, wb, wb + A.d / 2, err);
    if (st == PARITY_OK) st = fit_side(x, &A, 1, &fp, wb, wb + A.d / 2, err);
    free(A.cs), free(wb);
    TRY(st);
    if (fr.cv < 0 || fp.cv < 0) return PARITY_OK;
    char text[256];
    words(&fr, &fp, text, sizeof text);
    if (!text[0]) return PARITY_OK;
    double sq_r, sq_p, yr, yp;
    TRY(rope_sq(x, pa, &fr, 0, UINT64_MAX, &sq_r, &yr, err));
    TRY(rope_sq(x, pa, &fp, 1, UINT64_MAX, &sq_p, &yp, err));
    if (!(sq_r <= 4 * x->op_tol * x->op_tol * yr)) return PARITY_OK;
    double pr[8] = {PARITY_OP_ROPE, pa, fr.theta, fp.theta, fr.cv, fp.cv, fr.off, fp.off};
    return parity__ex_add_measured(x, PARITY_HYP_OP, sq_p, text, pr, err);
}

parity_status parity__ex_op_rope(ex_ctx *x, parity_error *err) {
    int nd = x->r->ndim;
    if (nd < 2) return PARITY_OK;
    int64_t d = x->r->shape[nd - 1];
    if (d < 4 || d % 2 || d > 4096) return PARITY_OK;
    for (int pa = nd - 2; pa >= 0 && pa >= nd - 3; pa--) {
        int64_t T = x->r->shape[pa];
        if (T < 4 || (uint64_t)T * (uint64_t)(d / 2) > ROPE_MAX_CELLS) continue;
        size_t before = x->nc;
        TRY(try_axis(x, pa, err));
        if (x->nc > before) break;
    }
    return PARITY_OK;
}
