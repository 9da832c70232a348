/*
 * explain.c — parity explain (docs/explain.md): which transformation T maps the
 * reference r to the port p? Every candidate family fits its parameters
 * from one streaming fit pass; one evaluation pass then measures each
 * elementwise candidate exactly over every finite pair (the layout
 * searches measure their own):
 *
 *   explained    = 1 − Σ(p − T(r))² / Σ(p − r)²
 *   residual_rel = √Σ(p − T(r))² / √Σr²
 *
 * Gating and ranking live in explain_rank.c.
 *
 * Memory: the passes read EX_CHUNK elements at a time; per-axis sums take
 * 7 doubles per cell of each axis (an index, or a block of indices on an
 * axis longer than EX_AXIS_CELLS); the layout searches copy both tensors
 * (count <= max_sample) or a sample of max_sample positions and lines
 * (explain_layout.c).
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

parity_explain_opts parity_explain_opts_default(void) {
    parity_explain_opts o;
    memset(&o, 0, sizeof o);
    o.domain = PARITY_DOMAIN_LINEAR;
    o.axis = -1;
    o.max_sample = 1u << 18;
    o.max_hypotheses = 5;
    return o;
}

static void fit_axes(ex_fit *f, int ndim, const int64_t *idx, double r, double p) {
    double d = p - r;
    for (int k = 0; k < ndim; k++) {
        ex_axis_acc *a = &f->ax[k];
        if (!a->n) continue;
        int64_t i = a->step == 1 ? idx[k] : idx[k] / a->step;
        a->n[i] += 1;
        a->sr[i] += r;
        a->sp[i] += p;
        a->srr[i] += r * r;
        a->srp[i] += r * p;
        a->sdd[i] += d * d;
        if (fabs(p) > a->pmax[i]) a->pmax[i] = fabs(p);
    }
}

/* The cluster of port values within tol of the running extreme (sign +1:
 * the maximum, −1: the minimum). A value beyond the extreme by more than
 * tol starts a new cluster; one within tol joins it, so 1e-6 noise added
 * after a clamp keeps every pinned value in one cluster. */
static void pin_one(ex_pin *c, int sign, double tol, double r, double p, int first) {
    double sp = sign * p, sr = sign * r, ext = sign * c->ext;
    if (first || sp > ext + tol) {
        c->ext = p, c->sum = p, c->n = 1, c->beyond = sr > sp + tol;
        return;
    }
    if (sp < ext - tol) return;
    if (sp > ext) c->ext = p;
    c->sum += p, c->n++, c->beyond += sr > sp + tol;
}

/* Σd² and one-sided non-finite pairs per diagonal of the last two axes. */
static void fit_diag(ex_fit *f, int ndim, const int64_t *idx, double d2, int one_sided) {
    if (!f->dg_len) return;
    int64_t k = idx[ndim - 1] - idx[ndim - 2] + f->dg_len - 1;
    if (one_sided) f->dg_nf[k] += 1;
    else f->dg_sdd[k] += d2;
}

static void fit_one(ex_fit *f, int ndim, const int64_t *idx, double r, double p,
                    uint64_t flat) {
    if (!isfinite(r)) {
        if (isfinite(p)) {
            if (f->nf_ref_only++ == 0) f->nf_ref_first = flat, f->nf_ref_value = r;
            fit_diag(f, ndim, idx, 0, 1);
        }
        return;
    }
    if (!isfinite(p)) {
        if (f->nf_port_only++ == 0) f->nf_first = flat;
        fit_diag(f, ndim, idx, 0, 1);
        return;
    }
    double d = p - r;
    fit_diag(f, ndim, idx, d * d, 0);
    if (p == 0 && r != 0) f->n_pzero++;
    else if (p != 0) f->nz_srr += r * r, f->nz_srp += r * p;
    pin_one(&f->hi, 1, f->tol, r, p, f->n == 0);
    pin_one(&f->lo, -1, f->tol, r, p, f->n == 0);
    f->n++;
    f->sr += r, f->sp += p, f->srr += r * r, f->spp += p * p;
    f->srp += r * p, f->sd += d, f->sdd += d * d;
    fit_axes(f, ndim, idx, r, p);
    parity__ex_value_bin(f, r, d);
}

/* The fit pass: closed-form sums of every family. */
static void fit_pass(ex_ctx *x) {
    double rb[EX_CHUNK], pb[EX_CHUNK];
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t count = x->r->count, done = 0;
    const parity_tensor *t[2] = {x->r, x->p};
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity__progress(&x->o.progress, PARITY_PROGRESS_ELEMENTS, at, 2 * count);
        parity_tensor_read(x->r, at, m, rb);
        parity_tensor_read(x->p, at, m, pb);
        for (size_t i = 0; i < m; i++, parity__ex_next(idx, x->r))
            fit_one(&x->f, x->r->ndim, idx, rb[i], pb[i], at + i);
        parity__ex_release(t, 2, &done, at + m, at + m == count);
    }
}

static void eval_one(ex_ctx *x, const int64_t *idx, double r, double p) {
    double d = p - r;
    if (fabs(d) > 1e-4 * x->rms_r) x->n_big++;
    for (size_t k = 0; k < x->nc; k++) {
        ex_cand *c = &x->c[k];
        if (c->measured) continue;
        double e = p - parity__ex_apply(c, idx, r, p);
        c->sq += e * e;
        if (c->sq_i) c->sq_i[idx[c->axis]] += e * e;
        if (c->h.kind == PARITY_HYP_PRECISION) c->n_in += e == 0;
    }
}

/* The evaluation pass: Σ(p − T(r))² of every elementwise candidate. */
static void eval_pass(ex_ctx *x) {
    double rb[EX_CHUNK], pb[EX_CHUNK];
    int64_t idx[PARITY_MAX_DIMS] = {0};
    uint64_t count = x->r->count, done = 0;
    const parity_tensor *t[2] = {x->r, x->p};
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity__progress(&x->o.progress, PARITY_PROGRESS_ELEMENTS, count + at, 2 * count);
        parity_tensor_read(x->r, at, m, rb);
        parity_tensor_read(x->p, at, m, pb);
        for (size_t i = 0; i < m; i++, parity__ex_next(idx, x->r))
            if (isfinite(rb[i]) && isfinite(pb[i])) eval_one(x, idx, rb[i], pb[i]);
        parity__ex_release(t, 2, &done, at + m, at + m == count);
    }
}

static parity_status alloc_axes(ex_ctx *x, parity_error *err) {
    for (int k = 0; k < x->r->ndim; k++) {
        int64_t len = x->r->shape[k];
        if (len < 2 || (x->o.axis >= 0 && x->o.axis != k)) continue;
        ex_axis_acc *a = &x->f.ax[k];
        a->axis_len = len;
        a->step = (len + EX_AXIS_CELLS - 1) / EX_AXIS_CELLS;
        a->len = (len + a->step - 1) / a->step;
        double *blk = calloc((size_t)a->len * 7, sizeof *blk);
        FAIL_IF(!blk, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: explain: out of memory for axis %d", x->r->name, k);
        len = a->len;
        a->n = blk, a->sr = blk + len, a->sp = blk + 2 * len;
        a->srr = blk + 3 * len, a->srp = blk + 4 * len, a->sdd = blk + 5 * len;
        a->pmax = blk + 6 * len;
    }
    int nd = x->r->ndim;
    int64_t L = nd >= 2 ? x->r->shape[nd - 1] : 0;
    if (nd >= 2 && L >= 3 && L <= 65536 && x->r->shape[nd - 2] == L) {
        x->f.dg_sdd = calloc((size_t)(2 * L - 1) * 2, sizeof *x->f.dg_sdd);
        FAIL_IF(!x->f.dg_sdd, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: explain: out of memory for diagonals", x->r->name);
        x->f.dg_nf = x->f.dg_sdd + 2 * L - 1;
        x->f.dg_len = L;
    }
    return PARITY_OK;
}

/* The copies of the layout searches (count <= max_sample); larger tensors
 * are searched on a sample (explain_layout.c). */
static parity_status copy_both(ex_ctx *x, parity_error *err) {
    uint64_t count = x->r->count;
    if (count == 0 || count > x->o.max_sample || count > SIZE_MAX / sizeof(double))
        return PARITY_OK;
    x->rr = malloc((size_t)count * sizeof *x->rr);
    x->pp = malloc((size_t)count * sizeof *x->pp);
    FAIL_IF(!x->rr || !x->pp, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: explain: out of memory copying %llu elements", x->r->name,
            (unsigned long long)count);
    parity_tensor_read(x->r, 0, (size_t)count, x->rr);
    parity_tensor_read(x->p, 0, (size_t)count, x->pp);
    return PARITY_OK;
}

static void ctx_free(ex_ctx *x) {
    parity__ex_pager_flush(x->pg);
    for (int k = 0; k < PARITY_MAX_DIMS; k++) free(x->f.ax[k].n);
    free(x->f.dg_sdd);
    for (size_t i = 0; i < x->nc; i++) parity__ex_cand_free(&x->c[i]);
    free(x->c);
    free(x->rr);
    free(x->pp);
}

/* Pearson correlation of r and p over the finite pairs. */
static double pcc(const ex_fit *f) {
    double n = (double)f->n;
    double vr = f->srr - f->sr * f->sr / n, vp = f->spp - f->sp * f->sp / n;
    double c = f->srp - f->sr * f->sp / n;
    return vr > 0 && vp > 0 ? c / sqrt(vr * vp) : NAN;
}

/* Drop the file pages the last family's samples and passes touched: a
 * strided sample faults in every page of a large tensor. */
static void drop_pages(const ex_ctx *x) {
    const parity_tensor *t[4] = {x->r, x->p, x->xr, x->xp == x->xr ? NULL : x->xp};
    uint64_t done = 0;
    parity__ex_pager_flush(x->pg);
    parity__ex_release(t, 2, &done, x->r->count, 1);
    for (int k = 2; k < 4; k++)
        if (t[k]) done = 0, parity__ex_release(t + k, 1, &done, t[k]->count, 1);
}

static parity_status explain_run(ex_ctx *x, parity_explain_result *out, parity_error *err) {
    TRY(alloc_axes(x, err));
    TRY(copy_both(x, err));
    TRY(parity__ex_value_edges(x, err));
    fit_pass(x);
    const ex_fit *f = &x->f;
    out->n_compared = f->n;
    out->relative = f->srr > 0 ? sqrt(f->sdd / f->srr) : sqrt(f->sdd);
    out->pcc = f->n ? pcc(f) : NAN;
    x->rms_r = f->n ? sqrt(f->srr / (double)f->n) : 0.0;
    x->base_sq = f->n ? fmax(0.0, f->spp - f->sp * f->sp / (double)f->n) : 0.0;
    out->n_one_sided = f->nf_port_only + f->nf_ref_only;
    if (f->sdd == 0 && f->nf_port_only == 0 && f->nf_ref_only == 0) {
        out->identical = 1;
        return PARITY_OK;
    }
    x->involved = parity__ex_involved_dtype(x);
    drop_pages(x);
    TRY(parity__ex_global_candidates(x, err));
    TRY(parity__ex_struct_candidates(x, err));
    if (f->sdd > 0 || f->nf_port_only > 0) TRY(parity__ex_op_candidates(x, err));
    drop_pages(x);
    if (f->sdd > 0) {
        TRY(parity__ex_wiring_candidates(x, err));
        TRY(parity__ex_grid_candidates(x, err));
        drop_pages(x);
        TRY(parity__ex_axis_candidates(x, err));
        TRY(parity__ex_layout_candidates(x, err));
        drop_pages(x);
        TRY(parity__ex_value_candidates(x, err));
    }
    if (x->in_measured) {
        out->input_relative = x->in_srr > 0 ? sqrt(x->in_sdd / x->in_srr) : sqrt(x->in_sdd);
        /* known from the caller's comparison, else beyond the default
         * MATCH tolerance (1e-4 relative): float32 noise is no difference */
        out->input_differs = x->o.inputs_state ? x->o.inputs_state == 1 : out->input_relative > 1e-4;
    }
    for (size_t i = 0; i < x->nc; i++) /* the kind's, plus the variant's */
        x->c[i].h.complexity += parity__ex_kinds[x->c[i].h.kind].complexity;
    eval_pass(x);
    drop_pages(x);
    return parity__ex_conclude(x, out, err);
}

static int same_dims(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

/* The input x seen in the stage's layout: x itself when its dims are
 * ref's, else the view parity_layout_align brings it to (a channels-last
 * port's input to a channels-first norm: permute(0,2,1)), with ref's axes
 * of length 1 put back, so the operations are fitted position by
 * position. 0 when no layout makes them agree. */
static int input_in_layout(const parity_tensor *ref, const parity_tensor *x, parity_tensor *out,
                           char *layout, size_t cap) {
    parity_tensor rv, xv;
    parity_error e;
    if (same_dims(x, ref)) {
        *out = *x;
        return 1;
    }
    if (x->count != ref->count ||
        parity_layout_align(ref, x, &rv, &xv, layout, cap, &e) != PARITY_OK || xv.count != ref->count)
        return 0;
    /* rv is ref with its axes of length 1 dropped (or ref itself): xv's
     * axes are ref's longer ones, in order */
    *out = xv;
    out->ndim = ref->ndim;
    for (int k = 0, j = 0; k < ref->ndim; k++) {
        out->shape[k] = ref->shape[k];
        if (ref->shape[k] == 1 && !(xv.ndim == ref->ndim && xv.shape[k] == 1)) {
            out->stride[k] = 0;
            continue;
        }
        if (j >= xv.ndim || xv.shape[j] != ref->shape[k]) return 0;
        out->stride[k] = xv.stride[j++];
    }
    return 1;
}

parity_status parity_explain_tensors(const parity_tensor *ref, const parity_tensor *port,
                                     const parity_explain_opts *opts,
                                     parity_explain_result *out, parity_error *err) {
    FAIL_IF(!ref || !port || !out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "explain: NULL argument");
    memset(out, 0, sizeof *out);
    FAIL_IF(ref->ndim != port->ndim, err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "%s: explain: %d dimensions against %d", ref->name, ref->ndim, port->ndim);
    for (int k = 0; k < ref->ndim; k++)
        FAIL_IF(ref->shape[k] != port->shape[k], err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
                "%s: explain: axis %d has %lld elements against %lld", ref->name, k,
                (long long)ref->shape[k], (long long)port->shape[k]);
    ex_ctx x;
    ex_pager pager;
    memset(&x, 0, sizeof x);
    memset(&pager, 0, sizeof pager);
    x.r = ref, x.p = port, x.pg = &pager;
    x.o = opts ? *opts : parity_explain_opts_default();
    x.xr = x.o.input_ref;
    x.xp = x.o.input_port ? x.o.input_port : x.o.input_ref;
    FAIL_IF(x.o.axis < -1 || x.o.axis >= (ref->ndim > 0 ? ref->ndim : 1), err,
            PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: explain: axis %d out of range",
            ref->name, x.o.axis);
    if (x.o.max_hypotheses == 0) x.o.max_hypotheses = 5;
    if (x.o.max_sample < 4096) x.o.max_sample = 4096;
    parity_tensor in_r, in_p;
    char lay_r[96] = "", lay_p[96] = "";
    if (x.xr) {
        const char *nm = x.o.input_name ? x.o.input_name : x.xr->name;
        /* both sides' inputs in the stage's layout, by one layout */
        out->input_unfit = !input_in_layout(ref, x.xr, &in_r, lay_r, sizeof lay_r) ||
                           !input_in_layout(ref, x.xp, &in_p, lay_p, sizeof lay_p) ||
                           strcmp(lay_r, lay_p) != 0;
        if (!out->input_unfit) x.xr = &in_r, x.xp = &in_p;
        if (!out->input_unfit && lay_r[0])
            snprintf(out->input_layout, sizeof out->input_layout, "%s", lay_r);
        snprintf(out->input, sizeof out->input, "%s", nm ? nm : "");
        out->input_source = x.o.input_source ? x.o.input_source : PARITY_INPUT_GIVEN;
    }
    out->inputs_state = x.o.inputs_state;
    parity_status st = explain_run(&x, out, err);
    ctx_free(&x);
    if (st != PARITY_OK) parity_explain_clear(out);
    return st;
}

void parity_explain_clear(parity_explain_result *res) {
    if (!res) return;
    for (size_t i = 0; res->h && i < res->n; i++) parity__ex_hyp_free(&res->h[i]);
    parity__ex_hyp_free(&res->best_weak);
    free(res->h);
    res->h = NULL;
    res->n = 0;
}
