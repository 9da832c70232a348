/*
 * explain_rank.c — from measured candidates to the ranked list.
 *
 * A candidate is listed when it is credible and explains at least half:
 *   - better than "p is unrelated to r": Σ(p − T(r))² ≤ ½·Σ(p − mean p)².
 *     A port independent of the reference with the same distribution (an
 *     RNG mismatch, weights never loaded) has Σd² ≈ 2·Σ(p − mean p)², so
 *     T(r) = mean p alone "explains" half of it, and a scale of 0.005 a
 *     hair more; neither says anything about r.
 *   - per-index fits exact within most of their indices (explain_axis.c);
 *   - precision only when ≥ 99.9% of the pairs lie inside the rounding
 *     band, no smooth map explains half (rounding noise is not a function
 *     of r), and only the narrowest such dtype.
 * Ranking: by Σ(p − T(r))² (for precision the part outside the band),
 * per degree of freedom for the fits of a parameter per index, line or
 * value bin (key_sq); among those within 10% of the best residual, or
 * within float32 noise of the port (residual ≤ 1e-5·max(1, ‖p‖/‖r‖)), the
 * lowest complexity first. The best global fit that explains nearly as
 * much as the first is never cut from the list (keep_global).
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EX_IN_BAND 0.999 /* precision: share of pairs inside the band      */
#define EX_BASELINE 0.5  /* Σ(p − T(r))² at most this share of Σ(p − p̄)²   */
#define EX_WEAK 0.05     /* a closest miss below this says nothing         */

/* The sort key: what the hypothesis leaves unexplained. */
static int nonfinite_kind(const ex_cand *c) {
    return c->h.kind == PARITY_HYP_NONFINITE || c->h.kind == PARITY_HYP_ONE_SIDED || c->nf_explains;
}

/* The parameters a fit takes per index, line or value bin: a_i (and b_i)
 * per index of an axis, a scale per line, the knots of f(r). The global
 * fits' one or two are not counted: what they absorb is negligible. */
static double fitted_params(const ex_cand *c) {
    switch (c->h.kind) {
    case PARITY_HYP_AXIS_OFFSET:
    case PARITY_HYP_AXIS_SCALE: return (double)c->len;
    case PARITY_HYP_AXIS_AFFINE: return 2.0 * (double)c->len;
    case PARITY_HYP_ROW_SCALE: return c->h.params[3];
    case PARITY_HYP_VALUE_DEPENDENT: return (double)c->nk;
    default: return 0;
    }
}

/* Each of k fitted parameters absorbs about σ² of noise (rounding, or
 * error inherited from upstream) whether or not the model is right:
 * under noise alone E Σ(p − T(r))² = (n − k)·σ². The key is that residual
 * per degree of freedom, scaled back to n, Σ(p − T(r))²·n/(n − k), so a
 * per-row scale must beat the global one by more than its 2500 scales
 * soak up of f16 noise before it ranks above it; when the per-row fit is
 * real (a norm's eps) its residual is far below and it still wins. */
static double key_sq(const ex_ctx *x, const ex_cand *c) {
    if (nonfinite_kind(c)) return x->f.sdd;
    double n = (double)x->f.n, k = fitted_params(c);
    if (k <= 0 || c->sq == 0) return c->sq;
    return k < n ? c->sq * n / (n - k) : INFINITY;
}

/* explained and residual of one measured candidate. */
static void finish(const ex_ctx *x, ex_cand *c) {
    const ex_fit *f = &x->f;
    double norm_r = sqrt(f->srr) > 0 ? sqrt(f->srr) : 1.0;
    c->h.hint = parity__ex_kinds[c->h.kind].hint;
    if (nonfinite_kind(c)) {
        /* The NaN/Inf positions are the difference; finite pairs that
         * differ beyond 1e-4·rms, and the other side's non-finite ones,
         * are what it leaves unexplained. */
        int port = c->h.kind != PARITY_HYP_ONE_SIDED;
        double nf = (double)(port ? f->nf_port_only : f->nf_ref_only);
        double other = (double)(port ? f->nf_ref_only : f->nf_port_only);
        c->h.explained = nf / (nf + other + (double)x->n_big);
        c->h.residual_rel = sqrt(f->sdd) / norm_r;
        c->h.partial = c->h.explained < 0.9;
        return;
    }
    if (c->h.kind == PARITY_HYP_DIAGONAL && c->h.params[2] > 0) {
        /* one-sided pairs on the band, and what is left of the finite
         * difference, against every one-sided pair and differing pair */
        double nf = c->h.params[2], all = (double)(f->nf_port_only + f->nf_ref_only);
        double fin = f->sdd > 0 ? (1.0 - c->sq / f->sdd) : 1.0;
        c->h.explained = (nf + fin * (double)x->n_big) / (all + (double)x->n_big);
        c->h.residual_rel = sqrt(c->sq) / norm_r;
        c->h.partial = c->h.explained < 0.9;
        return;
    }
    c->h.explained = f->sdd > 0 ? 1.0 - c->sq / f->sdd : 0.0;
    c->h.residual_rel = sqrt(c->sq) / norm_r;
    if (c->h.kind == PARITY_HYP_PRECISION) {
        c->h.residual_rel = sqrt(f->sdd) / norm_r;
        c->h.params[1] = f->n ? (double)c->n_in / (double)f->n : 0.0;
    }
    if (c->h.kind == PARITY_HYP_VALUE_DEPENDENT) parity__ex_value_describe(c);
    if (c->sq_i) parity__ex_axis_judge(x, c);
    c->h.partial = c->h.explained < 0.9;
}

/* Rounding noise is not a smooth function of r: when an offset, a scale,
 * an affine map or a value-dependent curve explains half the difference,
 * the difference is structure, even if it fits inside a rounding band
 * (tanh-GELU against erf-GELU stays within f16's half-ULP). */
static int smooth_explains(const ex_ctx *x) {
    for (size_t i = 0; i < x->nc; i++) {
        parity_hyp_kind k = x->c[i].h.kind;
        int smooth = k == PARITY_HYP_OFFSET || k == PARITY_HYP_SCALE ||
                     k == PARITY_HYP_AFFINE || k == PARITY_HYP_VALUE_DEPENDENT;
        if (smooth && x->c[i].h.explained >= 0.5 && x->c[i].sq <= EX_BASELINE * x->base_sq)
            return 1;
    }
    return 0;
}

/* The narrowest rounding (f32, f16, bf16 were added in that order) whose
 * band holds EX_IN_BAND of the pairs; NULL when none does. */
static const ex_cand *tightest_precision(const ex_ctx *x) {
    for (size_t i = 0; i < x->nc; i++) {
        const ex_cand *c = &x->c[i];
        if (c->h.kind == PARITY_HYP_PRECISION && (double)c->n_in >= EX_IN_BAND * (double)x->f.n)
            return c;
    }
    return NULL;
}

/* Credible: every gate but "explains at least half". */
static int credible(const ex_ctx *x, const ex_cand *c, int smooth, const ex_cand *prec) {
    parity_hyp_kind k = c->h.kind;
    if (!isfinite(c->h.explained) || !isfinite(c->h.residual_rel) || c->partial) return 0;
    if (nonfinite_kind(c)) return 1;
    if (k == PARITY_HYP_DIAGONAL && c->h.params[2] > 0) return c->h.explained >= 0.5;
    /* one-sided non-finite pairs are a finding of their own: rounding
     * never explains them */
    if (k == PARITY_HYP_PRECISION &&
        (smooth || c != prec || x->f.nf_ref_only + x->f.nf_port_only > 0))
        return 0;
    /* A constant port: only "p = r + b" of a constant r says more. */
    if (x->base_sq <= 0) return k == PARITY_HYP_OFFSET && c->sq == 0;
    return c->sq <= EX_BASELINE * x->base_sq;
}

typedef struct ranked {
    ex_cand *c;
    double key;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->c->h.complexity != y->c->h.complexity)
        return x->c->h.complexity - y->c->h.complexity;
    return (int)x->c->h.kind - (int)y->c->h.kind;
}

/* Sorted by key: the prefix within 10% of the best residual (or within
 * float32 noise, residual ≤ floor·‖r‖) is reordered by complexity, stably. */
static void rank(ranked *v, size_t n, double floor_sq) {
    qsort(v, n, sizeof *v, cmp_ranked);
    size_t g = 0;
    while (g < n && (v[g].key <= 1.21 * v[0].key || v[g].key <= floor_sq)) g++;
    for (size_t i = 1; i < g; i++) {
        ranked t = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1].c->h.complexity > t.c->h.complexity; j--) v[j] = v[j - 1];
        v[j] = t;
    }
}

/* Copy the hypothesis out, handing its arrays over to the result. */
static parity_hypothesis take(ex_cand *c) {
    parity_hypothesis h = c->h;
    parity_hyp_kind k = h.kind;
    if (k == PARITY_HYP_AXIS_OFFSET || k == PARITY_HYP_AXIS_SCALE || k == PARITY_HYP_AXIS_AFFINE) {
        h.n_index = c->len, h.index_a = c->va, h.index_b = c->vb;
        c->va = c->vb = NULL;
    } else if (k == PARITY_HYP_ROW_PERMUTATION) {
        h.n_index = c->len, h.perm = c->perm;
        c->perm = NULL;
    }
    return h;
}

static int same_text(const parity_hypothesis *h, size_t n, const char *text) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].text, text) == 0) return 1;
    return 0;
}

static int global_kind(parity_hyp_kind k) {
    return k == PARITY_HYP_OFFSET || k == PARITY_HYP_SCALE || k == PARITY_HYP_SIGN_FLIP ||
           k == PARITY_HYP_AFFINE;
}

/* The simplest global fit (offset, scale, affine) that explains nearly as
 * much as the first (within 1% of the difference) is listed even when more
 * than max hypotheses rank above it: fits of many parameters, or a richer
 * global one, must not push the simple answer out of sight. It takes the
 * last place shown. */
static void keep_global(ranked *v, size_t n, size_t max) {
    size_t g = n;
    for (size_t i = 0; i < n; i++) {
        const parity_hypothesis *h = &v[i].c->h;
        if (!global_kind(h->kind) || h->explained < v[0].c->h.explained - 0.01) continue;
        if (g == n || h->complexity < v[g].c->h.complexity) g = i;
    }
    if (max == 0 || g >= n || g < max) return;
    ranked t = v[g];
    memmove(v + max, v + max - 1, (g - (max - 1)) * sizeof *v);
    v[max - 1] = t;
}

/* Measure, gate, rank, keep those explaining at least half. */
parity_status parity__ex_conclude(ex_ctx *x, parity_explain_result *out, parity_error *err) {
    size_t cap = x->nc ? x->nc : 1;
    parity_hypothesis *all = calloc(cap, sizeof *all);
    ranked *v = calloc(cap, sizeof *v);
    if (!all || !v) free(all), free(v);
    FAIL_IF(!all || !v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: explain: out of memory",
            x->r->name);
    for (size_t i = 0; i < x->nc; i++) finish(x, &x->c[i]);
    int smooth = smooth_explains(x);
    const ex_cand *prec = tightest_precision(x);
    size_t n = 0;
    ex_cand *weak = NULL;
    for (size_t i = 0; i < x->nc; i++) {
        ex_cand *c = &x->c[i];
        if (!credible(x, c, smooth, prec)) continue;
        if (c->h.explained >= 0.5) v[n].c = c, v[n++].key = key_sq(x, c);
        else if (c->h.explained >= EX_WEAK && (!weak || c->h.explained > weak->h.explained))
            weak = c;
    }
    /* float32 noise: 1e-5 of the larger of ‖r‖ and ‖p‖ */
    const ex_fit *f = &x->f;
    double fl = f->srr > 0 ? 1e-5 * fmax(sqrt(f->srr), sqrt(f->spp)) : 0.0;
    rank(v, n, fl * fl);
    keep_global(v, n, x->o.max_hypotheses);
    size_t keep = 0;
    for (size_t i = 0; i < n && keep < x->o.max_hypotheses; i++)
        if (!same_text(all, keep, v[i].c->h.text)) all[keep++] = take(v[i].c);
    free(v);
    out->none_explains = keep == 0;
    if (keep == 0 && weak) out->best_weak = take(weak);
    out->uncorrelated = out->none_explains && !(fabs(out->pcc) >= 0.1);
    out->h = all;
    out->n = keep;
    return PARITY_OK;
}
