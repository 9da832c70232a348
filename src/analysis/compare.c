/*
 * compare.c — the comparison of one paired tensor, decided once for every
 * verb (diff, trace, explain, report): what kind of pair it is, and its
 * statistics, metrics, integer equality and verdict (docs/metrics.md).
 *
 *   kind       when                                   compared by
 *   FLOAT      layouts aligned, a side floating       metrics (a float/integer
 *                                                     pair in float64)
 *   INT        layouts aligned, both integer/bool     exact equality (and the
 *                                                     metrics, for the walk)
 *   SEQUENCE   both integer, 1-D (size-1 axes aside)  equality over the common
 *              and of different lengths               prefix
 *   SHAPES     shapes irreconcilable                  statistics of each side
 */
#include "internal.h"

#include <string.h>

static int is_int(const parity_tensor *t) { return !parity_dtype_is_float(t->dtype); }

/* 1-D once size-1 axes are dropped (a token sequence [1, T] counts). */
static int is_sequence(const parity_tensor *t) {
    int big = 0;
    for (int k = 0; k < t->ndim; k++) big += t->shape[k] != 1;
    return big <= 1;
}

parity_pair_kind parity_pair_kind_of(const parity_pair *p) {
    int ints = is_int(p->ref) && is_int(p->port);
    if (p->layout_ok) return ints ? PARITY_PAIR_INT : PARITY_PAIR_FLOAT;
    if (ints && is_sequence(p->ref) && is_sequence(p->port)) return PARITY_PAIR_SEQUENCE;
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

/* Statistics of each side only. */
static parity_status side_stats(const parity_pair *p, parity_diff *d, parity_error *err) {
    TRY(parity_stats_tensor(p->ref, &d->ref, err));
    return parity_stats_tensor(p->port, &d->port, err);
}

parity_status parity_compare_pair(const parity_pair *p, const parity_diff_opts *o,
                                  parity_comparison *out, parity_error *err) {
    memset(out, 0, sizeof *out);
    parity_diff_opts dopts = o ? *o : parity_diff_opts_default();
    out->kind = parity_pair_kind_of(p);
    out->verdict = PARITY_LARGE_DIFF;
    switch (out->kind) {
    case PARITY_PAIR_FLOAT:
        dopts = axes_for(&dopts, p->ref_view.ndim);
        TRY(parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &out->diff, err));
        out->verdict = out->diff.verdict;
        return PARITY_OK;
    case PARITY_PAIR_INT:
        dopts.n_axes = 0; /* integers are equal or not: no breakdown */
        TRY(parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &out->diff, err));
        TRY(parity_diff_ints(&p->ref_view, &p->port_view, 0, &out->ints, err));
        break;
    case PARITY_PAIR_SEQUENCE:
        TRY(side_stats(p, &out->diff, err));
        TRY(parity_diff_ints(p->ref, p->port, 1, &out->ints, err));
        break;
    case PARITY_PAIR_SHAPES:
        out->diff.verdict = PARITY_LARGE_DIFF;
        return side_stats(p, &out->diff, err);
    }
    /* 2^53 + 1 and 2^53 are one double: the metrics may say MATCH where
     * the integers differ, so equality decides. */
    out->verdict = out->ints.equal ? PARITY_MATCH : PARITY_LARGE_DIFF;
    out->diff.verdict = out->verdict;
    return PARITY_OK;
}

void parity_comparison_clear(parity_comparison *c) {
    if (c) parity_diff_clear(&c->diff);
}
