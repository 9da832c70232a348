/*
 * heatmap_slice.c — the 2-D slice a heatmap shows, and what its cells
 * hold. A picture has at most 256 cells along each axis, so a larger slice
 * is shown in blocks, with one step per axis: rs = ceil(H/256) rows and
 * cs = ceil(W/256) columns per cell (80 mel bins by 1000 frames keeps all
 * 80 rows and shows 250 columns of 4 frames each).
 *
 * A cell must not hide what a subsample would miss: a single wrong row or
 * column has to show. So every element is read once, streaming, and
 *   ref, port cell = mean of the block (Σ v/n, each term pre-divided so no
 *                    finite sum overflows); NaN if any element is not finite
 *   diff cell      = the signed d = port - ref of largest |d| in the block
 *                    (the first one in row-major order on ties), so a +5
 *                    row stays +5, not +5/3; NaN if any d is not finite
 *   lo, hi         = min, max over every finite value of both sides
 *   lim            = max |d| over every element where both are finite
 * Memory: the cells ([hs·ws] ≤ 65,536 of them) and two runs of 4096 values;
 * the file pages behind the pass are dropped as it goes.
 */
#include "render/picture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TARGET 256 /* cells along an axis at most                          */
#define RUN 4096   /* elements read per call                               */
#define RELEASE_BYTES ((uint64_t)4 << 20) /* file pages dropped in runs of this */

/* One entry of --slice: ':' or an integer index in [-len, len). */
static parity_status slice_entry(const parity_tensor *t, int k, const char *e, size_t n,
                                 parity__slice *s, int *n_colon, parity_error *err) {
    if (n == 1 && e[0] == ':') {
        FAIL_IF(*n_colon >= 2, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "--slice: more than two ':' entries (a slice is 2-D)");
        if ((*n_colon)++ == 0) s->ra = k;
        else s->ca = k;
        return PARITY_OK;
    }
    char buf[32], *end = NULL;
    FAIL_IF(n == 0 || n >= sizeof buf, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d: expected ':' or an index", k);
    memcpy(buf, e, n);
    buf[n] = '\0';
    long long v = strtoll(buf, &end, 10);
    FAIL_IF(*end, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d '%s': expected ':' or an index", k, buf);
    if (v < 0) v += t->shape[k];
    FAIL_IF(v < 0 || v >= t->shape[k], err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d '%s': out of range for axis of length %lld", k, buf,
            (long long)t->shape[k]);
    s->fixed[k] = v;
    return PARITY_OK;
}

static parity_status parse_entries(const parity_tensor *t, const char *spec,
                                   parity__slice *s, parity_error *err) {
    int k = 0, n_colon = 0;
    s->ra = s->ca = -1;
    for (const char *p = spec;; k++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        FAIL_IF(k >= t->ndim, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "--slice '%s': more entries than the %d axes of '%s'", spec, t->ndim, t->name);
        TRY(slice_entry(t, k, p, n, s, &n_colon, err));
        if (!comma) break;
        p = comma + 1;
    }
    FAIL_IF(k + 1 != t->ndim, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice '%s': %d entries for the %d axes of '%s'", spec, k + 1, t->ndim, t->name);
    FAIL_IF(n_colon == 0 || (n_colon == 1 && t->ndim > 1), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "--slice '%s': expected two ':' entries", spec);
    if (n_colon == 1) s->ca = s->ra, s->ra = -1;
    return PARITY_OK;
}

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

parity_status parity__slice_parse(const parity_tensor *t, const char *spec,
                                  parity__slice *s, parity_error *err) {
    memset(s, 0, sizeof *s);
    s->ra = t->ndim >= 2 ? t->ndim - 2 : -1;
    s->ca = t->ndim >= 1 ? t->ndim - 1 : -1;
    if (spec) TRY(parse_entries(t, spec, s, err));
    s->h = s->ra >= 0 ? t->shape[s->ra] : 1;
    s->w = s->ca >= 0 ? t->shape[s->ca] : 1;
    s->rs = s->h > TARGET ? ceil_div(s->h, TARGET) : 1;
    s->cs = s->w > TARGET ? ceil_div(s->w, TARGET) : 1;
    s->hs = ceil_div(s->h, s->rs);
    s->ws = ceil_div(s->w, s->cs);
    return PARITY_OK;
}

void parity__cells_free(parity__cells *c) {
    if (!c) return;
    free(c->ref), free(c->port), free(c->diff);
    c->ref = c->port = c->diff = NULL;
}

/* Logical (C-order) stride of axis k, in elements. */
static uint64_t lstride(const parity_tensor *t, int k) {
    uint64_t m = 1;
    for (int a = t->ndim - 1; a > k; a--) m *= (uint64_t)t->shape[a];
    return m;
}

/* n values of t from flat index first, step apart. */
static void read_run(const parity_tensor *t, uint64_t first, uint64_t step, size_t n,
                     double *out) {
    if (step == 1) {
        parity_tensor_read(t, first, n, out);
        return;
    }
    for (size_t k = 0; k < n; k++) parity_tensor_read(t, first + k * step, 1, out + k);
}

/* The state of one pass: cells being filled and the running scales. */
typedef struct pass {
    const parity__slice *s;
    parity__cells *c;
    unsigned char *bad;        /* [hs*ws] bit 1 ref, 2 port, 4 diff         */
    uint64_t done;             /* file pages below this flat index dropped  */
} pass;

/* The slice is read in increasing flat order (its row axis comes before its
 * column axis), so every page below the last element read is finished with:
 * drop them in runs of RELEASE_BYTES of the wider side (parity__tensor_release
 * ignores views that are not C-contiguous). */
static void release_behind(pass *ps, const parity_tensor *r, const parity_tensor *p,
                           uint64_t upto, int final) {
    size_t er = parity_dtype_size(r->dtype), ep = parity_dtype_size(p->dtype);
    uint64_t run = RELEASE_BYTES / ((er > ep ? er : ep) ? (er > ep ? er : ep) : 1);
    if (upto <= ps->done || (!final && upto - ps->done < run)) return;
    parity__tensor_release(r, ps->done, upto - ps->done);
    parity__tensor_release(p, ps->done, upto - ps->done);
    ps->done = upto;
}

/* fmin and fmax of values that are never NaN here, as comparisons the
 * compiler keeps inline (fmin, fmax are library calls, once per element). */
static double lesser(double x, double y) { return x < y ? x : y; }
static double greater(double x, double y) { return x > y ? x : y; }

/* One element pair into cell at, a block of n elements. */
static void add(pass *ps, int64_t at, double n, double a, double b) {
    parity__cells *c = ps->c;
    if (isfinite(a)) c->ref[at] += a / n, c->lo = lesser(c->lo, a), c->hi = greater(c->hi, a);
    else ps->bad[at] |= 1;
    if (isfinite(b)) c->port[at] += b / n, c->lo = lesser(c->lo, b), c->hi = greater(c->hi, b);
    else ps->bad[at] |= 2;
    double d = b - a;
    if (!isfinite(a) || !isfinite(b)) ps->bad[at] |= 4;
    else if (fabs(d) > fabs(c->diff[at])) c->diff[at] = d;
    if (isfinite(a) && isfinite(b)) c->lim = greater(c->lim, fabs(d));
}

/* Row i of the slice, RUN columns at a time. The cell and its element
 * count change every cs columns only, so they are worked out per block,
 * not per element. */
static void add_row(pass *ps, const parity_tensor *r, const parity_tensor *p, int64_t i,
                    uint64_t base, double *ra, double *pa) {
    const parity__slice *s = ps->s;
    uint64_t cstep = s->ca >= 0 ? lstride(r, s->ca) : 1;
    int64_t bi = i / s->rs, rows = s->h - bi * s->rs < s->rs ? s->h - bi * s->rs : s->rs;
    for (int64_t j0 = 0; j0 < s->w; j0 += RUN) {
        size_t n = (size_t)(s->w - j0 < RUN ? s->w - j0 : RUN);
        read_run(r, base + (uint64_t)j0 * cstep, cstep, n, ra);
        read_run(p, base + (uint64_t)j0 * cstep, cstep, n, pa);
        for (size_t k = 0; k < n;) {
            int64_t bj = (j0 + (int64_t)k) / s->cs, end = (bj + 1) * s->cs - j0;
            int64_t cols = s->w - bj * s->cs < s->cs ? s->w - bj * s->cs : s->cs;
            size_t stop = end < (int64_t)n ? (size_t)end : n;
            double cnt = (double)rows * (double)cols;
            for (; k < stop; k++) add(ps, bi * s->ws + bj, cnt, ra[k], pa[k]);
        }
        release_behind(ps, r, p, base + (uint64_t)(j0 + (int64_t)n - 1) * cstep + 1, 0);
    }
}

static void finish(pass *ps) {
    parity__cells *c = ps->c;
    int64_t n = ps->s->hs * ps->s->ws;
    for (int64_t k = 0; k < n; k++) {
        if (ps->bad[k] & 1) c->ref[k] = NAN;
        if (ps->bad[k] & 2) c->port[k] = NAN;
        if (ps->bad[k] & 4) c->diff[k] = NAN;
    }
    if (c->lo > c->hi) c->lo = c->hi = 0;
}

parity_status parity__cells_compute(const parity_tensor *r, const parity_tensor *p,
                                    const parity__slice *s, parity__cells *c,
                                    parity_error *err) {
    memset(c, 0, sizeof *c);
    size_t n = (size_t)(s->hs * s->ws);
    c->ref = calloc(n ? n : 1, sizeof *c->ref);
    c->port = calloc(n ? n : 1, sizeof *c->port);
    c->diff = calloc(n ? n : 1, sizeof *c->diff);
    pass ps = {s, c, calloc(n ? n : 1, 1), 0};
    double *ra = malloc(RUN * sizeof *ra), *pa = malloc(RUN * sizeof *pa);
    int ok = c->ref && c->port && c->diff && ps.bad && ra && pa;
    c->lo = INFINITY, c->hi = -INFINITY;
    uint64_t base = 0;
    for (int k = 0; k < r->ndim; k++)
        if (k != s->ra && k != s->ca) base += (uint64_t)s->fixed[k] * lstride(r, k);
    uint64_t rstep = s->ra >= 0 ? lstride(r, s->ra) : 0;
    for (int64_t i = 0; ok && r->count && i < s->h; i++)
        add_row(&ps, r, p, i, base + (uint64_t)i * rstep, ra, pa);
    uint64_t cstep = s->ca >= 0 ? lstride(r, s->ca) : 1;
    if (ok && r->count && s->h && s->w) /* up to the slice's last element */
        release_behind(&ps, r, p, base + (uint64_t)(s->h - 1) * rstep + (uint64_t)(s->w - 1) * cstep + 1, 1);
    if (ok) finish(&ps);
    free(ps.bad), free(ra), free(pa);
    if (!ok) parity__cells_free(c);
    FAIL_IF(!ok, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "plot: out of memory");
    return PARITY_OK;
}
