/*
 * explain_op_rows.c — the operation family, row operations along an axis
 * (explain_op.h): each line of axis a (all other indices fixed) is one row.
 *
 *   norm     y = γ·(x − m)/√(v + eps) + β, LayerNorm (m the row mean, v
 *            the row variance) or RMSNorm (m = 0, v = mean x²), γ and β
 *            per position (or identity). Identity affine: k = Σy·xc/Σxc²
 *            per row, eps_row = 1/k² − v. Affine: γ, β by least squares
 *            per position over the rows, then eps_row = (v + eps)/k² − v
 *            with k = Σ(y − β)·γn/Σ(γn)², three rounds. eps is the median
 *            of eps_row; its standard error 1.4826·MAD/√rows says when
 *            it is resolved.
 *   softmax  y = exp(s·x + c_row) where y > 0, 0 where masked: s by a
 *            pooled within-row regression of ln y on x; normalized when
 *            the rows sum to 1, else exp(s·x) (c = 0) or exp(s·(x − max))
 *            (c = −s·max); masked entries (y = 0 where exp(s·x + c) would
 *            not be) named causal with offset k when, along the last axis
 *            of a square trailing pair, row i is masked exactly at j > i + k.
 *
 * Fitted on up to EX_OP_SAMPLE values of whole rows spread over the
 * tensor; the port's fitted op is then measured over every row.
 */
#include "analysis/explain_op.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows of the sample: [nl][len] of x_ref, x_port, r, p; pos the row's
 * index along the second-to-last axis (softmax masks), −1 unknown. */
typedef struct rows {
    int64_t len;
    size_t nl;
    double *v[4];
    int64_t *pos;
    double tol;         /* x->op_tol                                        */
} rows;

static void rows_free(rows *s) {
    for (int k = 0; k < 4; k++) free(s->v[k]);
    free(s->pos);
}

/* The index along axis ndim − 2 of the row starting at flat index base. */
static int64_t row_pos(const parity_tensor *t, int axis, uint64_t base) {
    int64_t idx[PARITY_MAX_DIMS];
    if (axis != t->ndim - 1 || t->ndim < 2) return -1;
    parity_tensor_unravel(t, base, idx);
    return idx[t->ndim - 2];
}

/* Up to EX_OP_SAMPLE values of whole rows, in blocks spread evenly. */
static parity_status rows_sample(const ex_ctx *x, int axis, rows *s, int *ok, parity_error *err) {
    const parity_tensor *t[4] = {x->xr, x->xp, x->r, x->p};
    ex_slab sl;
    memset(s, 0, sizeof *s);
    uint64_t cap = parity__ex_cap(x), len = (uint64_t)x->r->shape[axis];
    /* 16 blocks of rows, or fewer blocks of one row when rows are long */
    TRY(parity__ex_slab_open(&sl, t, 4, axis, len > cap / 16 ? len : cap / 16, ok, err));
    if (!*ok || len > cap) return parity__ex_slab_free(&sl), *ok = 0, PARITY_OK;
    uint64_t nu = cap / (sl.w * len);
    nu = nu < 1 ? 1 : nu > sl.units ? sl.units : nu;
    size_t nrow = (size_t)(nu * sl.w);
    s->len = sl.len;
    s->tol = x->op_tol;
    for (int k = 0; k < 4; k++) s->v[k] = malloc(nrow * (size_t)s->len * sizeof(double));
    s->pos = malloc(nrow * sizeof *s->pos);
    int fail = !s->pos;
    for (int k = 0; k < 4; k++) fail |= !s->v[k];
    if (fail) rows_free(s), parity__ex_slab_free(&sl);
    FAIL_IF(fail, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    for (uint64_t j = 0; j < nu; j++) {
        parity__ex_slab_read(&sl, j * sl.units / nu);
        for (uint64_t l = 0; l < sl.nl; l++, s->nl++) {
            for (int k = 0; k < 4; k++)
                memcpy(s->v[k] + s->nl * (size_t)s->len, sl.v[k] + l * (uint64_t)s->len,
                       (size_t)s->len * sizeof(double));
            s->pos[s->nl] = row_pos(x->r, axis, sl.base[l]);
        }
    }
    parity__ex_slab_free(&sl);
    return PARITY_OK;
}

static int finite_row(const double *v, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* ---- norms ---------------------------------------------------------------- */

typedef struct norm_fit {
    int center;         /* 1 LayerNorm, 0 RMSNorm                          */
    int affine;         /* γ (and β) fitted and not identity               */
    double eps, se, e;
    double *g, *b;      /* [len]                                           */
} norm_fit;

static void row_mv(const double *xv, int64_t n, int center, double *m, double *v) {
    double s = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) s += xv[i];
    *m = center ? s / (double)n : 0.0;
    for (int64_t i = 0; i < n; i++) ss += (xv[i] - *m) * (xv[i] - *m);
    *v = ss / (double)n;
}

static double median(double *v, size_t n, double *mad) {
    if (n == 0) return *mad = INFINITY, 0.0;
    qsort(v, n, sizeof *v, parity__ex_cmp_double);
    double med = v[n / 2];
    for (size_t i = 0; i < n; i++) v[i] = fabs(v[i] - med);
    qsort(v, n, sizeof *v, parity__ex_cmp_double);
    *mad = v[n / 2];
    return med;
}

/* γ_i, β_i (β only when center) of y = γ·n + β over the rows, n = xc/√(v + eps).
 * acc: [5·len] scratch. */
static void fit_affine(const rows *s, int kx, int ky, int center, double eps, double vmin,
                       norm_fit *f, double *acc) {
    int64_t L = s->len;
    double *n = acc, *sx = acc + L, *sy = acc + 2 * L, *sxx = acc + 3 * L, *sxy = acc + 4 * L;
    memset(acc, 0, 5 * (size_t)L * sizeof *acc);
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double m, v;
        if (!finite_row(xv, L) || !finite_row(yv, L)) continue;
        row_mv(xv, L, center, &m, &v);
        if (v < vmin) continue; /* rows where eps matters little */
        double inv = 1 / sqrt(v + eps);
        for (int64_t i = 0; i < L; i++) {
            double z = (xv[i] - m) * inv;
            n[i]++, sx[i] += z, sy[i] += yv[i], sxx[i] += z * z, sxy[i] += z * yv[i];
        }
    }
    for (int64_t i = 0; i < L; i++) {
        double c = fmax(n[i], 1), var = sxx[i] - sx[i] * sx[i] / c, cov = sxy[i] - sx[i] * sy[i] / c;
        if (center) f->g[i] = var > 0 ? cov / var : 1, f->b[i] = (sy[i] - f->g[i] * sx[i]) / c;
        else f->g[i] = sxx[i] > 0 ? sxy[i] / sxx[i] : 1, f->b[i] = 0;
    }
}

/* eps from the rows given γ, β (identity when !affine); the residual e. */
static void fit_eps(const rows *s, int kx, int ky, norm_fit *f, double eps0, double *work) {
    int64_t L = s->len;
    size_t m = 0;
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double mu, v, num = 0, den = 0;
        if (!finite_row(xv, L) || !finite_row(yv, L)) continue;
        row_mv(xv, L, f->center, &mu, &v);
        for (int64_t i = 0; i < L; i++) {
            double z = f->g[i] * (xv[i] - mu) / sqrt(v + eps0);
            num += (yv[i] - f->b[i]) * z, den += z * z;
        }
        if (num > 0 && den > 0) work[m++] = (v + eps0) * (den * den) / (num * num) - v;
    }
    double mad;
    f->eps = median(work, m, &mad);
    f->eps = f->eps > 0 ? f->eps : 0;
    f->se = m ? 1.4826 * mad / sqrt((double)m) : INFINITY;
}

static double norm_err(const rows *s, int kx, int ky, const norm_fit *f) {
    int64_t L = s->len;
    double e2 = 0, yy = 0;
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double mu, v;
        if (!finite_row(xv, L) || !finite_row(yv, L)) continue;
        row_mv(xv, L, f->center, &mu, &v);
        for (int64_t i = 0; i < L; i++) {
            double e = yv[i] - (f->g[i] * (xv[i] - mu) / sqrt(v + f->eps) + f->b[i]);
            e2 += e * e, yy += yv[i] * yv[i];
        }
    }
    return yy > 0 ? sqrt(e2 / yy) : INFINITY;
}

/* The residual at eps with γ, β refitted there. */
static double err_at(const rows *s, int kx, int ky, double vmin, double eps, norm_fit *f,
                     double *acc) {
    f->eps = eps;
    if (acc) fit_affine(s, kx, ky, f->center, eps, vmin, f, acc);
    return norm_err(s, kx, ky, f);
}

/* eps from the row estimates is biased by the γ, β fitted with it: a
 * golden-section search of ln eps over [eps/4, 4·eps] on the residual
 * itself (γ, β refitted at each point unless acc is NULL: identity)
 * settles it. */
static void refine_eps(const rows *s, int kx, int ky, double vmin, norm_fit *f, double *acc) {
    double e0 = f->eps, se = f->se;
    f->e = err_at(s, kx, ky, vmin, e0, f, acc);
    /* unresolved, or no norm at all (nothing to refine) */
    if (!(e0 > 3 * se) || !(e0 > 0) || !(f->e <= 50 * s->tol)) return;
    const double g = 0.6180339887498949;
    double a = log(e0 / 4), b = log(e0 * 4);
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = err_at(s, kx, ky, vmin, exp(c), f, acc), fd = err_at(s, kx, ky, vmin, exp(d), f, acc);
    for (int it = 0; it < 30; it++) {
        if (fc < fd) b = d, d = c, fd = fc, c = b - g * (b - a), fc = err_at(s, kx, ky, vmin, exp(c), f, acc);
        else a = c, c = d, fc = fd, d = a + g * (b - a), fd = err_at(s, kx, ky, vmin, exp(d), f, acc);
    }
    f->e = err_at(s, kx, ky, vmin, exp(0.5 * (a + b)), f, acc);
}

static void norm_one(const rows *s, int kx, int ky, int center, norm_fit *f, double *work,
                     double *acc) {
    int64_t L = s->len;
    f->center = center, f->affine = 0;
    for (int64_t i = 0; i < L; i++) f->g[i] = 1, f->b[i] = 0;
    fit_eps(s, kx, ky, f, 0, work);
    refine_eps(s, kx, ky, 0, f, NULL);
    if (f->e <= s->tol || s->nl < 8) return;
    /* γ and β from the rows of the upper half of the variances, where eps
     * matters least; eps from every row; a few rounds */
    size_t m = 0;
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double mu, v;
        if (finite_row(xv, L) && finite_row(yv, L)) row_mv(xv, L, center, &mu, &v), work[m++] = v;
    }
    qsort(work, m, sizeof *work, parity__ex_cmp_double);
    double vmin = m ? work[m / 2] : 0, eps = 0;
    for (int round = 0; round < 6; round++) {
        fit_affine(s, kx, ky, center, eps, vmin, f, acc);
        fit_eps(s, kx, ky, f, eps, work);
        eps = f->eps;
    }
    refine_eps(s, kx, ky, vmin, f, acc);
    int ident = 1;
    for (int64_t i = 0; i < L; i++) ident &= fabs(f->g[i] - 1) <= 1e-3 && fabs(f->b[i]) <= 1e-3;
    f->affine = !ident;
}

/* The better of LayerNorm and RMSNorm for one side (LayerNorm within 10%). */
static void norm_side(const rows *s, int kx, int ky, norm_fit *f, norm_fit *tmp, double *work,
                      double *acc) {
    norm_one(s, kx, ky, 1, f, work, acc);
    norm_one(s, kx, ky, 0, tmp, work, acc);
    if (tmp->e < 0.9 * f->e) {
        norm_fit t = *f;
        *f = *tmp, *tmp = t;
    }
}

static int eps_resolved(const norm_fit *f) { return f->eps > 3 * f->se; }

static void eps_words(const norm_fit *f, char *buf, size_t cap) {
    char nm[32];
    if (eps_resolved(f)) parity__ex_eps_name(f->eps, buf, cap);
    else snprintf(buf, cap, "~0 (< %s)", parity__ex_eps_name(fmax(3 * f->se, 1e-300), nm, sizeof nm));
}

/* The words of what differs between two fitted norms; "" when nothing. */
static void norm_words(const norm_fit *r, const norm_fit *p, int axis, char *text, size_t cap) {
    const char *kind[2] = {"RMSNorm", "LayerNorm"};
    char er[48], ep[48];
    size_t at = 0;
    text[0] = 0;
    if (r->center != p->center)
        at += (size_t)snprintf(text + at, cap - at, "norm along axis %d: ref %s, port %s", axis,
                               kind[r->center], kind[p->center]);
    double lo = fmin(r->eps, p->eps), hi = fmax(r->eps, p->eps);
    double noise = 3 * (r->se + p->se);
    if (hi - lo > noise && hi > 1.5 * fmax(lo, noise / 3)) {
        eps_words(r, er, sizeof er);
        eps_words(p, ep, sizeof ep);
        at += (size_t)snprintf(text + at, cap - at, "%s%s eps along axis %d: ref %s, port %s",
                               at ? "; " : "", kind[r->center], axis, er, ep);
    }
    if (r->affine != p->affine && at < cap)
        snprintf(text + at, cap - at, "%s%s affine along axis %d: ref %s, port %s",
                 at ? "; " : "", kind[r->center], axis,
                 r->affine ? (r->center ? "gamma, beta" : "gamma") : "none (identity)",
                 p->affine ? (p->center ? "gamma, beta" : "gamma") : "none (identity: missing)");
}

/* ---- softmax ---------------------------------------------------------------- */

typedef struct soft_fit {
    double s, e;
    int norm;           /* 1 normalized, 2 exp(s·x), 3 exp(s·(x − max)), 4 other */
    int mask;           /* 0 none, 1 causal with offset k, 2 other         */
    int64_t k;
    double nmasked;
    double nf_rows, nf_over; /* rows with a non-finite output; of those,    */
                             /* rows where s·max x overflows exp in f32     */
} soft_fit;

enum { S_N, S_X, S_L, S_XX, S_XL };

/* Entries at most this share of the row's largest are masked candidates
 * (a computed 0 may carry rounding noise). */
#define SOFT_FLOOR 1e-4
/* The log fit (slope, intercepts) uses entries above this share of the
 * row's largest: smaller ones carry the relative error of a half-precision
 * port's subnormals, which ln y would blow up. */
#define SOFT_FIT_FLOOR 1e-3

static double row_max(const double *yv, int64_t L) {
    double m = 0;
    for (int64_t i = 0; i < L; i++) m = fmax(m, fabs(yv[i]));
    return m;
}

/* Pooled slope of ln y on x within rows, over y > 0. */
static double soft_slope(const rows *s, int kx, int ky) {
    int64_t L = s->len;
    double num = 0, den = 0;
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double a[5] = {0};
        if (!finite_row(yv, L)) continue;
        double floor_y = SOFT_FIT_FLOOR * row_max(yv, L);
        for (int64_t i = 0; i < L; i++) {
            if (!(yv[i] > floor_y) || !isfinite(xv[i])) continue;
            double ly = log(yv[i]);
            a[S_N]++, a[S_X] += xv[i], a[S_L] += ly, a[S_XX] += xv[i] * xv[i], a[S_XL] += xv[i] * ly;
        }
        if (a[S_N] < 2) continue;
        num += a[S_XL] - a[S_X] * a[S_L] / a[S_N];
        den += a[S_XX] - a[S_X] * a[S_X] / a[S_N];
    }
    return den > 0 ? num / den : NAN;
}

/* Row intercept c of ln y = s·x + c over y > 0, the row max of x, row sum of y. */
static void soft_row(const double *xv, const double *yv, int64_t L, double s, double *c,
                     double *mx, double *sum) {
    double n = 0, acc = 0, floor_y = SOFT_FIT_FLOOR * row_max(yv, L);
    *mx = -INFINITY, *sum = 0;
    for (int64_t i = 0; i < L; i++) {
        if (!isfinite(xv[i])) continue;
        *mx = fmax(*mx, xv[i]);
        *sum += yv[i];
        if (yv[i] > floor_y) n++, acc += log(yv[i]) - s * xv[i];
    }
    *c = n > 0 ? acc / n : 0;
}

/* Row masked at j > pos + k exactly: returns the k, or INT64_MIN when the
 * row is masked otherwise; INT64_MAX when nothing is masked. */
static int64_t causal_k(const double *xv, const double *yv, int64_t L, double s, double c,
                        int64_t pos, double *nmask) {
    int64_t first = -1;
    double top = row_max(yv, L), floor_y = SOFT_FLOOR * top;
    for (int64_t j = 0; j < L; j++) {
        /* near 0 where exp(s·x + c) would hold 1e-3 of the row's largest */
        int masked = isfinite(xv[j]) && fabs(yv[j]) <= floor_y && exp(s * xv[j] + c) > 1e-3 * top;
        *nmask += masked;
        if (masked && first < 0) first = j;
        if (!masked && first >= 0 && isfinite(xv[j])) return INT64_MIN;
    }
    if (first < 0) return INT64_MAX;
    return pos < 0 ? INT64_MIN : first - pos - 1;
}

static void soft_side(const rows *s, int kx, int ky, soft_fit *f) {
    int64_t L = s->len;
    double e2 = 0, yy = 0, dsum = 0, dc0 = 0, dcm = 0, nrow = 0, cscale = 0;
    int64_t k = INT64_MAX;
    int other = 0;
    memset(f, 0, sizeof *f);
    f->s = soft_slope(s, kx, ky);
    f->e = INFINITY;
    if (!(f->s > 0)) return;
    for (size_t l = 0; l < s->nl; l++) {
        const double *xv = s->v[kx] + l * (size_t)L, *yv = s->v[ky] + l * (size_t)L;
        double c, mx, sum;
        if (!finite_row(yv, L)) {
            double m = -INFINITY;
            for (int64_t i = 0; i < L; i++) m = isfinite(xv[i]) ? fmax(m, xv[i]) : m;
            f->nf_rows++, f->nf_over += f->s * m > 88.72; /* ln FLT_MAX */
            continue;
        }
        soft_row(xv, yv, L, f->s, &c, &mx, &sum);
        double floor_y = SOFT_FLOOR * row_max(yv, L);
        for (int64_t i = 0; i < L; i++) {
            /* masked (near 0) or not: the fitted curve where it is not */
            double yh = isfinite(xv[i]) && yv[i] > floor_y ? exp(f->s * xv[i] + c) : 0;
            e2 += (yv[i] - yh) * (yv[i] - yh), yy += yv[i] * yv[i];
        }
        int64_t kl = causal_k(xv, yv, L, f->s, c, s->pos[l], &f->nmasked);
        if (kl == INT64_MIN) other = 1;
        else if (kl != INT64_MAX) other |= k != INT64_MAX && kl != k, k = kl;
        nrow++, dsum += fabs(sum - 1), dc0 += fabs(c), dcm += fabs(c + f->s * mx);
        cscale += 1 + fabs(f->s * mx);
    }
    if (nrow == 0 || !(yy > 0)) return;
    f->e = sqrt(e2 / yy);
    f->norm = dsum / nrow <= 1e-3 ? 1 : dc0 <= 1e-3 * cscale ? 2 : dcm <= 1e-3 * cscale ? 3 : 4;
    f->mask = f->nmasked == 0 ? 0 : other ? 2 : 1;
    f->k = f->mask == 1 ? k : 0;
}

static void mask_words(const soft_fit *f, char *buf, size_t cap) {
    if (f->mask == 0) snprintf(buf, cap, "none");
    else if (f->mask == 2) snprintf(buf, cap, "%.0f entries masked (not causal)", f->nmasked);
    else if (f->k == 0) snprintf(buf, cap, "causal (j <= i)");
    else snprintf(buf, cap, "causal j <= i %c %lld", f->k > 0 ? '+' : '-', (long long)llabs(f->k));
}

static const char *const norm_name[5] = {"", "normalized", "exp(s*x) (no max subtraction, not normalized)",
                                         "exp(s*(x - max)) (not normalized)", "not normalized"};

static void soft_words(const soft_fit *r, const soft_fit *p, int axis, char *text, size_t cap) {
    char a[64], b[64];
    size_t at = (size_t)snprintf(text, cap, "softmax along axis %d:", axis);
    size_t start = at;
    if (fabs(r->s / p->s - 1) > 1e-3) {
        parity__ex_scale_name(r->s, a, sizeof a);
        parity__ex_scale_name(p->s, b, sizeof b);
        at += (size_t)snprintf(text + at, cap - at, " scale ref %s, port %s%s", a, b,
                               fabs(p->s - 1) < 1e-3 ? " (missing)" : "");
    }
    if (r->norm != p->norm && at < cap)
        at += (size_t)snprintf(text + at, cap - at, "%s ref %s, port %s", at > start ? ";" : "",
                               norm_name[r->norm], norm_name[p->norm]);
    if ((r->mask != p->mask || r->k != p->k) && at < cap) {
        mask_words(r, a, sizeof a);
        mask_words(p, b, sizeof b);
        long long off = (long long)(p->k - r->k);
        at += (size_t)snprintf(text + at, cap - at, "%s mask ref %s, port %s", at > start ? ";" : "", a, b);
        if (r->mask == 1 && p->mask == 1 && at < cap)
            snprintf(text + at, cap - at, " (off by %lld)", off);
        else if (r->mask && !p->mask && at < cap)
            snprintf(text + at, cap - at, " (the mask is missing)");
    }
    if (at == start) text[0] = 0;
}

/* ---- measuring the port's op over every row ------------------------------ */

typedef struct row_model {
    int op;             /* PARITY_OP_NORM or PARITY_OP_SOFTMAX             */
    const norm_fit *n;
    const soft_fit *s;
} row_model;

/* Σ(y − model(x))² of one row. */
static double row_sq(const row_model *m, const double *xv, const double *yv, int64_t L, int64_t pos) {
    double sq = 0;
    if (m->op == PARITY_OP_NORM) {
        const norm_fit *f = m->n;
        double mu, v;
        row_mv(xv, L, f->center, &mu, &v);
        for (int64_t i = 0; i < L; i++) {
            double e = yv[i] - (f->g[i] * (xv[i] - mu) / sqrt(v + f->eps) + f->b[i]);
            sq += e * e;
        }
        return sq;
    }
    const soft_fit *f = m->s;
    double mx = -INFINITY, z = 0, c = 0, sum;
    for (int64_t i = 0; i < L; i++) mx = isfinite(xv[i]) ? fmax(mx, xv[i]) : mx;
    if (f->norm == 4) soft_row(xv, yv, L, f->s, &c, &mx, &sum);
    else if (f->norm == 3) c = -f->s * mx;
    for (int pass = 0; pass < 2; pass++)
        for (int64_t j = 0; j < L; j++) {
            int masked = !isfinite(xv[j]) || (f->mask == 1 && pos >= 0 && j > pos + f->k);
            double e = masked ? 0 : exp(f->s * (xv[j] - mx));
            if (pass == 0) z += e;
            else {
                double yh = f->norm == 1 ? (z > 0 ? e / z : 0) : masked ? 0 : exp(f->s * xv[j] + c);
                if (f->mask == 2 && fabs(yv[j]) <= SOFT_FLOOR * row_max(yv, L)) yh = 0;
                sq += (yv[j] - yh) * (yv[j] - yh);
            }
        }
    return sq;
}

/* Over every row of one side (0: x_ref, r; 1: x_port, p) whose output is
 * finite: Σ(y − model(x))². */
static parity_status measure_side(ex_ctx *x, int axis, const row_model *m, int side, double *sq,
                                  parity_error *err) {
    const parity_tensor *t[2] = {side ? x->xp : x->xr, side ? x->p : x->r};
    ex_slab sl;
    int ok;
    *sq = 0;
    TRY(parity__ex_slab_open(&sl, t, 2, axis, EX_OP_SAMPLE, &ok, err));
    if (!ok) return *sq = INFINITY, PARITY_OK;
    int64_t L = sl.len;
    for (uint64_t u = 0; u < sl.units; u++) {
        parity__ex_slab_read(&sl, u);
        for (uint64_t l = 0; l < sl.nl; l++) {
            const double *xv = sl.v[0] + l * (uint64_t)L, *yv = sl.v[1] + l * (uint64_t)L;
            if (finite_row(yv, L)) *sq += row_sq(m, xv, yv, L, row_pos(x->r, axis, sl.base[l]));
        }
    }
    parity__ex_slab_free(&sl);
    return PARITY_OK;
}

/* The reference's op must hold over every row; the port's is the
 * hypothesis (ref and port on their own axes). */
static parity_status offer2(ex_ctx *x, int ar, int ap, const row_model *mr, const row_model *mp,
                            const char *text, const double *pr, int nf_explains, parity_error *err) {
    double sq_r, sq_p;
    TRY(measure_side(x, ar, mr, 0, &sq_r, err));
    if (!(sq_r <= 4 * x->op_tol * x->op_tol * x->f.srr)) return PARITY_OK;
    TRY(measure_side(x, ap, mp, 1, &sq_p, err));
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_OP;
    c.sq = sq_p;
    c.measured = 1;
    c.nf_explains = nf_explains;
    c.h.complexity = nf_explains ? -1 : 0; /* it names why the values are non-finite */
    memcpy(c.h.params, pr, sizeof c.h.params);
    parity__ex_set_text(&c.h, text);
    return parity__ex_add(x, &c, err);
}

static parity_status offer(ex_ctx *x, int axis, const row_model *mr, const row_model *mp,
                           const char *text, const double *pr, parity_error *err) {
    return offer2(x, axis, axis, mr, mp, text, pr, 0, err);
}

static parity_status try_norm(ex_ctx *x, int axis, const rows *s, double *work, parity_error *err) {
    size_t L = (size_t)s->len;
    double *g = calloc(13 * L, sizeof *g), *acc = g + 8 * L;
    FAIL_IF(!g, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    norm_fit fr = {.g = g, .b = g + L}, fp = {.g = g + 2 * L, .b = g + 3 * L};
    norm_fit t1 = {.g = g + 4 * L, .b = g + 5 * L}, t2 = {.g = g + 6 * L, .b = g + 7 * L};
    parity_status st = PARITY_OK;
    norm_side(s, 0, 2, &fr, &t1, work, acc);
    norm_side(s, 1, 3, &fp, &t2, work, acc);
    char text[256];
    if (fr.e <= s->tol && fp.e <= s->tol) {
        norm_words(&fr, &fp, axis, text, sizeof text);
        row_model mr = {PARITY_OP_NORM, &fr, NULL}, mp = {PARITY_OP_NORM, &fp, NULL};
        double pr[8] = {PARITY_OP_NORM, axis, fr.eps, fp.eps, 2 - fr.center + 10 * fr.affine,
                        2 - fp.center + 10 * fp.affine, 0, 0};
        if (text[0]) st = offer(x, axis, &mr, &mp, text, pr, err);
    }
    free(g);
    return st;
}

/* Softmax along axis a: named when both sides fit there and differ; the
 * fits are kept (fits[a]) for a pair on different axes. */
static parity_status try_softmax(ex_ctx *x, int axis, const rows *s, soft_fit *fits, int *named,
                                 parity_error *err) {
    soft_fit *fr = &fits[0], *fp = &fits[1];
    soft_side(s, 0, 2, fr);
    soft_side(s, 1, 3, fp);
    if (!(fr->e <= s->tol && fp->e <= s->tol)) return PARITY_OK;
    char text[256];
    row_model mr = {PARITY_OP_SOFTMAX, NULL, fr}, mp = {PARITY_OP_SOFTMAX, NULL, fp};
    double pr[8] = {PARITY_OP_SOFTMAX, axis, fr->s, fp->s, fr->norm + 10 * fr->mask,
                    fp->norm + 10 * fp->mask, (double)fr->k, (double)fp->k};
    if (fp->nf_rows > 0 && fp->nf_over == fp->nf_rows && fr->nf_rows == 0) {
        /* the same softmax where it is finite; exp overflows where the max
         * was not subtracted */
        snprintf(text, sizeof text, "softmax along axis %d: the port does not subtract the row "
                 "max: exp overflows in %.0f rows whose scaled input exceeds 88.72 (ln of the "
                 "largest f32)", axis, fp->nf_rows);
        *named = 1;
        return offer2(x, axis, axis, &mr, &mp, text, pr, 1, err);
    }
    soft_words(fr, fp, axis, text, sizeof text);
    if (!text[0]) return PARITY_OK;
    *named = 1;
    return offer(x, axis, &mr, &mp, text, pr, err);
}

/* The reference's softmax along one axis, the port's along another. */
static parity_status softmax_axes(ex_ctx *x, soft_fit (*fits)[2], parity_error *err) {
    int ar = -1, ap = -1;
    for (int a = 0; a < x->r->ndim; a++) {
        int r_ok = fits[a][0].e <= x->op_tol, p_ok = fits[a][1].e <= x->op_tol;
        if (r_ok && !p_ok && ar < 0) ar = a;
        if (p_ok && !r_ok && ap < 0) ap = a;
    }
    if (ar < 0 || ap < 0) return PARITY_OK;
    char text[256];
    snprintf(text, sizeof text, "softmax axis: ref along axis %d, port along axis %d", ar, ap);
    row_model mr = {PARITY_OP_SOFTMAX, NULL, &fits[ar][0]}, mp = {PARITY_OP_SOFTMAX, NULL, &fits[ap][1]};
    double pr[8] = {PARITY_OP_SOFTMAX, ar, fits[ar][0].s, fits[ap][1].s, ar, ap, 0, 0};
    return offer2(x, ar, ap, &mr, &mp, text, pr, 0, err);
}

parity_status parity__ex_op_rows(ex_ctx *x, parity_error *err) {
    soft_fit fits[PARITY_MAX_DIMS][2];
    int named = 0;
    for (int a = 0; a < x->r->ndim; a++) fits[a][0].e = fits[a][1].e = INFINITY;
    for (int a = x->r->ndim - 1; a >= 0; a--) {
        if (x->r->shape[a] < 2 || (x->o.axis >= 0 && x->o.axis != a)) continue;
        rows s;
        int ok;
        TRY(rows_sample(x, a, &s, &ok, err));
        if (!ok) continue;
        double *work = s.nl >= 2 ? malloc(s.nl * sizeof *work) : NULL;
        parity_status st = PARITY_OK;
        if (work) st = try_norm(x, a, &s, work, err);
        if (st == PARITY_OK && work) st = try_softmax(x, a, &s, fits[a], &named, err);
        free(work);
        rows_free(&s);
        TRY(st);
    }
    return named ? PARITY_OK : softmax_axes(x, fits, err);
}
