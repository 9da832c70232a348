/*
 * weights_find.c — what the values of one compared weight show (the
 * finding of docs/weights.md), from the cheapest test to the most costly:
 *
 *   shapes irreconcilable, integers equal or not;
 *   exact: every finite pair equal and the non-finite values in the same
 *     places with the same values;
 *   quantized (a block-quantized port, blocks lined up with the reference):
 *     in every block of the type, max|p − r| <= margin · step + amax·2^-10,
 *     step one quantization step of the type computed from the reference
 *     block (table below), amax·2^-10 the rounding of its f16 scales;
 *   rounded: the port's dtype is another float element type and every
 *     port value is parity_round_to(port dtype, r), values beyond the
 *     type's range becoming ±Inf (or NaN for types without Inf) included;
 *   close: MATCH under the tolerances, though not exact;
 *   constant: every port value one finite value where the reference varies
 *     (a weight never loaded keeps its initialization: 1 for a norm's
 *     scale, 0 for a bias);
 * then, for a weight that differs with nothing named, the caller tries the
 * rows (weights_rows.c) and last explain's best hypothesis; a quantized
 * port beyond its step goes to explain too, whose hypothesis is then
 * measured above the type's rounding noise.
 */
#include "analysis/weights_internal.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CHUNK 4096 /* values read at a time (whole blocks: 16 x 256)     */
/* explain's layout searches on at most this many elements per side: a
 * checkpoint may hold hundreds of differing weights, and the winners are
 * measured over every element anyway */
#define EXPLAIN_SAMPLE 65536

void parity__wt_values(parity_weight *w) {
    const parity_tensor *v[2] = {&w->pair.ref_view, &w->pair.port_view};
    uint64_t count = v[0]->count < v[1]->count ? v[0]->count : v[1]->count;
    w->n_first = count < PARITY_WEIGHT_VALUES ? (int)count : PARITY_WEIGHT_VALUES;
    uint64_t rest = count - (uint64_t)w->n_first;
    w->n_last = rest < PARITY_WEIGHT_VALUES ? (int)rest : PARITY_WEIGHT_VALUES;
    for (int s = 0; s < 2; s++) {
        parity_tensor_read(v[s], 0, (size_t)w->n_first, w->first[s]);
        parity_tensor_read(v[s], v[s]->count - (uint64_t)w->n_last, (size_t)w->n_last, w->last[s]);
    }
}

static void set_text(parity_weight *w, parity_weight_finding f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_text(parity_weight *w, parity_weight_finding f, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    w->finding = f;
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
}

/* ---- shapes, integers, exact -------------------------------------------- */

static void shapes_text(parity_weight *w) {
    char a[256], b[256];
    set_text(w, PARITY_WF_SHAPES,
             "shapes %s and %s cannot be reconciled (no squeeze, "
             "permutation or reshape)",
             parity_shape_str(w->pair.ref, a, sizeof a),
             parity_shape_str(w->pair.port, b, sizeof b));
}

/* Lengths differ along one axis (a vocabulary padded to a multiple of 64,
 * a truncated table): what the shared part says. */
static void overlap_text(parity_weight *w) {
    const parity_overlap *o = &w->cmp.overlap;
    const char *longer = o->port_len > o->ref_len ? "port" : "reference";
    int64_t extra = o->port_len > o->ref_len ? o->port_len - o->ref_len : o->ref_len - o->port_len;
    const char *shared = w->cmp.verdict == PARITY_MATCH ? "match" : "differ";
    if (o->how == PARITY_OVERLAP_SHIFTED)
        set_text(w, PARITY_WF_UNEXPLAINED,
                 "axis %d has %lld in the reference and %lld in the port; the port is "
                 "the reference shifted by %lld along it, and the %lld shared rows %s",
                 o->axis, (long long)o->ref_len, (long long)o->port_len, (long long)o->lag,
                 (long long)o->len, shared);
    else
        set_text(w, PARITY_WF_UNEXPLAINED,
                 "axis %d has %lld in the reference and %lld in the port (the %s has %lld "
                 "more: padding or truncation); the first %lld %s",
                 o->axis, (long long)o->ref_len, (long long)o->port_len, longer,
                 (long long)extra, (long long)o->len, shared);
}

static void ints_text(parity_weight *w) {
    const parity_int_cmp *c = &w->cmp.ints;
    if (c->equal)
        set_text(w, PARITY_WF_EXACT, "exact (integers)");
    else if (c->sequence)
        set_text(w, PARITY_WF_UNEXPLAINED,
                 "integer sequences of lengths %llu and %llu, "
                 "equal over the first %llu",
                 (unsigned long long)c->ref_len, (unsigned long long)c->port_len,
                 (unsigned long long)c->first);
    else
        set_text(w, PARITY_WF_UNEXPLAINED, "integers differ at %llu of %llu elements",
                 (unsigned long long)c->n_differ, (unsigned long long)c->n_compared);
}

/* Every port value finite and equal, the reference's not all equal. */
static int constant_port(const parity_diff *d) {
    const parity_stats *p = &d->port, *r = &d->ref;
    return p->count > 1 && p->n_finite == p->count && p->min == p->max && !(r->min == r->max);
}

static int exact(const parity_diff *d) {
    return d->abs_max == 0 && d->nonfinite_ref_only + d->nonfinite_port_only == 0 &&
           d->nonfinite_differ == 0;
}

/* ---- quantized ---------------------------------------------------------- */

/* One quantization step of a block-quantized type, from the reference
 * block's largest magnitude amax or its range max − min (ggml's reference
 * quantizers: Q8_0 d = amax/127, Q4_0 d = max/−8, Q4_1 d = (max − min)/15,
 * ...); the K-quants' margin covers their own quantized sub-block scales. */
typedef struct qstep {
    parity_dtype dt;
    int range; /* 1: the step is (max − min)/levels; 0: amax/levels */
    double levels, margin;
} qstep;

static const qstep QSTEPS[] = {
    {PARITY_DT_Q8_0, 0, 127, 1.01}, {PARITY_DT_Q4_0, 0, 8, 1.01},  {PARITY_DT_Q5_0, 0, 16, 1.01},
    {PARITY_DT_Q4_1, 1, 15, 1.01},  {PARITY_DT_Q5_1, 1, 31, 1.01}, {PARITY_DT_Q2_K, 1, 3, 1.5},
    {PARITY_DT_Q3_K, 0, 4, 1.5},    {PARITY_DT_Q4_K, 1, 15, 1.5},  {PARITY_DT_Q5_K, 1, 31, 1.5},
    {PARITY_DT_Q6_K, 0, 32, 1.5},
};

static const qstep *qstep_of(parity_dtype dt) {
    for (size_t i = 0; i < sizeof QSTEPS / sizeof *QSTEPS; i++)
        if (QSTEPS[i].dt == dt) return &QSTEPS[i];
    return NULL;
}

/* Is block [r, p) of n values within the step? A one-sided non-finite
 * value never is. *noise adds the block's expected rounding noise,
 * n·step²/12 (a value rounded to a grid of spacing step errs uniformly
 * within ±step/2), *rr its Σr²: together the precision floor explain's
 * finding is measured against when the check fails. */
static int block_ok(const qstep *q, const double *r, const double *p, size_t n, double *noise,
                    double *rr) {
    double amax = 0, lo = INFINITY, hi = -INFINITY, err = 0, ss = 0;
    size_t m = 0;
    int one_sided = 0;
    for (size_t i = 0; i < n; i++) {
        int fr = isfinite(r[i]), fp = isfinite(p[i]);
        one_sided |= fr != fp;
        if (!fr || !fp) continue;
        amax = fmax(amax, fabs(r[i]));
        lo = fmin(lo, r[i]), hi = fmax(hi, r[i]);
        err = fmax(err, fabs(p[i] - r[i]));
        ss += r[i] * r[i], m++;
    }
    if (lo > hi) return !one_sided; /* no finite pair */
    double step = (q->range ? hi - lo : amax) / q->levels;
    *noise += (double)m * step * step / 12, *rr += ss;
    return !one_sided && err <= q->margin * step + ldexp(amax, -10);
}

/* Every block of the port (q_port as stored, q_ref in its order);
 * *noise the relative rounding noise expected of the type,
 * sqrt(Σ n·step²/12 / Σr²) over the blocks. */
static void quant_check(parity_weight *w, const parity_tensor *qr, const parity_tensor *qp,
                        double *noise) {
    const qstep *q = qstep_of(qp->dtype);
    int be = 0;
    parity_dtype_block(qp->dtype, &be, NULL);
    double r[CHUNK], p[CHUNK];
    uint64_t per = CHUNK / (uint64_t)be * (uint64_t)be, bad = 0, blocks = 0;
    double ss_noise = 0, rr = 0;
    for (uint64_t at = 0; at < qp->count; at += per) {
        size_t n = qp->count - at < per ? (size_t)(qp->count - at) : (size_t)per;
        parity_tensor_read(qr, at, n, r);
        parity_tensor_read(qp, at, n, p);
        for (size_t b = 0; b < n; b += (size_t)be, blocks++) {
            size_t m = n - b < (size_t)be ? n - b : (size_t)be;
            bad += !block_ok(q, r + b, p + b, m, &ss_noise, &rr);
        }
    }
    *noise = rr > 0 ? sqrt(ss_noise / rr) : 0;
    w->quant_blocks = blocks, w->quant_bad = bad;
    const char *name = parity_dtype_name(qp->dtype);
    if (bad == 0)
        set_text(w, PARITY_WF_QUANTIZED,
                 "quantized %s, error as expected: within one "
                 "quantization step in all %llu blocks",
                 name, (unsigned long long)blocks);
    else
        set_text(w, PARITY_WF_QUANT_ERROR,
                 "quantized %s, but the error exceeds one "
                 "quantization step in %llu of %llu blocks",
                 name, (unsigned long long)bad, (unsigned long long)blocks);
}

/* ---- rounded to a narrower dtype ---------------------------------------- */

/* Largest finite value of the types parity_round_to rounds to, and
 * whether past it lies Inf (else NaN). */
static double dtype_max(parity_dtype dt, int *has_inf) {
    *has_inf =
        dt != PARITY_DT_F8_E4M3 && dt != PARITY_DT_F8_E4M3FNUZ && dt != PARITY_DT_F8_E5M2FNUZ;
    switch (dt) {
    case PARITY_DT_F16: return 65504.0;
    case PARITY_DT_BF16: return 0x1.fep127;
    case PARITY_DT_F32: return FLT_MAX;
    case PARITY_DT_F8_E4M3: return 448.0;
    case PARITY_DT_F8_E5M2: return 57344.0;
    case PARITY_DT_F8_E4M3FNUZ: return 240.0;
    case PARITY_DT_F8_E5M2FNUZ: return 57344.0;
    default: return 0;
    }
}

static int roundable(parity_dtype dt) {
    int has_inf;
    return dtype_max(dt, &has_inf) > 0;
}

parity_dtype parity__wt_round_dtype(const parity_weight *w) {
    parity_dtype rd = w->pair.ref->dtype, pd = w->pair.port->dtype;
    return pd != rd && roundable(pd) ? pd : PARITY_DT_INVALID;
}

/* 1 when every port value is the reference's rounded to dt; *overflow
 * counts the finite reference values whose port value is not finite. */
static int rounded_check(const parity_tensor *rv, const parity_tensor *pv, parity_dtype dt,
                         uint64_t *overflow) {
    double r[CHUNK], p[CHUNK];
    *overflow = 0;
    for (uint64_t at = 0; at < rv->count; at += CHUNK) {
        size_t n = rv->count - at < CHUNK ? (size_t)(rv->count - at) : CHUNK;
        parity_tensor_read(rv, at, n, r);
        parity_tensor_read(pv, at, n, p);
        for (size_t i = 0; i < n; i++) {
            double q = parity_round_to(dt, r[i]);
            if (!(q == p[i] || (isnan(q) && isnan(p[i])))) return 0;
            *overflow += isfinite(r[i]) && !isfinite(p[i]);
        }
    }
    return 1;
}

static void rounded_text(parity_weight *w, parity_dtype dt, uint64_t overflow) {
    const char *name = parity_dtype_name(dt);
    int has_inf = 0;
    double max = dtype_max(dt, &has_inf);
    w->rounded_to = dt, w->n_overflow = overflow;
    if (overflow == 0)
        set_text(w, PARITY_WF_ROUNDED,
                 "rounded to %s: every value is the reference's, "
                 "rounded to nearest",
                 name);
    else
        set_text(w, PARITY_WF_ROUNDED,
                 "%s overflow: %llu value%s beyond %s's range (±%g) "
                 "became %s; every other value is the reference's, rounded to %s",
                 name, (unsigned long long)overflow, overflow == 1 ? "" : "s", name, max,
                 has_inf ? "±inf" : "NaN", name);
}

parity_status parity__wt_find(parity_weight *w, const parity_tensor *q_ref,
                              const parity_tensor *q_port, double *q_noise, int *settled,
                              parity_error *err) {
    (void)err;
    *settled = 1;
    *q_noise = 0;
    w->rounded_to = PARITY_DT_INVALID;
    w->finding = PARITY_WF_UNEXPLAINED;
    w->text[0] = '\0';
    if (w->cmp.kind == PARITY_PAIR_SHAPES) {
        shapes_text(w);
        return PARITY_OK;
    }
    if (w->cmp.kind == PARITY_PAIR_OVERLAP) {
        overlap_text(w);
        return PARITY_OK;
    }
    if (w->cmp.kind != PARITY_PAIR_FLOAT) {
        ints_text(w);
        return PARITY_OK;
    }
    parity_dtype rd = w->pair.ref->dtype, pd = w->pair.port->dtype, rt;
    uint64_t overflow = 0;
    if (exact(&w->cmp.diff)) {
        if (rd == pd)
            set_text(w, PARITY_WF_EXACT, "exact");
        else
            set_text(w, PARITY_WF_EXACT, "exact (the %s values are the %s ones)",
                     parity_dtype_name(pd), parity_dtype_name(rd));
    } else if (qstep_of(pd) && q_ref && q_port) {
        quant_check(w, q_ref, q_port, q_noise);
        *settled = w->finding == PARITY_WF_QUANTIZED; /* beyond: other orders next */
    } else if ((rt = parity__wt_round_dtype(w)) != PARITY_DT_INVALID &&
               rounded_check(&w->pair.ref_view, &w->pair.port_view, rt, &overflow)) {
        rounded_text(w, rt, overflow);
    } else if (w->cmp.verdict == PARITY_MATCH) {
        set_text(w, PARITY_WF_CLOSE, "close: MATCH within the tolerances, not exact");
    } else if (constant_port(&w->cmp.diff)) {
        set_text(w, PARITY_WF_CONSTANT,
                 "the port holds %.17g everywhere where the reference "
                 "varies: never loaded, left at its initialization?",
                 w->cmp.diff.port.min);
    } else {
        *settled = 0;
    }
    return PARITY_OK;
}

void parity__wt_rows_text(parity_weight *w, uint64_t rows, const int64_t *perm, int n_perm) {
    char list[160];
    size_t at = 0;
    list[0] = '\0';
    for (int i = 0; i < n_perm && at + 24 < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, " %lld", (long long)perm[i]);
    w->rows_moved = rows;
    set_text(w, PARITY_WF_ROWS,
             "rows permuted: every port row (axis 0) is a reference row, "
             "%llu of %lld moved (port row i = reference row%s%s)",
             (unsigned long long)rows, (long long)w->pair.ref_view.shape[0], list,
             w->pair.ref_view.shape[0] > n_perm ? " ..." : "");
}

/* The hypothesis a finding may name: for a quantized port beyond its step,
 * not the port's own rounding (precision, a grid), which the block check
 * already measured; NULL when none. */
static const parity_hypothesis *best_named(const parity_explain_result *res) {
    for (size_t i = 0; i < res->n; i++)
        if (res->h[i].kind != PARITY_HYP_PRECISION && res->h[i].kind != PARITY_HYP_GRID)
            return &res->h[i];
    return NULL;
}

/* The share of the difference h explains above the rounding noise of a
 * quantized port (relative floor q_noise, relative = ‖p − r‖/‖r‖,
 * residual_rel = ‖p − T(r)‖/‖r‖):
 *   (relative² − residual²) / (relative² − noise²), within [0, 1];
 * the noise stays in p − T(r) whatever T explains. Without noise (or
 * when the difference is no larger) explain's own share. */
static double explained_above(const parity_hypothesis *h, double relative, double q_noise) {
    double all = relative * relative - q_noise * q_noise;
    if (!(q_noise > 0) || !(all > 0)) return h->explained;
    double e = (relative * relative - h->residual_rel * h->residual_rel) / all;
    return e < 0 ? 0 : e > 1 ? 1 : e;
}

/* A quantized port beyond its step: explain's finding when it names one
 * (what a converter did before quantizing: a transpose, a scale), with
 * how far beyond the type's rounding the blocks are; else the block
 * count stays the finding. */
static void quant_explained(parity_weight *w, const parity_explain_result *res, double q_noise) {
    const parity_hypothesis *h = best_named(res);
    double e = h ? explained_above(h, res->relative, q_noise) : 0;
    if (!h || e < 0.5) return;
    set_text(w, PARITY_WF_EXPLAINED,
             "%s (explains %.4g%% of the difference above %s rounding, "
             "beyond it in %llu of %llu blocks)",
             h->text, 100 * e, parity_dtype_name(w->pair.port->dtype),
             (unsigned long long)w->quant_bad, (unsigned long long)w->quant_blocks);
}

parity_status parity__wt_explain(parity_weight *w, double q_noise, parity_error *err) {
    parity_explain_result res;
    parity_explain_opts eo = parity_explain_opts_default();
    eo.max_sample = EXPLAIN_SAMPLE;
    memset(&res, 0, sizeof res);
    TRY(parity_explain_tensors(&w->pair.ref_view, &w->pair.port_view, &eo, &res, err));
    if (w->finding == PARITY_WF_QUANT_ERROR)
        quant_explained(w, &res, q_noise);
    else if (res.n > 0 && !res.none_explains)
        set_text(w, PARITY_WF_EXPLAINED, "%s (explains %.4g%% of the difference)", res.h[0].text,
                 100 * res.h[0].explained);
    else if (res.uncorrelated && isfinite(res.pcc))
        set_text(w, PARITY_WF_UNEXPLAINED,
                 "no simple transformation explains the difference; "
                 "the port looks unrelated to the reference (pcc = %.2g)",
                 res.pcc);
    else
        set_text(w, PARITY_WF_UNEXPLAINED, "no simple transformation explains the difference");
    parity_explain_clear(&res);
    return PARITY_OK;
}
