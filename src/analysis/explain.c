/*
 * explain.c — parity explain (SPEC §6): which transformation T maps the
 * reference r to the port p? Every candidate family fits its parameters
 * from one streaming fit pass; one evaluation pass then measures each
 * candidate exactly over every finite pair:
 *
 *   explained    = 1 − Σ(p − T(r))² / Σ(p − r)²
 *   residual_rel = √Σ(p − T(r))² / √Σr²
 *
 * Ranking: by residual; then, among the hypotheses whose residual is within
 * 10% of the best (≤ 1.1 × best), the lowest complexity comes first, so
 * "scale 0.125" beats "per-index affine" that fits the same data with 80
 * times the parameters. Only hypotheses explaining at least half the
 * difference energy are listed.
 *
 * Memory: the passes read EX_CHUNK elements at a time; the layout searches
 * (explain_layout.c) copy both tensors only when count <= max_sample.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

parity_explain_opts parity_explain_opts_default(void) {
    parity_explain_opts o;
    memset(&o, 0, sizeof o);
    o.domain = PARITY_DOMAIN_LINEAR;
    o.axis = -1;
    o.max_sample = 1u << 20;
    o.max_hypotheses = 5;
    return o;
}

const char *parity_hyp_kind_name(parity_hyp_kind k) {
    static const char *names[PARITY_HYP_COUNT] = {
        "precision", "offset", "scale", "sign-flip", "affine", "clamp",
        "non-finite", "axis-offset", "axis-scale", "axis-affine", "region",
        "permute", "flip", "shift", "scramble", "row-permutation",
        "value-dependent"};
    return (unsigned)k < PARITY_HYP_COUNT ? names[k] : "?";
}

ex_cand *ex_add(ex_ctx *x, const ex_cand *c) {
    if (x->nc == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 32;
        ex_cand *n = realloc(x->c, cap * sizeof *n);
        if (!n) return NULL;
        x->c = n;
        x->cap = cap;
    }
    x->c[x->nc] = *c;
    return &x->c[x->nc++];
}

/* p − T(r) is measured as p − ex_apply(...): kinds whose "transformation"
 * is a tolerance (precision: p within a band of r; region: p free inside
 * the range) return p clipped to what they allow. */
double ex_apply(const ex_cand *c, const int64_t *idx, double r, double p,
                double rms_r) {
    switch (c->h.kind) {
    case PARITY_HYP_PRECISION: {
        double band = ex_precision_band((parity_dtype)c->a, r, rms_r);
        return p > r + band ? r + band : (p < r - band ? r - band : p);
    }
    case PARITY_HYP_OFFSET: return r + c->b;
    case PARITY_HYP_SCALE:
    case PARITY_HYP_SIGN_FLIP: return c->a * r;
    case PARITY_HYP_AFFINE: return c->a * r + c->b;
    case PARITY_HYP_CLAMP: return r < c->a ? c->a : (r > c->b ? c->b : r);
    case PARITY_HYP_AXIS_OFFSET: return r + c->vb[idx[c->axis]];
    case PARITY_HYP_AXIS_SCALE: return c->va[idx[c->axis]] * r;
    case PARITY_HYP_AXIS_AFFINE:
        return c->va[idx[c->axis]] * r + c->vb[idx[c->axis]];
    case PARITY_HYP_REGION: {
        int64_t i = idx[c->axis];
        return i >= c->lo && i < c->hi ? p : r;
    }
    case PARITY_HYP_VALUE_DEPENDENT: return r + ex_value_eval(c, r);
    default: return r;
    }
}

/* Advance a C-order multi-index by one. */
static void ex_next(int64_t *idx, const parity_tensor *t) {
    for (int k = t->ndim - 1; k >= 0; k--) {
        if (++idx[k] < t->shape[k]) return;
        idx[k] = 0;
    }
}

static void fit_axes(ex_fit *f, int ndim, const int64_t *idx, double r, double p) {
    double d = p - r;
    for (int k = 0; k < ndim; k++) {
        ex_axis_acc *a = &f->ax[k];
        if (!a->n) continue;
        int64_t i = idx[k];
        a->n[i] += 1;
        a->sr[i] += r;
        a->sp[i] += p;
        a->srr[i] += r * r;
        a->srp[i] += r * p;
        a->sdd[i] += d * d;
    }
}

/* Running extreme with the count of elements pinned at it. */
static void fit_clamp(ex_fit *f, double r, double p) {
    if (f->n == 0 || p > f->pmax) f->pmax = p, f->at_max = f->at_max_over = 0;
    if (f->n == 0 || p < f->pmin) f->pmin = p, f->at_min = f->at_min_under = 0;
    if (p == f->pmax) f->at_max++, f->at_max_over += r > p;
    if (p == f->pmin) f->at_min++, f->at_min_under += r < p;
}

static void fit_one(ex_fit *f, int ndim, const int64_t *idx, double r, double p,
                    uint64_t flat) {
    if (!isfinite(r)) return;
    if (!isfinite(p)) {
        if (f->nf_port_only++ == 0) f->nf_first = flat;
        return;
    }
    double d = p - r;
    fit_clamp(f, r, p);
    f->n++;
    f->sr += r, f->sp += p, f->srr += r * r, f->spp += p * p;
    f->srp += r * p, f->sd += d, f->sdd += d * d;
    fit_axes(f, ndim, idx, r, p);
    ex_value_bin(f, r, d);
}

/* The fit pass: closed-form sums of every family. */
static void fit_pass(ex_ctx *x) {
    double rb[EX_CHUNK], pb[EX_CHUNK];
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t count = x->r->count;
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity_tensor_read(x->r, at, m, rb);
        parity_tensor_read(x->p, at, m, pb);
        for (size_t i = 0; i < m; i++, ex_next(idx, x->r))
            fit_one(&x->f, x->r->ndim, idx, rb[i], pb[i], at + i);
    }
}

static void eval_one(ex_ctx *x, const int64_t *idx, double r, double p) {
    double d = p - r;
    if (fabs(d) > 1e-4 * x->rms_r) x->n_big++;
    for (size_t k = 0; k < x->nc; k++) {
        ex_cand *c = &x->c[k];
        if (c->measured) continue;
        double e = p - ex_apply(c, idx, r, p, x->rms_r);
        c->sq += e * e;
        if (c->sq_i) c->sq_i[idx[c->axis]] += e * e;
    }
}

/* The evaluation pass: Σ(p − T(r))² of every elementwise candidate. */
static void eval_pass(ex_ctx *x) {
    double rb[EX_CHUNK], pb[EX_CHUNK];
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t count = x->r->count;
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity_tensor_read(x->r, at, m, rb);
        parity_tensor_read(x->p, at, m, pb);
        for (size_t i = 0; i < m; i++, ex_next(idx, x->r))
            if (isfinite(rb[i]) && isfinite(pb[i])) eval_one(x, idx, rb[i], pb[i]);
    }
}

static parity_status alloc_axes(ex_ctx *x, parity_error *err) {
    for (int k = 0; k < x->r->ndim; k++) {
        int64_t len = x->r->shape[k];
        if (len < 2 || (x->o.axis >= 0 && x->o.axis != k)) continue;
        ex_axis_acc *a = &x->f.ax[k];
        double *blk = calloc((size_t)len * 6, sizeof *blk);
        FAIL_IF(!blk, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: explain: out of memory for axis %d", x->r->name, k);
        a->len = len;
        a->n = blk, a->sr = blk + len, a->sp = blk + 2 * len;
        a->srr = blk + 3 * len, a->srp = blk + 4 * len, a->sdd = blk + 5 * len;
    }
    return PARITY_OK;
}

/* The bounded copies of the layout searches (count <= max_sample). */
static parity_status copy_both(ex_ctx *x, parity_error *err) {
    uint64_t count = x->r->count;
    if (count == 0 || count > x->o.max_sample || count > SIZE_MAX / sizeof(double))
        return PARITY_OK;
    x->rr = malloc((size_t)count * sizeof *x->rr);
    x->pp = malloc((size_t)count * sizeof *x->pp);
    FAIL_IF(!x->rr || !x->pp, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: explain: out of memory copying %llu elements", x->r->name,
            (unsigned long long)count);
    parity_tensor_read(x->r, 0, (size_t)count, x->rr);
    parity_tensor_read(x->p, 0, (size_t)count, x->pp);
    return PARITY_OK;
}

static void ctx_free(ex_ctx *x) {
    for (int k = 0; k < PARITY_MAX_DIMS; k++) free(x->f.ax[k].n);
    for (size_t i = 0; i < x->nc; i++) free(x->c[i].va), free(x->c[i].vb), free(x->c[i].sq_i);
    free(x->c);
    free(x->rr);
    free(x->pp);
}

/* explained and residual of one measured candidate. */
static void finish(const ex_ctx *x, ex_cand *c) {
    const ex_fit *f = &x->f;
    double norm_r = sqrt(f->srr) > 0 ? sqrt(f->srr) : 1.0;
    if (c->h.kind == PARITY_HYP_NONFINITE) {
        /* The NaN/Inf positions are the difference; finite pairs that
         * differ beyond 1e-4·rms are what it leaves unexplained. */
        double nf = (double)f->nf_port_only;
        c->h.explained = nf / (nf + (double)x->n_big);
        c->h.residual_rel = sqrt(f->sdd) / norm_r;
        return;
    }
    c->h.explained = f->sdd > 0 ? 1.0 - c->sq / f->sdd : 0.0;
    c->h.residual_rel = sqrt(c->sq) / norm_r;
    if (c->h.kind == PARITY_HYP_VALUE_DEPENDENT) ex_value_describe(c);
    if (c->sq_i) ex_axis_judge(x, c);
}

#define EX_PARTIAL 1000

static int cmp_residual(const void *a, const void *b) {
    const parity_hypothesis *x = a, *y = b;
    if (x->residual_rel != y->residual_rel) return x->residual_rel < y->residual_rel ? -1 : 1;
    if (x->complexity != y->complexity) return x->complexity - y->complexity;
    return (int)x->kind - (int)y->kind;
}

/* h sorted by residual: the prefix within 10% of the best residual
 * (residual <= 1.1 × best), or within float32 noise of the port
 * (residual <= floor), is reordered by complexity, stably, so equal
 * complexities stay in residual order. */
static void rank(parity_hypothesis *h, size_t n, double floor) {
    qsort(h, n, sizeof *h, cmp_residual);
    size_t g = 0;
    while (g < n && (h[g].residual_rel <= 1.1 * h[0].residual_rel || h[g].residual_rel <= floor))
        g++;
    for (size_t i = 1; i < g; i++) {
        parity_hypothesis t = h[i];
        size_t j = i;
        for (; j > 0 && h[j - 1].complexity > t.complexity; j--) h[j] = h[j - 1];
        h[j] = t;
    }
}

static int same_text(const parity_hypothesis *h, size_t n, const char *text) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].text, text) == 0) return 1;
    return 0;
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
        if (smooth && x->c[i].h.explained >= 0.5) return 1;
    }
    return 0;
}

/* One precision hypothesis: the narrowest rounding (f32, f16, bf16 were
 * added in that order) that explains >= 95%, else the best of them. */
static const ex_cand *tightest_precision(const ex_ctx *x) {
    const ex_cand *best = NULL;
    for (size_t i = 0; i < x->nc; i++) {
        const ex_cand *c = &x->c[i];
        if (c->h.kind != PARITY_HYP_PRECISION) continue;
        if (c->h.explained >= 0.95) return c;
        if (!best || c->h.explained > best->h.explained) best = c;
    }
    return best;
}

/* Measure, rank, keep those explaining at least half. */
static parity_status conclude(ex_ctx *x, parity_explain_result *out, parity_error *err) {
    parity_hypothesis *all = calloc(x->nc ? x->nc : 1, sizeof *all);
    FAIL_IF(!all, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: explain: out of memory",
            x->r->name);
    /* complexity >= EX_PARTIAL marks a hypothesis that is never listed */
    size_t n = 0;
    for (size_t i = 0; i < x->nc; i++) finish(x, &x->c[i]);
    int smooth = smooth_explains(x);
    const ex_cand *prec = tightest_precision(x);
    for (size_t i = 0; i < x->nc; i++) {
        const parity_hypothesis *h = &x->c[i].h;
        if (h->kind == PARITY_HYP_PRECISION && (smooth || &x->c[i] != prec)) continue;
        if (isfinite(h->explained) && isfinite(h->residual_rel)) all[n++] = *h;
        if (x->c[i].partial) all[n - 1].complexity += EX_PARTIAL;
    }
    /* float32 noise: 1e-5 of the larger of ‖r‖ and ‖p‖, in units of ‖r‖ */
    const ex_fit *f = &x->f;
    double floor = f->srr > 0 ? 1e-5 * fmax(1.0, sqrt(f->spp / f->srr)) : 0.0;
    rank(all, n, floor);
    size_t keep = 0;
    for (size_t i = 0; i < n && keep < x->o.max_hypotheses; i++)
        if (all[i].explained >= 0.5 && all[i].complexity < EX_PARTIAL &&
            !same_text(all, keep, all[i].text))
            all[keep++] = all[i];
    out->none_explains = keep == 0;
    long b = -1; /* the closest miss among the listable ones */
    for (size_t i = 0; keep == 0 && i < n; i++)
        if (all[i].complexity < EX_PARTIAL && (b < 0 || all[i].explained > all[b].explained))
            b = (long)i;
    if (b >= 0) out->best_weak = all[b];
    out->h = all;
    out->n = keep;
    return PARITY_OK;
}

static parity_status explain_run(ex_ctx *x, parity_explain_result *out, parity_error *err) {
    TRY(alloc_axes(x, err));
    TRY(copy_both(x, err));
    TRY(ex_value_edges(x, err));
    fit_pass(x);
    const ex_fit *f = &x->f;
    out->n_compared = f->n;
    out->relative = f->srr > 0 ? sqrt(f->sdd / f->srr) : sqrt(f->sdd);
    x->rms_r = f->n ? sqrt(f->srr / (double)f->n) : 0.0;
    if (f->sdd == 0 && f->nf_port_only == 0) {
        out->identical = 1;
        return PARITY_OK;
    }
    TRY(ex_global_candidates(x, err));
    if (f->sdd > 0) {
        TRY(ex_axis_candidates(x, err));
        TRY(ex_layout_candidates(x, err));
        TRY(ex_value_candidates(x, err));
    }
    eval_pass(x);
    return conclude(x, out, err);
}

parity_status parity_explain_tensors(const parity_tensor *ref, const parity_tensor *port,
                                     const parity_explain_opts *opts,
                                     parity_explain_result *out, parity_error *err) {
    FAIL_IF(!ref || !port || !out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "explain: NULL argument");
    memset(out, 0, sizeof *out);
    FAIL_IF(ref->ndim != port->ndim, err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "%s: explain: %d dimensions against %d", ref->name, ref->ndim, port->ndim);
    for (int k = 0; k < ref->ndim; k++)
        FAIL_IF(ref->shape[k] != port->shape[k], err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
                "%s: explain: axis %d has %lld elements against %lld", ref->name, k,
                (long long)ref->shape[k], (long long)port->shape[k]);
    ex_ctx x;
    memset(&x, 0, sizeof x);
    x.r = ref, x.p = port;
    x.o = opts ? *opts : parity_explain_opts_default();
    FAIL_IF(x.o.axis < -1 || x.o.axis >= (ref->ndim > 0 ? ref->ndim : 1), err,
            PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: explain: axis %d out of range",
            ref->name, x.o.axis);
    if (x.o.max_hypotheses == 0) x.o.max_hypotheses = 5;
    parity_status st = explain_run(&x, out, err);
    ctx_free(&x);
    if (st != PARITY_OK) parity_explain_clear(out);
    return st;
}

void parity_explain_clear(parity_explain_result *res) {
    if (!res) return;
    free(res->h);
    res->h = NULL;
    res->n = 0;
}
