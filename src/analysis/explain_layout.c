/*
 * explain_layout.c — candidates that move values instead of changing them:
 * axis permutation (incl. the transpose of a square matrix, which no shape
 * check reveals), flip, shift and roll (explain_shift.c), memory-order
 * scramble (C against Fortran order, a reshape where a transpose was
 * meant), and row permutation along an axis (explain_rows.c).
 *
 * Each is T(r)[k] = r[src(k)]. Up to max_sample elements the searches run
 * on full copies of both tensors and every candidate is measured exactly.
 * Above it they run on a bounded sample: max_sample/4 destination
 * positions, one at random in each of as many equal strata (so no axis
 * aliases), and for the shift and row searches whole lines along the axis
 * (at most max_sample values per side, parity__ex_lines_read); a candidate
 * that explains half the difference on the sample is then measured over
 * every element by a streaming pass over p that reads r where src points.
 *
 * A scramble must keep the multiset of values: with copies, the sorted
 * values must agree within rounding (|sort p − sort r| ≤ the band of the
 * narrower dtype + 1e-5·rms(r)) for ≥ 99.9% of the elements; on a sample,
 * the rearrangement must explain ≥ 99%. Then the known rearrangements are
 * tried and named; a scramble no rearrangement names is offered only with
 * copies, when p is far from r (‖d‖ > 0.3‖r‖).
 */
#include "analysis/explain_internal.h"
#include "analysis/acc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static parity_status search_permute(ex_ctx *x, const ex_samp *s, parity_error *err) {
    ex_layout L;
    parity__ex_layout_init(x, &L, L_GATHER);
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
        int at = snprintf(c.h.text, sizeof c.h.text, "permute(");
        for (int a = 0; a < L.ndim; a++) {
            c.h.params[a] = L.perm[a];
            at += snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, "%s%d", a ? "," : "", L.perm[a]);
        }
        snprintf(c.h.text + at, sizeof c.h.text - (size_t)at, ")%s",
                 L.ndim == 2 ? ": the transpose of a square matrix" : "");
        TRY(parity__ex_layout_offer(x, s, &L, &c, err));
    }
    return PARITY_OK;
}

static parity_status search_flip(ex_ctx *x, const ex_samp *s, int a, parity_error *err) {
    ex_layout L;
    parity__ex_layout_init(x, &L, L_GATHER);
    L.flip = a;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_FLIP;
    c.h.params[0] = a;
    snprintf(c.h.text, sizeof c.h.text, "flip along axis %d", a);
    return parity__ex_layout_offer(x, s, &L, &c, err);
}

/* "(64,3,80)" into buf. */
static void put_shape(char *buf, size_t cap, const int64_t *shape, int nd) {
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int k = 0; k < nd && at + 24 < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", k ? "," : "", (long long)shape[k]);
    snprintf(buf + at, cap - at, ")");
}

/* The rearrangement in NumPy notation, with what it means for a weight. */
static void describe_swap(const ex_ctx *x, int i, int j, int w, parity_hypothesis *h) {
    int64_t sp[PARITY_MAX_DIMS];
    int nd = x->r->ndim;
    char s0[128], s1[128], buf[640];
    memcpy(sp, x->r->shape, sizeof sp);
    sp[i] = x->r->shape[j], sp[j] = x->r->shape[i];
    put_shape(s0, sizeof s0, x->r->shape, nd);
    put_shape(s1, sizeof s1, sp, nd);
    const char *conv = nd == 3 && i == 1 && j == 2 ? ", as a conv weight [out,in,k] read as [out,k,in]" : "";
    if (w)
        snprintf(buf, sizeof buf, "memory-order scramble: p = r.reshape%s.swapaxes(%d,%d): r's "
                 "memory read as %s, a reshape where a transpose was meant%s", s1, i, j, s1, conv);
    else
        snprintf(buf, sizeof buf, "memory-order scramble: p = r.swapaxes(%d,%d).reshape%s: the "
                 "transposed %s memory read as %s, a reshape where a transpose was meant",
                 i, j, s0, s1, s0);
    parity__ex_set_text(h, buf);
}

/* Named rearrangements of the same values: C/Fortran order both ways, and
 * transpose-vs-reshape per pair of unequal axes, both ways. */
static parity_status search_named_scrambles(ex_ctx *x, const ex_samp *s, parity_error *err) {
    static const char *co[2] = {"Fortran-order values read as C order: p = r.ravel('F').reshape%s",
                                "C-order values read as Fortran order: p = r.ravel().reshape(%s, order='F')"};
    ex_layout L;
    char shp[128], buf[320];
    put_shape(shp, sizeof shp, x->r->shape, x->r->ndim);
    for (int w = 0; w < 2 && x->r->ndim >= 2; w++) {
        parity__ex_layout_init(x, &L, w ? L_F_OF_C : L_C_OF_F);
        ex_cand c = {0};
        c.h.kind = PARITY_HYP_SCRAMBLE, c.h.params[0] = 1, c.h.params[1] = w;
        int at = snprintf(buf, sizeof buf, "memory-order scramble: ");
        snprintf(buf + at, sizeof buf - (size_t)at, co[w], shp);
        parity__ex_set_text(&c.h, buf);
        TRY(parity__ex_layout_offer(x, s, &L, &c, err));
    }
    for (int i = 0; i < x->r->ndim; i++)
        for (int j = i + 1; j < x->r->ndim; j++) {
            if (x->r->shape[i] == x->r->shape[j] || x->r->shape[i] < 2 || x->r->shape[j] < 2)
                continue;
            for (int w = 0; w < 2; w++) {
                parity__ex_layout_init(x, &L, w ? L_T_RESHAPE : L_RESHAPE_T);
                L.ai = i, L.aj = j;
                ex_cand c = {0};
                c.h.kind = PARITY_HYP_SCRAMBLE;
                c.h.params[0] = 2, c.h.params[1] = i, c.h.params[2] = j, c.h.params[3] = w;
                describe_swap(x, i, j, w, &c.h);
                TRY(parity__ex_layout_offer(x, s, &L, &c, err));
            }
        }
    return PARITY_OK;
}

/* The narrower float dtype of the two sides, as ULP distances count it
 * (its rounding bounds how far equal values can drift); f64 widened to
 * f32's band. */
static parity_dtype narrow_dtype(const ex_ctx *x) {
    parity_dtype n = parity__ulp_dtype(x->r->dtype, x->p->dtype);
    return n == PARITY_DT_F64 ? PARITY_DT_F32 : n;
}

/* With copies: the same multiset within rounding (see the top); *gap is
 * Σ(sort p − sort r)², what is left once order is ignored. */
static parity_status same_multiset(const ex_ctx *x, int *same, double *gap, parity_error *err) {
    uint64_t n = x->r->count;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    if (!a || !b) free(a), free(b);
    FAIL_IF(!a || !b, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    size_t na = 0, nb = 0, off = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (isfinite(x->rr[k])) a[na++] = x->rr[k];
        if (isfinite(x->pp[k])) b[nb++] = x->pp[k];
    }
    *same = 0, *gap = 0;
    if (na == nb && na > 0) {
        qsort(a, na, sizeof *a, parity__ex_cmp_double);
        qsort(b, nb, sizeof *b, parity__ex_cmp_double);
        parity_dtype dt = narrow_dtype(x);
        double ulp_rms = parity__ex_ulp(dt, x->rms_r);
        for (size_t k = 0; k < na; k++) {
            double e = fabs(b[k] - a[k]);
            *gap += e * e;
            off += e > parity__ex_precision_band(dt, a[k], ulp_rms) + 1e-5 * x->rms_r;
        }
        *same = (double)off <= 1e-3 * (double)na;
    }
    free(a);
    free(b);
    return PARITY_OK;
}

static parity_status search_scramble(ex_ctx *x, const ex_samp *s, parity_error *err) {
    int same = 0;
    double gap = 0;
    /* equal multisets have equal energies: skip the sort when Σp² and Σr²
     * differ by more than 1% */
    if (fabs(x->f.spp - x->f.srr) > 0.01 * x->f.srr) return PARITY_OK;
    if (x->rr) TRY(same_multiset(x, &same, &gap, err));
    if (x->rr && !same) return PARITY_OK;
    TRY(search_named_scrambles(x, s, err));
    for (size_t i = 0; i < x->nc; i++) /* a named layout already explains it */
        if (x->c[i].measured && x->c[i].h.kind != PARITY_HYP_NONFINITE &&
            x->c[i].sq <= 0.5 * x->f.sdd)
            return PARITY_OK;
    if (!x->rr || x->f.sdd <= 0.09 * x->f.srr) return PARITY_OK;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_SCRAMBLE;
    c.h.complexity = 4; /* unnamed: less specific than a named order */
    snprintf(c.h.text, sizeof c.h.text,
             "memory-order scramble: the same values in another order (no named rearrangement)");
    c.sq = gap;
    c.measured = 1;
    return parity__ex_add(x, &c, err);
}

/* splitmix64: jitters the sample positions so no axis aliases. */
static uint64_t mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Without copies: max_sample/4 positions, one drawn at random in each of
 * as many equal strata of the flat order (sorted by construction, so p is
 * read forward), and p read there once. */
static parity_status sample_open(const ex_ctx *x, ex_samp *s, parity_error *err) {
    memset(s, 0, sizeof *s);
    if (x->rr) {
        s->exact = 1, s->ns = x->r->count;
        return PARITY_OK;
    }
    uint64_t count = x->r->count;
    s->ns = x->o.max_sample / 4;
    s->pos = malloc((size_t)s->ns * sizeof *s->pos);
    s->pv = malloc((size_t)s->ns * sizeof *s->pv);
    FAIL_IF(!s->pos || !s->pv, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (uint64_t j = 0; j < s->ns; j++) {
        uint64_t lo = j * count / s->ns, hi = (j + 1) * count / s->ns;
        s->pos[j] = lo + mix(j) % (hi > lo ? hi - lo : 1);
        s->pv[j] = parity__ex_p_at(x, s->pos[j]);
    }
    return PARITY_OK;
}

static parity_status per_axis(ex_ctx *x, const ex_samp *s, parity_error *err) {
    for (int a = 0; a < x->r->ndim; a++) {
        if (x->r->shape[a] < 2) continue;
        TRY(search_flip(x, s, a, err));
        ex_lines l;
        parity_status st = parity__ex_lines_read(x, a, x->o.max_sample, &l, err);
        if (st == PARITY_OK) st = parity__ex_shift_candidates(x, s, &l, err);
        if (st == PARITY_OK) st = parity__ex_row_candidates(x, s, &l, err);
        parity__ex_lines_free(&l);
        TRY(st);
    }
    return PARITY_OK;
}

parity_status parity__ex_layout_candidates(ex_ctx *x, parity_error *err) {
    if (x->r->ndim == 0 || x->r->count < 4) return PARITY_OK;
    ex_samp s;
    parity_status st = sample_open(x, &s, err);
    if (st == PARITY_OK) st = search_permute(x, &s, err);
    if (st == PARITY_OK) st = per_axis(x, &s, err);
    if (st == PARITY_OK) st = search_scramble(x, &s, err);
    free(s.pos);
    free(s.pv);
    return st;
}
