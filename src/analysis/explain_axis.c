/*
 * explain_axis.c — candidates indexed along one axis K, fitted from the
 * per-index sums of the fit pass (n_i, Σr_i, Σp_i, Σr²_i, Σrp_i, Σd²_i):
 *
 *   per-index offset  b_i = (Σp_i − Σr_i)/n_i                 p = r + b_i
 *   per-index scale   a_i = Σrp_i/Σr²_i                       p = a_i·r
 *   per-index affine  a_i = cov_i(r,p)/var_i(r),
 *                     b_i = mean_i p − a_i·mean_i r           p = a_i·r + b_i
 *   region            the indices whose energy e_i = Σd²_i stands above
 *                     the noise, e_i > 1e-3·e_typ (e_typ: the energy of
 *                     the index at which the indices sorted by energy
 *                     reach half of Σd²), form [lo, hi), the first to the
 *                     last; inside, the simplest of p = r + b, p = a·r,
 *                     p = a·r + b that leaves ≤ 1% of the energy there
 *                     (closed form from the summed sums), else T(r) = p
 *                     inside ("the difference lies only there", offered
 *                     only when [lo, hi) is at most half of the axis)
 *
 * A missing bias is a per-channel offset, a norm's γ/β left at identity a
 * per-channel affine, a masking or padding bug a region.
 *
 * An axis longer than EX_AXIS_CELLS is summed per block of indices (the
 * fit pass's bound): its region is found on the blocks and widened to
 * whole blocks, and it gets no per-index fit.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A per-index scale of ±1 only (within 1%), some of each: a sign flipped
 * on a subset of the indices ("sign flipped on 2 of 8 indices along axis
 * 1: 2, 5"). */
static int sign_subset(const ex_cand *c, char *text, size_t cap, int k) {
    int64_t neg = 0;
    for (int64_t i = 0; i < c->len; i++) {
        if (fabs(fabs(c->va[i]) - 1) > 0.01) return 0;
        neg += c->va[i] < 0;
    }
    if (neg == 0 || neg == c->len) return 0;
    int at = snprintf(text, cap, "sign flipped on %lld of %lld indices along axis %d (a factor of "
                      "+-1 per index:", (long long)neg, (long long)c->len, k);
    int shown = 0;
    for (int64_t i = 0; i < c->len && at + 32 < (int)cap; i++)
        if (c->va[i] < 0) {
            if (shown++ == 8) {
                at += snprintf(text + at, cap - (size_t)at, " ...");
                break;
            }
            at += snprintf(text + at, cap - (size_t)at, "%s %lld", shown > 1 ? "," : "", (long long)i);
        }
    snprintf(text + at, cap - (size_t)at, ")");
    return 1;
}

static parity_status add_per_index(ex_ctx *x, int k, parity_hyp_kind kind, int few,
                                   parity_error *err) {
    static const char *what[3] = {"offset", "scale", "affine"};
    const ex_axis_acc *a = &x->f.ax[k];
    ex_cand c = {0};
    int64_t w[3];
    c.h.kind = kind;
    c.axis = k;
    c.len = a->len;
    c.va = malloc((size_t)a->len * sizeof *c.va);
    c.vb = malloc((size_t)a->len * sizeof *c.vb);
    c.sq_i = calloc((size_t)a->len, sizeof *c.sq_i);
    if (!c.va || !c.vb || !c.sq_i) parity__ex_cand_free(&c);
    FAIL_IF(!c.va || !c.vb || !c.sq_i, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (int64_t i = 0; i < a->len; i++) fit_index(a, i, kind, &c.va[i], &c.vb[i]);
    worst3(a, w);
    c.h.params[0] = k;
    for (int j = 0; j < 3; j++) c.h.params[1 + j] = (double)w[j];
    int at = snprintf(c.h.text, sizeof c.h.text, "per-index %s along axis %d%s (worst:",
                      what[kind - PARITY_HYP_AXIS_OFFSET], k,
                      kind == PARITY_HYP_AXIS_OFFSET ? ": a bias per index" : "");
    for (int j = 0; j < 3 && w[j] >= 0; j++)
        at += snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, "%s %lld", j ? "," : "",
                       (long long)w[j]);
    snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, ")");
    c.few = few;
    if (kind == PARITY_HYP_AXIS_SCALE) sign_subset(&c, c.h.text, sizeof c.h.text, k);
    return parity__ex_add(x, &c, err);
}

/* A per-index bug (a missing bias, γ/β left at identity) is exact within
 * each index: R²_i = 1 − Σ(p − T(r))²_i / Σd²_i ≈ 1, as the port-bug
 * catalogue's per-channel check says. A smooth function of r (an activation
 * variant) or a scrambled weight is only partly linear within each index,
 * yet 2·len parameters can still soak up much of the energy. So the fit is
 * listed only when the median R²_i over the indices that differ (hold
 * more than 1e-8 of the largest index's energy) is >= 0.95; otherwise it
 * is partial and, at most, the closest miss. */
/* A fit with few elements per index must also do much better than its
 * global kind (offset, scale): 2 or 3 values per parameter soak up noise. */
static int beats_global(const ex_ctx *x, const ex_cand *c) {
    parity_hyp_kind g = c->h.kind == PARITY_HYP_AXIS_OFFSET ? PARITY_HYP_OFFSET : PARITY_HYP_SCALE;
    for (size_t i = 0; i < x->nc; i++)
        if (x->c[i].h.kind == g && !(x->c[i].sq > 10 * c->sq)) return 0;
    return 1;
}

void parity__ex_axis_judge(const ex_ctx *x, ex_cand *c) {
    const ex_axis_acc *a = &x->f.ax[c->axis];
    if (c->few && !beats_global(x, c)) {
        c->partial = 1;
        return;
    }
    double *r2 = malloc((size_t)a->len * sizeof *r2);
    size_t m = 0;
    if (!r2) return; /* cannot judge: leave it listed */
    /* indices that hold a negligible part of the difference (noise where
     * the port agrees: the channels a sign flip spares) say nothing */
    double top = 0;
    for (int64_t i = 0; i < a->len; i++) top = fmax(top, a->sdd[i]);
    for (int64_t i = 0; i < a->len; i++)
        if (a->sdd[i] > 1e-8 * top) r2[m++] = 1.0 - c->sq_i[i] / a->sdd[i];
    if (m > 0) {
        qsort(r2, m, sizeof *r2, parity__ex_cmp_double);
        /* few elements per index: exact within nearly every index */
        c->partial = c->few ? r2[m / 10] < 0.999 || c->h.explained < 0.999 : r2[m / 2] < 0.95;
    }
    free(r2);
}

/* [lo, hi): the first and last index whose energy stands above 1e-3 of
 * the typical energy of the indices that hold the difference. */
static parity_status support(const ex_axis_acc *a, double total, int64_t *lo, int64_t *hi,
                             parity_error *err) {
    double *e = malloc((size_t)a->len * sizeof *e);
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    memcpy(e, a->sdd, (size_t)a->len * sizeof *e);
    qsort(e, (size_t)a->len, sizeof *e, parity__ex_cmp_double);
    double cum = 0, typ = 0;
    for (int64_t i = a->len - 1; i >= 0 && cum < 0.5 * total; i--) cum += e[i], typ = e[i];
    free(e);
    double thr = 1e-3 * typ;
    *lo = 0, *hi = 0;
    for (int64_t i = 0; i < a->len; i++)
        if (a->sdd[i] > thr) *lo = *hi == 0 ? i : *lo, *hi = i + 1;
    return PARITY_OK;
}

/* The sums of [lo, hi) and the simplest map inside that leaves at most 1%
 * of the energy there (and within 10% of the best residual); c->region_free
 * when none does. Returns the model: 1 offset, 2 scale, 3 affine, 0 none. */
static int inside_map(const ex_axis_acc *a, ex_cand *c) {
    double n = 0, sr = 0, sp = 0, srr = 0, srp = 0, sdd = 0;
    for (int64_t i = c->lo; i < c->hi; i++)
        n += a->n[i], sr += a->sr[i], sp += a->sp[i], srr += a->srr[i], srp += a->srp[i],
            sdd += a->sdd[i];
    if (!(n > 0)) return c->region_free = 1, 0;
    double spp = sdd + 2 * srp - srr, mr = sr / n, mp = sp / n;
    double var = srr - n * mr * mr, cov = srp - n * mr * mp;
    double ab[4][2] = {{1, 0}, {1, mp - mr}, {srr > 0 ? srp / srr : 1, 0},
                       {var > 0 ? cov / var : 1, 0}};
    ab[3][1] = mp - ab[3][0] * mr;
    double res[4] = {sdd, sdd - n * (mp - mr) * (mp - mr),
                     srr > 0 ? spp - srp * srp / srr : sdd,
                     var > 0 ? (spp - n * mp * mp) - cov * cov / var : sdd};
    double best = fmin(fmin(res[1], res[2]), res[3]);
    for (int m = 1; m <= 3; m++)
        if (res[m] <= 0.01 * sdd && res[m] <= 1.21 * best + 1e-9 * sdd) {
            c->a = ab[m][0], c->b = ab[m][1];
            return m;
        }
    c->region_free = 1;
    return 0;
}

static parity_status add_region(ex_ctx *x, int k, parity_error *err) {
    const ex_axis_acc *a = &x->f.ax[k];
    ex_cand c = {0};
    TRY(support(a, x->f.sdd, &c.lo, &c.hi, err));
    if (c.hi <= c.lo || (double)(c.hi - c.lo) > 0.9 * (double)a->len) return PARITY_OK;
    c.h.kind = PARITY_HYP_REGION;
    c.axis = k;
    int m = inside_map(a, &c);
    /* With nothing fitted inside, a region is an observation, not a map
     * from r to p; over most of the axis it says little more than "the
     * frames a padding mask zeroes agree" and would hide that nothing
     * explains the rest. Only a minority of the axis is worth naming. */
    if (m == 0 && 2 * (c.hi - c.lo) > a->len) return PARITY_OK;
    /* cells to indices: a long axis's region is whole blocks */
    c.lo *= a->step;
    c.hi = c.hi * a->step < a->axis_len ? c.hi * a->step : a->axis_len;
    c.h.complexity = m == 1 || m == 2 ? 0 : m == 3 ? 1 : 2; /* the map inside */
    c.h.params[0] = k, c.h.params[1] = (double)c.lo, c.h.params[2] = (double)c.hi;
    c.h.params[3] = m, c.h.params[4] = m ? c.a : 0, c.h.params[5] = m ? c.b : 0;
    char where[96] = "", nm[64];
    if (c.lo == 0 || c.hi == a->axis_len)
        snprintf(where, sizeof where, " (the %s %lld)", c.lo == 0 ? "first" : "last",
                 (long long)(c.hi - c.lo));
    int at = snprintf(c.h.text, sizeof c.h.text, "region: axis %d indices [%lld, %lld)%s: ", k,
                      (long long)c.lo, (long long)c.hi, where);
    char *t = c.h.text + at;
    size_t room = sizeof c.h.text - (size_t)at;
    if (m == 1) snprintf(t, room, "offset %+.4g inside", c.b);
    else if (m == 2) snprintf(t, room, "scale %s inside", parity__ex_scale_name(c.a, nm, sizeof nm));
    else if (m == 3)
        snprintf(t, room, "affine inside, a = %s, b = %.4g", parity__ex_scale_name(c.a, nm, sizeof nm), c.b);
    else snprintf(t, room, "the difference lies only there");
    return parity__ex_add(x, &c, err);
}

parity_status parity__ex_axis_candidates(ex_ctx *x, parity_error *err) {
    for (int k = 0; k < x->r->ndim; k++) {
        const ex_axis_acc *a = &x->f.ax[k];
        if (!a->n) continue;
        TRY(add_region(x, k, err));
        if (a->step > 1) continue; /* blocks, not indices: no per-index fit */
        /* Per-index fits need several elements per index to mean anything;
         * with fewer than 16 (a head, a batch row of a small tensor) an
         * offset or a scale per index is offered only when exact. */
        int few = (double)x->f.n < 16.0 * (double)a->len;
        if (few && (double)x->f.n < 4.0 * (double)a->len) continue;
        for (int kind = PARITY_HYP_AXIS_OFFSET; kind <= PARITY_HYP_AXIS_AFFINE; kind++)
            if (!few || kind != PARITY_HYP_AXIS_AFFINE)
                TRY(add_per_index(x, k, (parity_hyp_kind)kind, few, err));
    }
    return PARITY_OK;
}

/* ---- T(r) of each kind, for the evaluation pass (explain_kinds.c) ------- */

double parity__ex_apply_axis_offset(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)p;
    return r + c->vb[idx[c->axis]];
}
double parity__ex_apply_axis_scale(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)p;
    return c->va[idx[c->axis]] * r;
}
double parity__ex_apply_axis_affine(const ex_cand *c, const int64_t *idx, double r, double p) {
    (void)p;
    return c->va[idx[c->axis]] * r + c->vb[idx[c->axis]];
}
/* Outside the region p = r; inside, the fitted map, or p itself when no
 * simple map fits there (the region is then an observation). */
double parity__ex_apply_region(const ex_cand *c, const int64_t *idx, double r, double p) {
    int64_t i = idx[c->axis];
    if (i < c->lo || i >= c->hi) return r;
    return c->region_free ? p : c->a * r + c->b;
}
