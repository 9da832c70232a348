/*
 * explain_axis.c — candidates indexed along one axis K, fitted from the
 * per-index sums of the fit pass (n_i, Σr_i, Σp_i, Σr²_i, Σrp_i, Σd²_i):
 *
 *   per-index offset  b_i = (Σp_i − Σr_i)/n_i                 p = r + b_i
 *   per-index scale   a_i = Σrp_i/Σr²_i                       p = a_i·r
 *   per-index affine  a_i = cov_i(r,p)/var_i(r),
 *                     b_i = mean_i p − a_i·mean_i r           p = a_i·r + b_i
 *   region            the shortest range [lo, hi) of K whose indices hold
 *                     ≥ 99% of Σd²; T(r) = p inside, r outside
 *
 * A missing bias is a per-channel offset, a norm's γ/β left at identity a
 * per-channel affine, a masking or padding bug a region.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The (up to) three indices with the largest difference energy. */
static void worst3(const ex_axis_acc *a, int64_t *w) {
    w[0] = w[1] = w[2] = -1;
    for (int64_t i = 0; i < a->len; i++) {
        double e = a->sdd[i];
        if (!(e > 0)) continue;
        int at = 3;
        while (at > 0 && (w[at - 1] < 0 || e > a->sdd[w[at - 1]])) at--;
        if (at >= 3) continue;
        for (int k = 2; k > at; k--) w[k] = w[k - 1];
        w[at] = i;
    }
}

static void fit_index(const ex_axis_acc *a, int64_t i, parity_hyp_kind kind,
                      double *ai, double *bi) {
    double n = a->n[i] > 0 ? a->n[i] : 1.0, mr = a->sr[i] / n, mp = a->sp[i] / n;
    double var = a->srr[i] / n - mr * mr, cov = a->srp[i] / n - mr * mp;
    *ai = 1.0, *bi = 0.0;
    if (kind == PARITY_HYP_AXIS_OFFSET) *bi = mp - mr;
    else if (kind == PARITY_HYP_AXIS_SCALE) *ai = a->srr[i] > 0 ? a->srp[i] / a->srr[i] : 1.0;
    else if (var > 1e-300 && var > 1e-12 * (a->srr[i] / n)) *ai = cov / var, *bi = mp - *ai * mr;
    else *bi = mp - mr;
}

static parity_status add_per_index(ex_ctx *x, int k, parity_hyp_kind kind, parity_error *err) {
    static const char *what[3] = {"offset", "scale", "affine"};
    const ex_axis_acc *a = &x->f.ax[k];
    ex_cand c = {0};
    int64_t w[3];
    c.h.kind = kind;
    c.axis = k;
    c.h.complexity = kind == PARITY_HYP_AXIS_AFFINE ? 6 : 5;
    c.va = malloc((size_t)a->len * sizeof *c.va);
    c.vb = malloc((size_t)a->len * sizeof *c.vb);
    c.sq_i = calloc((size_t)a->len, sizeof *c.sq_i);
    if (!c.va || !c.vb || !c.sq_i) free(c.va), free(c.vb), free(c.sq_i);
    FAIL_IF(!c.va || !c.vb || !c.sq_i, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (int64_t i = 0; i < a->len; i++) fit_index(a, i, kind, &c.va[i], &c.vb[i]);
    worst3(a, w);
    c.h.params[0] = k;
    for (int j = 0; j < 3; j++) c.h.params[1 + j] = (double)w[j];
    int at = snprintf(c.h.text, sizeof c.h.text, "per-index %s along axis %d (worst:",
                      what[kind - PARITY_HYP_AXIS_OFFSET], k);
    for (int j = 0; j < 3 && w[j] >= 0; j++)
        at += snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, "%s %lld", j ? "," : "",
                       (long long)w[j]);
    snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, ")");
    ex_cand *added = ex_add(x, &c);
    if (!added) free(c.va), free(c.vb), free(c.sq_i);
    FAIL_IF(!added, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    return PARITY_OK;
}

/* A per-index bug (a missing bias, γ/β left at identity) is exact within
 * each index: R²_i = 1 − Σ(p − T(r))²_i / Σd²_i ≈ 1, as the port-bug
 * catalogue's per-channel check says. A smooth function of r (an activation
 * variant) or a scrambled weight is only partly linear within each index,
 * yet 2·len parameters can still soak up much of the energy. So the fit is
 * listed only when the median R²_i over the indices that differ is
 * >= 0.95; otherwise it is partial and, at most, the closest miss. */
void ex_axis_judge(const ex_ctx *x, ex_cand *c) {
    const ex_axis_acc *a = &x->f.ax[c->axis];
    double *r2 = malloc((size_t)a->len * sizeof *r2);
    size_t m = 0;
    if (!r2) return; /* cannot judge: leave it listed */
    for (int64_t i = 0; i < a->len; i++)
        if (a->sdd[i] > 0) r2[m++] = 1.0 - c->sq_i[i] / a->sdd[i];
    if (m > 0) {
        qsort(r2, m, sizeof *r2, ex_cmp_double);
        c->partial = r2[m / 2] < 0.95;
    }
    free(r2);
}

/* Shortest [lo, hi) holding ≥ 99% of the energy (two pointers). */
static void best_range(const ex_axis_acc *a, double total, int64_t *lo, int64_t *hi) {
    double in = 0;
    int64_t j = 0;
    *lo = 0, *hi = a->len;
    for (int64_t i = 0; i < a->len; i++) {
        while (j < a->len && in < 0.99 * total) in += a->sdd[j++];
        if (in < 0.99 * total) break;
        if (j - i < *hi - *lo) *lo = i, *hi = j;
        in -= a->sdd[i];
    }
}

static parity_status add_region(ex_ctx *x, int k, parity_error *err) {
    const ex_axis_acc *a = &x->f.ax[k];
    ex_cand c = {0};
    best_range(a, x->f.sdd, &c.lo, &c.hi);
    if ((double)(c.hi - c.lo) > 0.9 * (double)a->len) return PARITY_OK;
    c.h.kind = PARITY_HYP_REGION;
    c.h.complexity = 6;
    c.axis = k;
    c.h.params[0] = k, c.h.params[1] = (double)c.lo, c.h.params[2] = (double)c.hi;
    const char *edge = c.lo == 0 ? "the first" : c.hi == a->len ? "the last" : "";
    if (*edge)
        snprintf(c.h.text, sizeof c.h.text, "region: axis %d indices [%lld, %lld) (%s %lld)",
                 k, (long long)c.lo, (long long)c.hi, edge, (long long)(c.hi - c.lo));
    else
        snprintf(c.h.text, sizeof c.h.text, "region: axis %d indices [%lld, %lld)", k,
                 (long long)c.lo, (long long)c.hi);
    FAIL_IF(!ex_add(x, &c), err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    return PARITY_OK;
}

parity_status ex_axis_candidates(ex_ctx *x, parity_error *err) {
    for (int k = 0; k < x->r->ndim; k++) {
        const ex_axis_acc *a = &x->f.ax[k];
        if (!a->n) continue;
        TRY(add_region(x, k, err));
        /* Per-index fits need several elements per index to mean anything. */
        if ((double)x->f.n < 16.0 * (double)a->len) continue;
        for (int kind = PARITY_HYP_AXIS_OFFSET; kind <= PARITY_HYP_AXIS_AFFINE; kind++)
            TRY(add_per_index(x, k, (parity_hyp_kind)kind, err));
    }
    return PARITY_OK;
}
