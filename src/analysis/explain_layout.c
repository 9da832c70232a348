/*
 * explain_layout.c — candidates that move values instead of changing them:
 * axis permutation (incl. the transpose of a square matrix, which no shape
 * check reveals), flip, shift (lag, |s| <= 8, edge values repeated),
 * memory-order scramble (C against Fortran order, a reshape where a
 * transpose was meant), and row permutation along an axis.
 *
 * Each is T(r)[k] = r[src(k)], searched and measured exactly on full
 * copies of both tensors; the copies exist only when count <= max_sample
 * (explain.c), so larger tensors skip these candidates. A scramble is first
 * detected by comparing the sorted values (the same multiset), then named
 * by trying the rearrangements; rows are matched to their nearest row:
 *   dist²(p_i, r_j) = ‖p_i‖² + ‖r_j‖² − 2⟨p_i, r_j⟩
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_MAX_SHIFT 8
#define EX_ROW_WORK 50000000.0 /* L·count multiply-adds for the row search */

typedef enum { L_GATHER, L_C_OF_F, L_F_OF_C, L_RESHAPE_T, L_T_RESHAPE } ex_lkind;

/* src(k) of one rearrangement. GATHER: src_idx[perm[a]] = idx[a], then the
 * flip / shift of one axis; the scrambles: see src_flat(). */
typedef struct ex_layout {
    ex_lkind kind;
    int ndim;
    int64_t shape[PARITY_MAX_DIMS];
    int perm[PARITY_MAX_DIMS];
    int flip, shift_axis, ai, aj; /* flip: axis or −1                       */
    int64_t shift;
} ex_layout;

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

static uint64_t src_gather(const ex_layout *L, const int64_t *idx) {
    int64_t s[PARITY_MAX_DIMS] = {0};
    for (int a = 0; a < L->ndim; a++) s[L->perm[a]] = idx[a];
    if (L->flip >= 0) s[L->flip] = L->shape[L->flip] - 1 - s[L->flip];
    if (L->shift) {
        int64_t v = s[L->shift_axis] - L->shift, n = L->shape[L->shift_axis];
        s[L->shift_axis] = v < 0 ? 0 : (v >= n ? n - 1 : v);
    }
    return ravel_c(L->shape, L->ndim, s);
}

/* Flat source index of destination idx (flat k). For the transpose pair:
 * s' = shape with axes ai, aj swapped, sw() swaps those entries.
 *   RESHAPE_T: p.flat = transpose(r).flat   src = ravel_c(s, sw(unravel_c(s', k)))
 *   T_RESHAPE: p = transpose(reshape(r, s')) src = ravel_c(s', sw(idx)) */
static uint64_t src_flat(const ex_layout *L, const int64_t *idx, uint64_t k) {
    int64_t t[PARITY_MAX_DIMS], sp[PARITY_MAX_DIMS];
    const int nd = L->ndim;
    switch (L->kind) {
    case L_GATHER: return src_gather(L, idx);
    case L_C_OF_F: unravel_f(L->shape, nd, k, t); return ravel_c(L->shape, nd, t);
    case L_F_OF_C: return ravel_f(L->shape, nd, idx);
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

/* Σ(p[k] − r[src(k)])² over the pairs where both are finite. */
static double measure(const ex_ctx *x, const ex_layout *L) {
    int64_t idx[PARITY_MAX_DIMS] = {0};
    double sq = 0;
    for (uint64_t k = 0; k < x->r->count; k++) {
        double r = x->rr[src_flat(L, idx, k)], p = x->pp[k];
        if (isfinite(r) && isfinite(p)) sq += (p - r) * (p - r);
        for (int a = L->ndim - 1; a >= 0 && ++idx[a] >= L->shape[a]; a--) idx[a] = 0;
    }
    return sq;
}

static void layout_init(const ex_ctx *x, ex_layout *L, ex_lkind kind) {
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->ndim = x->r->ndim;
    L->flip = -1;
    for (int a = 0; a < L->ndim; a++) L->shape[a] = x->r->shape[a], L->perm[a] = a;
}

static parity_status add_measured(ex_ctx *x, ex_cand *c, double sq, parity_error *err) {
    c->sq = sq;
    c->measured = 1;
    FAIL_IF(!ex_add(x, c), err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    return PARITY_OK;
}

/* Next permutation in lexicographic order; 0 after the last. */
static int next_perm(int *p, int n) {
    int i = n - 2;
    while (i >= 0 && p[i] >= p[i + 1]) i--;
    if (i < 0) return 0;
    int j = n - 1;
    while (p[j] <= p[i]) j--;
    int t = p[i];
    p[i] = p[j], p[j] = t;
    for (int a = i + 1, b = n - 1; a < b; a++, b--) t = p[a], p[a] = p[b], p[b] = t;
    return 1;
}

/* Every non-identity axis permutation that keeps the shape (ndim <= 5). */
static parity_status search_permute(ex_ctx *x, parity_error *err) {
    ex_layout L;
    layout_init(x, &L, L_GATHER);
    if (L.ndim < 2 || L.ndim > 5) return PARITY_OK;
    while (next_perm(L.perm, L.ndim)) {
        int keeps = 1, moves_big = 0;
        for (int a = 0; a < L.ndim; a++) {
            keeps &= L.shape[L.perm[a]] == L.shape[a];
            moves_big |= L.perm[a] != a && L.shape[a] > 1;
        }
        if (!keeps || !moves_big) continue;
        ex_cand c = {0};
        c.h.kind = PARITY_HYP_PERMUTE;
        c.h.complexity = 3;
        int at = snprintf(c.h.text, sizeof c.h.text, "permute(");
        for (int a = 0; a < L.ndim; a++) {
            c.h.params[a] = L.perm[a];
            at += snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, "%s%d", a ? "," : "", L.perm[a]);
        }
        snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, ")%s",
                 L.ndim == 2 ? ": the transpose of a square matrix" : "");
        TRY(add_measured(x, &c, measure(x, &L), err));
    }
    return PARITY_OK;
}

static parity_status search_flip_shift(ex_ctx *x, int a, parity_error *err) {
    ex_layout L;
    layout_init(x, &L, L_GATHER);
    L.flip = a;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_FLIP;
    c.h.complexity = 3;
    c.h.params[0] = a;
    snprintf(c.h.text, sizeof c.h.text, "flip along axis %d", a);
    TRY(add_measured(x, &c, measure(x, &L), err));
    L.flip = -1;
    L.shift_axis = a;
    double best = INFINITY;
    int64_t best_s = 0;
    for (int64_t s = -EX_MAX_SHIFT; s <= EX_MAX_SHIFT; s++) {
        if (s == 0 || 2 * (s < 0 ? -s : s) >= L.shape[a]) continue;
        L.shift = s;
        double sq = measure(x, &L);
        if (sq < best) best = sq, best_s = s;
    }
    if (best_s == 0) return PARITY_OK;
    memset(&c, 0, sizeof c);
    c.h.kind = PARITY_HYP_SHIFT;
    c.h.complexity = 3;
    c.h.params[0] = a, c.h.params[1] = (double)best_s;
    snprintf(c.h.text, sizeof c.h.text, "shift by %+lld along axis %d (p[i] = r[i %s %lld])",
             (long long)best_s, a, best_s > 0 ? "-" : "+", (long long)(best_s > 0 ? best_s : -best_s));
    return add_measured(x, &c, best, err);
}

/* Named rearrangements of the same values (run when the sorted values
 * agree): C/Fortran order both ways, and transpose-vs-reshape per pair of
 * unequal axes, both ways. */
static parity_status search_named_scrambles(ex_ctx *x, parity_error *err) {
    static const char *co[2] = {"p holds r's values in Fortran order, read as C order",
                                "p holds r's C-order values, read as Fortran order"};
    ex_layout L;
    for (int w = 0; w < 2 && x->r->ndim >= 2; w++) {
        layout_init(x, &L, w ? L_F_OF_C : L_C_OF_F);
        ex_cand c = {0};
        c.h.kind = PARITY_HYP_SCRAMBLE, c.h.complexity = 4, c.h.params[0] = 1;
        snprintf(c.h.text, sizeof c.h.text, "memory-order scramble: %s", co[w]);
        TRY(add_measured(x, &c, measure(x, &L), err));
    }
    for (int i = 0; i < x->r->ndim; i++)
        for (int j = i + 1; j < x->r->ndim; j++) {
            if (x->r->shape[i] == x->r->shape[j] || x->r->shape[i] < 2 || x->r->shape[j] < 2)
                continue;
            for (int w = 0; w < 2; w++) {
                layout_init(x, &L, w ? L_T_RESHAPE : L_RESHAPE_T);
                L.ai = i, L.aj = j;
                ex_cand c = {0};
                c.h.kind = PARITY_HYP_SCRAMBLE, c.h.complexity = 4;
                c.h.params[0] = 2, c.h.params[1] = i, c.h.params[2] = j, c.h.params[3] = w;
                snprintf(c.h.text, sizeof c.h.text,
                         "memory-order scramble: %s (axes %d and %d)",
                         w ? "transpose of a reshape where a transpose was meant"
                           : "a reshape of the transposed data where a transpose was meant",
                         i, j);
                TRY(add_measured(x, &c, measure(x, &L), err));
            }
        }
    return PARITY_OK;
}

/* Σ(sort p − sort r)²: the difference left once order is ignored; −1 when
 * the finite counts differ. */
static double sorted_gap(const ex_ctx *x, parity_error *err, parity_status *st) {
    uint64_t n = x->r->count;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    *st = (!a || !b) ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory")
                     : PARITY_OK;
    size_t na = 0, nb = 0;
    for (uint64_t k = 0; *st == PARITY_OK && k < n; k++) {
        if (isfinite(x->rr[k])) a[na++] = x->rr[k];
        if (isfinite(x->pp[k])) b[nb++] = x->pp[k];
    }
    double gap = -1;
    if (*st == PARITY_OK && na == nb) {
        qsort(a, na, sizeof *a, ex_cmp_double);
        qsort(b, nb, sizeof *b, ex_cmp_double);
        gap = 0;
        for (size_t k = 0; k < na; k++) gap += (b[k] - a[k]) * (b[k] - a[k]);
    }
    free(a);
    free(b);
    return gap;
}

static parity_status search_scramble(ex_ctx *x, parity_error *err) {
    parity_status st;
    double gap = sorted_gap(x, err, &st);
    TRY(st);
    /* Small noise keeps the sorted values close too: the test must be
     * strict, and an unnamed scramble needs p far from r (relative > 0.3). */
    if (gap < 0 || gap > 1e-4 * x->f.sdd) return PARITY_OK;
    TRY(search_named_scrambles(x, err));
    for (size_t i = 0; i < x->nc; i++) /* a named layout already explains it */
        if (x->c[i].measured && x->c[i].h.kind != PARITY_HYP_NONFINITE &&
            x->c[i].sq <= 0.5 * x->f.sdd)
            return PARITY_OK;
    if (x->f.sdd <= 0.09 * x->f.srr) return PARITY_OK;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_SCRAMBLE, c.h.complexity = 8;
    snprintf(c.h.text, sizeof c.h.text,
             "memory-order scramble: the same values in another order (no named rearrangement)");
    return add_measured(x, &c, gap, err);
}

/* Rows along axis a as an [L][m] matrix (C order of the other axes). */
static void gather_rows(const ex_ctx *x, const double *v, int a, double *out, uint64_t *cnt) {
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t m = x->r->count / (uint64_t)x->r->shape[a];
    memset(cnt, 0, (size_t)x->r->shape[a] * sizeof *cnt);
    for (uint64_t k = 0; k < x->r->count; k++) {
        int64_t row = idx[a];
        out[(uint64_t)row * m + cnt[row]++] = v[k];
        for (int d = x->r->ndim - 1; d >= 0 && ++idx[d] >= x->r->shape[d]; d--) idx[d] = 0;
    }
}

/* perm[i] = the r row nearest p row i; 1 when that is a bijection. */
static int nearest_rows(const double *P, const double *R, int64_t L, uint64_t m, int64_t *perm) {
    int ok = 1;
    char *seen = calloc((size_t)L, 1);
    if (!seen) return 0;
    for (int64_t i = 0; i < L && ok; i++) {
        double best = INFINITY;
        for (int64_t j = 0; j < L; j++) {
            double d2 = 0;
            const double *p = P + (uint64_t)i * m, *r = R + (uint64_t)j * m;
            for (uint64_t c = 0; c < m && d2 < best; c++) d2 += (p[c] - r[c]) * (p[c] - r[c]);
            if (d2 < best) best = d2, perm[i] = j;
        }
        ok = !seen[perm[i]];
        seen[perm[i]] = 1;
    }
    free(seen);
    return ok;
}

/* "interleaved -> half-split" and friends, else the first moved rows. */
static void describe_rows(const int64_t *perm, int64_t L, int a, char *buf, size_t cap) {
    int inter = L % 2 == 0, half = L % 2 == 0, pairs = L % 2 == 0;
    for (int64_t i = 0; i < L && (inter || half || pairs); i++) {
        int64_t h = L / 2;
        inter &= perm[i] == (i < h ? 2 * i : 2 * (i - h) + 1);
        half &= perm[i] == (i % 2 == 0 ? i / 2 : h + i / 2);
        pairs &= perm[i] == (i ^ 1);
    }
    int at = snprintf(buf, cap, "row permutation along axis %d: ", a);
    if (inter) snprintf(buf + at, cap - (size_t)at, "p takes r's even rows then its odd rows (interleaved -> half-split, as RoPE GPT-J vs NeoX)");
    else if (half) snprintf(buf + at, cap - (size_t)at, "p interleaves r's two halves (half-split -> interleaved, as RoPE NeoX vs GPT-J)");
    else if (pairs) snprintf(buf + at, cap - (size_t)at, "adjacent rows swapped in pairs");
    else {
        at += snprintf(buf + at, cap - (size_t)at, "p row i = r row");
        for (int64_t i = 0; i < L && i < 8 && (size_t)at + 24 < cap; i++)
            at += snprintf(buf + at, cap - (size_t)at, " %lld", (long long)perm[i]);
        if (L > 8) snprintf(buf + at, cap - (size_t)at, " ...");
    }
}

static parity_status search_rows(ex_ctx *x, int a, double *P, double *R, uint64_t *cnt,
                                 parity_error *err) {
    int64_t L = x->r->shape[a];
    uint64_t m = x->r->count / (uint64_t)L;
    if (L < 2 || m < 2 || (double)L * (double)x->r->count > EX_ROW_WORK) return PARITY_OK;
    int64_t *perm = malloc((size_t)L * sizeof *perm);
    FAIL_IF(!perm, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    gather_rows(x, x->pp, a, P, cnt);
    gather_rows(x, x->rr, a, R, cnt);
    int moved = 0, ok = nearest_rows(P, R, L, m, perm);
    for (int64_t i = 0; ok && i < L; i++) moved |= perm[i] != i;
    parity_status st = PARITY_OK;
    if (ok && moved) {
        ex_cand c = {0};
        double sq = 0;
        for (int64_t i = 0; i < L; i++)
            for (uint64_t k = 0; k < m; k++) {
                double e = P[(uint64_t)i * m + k] - R[(uint64_t)perm[i] * m + k];
                sq += e * e;
            }
        c.h.kind = PARITY_HYP_ROW_PERMUTATION, c.h.complexity = 5, c.h.params[0] = a;
        describe_rows(perm, L, a, c.h.text, sizeof c.h.text);
        st = add_measured(x, &c, sq, err);
    }
    free(perm);
    return st;
}

static int all_finite(const ex_ctx *x) {
    for (uint64_t k = 0; k < x->r->count; k++)
        if (!isfinite(x->rr[k]) || !isfinite(x->pp[k])) return 0;
    return 1;
}

parity_status ex_layout_candidates(ex_ctx *x, parity_error *err) {
    if (!x->rr || x->r->ndim == 0) return PARITY_OK;
    TRY(search_permute(x, err));
    for (int a = 0; a < x->r->ndim; a++)
        if (x->r->shape[a] >= 2) TRY(search_flip_shift(x, a, err));
    if (!all_finite(x)) return search_scramble(x, err);
    double *P = malloc((size_t)x->r->count * sizeof *P), *R = malloc((size_t)x->r->count * sizeof *R);
    uint64_t *cnt = NULL;
    parity_status st = PARITY_OK;
    for (int a = 0; st == PARITY_OK && a < x->r->ndim; a++) {
        cnt = cnt ? cnt : calloc(4096, sizeof *cnt);
        if (!P || !R || !cnt) st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
        else if (x->r->shape[a] <= 4096) st = search_rows(x, a, P, R, cnt, err);
    }
    free(P), free(R), free(cnt);
    TRY(st);
    return search_scramble(x, err);
}
