/*
 * heatmap_profile.c — the mean_diff profiles a picture draws (parity plot's
 * panels, the report's SVG charts). Along axis a, with d = port − ref:
 *
 *   profile_i = Σd/n_i over the n_i both-finite pairs whose index on a is i
 *               (NaN when n_i = 0); Σd is a TwoSum pair, as parity diff's
 *
 * A picture never shows more points than it has pixels, so an axis longer
 * than PARITY__PROFILE_CELLS is profiled in blocks of step = ceil(len/cells)
 * consecutive indices: cell c holds Σd/n over the indices [c·step,
 * (c+1)·step), the mean of the block's elements (so a block's value is what
 * a finer profile averages to there).
 *
 * Memory: 3 doubles per cell (at most 1.5 MiB per axis) and two runs of
 * RUN values, whatever the tensor; one streaming pass in C order that drops
 * the file pages behind it.
 */
#include "render/picture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUN 4096                        /* elements read per step           */
#define RELEASE_BYTES ((uint64_t)4 << 20) /* file pages dropped in runs of this */

typedef struct cell {
    double s, c;   /* Σd as a TwoSum pair                                   */
    uint64_t n;    /* both-finite pairs                                     */
} cell;

/* Where one axis stands in the C-order walk. */
typedef struct walker {
    uint64_t inner;        /* elements per step of the axis's index         */
    uint64_t left;         /* elements before the index moves               */
    int64_t i, cell, in_cell; /* index, its cell, its place in the cell     */
} walker;

static void two_sum(double *s, double *c, double x) {
    double t = *s + x, z = t - *s;
    *c += (*s - (t - z)) + (x - z);
    *s = t;
}

static void walker_step(walker *w, const parity__profile *pr) {
    if (--w->left) return;
    w->left = w->inner;
    if (++w->i == pr->len) w->i = 0, w->cell = 0, w->in_cell = 0;
    else if (++w->in_cell == pr->step) w->cell++, w->in_cell = 0;
}

void parity__profiles_free(parity__profile *pr, int n) {
    for (int k = 0; pr && k < n; k++) free(pr[k].mean_diff), pr[k].mean_diff = NULL;
}

double parity__profile_center(const parity__profile *pr, int64_t c) {
    if (pr->step == 1) return (double)c;
    int64_t lo = c * pr->step, hi = lo + pr->step < pr->len ? lo + pr->step : pr->len;
    return 0.5 * (double)(lo + hi - 1);
}

/* Drop both tensors' pages below upto once a run of RELEASE_BYTES (of the
 * wider side) lies behind, or at the end. */
static void release_behind(const parity_tensor *r, const parity_tensor *p, uint64_t *done,
                           uint64_t upto, int final) {
    size_t esz = parity_dtype_size(r->dtype) > parity_dtype_size(p->dtype)
                     ? parity_dtype_size(r->dtype) : parity_dtype_size(p->dtype);
    uint64_t run = RELEASE_BYTES / (esz ? esz : 1);
    if (upto <= *done || (!final && upto - *done < run)) return;
    parity__tensor_release(r, *done, upto - *done);
    parity__tensor_release(p, *done, upto - *done);
    *done = upto;
}

static void pass(const parity_tensor *r, const parity_tensor *p, parity__profile *pr, int n,
                 cell **cells, walker *w, double *ra, double *pa) {
    uint64_t done = 0;
    for (uint64_t at = 0; at < r->count; at += RUN) {
        size_t m = r->count - at < RUN ? (size_t)(r->count - at) : RUN;
        parity_tensor_read(r, at, m, ra);
        parity_tensor_read(p, at, m, pa);
        for (size_t j = 0; j < m; j++) {
            int ok = isfinite(ra[j]) && isfinite(pa[j]);
            double d = pa[j] - ra[j];
            for (int k = 0; k < n; k++) {
                if (ok) {
                    cell *c = &cells[k][w[k].cell];
                    two_sum(&c->s, &c->c, d);
                    c->n++;
                }
                walker_step(&w[k], &pr[k]);
            }
        }
        release_behind(r, p, &done, at + m, at + m == r->count);
    }
}

parity_status parity__profiles_compute(const parity_tensor *r, const parity_tensor *p,
                                       const int *axes, int n, parity__profile *out,
                                       parity_error *err) {
    cell *cells[4] = {NULL, NULL, NULL, NULL};
    walker w[4];
    memset(out, 0, (size_t)(n > 0 ? n : 0) * sizeof *out);
    memset(w, 0, sizeof w);
    int ok = n >= 0 && n <= 4;
    for (int k = 0; ok && k < n; k++) {
        parity__profile *pr = &out[k];
        pr->axis = axes[k];
        pr->len = r->shape[axes[k]];
        pr->step = pr->len > PARITY__PROFILE_CELLS
                       ? (pr->len + PARITY__PROFILE_CELLS - 1) / PARITY__PROFILE_CELLS : 1;
        pr->cells = pr->len > 0 ? (pr->len + pr->step - 1) / pr->step : 0;
        size_t nc = pr->cells > 0 ? (size_t)pr->cells : 1;
        cells[k] = calloc(nc, sizeof *cells[k]);
        pr->mean_diff = malloc(nc * sizeof *pr->mean_diff);
        ok = cells[k] && pr->mean_diff;
        w[k].inner = 1;
        for (int q = axes[k] + 1; q < r->ndim; q++) w[k].inner *= (uint64_t)r->shape[q];
        w[k].left = w[k].inner;
    }
    double *ra = malloc(RUN * sizeof *ra), *pa = malloc(RUN * sizeof *pa);
    ok = ok && ra && pa;
    if (ok) pass(r, p, out, n, cells, w, ra, pa);
    for (int k = 0; ok && k < n; k++)
        for (int64_t c = 0; c < out[k].cells; c++) {
            const cell *e = &cells[k][c];
            out[k].mean_diff[c] = e->n ? (e->s + e->c) / (double)e->n : NAN;
        }
    for (int k = 0; k < 4; k++) free(cells[k]);
    free(ra), free(pa);
    if (!ok) parity__profiles_free(out, n);
    FAIL_IF(!ok, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "plot: out of memory for the profiles");
    return PARITY_OK;
}
