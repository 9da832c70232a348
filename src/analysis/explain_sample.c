/*
 * explain_sample.c — the machinery the layout searches share
 * (explain_layout.c, explain_shift.c, explain_rows.c): a rearrangement's
 * source index, the data through the copies or a bounded sample, the
 * residual of a layout over the sample and, for a candidate that looks
 * like an explanation, over every element; whole lines along an axis.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t ravel_c(const int64_t *shape, int nd, const int64_t *idx) {
    uint64_t f = 0;
    for (int k = 0; k < nd; k++) f = f * (uint64_t)shape[k] + (uint64_t)idx[k];
    return f;
}

static uint64_t ravel_f(const int64_t *shape, int nd, const int64_t *idx) {
    uint64_t f = 0;
    for (int k = nd - 1; k >= 0; k--) f = f * (uint64_t)shape[k] + (uint64_t)idx[k];
    return f;
}

static void unravel_c(const int64_t *shape, int nd, uint64_t f, int64_t *idx) {
    for (int k = nd - 1; k >= 0; k--) idx[k] = (int64_t)(f % (uint64_t)shape[k]), f /= (uint64_t)shape[k];
}

static void unravel_f(const int64_t *shape, int nd, uint64_t f, int64_t *idx) {
    for (int k = 0; k < nd; k++) idx[k] = (int64_t)(f % (uint64_t)shape[k]), f /= (uint64_t)shape[k];
}

void parity__ex_layout_init(const ex_ctx *x, ex_layout *L, ex_lkind kind) {
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->ndim = x->r->ndim;
    L->flip = -1;
    for (int a = 0; a < L->ndim; a++) L->shape[a] = x->r->shape[a], L->perm[a] = a;
}

/* GATHER: r axis perm[a] is p axis a, then one axis flipped or shifted
 * (circular, zeros or the edge value in the vacated indices). */
static uint64_t src_gather(const ex_layout *L, const int64_t *idx) {
    int64_t s[PARITY_MAX_DIMS] = {0};
    for (int a = 0; a < L->ndim; a++) s[L->perm[a]] = idx[a];
    if (L->flip >= 0) s[L->flip] = L->shape[L->flip] - 1 - s[L->flip];
    if (L->shift) {
        int64_t n = L->shape[L->shift_axis], v = s[L->shift_axis] - L->shift;
        if (L->fill == 0) v = ((v % n) + n) % n;
        else if (v < 0 || v >= n) {
            if (L->fill == 1) return UINT64_MAX;
            v = v < 0 ? 0 : n - 1;
        }
        s[L->shift_axis] = v;
    }
    return ravel_c(L->shape, L->ndim, s);
}

/* For the transpose pair: s' = shape with axes ai, aj swapped, sw() swaps
 * those entries of an index.
 *   RESHAPE_T: p.flat = transpose(r).flat   src = ravel_c(s, sw(unravel_c(s', k)))
 *   T_RESHAPE: p = swapaxes(reshape(r, s')) src = ravel_c(s', sw(idx)) */
uint64_t parity__ex_layout_src(const ex_layout *L, const int64_t *idx, uint64_t k) {
    int64_t t[PARITY_MAX_DIMS], sp[PARITY_MAX_DIMS];
    const int nd = L->ndim;
    switch (L->kind) {
    case L_GATHER: return src_gather(L, idx);
    case L_C_OF_F: unravel_f(L->shape, nd, k, t); return ravel_c(L->shape, nd, t);
    case L_F_OF_C: return ravel_f(L->shape, nd, idx);
    case L_ROWS:
        memcpy(t, idx, (size_t)nd * sizeof *t);
        t[L->ai] = L->rows[idx[L->ai]];
        return ravel_c(L->shape, nd, t);
    default: break;
    }
    memcpy(sp, L->shape, sizeof sp);
    sp[L->ai] = L->shape[L->aj], sp[L->aj] = L->shape[L->ai];
    if (L->kind == L_RESHAPE_T) {
        unravel_c(sp, nd, k, t);
        int64_t v = t[L->ai];
        t[L->ai] = t[L->aj], t[L->aj] = v;
        return ravel_c(L->shape, nd, t);
    }
    memcpy(t, idx, (size_t)nd * sizeof *t);
    t[L->ai] = idx[L->aj], t[L->aj] = idx[L->ai];
    return ravel_c(sp, nd, t);
}

double parity__ex_r_at(const ex_ctx *x, uint64_t flat) {
    return x->rr ? x->rr[flat] : parity__ex_read_at(x, x->r, flat);
}

double parity__ex_p_at(const ex_ctx *x, uint64_t flat) {
    return x->pp ? x->pp[flat] : parity__ex_read_at(x, x->p, flat);
}

/* (p − T(r))² of one pair, 0 where either is not finite; *used counts
 * the finite pairs. */
static double err2(const ex_ctx *x, const ex_layout *L, const int64_t *idx, uint64_t k,
                   double p, uint64_t *used) {
    uint64_t s = parity__ex_layout_src(L, idx, k);
    double r = s == UINT64_MAX ? 0.0 : parity__ex_r_at(x, s);
    if (!isfinite(r) || !isfinite(p)) return 0.0;
    ++*used;
    return (p - r) * (p - r);
}

double parity__ex_sample_sq(const ex_ctx *x, const ex_samp *s, const ex_layout *L, uint64_t *used) {
    int64_t idx[PARITY_MAX_DIMS] = {0};
    double sq = 0;
    *used = 0;
    for (uint64_t j = 0; j < s->ns; j++) {
        uint64_t k = s->exact ? j : s->pos[j];
        if (s->exact) sq += err2(x, L, idx, k, x->pp[k], used), parity__ex_next(idx, x->r);
        else unravel_c(L->shape, L->ndim, k, idx), sq += err2(x, L, idx, k, s->pv[j], used);
    }
    return sq;
}

/* Σ(p − T(r))² over the sample, scaled to the finite pairs of the whole
 * tensor (exact when s->exact). */
static double sample_sq(const ex_ctx *x, const ex_samp *s, const ex_layout *L) {
    uint64_t used;
    double sq = parity__ex_sample_sq(x, s, L, &used);
    if (s->exact || used == 0) return sq;
    return sq * (double)x->f.n / (double)used;
}

/* Σ(p − T(r))² over every element: p streamed, r read where src points. */
static double full_sq(const ex_ctx *x, const ex_layout *L) {
    double pb[EX_CHUNK], sq = 0;
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t used = 0, count = x->r->count, done = 0;
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity_tensor_read(x->p, at, m, pb);
        for (size_t i = 0; i < m; i++, parity__ex_next(idx, x->r))
            sq += err2(x, L, idx, at + i, pb[i], &used);
        parity__ex_release(&x->p, 1, &done, at + m, at + m == count);
    }
    return sq;
}

parity_status parity__ex_layout_offer(ex_ctx *x, const ex_samp *s, const ex_layout *L, ex_cand *c,
                              parity_error *err) {
    double sq = sample_sq(x, s, L), need = c->h.kind == PARITY_HYP_SCRAMBLE ? 0.01 : 0.6;
    if (!s->exact) {
        /* a generous margin over the listing gates: the sample estimates */
        if (sq > need * x->f.sdd || sq > 0.6 * x->base_sq) {
            free(c->perm);
            return PARITY_OK;
        }
        sq = full_sq(x, L);
    }
    c->sq = sq;
    c->measured = 1;
    return parity__ex_add(x, c, err);
}

/* Lines along axis a, spread over the other axes: line q (of count/len)
 * starts at the C-order position of q's other indices, step = the axis's
 * C stride; a window of its first EX_WINDOW values when it is longer.
 * Non-finite values are read as 0 (the measures skip them anyway). */
#define EX_WINDOW 65536
parity_status parity__ex_lines_read(const ex_ctx *x, int a, uint64_t budget, ex_lines *l,
                            parity_error *err) {
    memset(l, 0, sizeof *l);
    const parity_tensor *t = x->r;
    int64_t L = t->shape[a];
    uint64_t m = t->count / (uint64_t)L, step = 1;
    for (int k = a + 1; k < t->ndim; k++) step *= (uint64_t)t->shape[k];
    l->axis = a;
    l->len = L < EX_WINDOW ? L : EX_WINDOW;
    l->nl = budget / (uint64_t)l->len;
    l->nl = l->nl < 1 ? 1 : l->nl > m ? m : l->nl;
    l->p = malloc((size_t)(l->nl * (uint64_t)l->len) * sizeof *l->p);
    l->r = malloc((size_t)(l->nl * (uint64_t)l->len) * sizeof *l->r);
    FAIL_IF(!l->p || !l->r, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (uint64_t j = 0; j < l->nl; j++) {
        uint64_t q = j * m / l->nl; /* other indices: q = outer·step + inner */
        uint64_t base = q / step * step * (uint64_t)L + q % step;
        for (int64_t i = 0; i < l->len; i++) { /* NaN/Inf read as 0: they would */
            double pv = parity__ex_p_at(x, base + (uint64_t)i * step); /* poison every lag */
            double rv = parity__ex_r_at(x, base + (uint64_t)i * step);
            l->p[j * (uint64_t)l->len + (uint64_t)i] = isfinite(pv) ? pv : 0.0;
            l->r[j * (uint64_t)l->len + (uint64_t)i] = isfinite(rv) ? rv : 0.0;
        }
    }
    return PARITY_OK;
}

void parity__ex_lines_free(ex_lines *l) {
    free(l->p);
    free(l->r);
    l->p = l->r = NULL;
}
