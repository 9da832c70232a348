/*
 * compare.c — the comparison of one paired tensor, decided once for every
 * verb (diff, trace, explain, report): what kind of pair it is, and its
 * statistics, metrics, integer equality and verdict (docs/metrics.md).
 *
 *   kind       when                                   compared by
 *   FLOAT      layouts aligned, a side floating       metrics (a float/integer
 *                                                     pair in float64)
 *   INT        layouts aligned, both integer          exact equality (and the
 *                                                     metrics, for the walk)
 *   SEQUENCE   both integer, 1-D (size-1 axes aside)  equality over the common
 *              and of different lengths               prefix, the edit script
 *   OVERLAP    size-1 axes aside, one axis differs    metrics where they
 *              in length, nothing else                overlap: a prefix, or a
 *                                                     copy shifted by a lag
 *   SHAPES     shapes irreconcilable                  statistics of each side
 *
 * "Integer" is an integer or bool dtype, or a float tensor that holds only
 * integers (MLX saves token ids as F32) when it is paired with an integer
 * tensor, or is a short sequence paired with another such float sequence.
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Float sequences up to this length are checked for integer ids. */
#define ID_SEQUENCE_MAX ((uint64_t)1 << 20)

static int is_int_dtype(const parity_tensor *t) { return !parity_dtype_is_float(t->dtype); }

/* 1-D once size-1 axes are dropped (a token sequence [1, T] counts). */
static int is_sequence(const parity_tensor *t) {
    int big = 0;
    for (int k = 0; k < t->ndim; k++) big += t->shape[k] != 1;
    return big <= 1;
}

/* Both sides hold ids: integer dtypes, or integer-valued floats paired
 * with integers or, as short sequences, with each other. */
static int both_ids(const parity_tensor *r, const parity_tensor *p) {
    int ir = is_int_dtype(r), ip = is_int_dtype(p);
    if (ir && ip) return 1;
    if (ir || ip) return parity_tensor_integral(ir ? p : r);
    if (!is_sequence(r) || !is_sequence(p)) return 0;
    if (r->count > ID_SEQUENCE_MAX || p->count > ID_SEQUENCE_MAX) return 0;
    return parity_tensor_integral(r) && parity_tensor_integral(p);
}

/* t with its size-1 axes dropped (a view of the same elements). */
static parity_tensor squeezed(const parity_tensor *t) {
    parity_tensor v = *t;
    v.ndim = 0;
    for (int k = 0; k < t->ndim; k++) {
        if (t->shape[k] == 1) continue;
        v.shape[v.ndim] = t->shape[k];
        v.stride[v.ndim++] = t->stride[k];
    }
    return v;
}

/* The one axis in which squeezed r and p differ, or -1 when they differ
 * in rank, in more than one axis, or not at all. */
static int overlap_axis(const parity_tensor *r, const parity_tensor *p) {
    parity_tensor a = squeezed(r), b = squeezed(p);
    int axis = -1;
    if (a.ndim != b.ndim || a.count == 0 || b.count == 0) return -1;
    for (int k = 0; k < a.ndim; k++) {
        if (a.shape[k] == b.shape[k]) continue;
        if (axis >= 0) return -1;
        axis = k;
    }
    return axis;
}

parity_pair_kind parity_pair_kind_of(const parity_pair *p) {
    int seqs = is_sequence(p->ref) && is_sequence(p->port);
    /* Aligned float pairs keep their metrics even when every value is an
     * integer (a norm weight of ones); ids in floats matter against an
     * integer side, or when the lengths differ (an edit script). */
    int a_float = !is_int_dtype(p->ref) && !is_int_dtype(p->port);
    if (p->layout_ok)
        return !a_float && both_ids(p->ref, p->port) ? PARITY_PAIR_INT : PARITY_PAIR_FLOAT;
    if (seqs && both_ids(p->ref, p->port)) return PARITY_PAIR_SEQUENCE;
    if (overlap_axis(p->ref, p->port) >= 0) return PARITY_PAIR_OVERLAP;
    return PARITY_PAIR_SHAPES;
}

/* The requested axes that exist in a tensor of ndim dimensions (a tensor
 * without some of them gets a note from the renderers instead). */
static parity_diff_opts axes_for(const parity_diff_opts *o, int ndim) {
    parity_diff_opts x = *o;
    x.n_axes = 0;
    for (int i = 0; i < o->n_axes && i < 4; i++)
        if (o->axes[i] >= -ndim && o->axes[i] < ndim) x.axes[x.n_axes++] = o->axes[i];
    return x;
}

/* Statistics of each whole side into d->ref, d->port; with keep_state
 * their states replace the sides of d->state (created when missing). */
static parity_status side_stats(const parity_tensor *r, const parity_tensor *p,
                                const parity_diff_opts *o, parity_diff *d, parity_error *err) {
    if (o->keep_state && !d->state) d->state = parity__state_new();
    FAIL_IF(o->keep_state && !d->state, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: tensor '%s': out of memory", r->file ? r->file : "?", r->name);
    parity_diff_state *s = o->keep_state ? d->state : NULL;
    TRY(parity__stats_tensor_state(r, &d->ref, s ? &s->side[0] : NULL, err));
    TRY(parity__stats_tensor_state(p, &d->port, s ? &s->side[1] : NULL, err));
    FAIL_IF(s && (s->side[0].oom || s->side[1].oom), err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: tensor '%s': out of memory", r->file ? r->file : "?", r->name);
    return PARITY_OK;
}

/* ---- overlaps ------------------------------------------------------------ */

/* v restricted to [start, start + len) along axis (a view). */
static parity_tensor sliced(const parity_tensor *v, int axis, int64_t start, int64_t len) {
    parity_tensor s = *v;
    size_t esz = parity_dtype_size(v->dtype);
    s.data = v->data ? v->data + start * v->stride[axis] * (int64_t)esz : NULL;
    s.shape[axis] = len;
    s.count = 1;
    for (int k = 0; k < s.ndim; k++) s.count *= (uint64_t)s.shape[k];
    s.nbytes = s.count * esz;
    return s;
}

/* The mean of each index along axis, over the others, into prof[shape]. */
static void profile(const parity_tensor *v, int axis, double *prof) {
    double buf[1024];
    int64_t idx[PARITY_MAX_DIMS];
    int64_t len = v->shape[axis];
    memset(prof, 0, (size_t)len * sizeof *prof);
    for (uint64_t at = 0; at < v->count; at += 1024) {
        size_t n = v->count - at < 1024 ? (size_t)(v->count - at) : 1024;
        parity_tensor_read(v, at, n, buf);
        parity_tensor_unravel(v, at, idx);
        for (size_t i = 0; i < n; i++) {
            if (isfinite(buf[i])) prof[idx[axis]] += buf[i];
            for (int k = v->ndim - 1; k >= 0 && ++idx[k] >= v->shape[k]; k--) idx[k] = 0;
        }
    }
    double per = (double)(v->count / (uint64_t)len);
    for (int64_t i = 0; i < len; i++) prof[i] /= per;
}

/* Where the first w values of b sit best in a: the offset with the least
 * squared difference (a sliding window, O(len(a)·w)). */
static int64_t best_offset(const double *a, int64_t na, const double *b, int64_t w,
                           double *score) {
    int64_t best = 0;
    *score = INFINITY;
    for (int64_t s = 0; s + w <= na; s++) {
        double e = 0;
        for (int64_t i = 0; i < w && e < *score; i++) e += (a[s + i] - b[i]) * (a[s + i] - b[i]);
        if (e < *score) *score = e, best = s;
    }
    return best;
}

/* The lag with port[i] = ref[i + lag] along axis: the first window of each
 * side's profile searched in the other's. */
static int64_t find_lag(const parity_tensor *r, const parity_tensor *p, int axis, int *ok) {
    int64_t nr = r->shape[axis], np = p->shape[axis];
    double *pr = malloc((size_t)nr * sizeof *pr), *pp = malloc((size_t)np * sizeof *pp);
    int64_t lag = 0;
    *ok = pr && pp;
    if (*ok) {
        profile(r, axis, pr);
        profile(p, axis, pp);
        int64_t w = (nr < np ? nr : np) < 64 ? (nr < np ? nr : np) : 64;
        double sa, sb;
        int64_t a = best_offset(pr, nr, pp, w, &sa), b = best_offset(pp, np, pr, w, &sb);
        lag = sa <= sb ? a : -b;
    }
    free(pr);
    free(pp);
    return lag;
}

/* Compare the overlap of p's views: the common prefix first; when that
 * does not MATCH, the best lag. Metrics and verdict of the part compared;
 * the pair's verdict is a difference all the same (the lengths differ). */
/* The axis of t whose squeezed index is k (t's own numbering). */
static int ref_axis(const parity_tensor *t, int k) {
    for (int a = 0; a < t->ndim; a++)
        if (t->shape[a] != 1 && k-- == 0) return a;
    return -1;
}

static parity_status compare_overlap(const parity_pair *p, const parity_diff_opts *o,
                                     parity_comparison *out, parity_error *err) {
    parity_tensor r = squeezed(p->ref), q = squeezed(p->port);
    parity_overlap *ov = &out->overlap;
    parity_diff_opts dopts = *o;
    dopts.n_axes = 0;
    int axis = overlap_axis(p->ref, p->port); /* of the squeezed shapes */
    ov->ref_len = r.shape[axis], ov->port_len = q.shape[axis];
    ov->len = ov->ref_len < ov->port_len ? ov->ref_len : ov->port_len;
    parity_tensor rs = sliced(&r, axis, 0, ov->len), ps = sliced(&q, axis, 0, ov->len);
    TRY(parity_diff_tensors(&rs, &ps, &dopts, &out->diff, err));
    out->ref_part = rs, out->port_part = ps;
    ov->how = out->diff.verdict == PARITY_MATCH ? PARITY_OVERLAP_PREFIX : PARITY_OVERLAP_NONE;
    int ok = 0;
    int64_t lag = ov->how == PARITY_OVERLAP_NONE ? find_lag(&r, &q, axis, &ok) : 0;
    int64_t len = lag >= 0 ? (ov->ref_len - lag < ov->port_len ? ov->ref_len - lag : ov->port_len)
                           : (ov->port_len + lag < ov->ref_len ? ov->port_len + lag : ov->ref_len);
    if (ok && lag != 0 && len > 0) {
        parity_diff d;
        memset(&d, 0, sizeof d);
        rs = sliced(&r, axis, lag > 0 ? lag : 0, len);
        ps = sliced(&q, axis, lag < 0 ? -lag : 0, len);
        TRY(parity_diff_tensors(&rs, &ps, &dopts, &d, err));
        if (d.verdict == PARITY_MATCH) {
            parity_diff_clear(&out->diff);
            out->diff = d;
            out->ref_part = rs, out->port_part = ps;
            ov->how = PARITY_OVERLAP_SHIFTED, ov->lag = lag, ov->len = len;
        } else {
            parity_diff_clear(&d);
        }
    }
    /* the statistics shown are each whole side's */
    TRY(side_stats(p->ref, p->port, o, &out->diff, err));
    out->diff.verdict = out->verdict = PARITY_LARGE_DIFF;
    ov->axis = ref_axis(p->ref, axis);
    return PARITY_OK;
}

/* ---- the same values in another order ------------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Up to 2^20 values per side: do the sorted values of the two sides agree
 * within 1e-7 of their scale? (A Fortran-order dump, a reshape where a
 * transpose was meant: parity explain names the order.) */
static int same_multiset(const parity_tensor *r, const parity_tensor *p) {
    if (r->count != p->count || r->count < 2 || r->count > ((uint64_t)1 << 20)) return 0;
    size_t n = (size_t)r->count;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    int same = a && b;
    if (same) {
        parity_tensor_read(r, 0, n, a);
        parity_tensor_read(p, 0, n, b);
        qsort(a, n, sizeof *a, cmp_double);
        qsort(b, n, sizeof *b, cmp_double);
        double scale = fmax(fabs(a[0]), fabs(a[n - 1]));
        for (size_t i = 0; same && i < n; i++)
            same = a[i] == b[i] || fabs(a[i] - b[i]) <= 1e-7 * scale;
    }
    free(a);
    free(b);
    return same;
}

/* ---- the comparison ------------------------------------------------------ */

parity_status parity_compare_pair(const parity_pair *p, const parity_diff_opts *o,
                                  parity_comparison *out, parity_error *err) {
    memset(out, 0, sizeof *out);
    parity_diff_opts dopts = o ? *o : parity_diff_opts_default();
    out->kind = parity_pair_kind_of(p);
    out->verdict = PARITY_LARGE_DIFF;
    if (out->kind != PARITY_PAIR_FLOAT) dopts.first = dopts.end = 0; /* whole */
    switch (out->kind) {
    case PARITY_PAIR_FLOAT:
        dopts = axes_for(&dopts, p->ref_view.ndim);
        TRY(parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &out->diff, err));
        out->verdict = out->diff.verdict;
        out->same_values = out->verdict == PARITY_LARGE_DIFF &&
                           same_multiset(&p->ref_view, &p->port_view);
        return PARITY_OK;
    case PARITY_PAIR_INT:
        dopts.n_axes = 0; /* integers are equal or not: no breakdown */
        TRY(parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &out->diff, err));
        TRY(parity_diff_ints(&p->ref_view, &p->port_view, 0, &out->ints, err));
        break;
    case PARITY_PAIR_SEQUENCE:
        TRY(side_stats(p->ref, p->port, &dopts, &out->diff, err));
        TRY(parity_diff_ints(p->ref, p->port, 1, &out->ints, err));
        break;
    case PARITY_PAIR_OVERLAP:
        return compare_overlap(p, &dopts, out, err);
    case PARITY_PAIR_SHAPES:
        out->diff.verdict = PARITY_LARGE_DIFF;
        return side_stats(p->ref, p->port, &dopts, &out->diff, err);
    }
    /* 2^53 + 1 and 2^53 are one double: the metrics may say MATCH where
     * the integers differ, so equality decides. */
    out->verdict = out->ints.equal ? PARITY_MATCH : PARITY_LARGE_DIFF;
    out->diff.verdict = out->verdict;
    return PARITY_OK;
}

/* The float pairs first, all in one parity_diff_many call (one worker pool,
 * no thread per small pair), then the rest one by one. parts (NULL: every
 * pair whole) restricts a float pair to its elements [first, end). */
parity_status parity__compare_window(const parity_pair *const *pairs,
                                     const parity_part_pair *parts, size_t n,
                                     const parity_diff_opts *o, parity_comparison *out,
                                     parity_status *st, parity_error *errs,
                                     parity_error *err) {
    FAIL_IF(n > 0 && (!pairs || !out || !st), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_compare_pairs: pairs, out and st are required");
    parity_diff_opts base = o ? *o : parity_diff_opts_default();
    base.first = base.end = 0;
    parity_diff_item *items = calloc(n ? n : 1, sizeof *items);
    parity_diff_opts *dopts = calloc(n ? n : 1, sizeof *dopts);
    if (!items || !dopts) {
        free(items), free(dopts);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "parity_compare_pairs: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const parity_pair *p = pairs[i];
        memset(&out[i], 0, sizeof out[i]);
        if (parity_pair_kind_of(p) != PARITY_PAIR_FLOAT) continue;
        dopts[i] = axes_for(&base, p->ref_view.ndim);
        if (parts && !parts[i].whole) dopts[i].first = parts[i].first, dopts[i].end = parts[i].end;
        items[i] = (parity_diff_item){.ref = &p->ref_view, .port = &p->port_view,
                                      .opts = &dopts[i], .err = errs ? &errs[i] : NULL};
    }
    parity_status s = parity_diff_many(items, n, &base, err);
    for (size_t i = 0; s == PARITY_OK && i < n; i++) {
        const parity_pair *p = pairs[i];
        parity_error scratch = {0};
        if (!items[i].ref) {
            st[i] = parity_compare_pair(p, &base, &out[i], errs ? &errs[i] : &scratch);
            continue;
        }
        out[i].kind = PARITY_PAIR_FLOAT;
        out[i].diff = items[i].diff;
        st[i] = items[i].status;
        out[i].verdict = st[i] == PARITY_OK ? out[i].diff.verdict : PARITY_LARGE_DIFF;
        /* a pair given in part is above same_multiset's bound anyway */
        out[i].same_values = st[i] == PARITY_OK && out[i].verdict == PARITY_LARGE_DIFF &&
                             dopts[i].end == 0 && same_multiset(&p->ref_view, &p->port_view);
    }
    if (s != PARITY_OK)
        for (size_t i = 0; i < n; i++) parity_diff_clear(&items[i].diff);
    free(items);
    free(dopts);
    return s;
}

parity_status parity_compare_pairs(const parity_pair *const *pairs, size_t n,
                                   const parity_diff_opts *o, parity_comparison *out,
                                   parity_status *st, parity_error *errs,
                                   parity_error *err) {
    return parity__compare_window(pairs, NULL, n, o, out, st, errs, err);
}

void parity_comparison_clear(parity_comparison *c) {
    if (c) parity_diff_clear(&c->diff);
}
