/*
 * explain_common.c — what every candidate family of parity explain uses:
 * the candidate list, hypothesis text and arrays, multi-index steps, the
 * names of known constants, ULPs and rounding bands. A leaf: it calls no
 * family.
 */
#include "analysis/explain_internal.h"
#include "core/quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

parity_status parity__ex_add(ex_ctx *x, ex_cand *c, parity_error *err) {
    if (x->nc == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 32;
        ex_cand *n = realloc(x->c, cap * sizeof *n);
        if (!n) parity__ex_cand_free(c);
        FAIL_IF(!n, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
        x->c = n;
        x->cap = cap;
    }
    x->c[x->nc++] = *c;
    return PARITY_OK;
}

parity_status parity__ex_add_measured(ex_ctx *x, parity_hyp_kind kind, double sq, const char *text,
                                      const double *params, parity_error *err) {
    ex_cand c = {0};
    c.h.kind = kind;
    c.sq = sq;
    c.measured = 1;
    if (params) memcpy(c.h.params, params, sizeof c.h.params);
    parity__ex_set_text(&c.h, text);
    return parity__ex_add(x, &c, err);
}

void parity__ex_release(const parity_tensor *const *t, int nt, uint64_t *done, uint64_t upto,
                        int final) {
    if (upto <= *done || (!final && upto - *done < (1u << 20))) return;
    for (int k = 0; k < nt; k++)
        if (t[k]) parity__tensor_release(t[k], *done, upto - *done);
    *done = upto;
}

/* Drop the pages of [lo, hi) of t, widened to at least PARITY__RELEASE_BYTES
 * (parity__tensor_release's floor; pages never touched cost nothing). */
static void drop_span(const parity_tensor *t, uint64_t lo, uint64_t hi) {
    uint64_t need = parity__dtype_elems_for_bytes(t->dtype, PARITY__RELEASE_BYTES);
    if (hi - lo < need) {
        hi = t->count - lo > need ? lo + need : t->count;
        lo = hi > need ? hi - need : 0;
    }
    parity__tensor_release(t, lo, hi - lo);
}

void parity__ex_pager_flush(ex_pager *pg) {
    for (int k = 0; k < pg->n; k++)
        if (pg->hi[k] > pg->lo[k]) drop_span(pg->t[k], pg->lo[k], pg->hi[k]);
    pg->n = 0;
}

static void touch(ex_pager *pg, const parity_tensor *t, uint64_t flat) {
    int k = 0;
    while (k < pg->n && pg->t[k] != t) k++;
    if (k == pg->n) {
        if (pg->n == EX_TOUCH_TENSORS) parity__ex_pager_flush(pg), k = 0;
        pg->t[k] = t, pg->lo[k] = flat, pg->hi[k] = flat + 1, pg->reads[k] = 0, pg->n = k + 1;
    }
    if (flat < pg->lo[k]) pg->lo[k] = flat;
    if (flat >= pg->hi[k]) pg->hi[k] = flat + 1;
    /* reads close together share their pages: kept until they spread */
    if (++pg->reads[k] >= EX_TOUCH_READS &&
        pg->hi[k] - pg->lo[k] > parity__dtype_elems_for_bytes(t->dtype, EX_TOUCH_SPAN)) {
        drop_span(t, pg->lo[k], pg->hi[k]);
        pg->lo[k] = pg->hi[k] = flat, pg->reads[k] = 0;
    }
}

double parity__ex_read_at(const ex_ctx *x, const parity_tensor *t, uint64_t flat) {
    double v;
    parity_tensor_read(t, flat, 1, &v);
    if (x->pg && t->priv.file_backed) touch(x->pg, t, flat);
    return v;
}

uint64_t parity__ex_cap(const ex_ctx *x) {
    return x->o.max_sample < 65536 ? x->o.max_sample : 65536;
}

void parity__ex_set_text(parity_hypothesis *h, const char *text) {
    size_t n = strlen(text);
    n = n < sizeof h->text ? n : sizeof h->text - 1;
    memcpy(h->text, text, n);
    h->text[n] = '\0';
}

void parity__ex_cand_free(ex_cand *c) {
    free(c->va), free(c->vb), free(c->sq_i), free(c->perm);
    c->va = c->vb = c->sq_i = NULL;
    c->perm = NULL;
}

void parity__ex_next(int64_t *idx, const parity_tensor *t) {
    for (int k = t->ndim - 1; k >= 0; k--) {
        if (++idx[k] < t->shape[k]) return;
        idx[k] = 0;
    }
}

void parity__ex_hyp_free(parity_hypothesis *h) {
    free(h->index_a), free(h->index_b), free(h->perm);
    h->index_a = h->index_b = NULL;
    h->perm = NULL;
}

int parity__ex_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct ex_const {
    double v;
    const char *name;
} ex_const;

/* Scales a port picks up by accident (docs/explain.md). The head sizes cover the
 * common attention heads (1/√d missing or applied twice). */
static const char *scale_const(double a, char *nm, size_t cap) {
    static const int heads[] = {8,  16, 24, 32,  40,  48,  56,  64,  72,  80, 96,
                                112, 128, 160, 192, 256, 320, 384, 512};
    const double ln10 = log(10.0), pi = acos(-1.0);
    const ex_const k[] = {
        {2, "2"}, {0.5, "1/2"}, {pi, "pi"}, {1 / pi, "1/pi"}, {ln10, "ln 10"},
        {1 / ln10, "1/ln 10"}, {20 / ln10, "20/ln 10"}, {10 / ln10, "10/ln 10"},
        {ln10 / 20, "ln 10/20"}, {ln10 / 10, "ln 10/10"}, {1000, "1000"},
        {1e-3, "1/1000"}, {-1, "-1"}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        if (fabs(a - k[i].v) <= 0.005 * fabs(k[i].v)) return k[i].name;
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        double s = sqrt((double)heads[i]);
        if (fabs(a - s) <= 0.005 * s) return snprintf(nm, cap, "sqrt(%d)", heads[i]), nm;
        if (fabs(a - 1 / s) <= 0.005 / s) return snprintf(nm, cap, "1/sqrt(%d)", heads[i]), nm;
    }
    /* 1/d where 1/sqrt(d) was meant */
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++)
        if (fabs(a * heads[i] - 1) <= 0.005) return snprintf(nm, cap, "1/%d", heads[i]), nm;
    return NULL;
}

/* "6.928 = sqrt(48)"; the number alone when it reads as the name already
 * ("2", "1000", "-1"). */
const char *parity__ex_scale_name(double a, char *buf, size_t cap) {
    char num[32], nm[32];
    snprintf(num, sizeof num, "%.4g", a);
    const char *name = scale_const(a, nm, sizeof nm);
    if (name && strcmp(name, num) != 0) snprintf(buf, cap, "%s = %s", num, name);
    else snprintf(buf, cap, "%s", num);
    return buf;
}

/* One unit in the last place of |v| in dt (the spacing of dt's values
 * there), down to dt's smallest subnormal step. */
double parity__ex_ulp(parity_dtype dt, double v) {
    int m = parity_dtype_mantissa_bits(dt), e = 0;
    double min_step = dt == PARITY_DT_F16 ? 0x1p-24 : dt == PARITY_DT_BF16 ? 0x1p-133 : 0x1p-149;
    if (v == 0 || !isfinite(v)) return min_step;
    frexp(fabs(v), &e); /* |v| = f·2^e, f in [0.5, 1): ulp = 2^(e−1−m) */
    double u = ldexp(1.0, e - 1 - m);
    return u > min_step ? u : min_step;
}

/* A port computing in dt rounds each stage (≤ half an ULP of the value)
 * and carries the rounding of earlier stages, which scales with the
 * tensor's magnitude rather than the element's:
 *   band = ulp(|r|)/2 + ulp(rms(r))/2   (both in dt)
 * ulp_rms = ulp(rms(r)) is the same for every element: callers compute it
 * once (parity__ex_ulp), not per element. */
double parity__ex_precision_band(parity_dtype dt, double r, double ulp_rms) {
    return 0.5 * (parity__ex_ulp(dt, r) + ulp_rms);
}

/* Powers of ten an eps is usually set to. */
const char *parity__ex_eps_name(double eps, char *buf, size_t cap) {
    if (eps > 0) {
        double e10 = round(log10(eps)), p = pow(10.0, e10);
        if (fabs(eps / p - 1) <= 0.15) return snprintf(buf, cap, "1e%+03d", (int)e10), buf;
    }
    snprintf(buf, cap, "%.2g", eps);
    return buf;
}

/* The digit run at s[i] (i inside or at the start of one): its start. */
static size_t run_start(const char *s, size_t i) {
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') i--;
    return i;
}

int parity__ex_name_step(const char *a, const char *b, long *ka, long *kb) {
    size_t i = 0;
    while (a[i] && a[i] == b[i]) i++;
    if (!a[i] && !b[i]) return 0;
    size_t s = run_start(a, i);
    char *ea, *eb;
    if (!((a[s] >= '0' && a[s] <= '9') && (b[s] >= '0' && b[s] <= '9'))) return 0;
    *ka = strtol(a + s, &ea, 10);
    *kb = strtol(b + s, &eb, 10);
    return strcmp(ea, eb) == 0 && *ka != *kb;
}

void parity__ex_lut_make(ex_lut *t, const double *k, int n) {
    t->lo = n > 0 ? k[0] : 0;
    double span = n > 1 ? k[n - 1] - k[0] : 0;
    t->scale = span > 0 && isfinite(span) ? (double)EX_LUT / span : 0;
    int i = 0;
    for (int c = 0; c < EX_LUT; c++) {
        double start = t->lo + (double)c / (t->scale > 0 ? t->scale : 1);
        while (i + 1 < n && k[i + 1] <= start) i++;
        t->at[c] = (unsigned char)(i < 255 ? i : 255);
    }
}

int parity__ex_lut_find(const ex_lut *t, const double *k, int n, double v) {
    if (!(v >= t->lo)) return 0;
    double c = (v - t->lo) * t->scale;
    int i = c < EX_LUT ? t->at[(int)c] : t->at[EX_LUT - 1];
    while (i + 1 < n && k[i + 1] <= v) i++;
    return i;
}
