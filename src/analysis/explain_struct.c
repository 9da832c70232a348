/*
 * explain_struct.c — where the difference lives, when that is the finding:
 *
 *   diagonal   the last two axes are square [L, L] and the difference
 *              energy Σd² (or the pairs non-finite on one side only) lies
 *              on at most 3 adjacent diagonals k = j − i: a causal mask
 *              off by k (each query also sees the next position). From the
 *              fit pass's per-diagonal sums; T(r) = p on the band, r off it.
 *   row-scale  p = a_l·r with one a_l per line of an axis (the indices of
 *              every other axis fixed): a norm whose eps (or statistics)
 *              change the scale per row (b, t). Fitted on whole lines of a
 *              sample (explain_slab.c); listed when the median share of
 *              each line's difference it explains is ≥ 0.99 on lines of at
 *              least 8 values (≥ 0.999 for 90% of lines of 4 to 7 values),
 *              then measured over every line.
 *   one-sided  the reference is non-finite (−inf of a mask) where the port
 *              is finite: counted, located, and named apart from the
 *              finite error (never folded into "precision only").
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The band [k1, k2] of at most 3 diagonals around the heaviest holding
 * share of w; 0 when none does. */
static int band(const double *w, int64_t L, double share, int64_t *k1, int64_t *k2) {
    int64_t nd = 2 * L - 1, top = 0;
    double tot = 0;
    for (int64_t k = 0; k < nd; k++) tot += w[k], top = w[k] > w[top] ? k : top;
    if (!(tot > 0)) return 0;
    int64_t a = top, b = top;
    double in = w[top];
    while (in < share * tot && b - a < 2) {
        double wl = a > 0 ? w[a - 1] : -1, wr = b + 1 < nd ? w[b + 1] : -1;
        if (wl < 0 && wr < 0) break;
        if (wl >= wr) in += w[--a];
        else in += w[++b];
    }
    if (in < share * tot) return 0;
    *k1 = a - (L - 1), *k2 = b - (L - 1);
    return 1;
}

static parity_status add_diagonal(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    int64_t L = f->dg_len, k1, k2;
    if (L < 3) return PARITY_OK;
    double nf = 0;
    for (int64_t k = 0; k < 2 * L - 1; k++) nf += f->dg_nf[k];
    int by_nf = nf > 0 && band(f->dg_nf, L, 0.999, &k1, &k2);
    if (!by_nf && !(f->sdd > 0 && band(f->dg_sdd, L, 0.99, &k1, &k2))) return PARITY_OK;
    if (by_nf) { /* the finite difference must lie there too, or be noise */
        double in = 0, noise = 1e-4 * x->rms_r;
        for (int64_t k = k1; k <= k2; k++) in += f->dg_sdd[k + L - 1];
        if (f->sdd - in > fmax(0.01 * f->sdd, noise * noise * (double)f->n)) return PARITY_OK;
    }
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_DIAGONAL;
    c.lo = k1, c.hi = k2;
    c.axis = x->r->ndim - 2;
    c.h.params[0] = (double)k1, c.h.params[1] = (double)k2, c.h.params[2] = nf;
    char where[64], why[128] = "";
    if (k1 == k2) snprintf(where, sizeof where, "diagonal j - i = %+lld", (long long)k1);
    else snprintf(where, sizeof where, "diagonals j - i = %+lld to %+lld", (long long)k1, (long long)k2);
    if (k1 == k2 && k1 != 0)
        snprintf(why, sizeof why, ": a causal mask off by %lld (each query %s)", llabs((long long)k1),
                 k1 > 0 ? (k1 == 1 ? "also sees the next position" : "also sees later positions")
                        : "misses earlier positions");
    else if (k1 == 0 && k2 == 0)
        snprintf(why, sizeof why, ": a mask that includes or excludes the diagonal itself");
    int at = snprintf(c.h.text, sizeof c.h.text, "diagonal band: the difference lies on %s of the "
                      "last two axes%s", where, why);
    if (nf > 0)
        snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, "; %.0f entries non-finite on one side "
                 "there", nf);
    c.h.complexity = k1 == k2 ? 0 : 1;
    return parity__ex_add(x, &c, err);
}

/* ---- one scale per line ----------------------------------------------------- */

typedef struct line_acc {
    double sq;           /* Σ over lines of the line's residual             */
    double *r2;          /* [lines] share explained per line (sample)       */
    size_t n_r2;
    double amin, amax;
    uint64_t lines;
} line_acc;

static void line_fit(const double *r, const double *p, int64_t L, line_acc *a, int keep) {
    double srr = 0, srp = 0, spp = 0, sdd = 0;
    for (int64_t i = 0; i < L; i++) {
        if (!isfinite(r[i]) || !isfinite(p[i])) continue;
        srr += r[i] * r[i], srp += r[i] * p[i], spp += p[i] * p[i];
        sdd += (p[i] - r[i]) * (p[i] - r[i]);
    }
    double s = srr > 0 ? srp / srr : 1, res = fmax(0.0, srr > 0 ? spp - srp * srp / srr : sdd);
    a->sq += fmin(res, sdd);
    a->lines++;
    if (sdd > 0) a->amin = fmin(a->amin, s), a->amax = fmax(a->amax, s);
    if (keep && sdd > 1e-12 * (spp + srr)) a->r2[a->n_r2++] = 1 - fmin(res, sdd) / sdd;
}

/* Over the lines of axis ax: a sample of units (limit) or all. */
static parity_status lines_pass(ex_ctx *x, int ax, uint64_t limit, line_acc *a, parity_error *err) {
    const parity_tensor *t[2] = {x->r, x->p};
    ex_slab sl;
    int ok;
    a->sq = 0, a->amin = INFINITY, a->amax = -INFINITY, a->lines = 0, a->n_r2 = 0;
    TRY(parity__ex_slab_open(&sl, t, 2, ax, 16384, &ok, err));
    if (!ok) return a->sq = INFINITY, PARITY_OK;
    uint64_t per = sl.w * (uint64_t)sl.len, nu = limit / per;
    nu = nu < 1 ? 1 : nu > sl.units ? sl.units : nu;
    int keep = a->r2 != NULL;
    for (uint64_t j = 0; j < nu; j++) {
        parity__ex_slab_read(&sl, j * sl.units / nu);
        for (uint64_t l = 0; l < sl.nl; l++)
            line_fit(sl.v[0] + l * (uint64_t)sl.len, sl.v[1] + l * (uint64_t)sl.len, sl.len, a, keep);
    }
    parity__ex_slab_free(&sl);
    return PARITY_OK;
}

static parity_status add_row_scale(ex_ctx *x, parity_error *err) {
    int best = -1;
    double best_sq = INFINITY;
    for (int ax = 0; ax < x->r->ndim; ax++) {
        int64_t L = x->r->shape[ax];
        if (L < 4 || x->r->count / (uint64_t)L < 2 || (x->o.axis >= 0 && x->o.axis != ax)) continue;
        line_acc a = {0};
        uint64_t cap = parity__ex_cap(x), maxl = cap / (uint64_t)L + 16;
        a.r2 = malloc((size_t)(maxl + 16384) * sizeof *a.r2);
        FAIL_IF(!a.r2, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
        parity_status st = lines_pass(x, ax, cap, &a, err);
        int exact = 0;
        if (a.n_r2) { /* short lines (4 to 7 values): exact within nearly all */
            qsort(a.r2, a.n_r2, sizeof *a.r2, parity__ex_cmp_double);
            exact = L >= 8 ? a.r2[a.n_r2 / 2] >= 0.99 : a.r2[a.n_r2 / 10] >= 0.999;
        }
        free(a.r2);
        TRY(st);
        /* the scales must vary: one scale is the global candidate's */
        if (exact && a.amax > a.amin * (1 + 1e-4) && a.sq < best_sq) best = ax, best_sq = a.sq;
    }
    if (best < 0) return PARITY_OK;
    line_acc a = {0};
    TRY(lines_pass(x, best, UINT64_MAX, &a, err));
    char text[256];
    snprintf(text, sizeof text, "per-row scale: one scale per line along axis %d (%llu lines of "
             "%lld values, scales %.4g to %.4g): a per-row normalization (a norm's eps, a softmax's "
             "sum)", best,
             (unsigned long long)a.lines, (long long)x->r->shape[best], a.amin, a.amax);
    double pr[8] = {best, a.amin, a.amax, (double)a.lines};
    return parity__ex_add_measured(x, PARITY_HYP_ROW_SCALE, a.sq, text, pr, err);
}

static parity_status add_one_sided(ex_ctx *x, parity_error *err) {
    const ex_fit *f = &x->f;
    if (f->nf_ref_only == 0) return PARITY_OK;
    ex_cand c = {0};
    int64_t idx[PARITY_MAX_DIMS];
    char pos[160] = "";
    size_t at = 0;
    parity_tensor_unravel(x->r, f->nf_ref_first, idx);
    for (int k = 0; k < x->r->ndim && at + 24 < sizeof pos; k++)
        at += (size_t)snprintf(pos + at, sizeof pos - at, "%s%lld", k ? ", " : "", (long long)idx[k]);
    c.h.kind = PARITY_HYP_ONE_SIDED;
    c.measured = 1;
    c.h.params[0] = (double)f->nf_ref_only, c.h.params[1] = (double)f->nf_ref_first;
    c.h.params[2] = f->nf_ref_value;
    snprintf(c.h.text, sizeof c.h.text, "non-finite on one side: %llu entries are %s in the reference "
             "and finite in the port (first at [%s]): a mask value the port does not apply",
             (unsigned long long)f->nf_ref_only,
             isnan(f->nf_ref_value) ? "NaN" : f->nf_ref_value < 0 ? "-inf" : "+inf", pos);
    return parity__ex_add(x, &c, err);
}

parity_status parity__ex_struct_candidates(ex_ctx *x, parity_error *err) {
    TRY(add_one_sided(x, err));
    TRY(add_diagonal(x, err));
    if (x->f.sdd > 0) TRY(add_row_scale(x, err));
    return PARITY_OK;
}

/* On the band p itself, off it r (the difference lies only there); axis
 * is the second-to-last. */
double parity__ex_apply_diagonal(const ex_cand *c, const int64_t *idx, double r, double p) {
    int64_t k = idx[c->axis + 1] - idx[c->axis];
    return k >= c->lo && k <= c->hi ? p : r;
}
