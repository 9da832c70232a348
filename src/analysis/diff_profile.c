/*
 * diff_profile.c — per-index breakdowns of a pair along requested axes
 * (e.g. per mel bin of [1, 80, 200] along axis 1).
 *
 * For index i of the axis, over the n_i both-finite pairs whose
 * multi-index has i there:
 *   mean_diff = Σd/n_i    abs_mean = Σ|d|/n_i    rmse = √(Σd²/n_i)
 *   relative  = √(Σd²)/√(Σr²)  (√(Σd²) when Σr² = 0)    abs_max = max|d|
 * all NaN when n_i = 0. A worker sums one batch (PARITY__BATCH chunks) of
 * an index in TwoSum pairs; the pairs of every batch are added exactly
 * into the totals (xacc.c), so neither the thread count nor the slices
 * of a run (which start on batch boundaries) change a bit.
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void free_totals(parity__prof *pr, int n) {
    for (int k = 0; k < n; k++) {
        for (int64_t i = 0; pr[k].total && i < pr[k].len; i++)
            for (int q = 0; q < 4; q++) parity__xacc_free(&pr[k].total[i].x[q]);
        free(pr[k].total);
        pr[k].total = NULL;
    }
}

void parity__prof_free(parity__prof *pr, int n) {
    free_totals(pr, n);
}

parity_status parity__prof_setup(parity__prof *pr, const parity_diff_opts *o,
                                 const parity_tensor *t, parity_error *err) {
    const char *file = t->file ? t->file : "?", *name = t->name ? t->name : "?";
    FAIL_IF(o->n_axes < 0 || o->n_axes > 4, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "%s: tensor '%s': %d axes requested, at most 4",
            file, name, o->n_axes);
    for (int k = 0; k < o->n_axes; k++) {
        int a = o->axes[k] < 0 ? o->axes[k] + t->ndim : o->axes[k];
        if (a < 0 || a >= t->ndim) {
            free_totals(pr, k);
            return parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                                "%s: tensor '%s': axis %d out of range for "
                                "%d dimensions", file, name, o->axes[k], t->ndim);
        }
        pr[k].axis = a;
        pr[k].oom = 0;
        pr[k].len = t->shape[a];
        pr[k].inner = 1;
        for (int q = a + 1; q < t->ndim; q++) pr[k].inner *= (uint64_t)t->shape[q];
        size_t len = pr[k].len > 0 ? (size_t)pr[k].len : 1;
        pr[k].total = calloc(len, sizeof *pr[k].total);
        if (!pr[k].total) {
            free_totals(pr, k);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "%s: tensor '%s': no memory for a profile of "
                                "%lld entries", file, name, (long long)pr[k].len);
        }
    }
    return PARITY_OK;
}

parity_status parity__prof_part_alloc(parity__prof_part *part,
                                      const parity__prof *pr) {
    size_t len = pr->len > 0 ? (size_t)pr->len : 1;
    part->cells = calloc(len, sizeof *part->cells);
    part->lo = INT64_MAX;
    part->hi = -1;
    return part->cells ? PARITY_OK : PARITY_E_NOMEM;
}

static void cell_add(parity__prof_cell *c, double rv, double pv) {
    double d = pv - rv, ad = fabs(d), d2 = d * d, r2 = rv * rv;
    c->n++;
    parity__two_sum(&c->s[0], &c->c[0], d);
    parity__two_sum(&c->s[1], &c->c[1], ad);
    parity__two_sum(&c->s[2], &c->c[2], d2);
    parity__two_sum(&c->s[3], &c->c[3], r2);
    if (ad > c->abs_max) c->abs_max = ad;
}

void parity__prof_add(parity__prof_part *part, const parity__prof *pr,
                      const double *r, const double *p, size_t n,
                      uint64_t first) {
    if (n == 0 || pr->len <= 0) return;
    uint64_t len = (uint64_t)pr->len;
    uint64_t idx = (first / pr->inner) % len;
    uint64_t left = pr->inner - first % pr->inner; /* to the next index */
    if ((int64_t)idx < part->lo) part->lo = (int64_t)idx;
    for (size_t i = 0; i < n; i++) {
        if (left == 0) {
            left = pr->inner;
            if (++idx == len) idx = 0, part->lo = 0;
        }
        left--;
        if ((int64_t)idx > part->hi) part->hi = (int64_t)idx;
        if (isfinite(r[i]) && isfinite(p[i])) cell_add(&part->cells[idx], r[i], p[i]);
    }
}

void parity__prof_merge(parity__prof *pr, parity__prof_part *part) {
    for (int64_t i = part->lo; i <= part->hi; i++) {
        parity__prof_total *t = &pr->total[i];
        parity__prof_cell *c = &part->cells[i];
        t->n += c->n;
        for (int q = 0; q < 4; q++) {
            if (c->s[q] != 0) pr->oom |= parity__xacc_add(&t->x[q], c->s[q]) != 0;
            if (c->c[q] != 0) pr->oom |= parity__xacc_add(&t->x[q], c->c[q]) != 0;
        }
        if (c->abs_max > t->abs_max) t->abs_max = c->abs_max;
        memset(c, 0, sizeof *c);
    }
    part->lo = INT64_MAX;
    part->hi = -1;
}

void parity__prof_merge_totals(parity__prof *into, const parity__prof *from) {
    for (int64_t i = 0; i < into->len && i < from->len; i++) {
        parity__prof_total *t = &into->total[i];
        const parity__prof_total *f = &from->total[i];
        t->n += f->n;
        for (int q = 0; q < 4; q++)
            into->oom |= parity__xacc_merge(&t->x[q], &f->x[q]) != 0;
        if (f->abs_max > t->abs_max) t->abs_max = f->abs_max;
    }
    into->oom |= from->oom;
}

/* The exact sum rounded once to a double. */
static double xacc_value(const parity__xacc *a) {
    if (!a->big && a->n <= 1) return a->n ? a->part[0] : 0.0;
    parity_xsum s;
    parity__xacc_get(a, &s);
    return parity_xsum_result(&s);
}

static void cell_finish(const parity__prof_total *c, parity_axis_profile *o,
                        int64_t i) {
    if (c->n == 0) {
        o->mean_diff[i] = o->abs_mean[i] = o->rmse[i] = NAN;
        o->relative[i] = o->abs_max[i] = NAN;
        return;
    }
    double n = (double)c->n;
    double sd = xacc_value(&c->x[0]), sa = xacc_value(&c->x[1]);
    double s2 = xacc_value(&c->x[2]), r2 = xacc_value(&c->x[3]);
    o->mean_diff[i] = sd / n;
    o->abs_mean[i] = sa / n;
    o->rmse[i] = sqrt(s2 / n);
    o->relative[i] = r2 == 0 ? sqrt(s2) : sqrt(s2) / sqrt(r2);
    o->abs_max[i] = c->abs_max;
}

parity_status parity__prof_finish(const parity__prof *pr, int n,
                                  parity_diff *out, parity_error *err) {
    for (int k = 0; k < n; k++) {
        if (pr[k].oom) {
            parity_diff_clear(out);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "profile of axis %d: out of memory", pr[k].axis);
        }
        size_t len = pr[k].len > 0 ? (size_t)pr[k].len : 0;
        double *block = malloc((len ? len : 1) * 5 * sizeof *block);
        if (!block) {
            parity_diff_clear(out);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "profile of axis %d: out of memory", pr[k].axis);
        }
        parity_axis_profile *o = &out->profiles[k];
        o->axis = pr[k].axis;
        o->len = pr[k].len;
        o->mean_diff = block;
        o->abs_mean = block + len;
        o->rmse = block + 2 * len;
        o->relative = block + 3 * len;
        o->abs_max = block + 4 * len;
        out->n_profiles = k + 1;
        for (size_t i = 0; i < len; i++) cell_finish(&pr[k].total[i], o, (int64_t)i);
    }
    return PARITY_OK;
}
