/*
 * diff_metrics.c — from exact sums to the reported metrics and verdict.
 * Every formula sits next to its code; n = positions where both sides are
 * finite, d = p - r, K = the shift of each side (see acc.h).
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The sums may lie beyond DBL_MAX (Σd² of values near 1e200) while the
 * metrics built from them do not, so they are combined in wide.c's
 * arithmetic (the same bits as doubles inside the double range). */
typedef parity__wide wide;
#define W_SUB parity__wide_sub
#define W_MUL parity__wide_mul
#define W_DIV parity__wide_div
#define W_SQRT parity__wide_sqrt
#define W_D parity__wide_double

/* Σp - Σr, exactly, rounded once: the exact mean difference needs no
 * per-element d at all. */
static wide exact_difference(const parity_xsum *p, const parity_xsum *r) {
    parity_xsum t = *r;
    parity__xsum_negate(&t);
    parity_xsum_merge(&t, p);
    return parity__xsum_wide(&t);
}

/* Pearson correlation:
 *   cov = Σ(r-Kr)(p-Kp) - S1r·S1p/n,  var_x = Σ(x-K)² - S1x²/n,
 *   pcc = cov / √(var_r · var_p), NaN when either variance is 0,
 *   clamped to [-1, 1] against the last rounding. */
static double pearson(const parity__pair_acc *a, wide n) {
    wide s1r = parity__side_s1(&a->r), s1p = parity__side_s1(&a->p);
    wide cov = W_SUB(parity__xsum_wide(&a->cov), W_MUL(s1r, W_DIV(s1p, n)));
    wide vr = parity__side_m2(&a->r, s1r), vp = parity__side_m2(&a->p, s1p);
    if (parity__wide_sign(vr) <= 0 || parity__wide_sign(vp) <= 0) return NAN;
    double pcc = W_D(W_DIV(cov, W_MUL(W_SQRT(vr), W_SQRT(vp))));
    return pcc > 1 ? 1 : pcc < -1 ? -1 : pcc;
}

/* The sums over n both-finite pairs -> metrics. */
static void pair_sums(const parity__pair_acc *a, parity_diff *out) {
    wide n = parity__wide_of((double)out->n);
    wide sum_d = exact_difference(&a->p.sum, &a->r.sum);
    wide sum_ad = parity__xsum_wide(&a->abs_d);
    wide sum_d2 = parity__xsum_wide(&a->d2);
    wide sum_r2 = parity__xsum_wide(&a->r.sumsq);
    wide sum_p2 = parity__xsum_wide(&a->p.sumsq);
    wide sum_rp = parity__xsum_wide(&a->rp);
    int r2_pos = parity__wide_sign(sum_r2) > 0, p2_pos = parity__wide_sign(sum_p2) > 0;
    out->mean_diff = W_D(W_DIV(sum_d, n));      /* Σd/n                  */
    out->abs_mean = W_D(W_DIV(sum_ad, n));      /* Σ|d|/n                */
    out->rmse = W_D(W_SQRT(W_DIV(sum_d2, n)));  /* √(Σd²/n)              */
    out->ref_zero = !r2_pos;                    /* ‖d‖/‖r‖, or ‖d‖       */
    out->relative = W_D(out->ref_zero ? W_SQRT(sum_d2)
                                      : W_DIV(W_SQRT(sum_d2), W_SQRT(sum_r2)));
    out->cosine = (r2_pos && p2_pos)            /* ⟨r,p⟩/(‖r‖‖p‖)         */
                      ? W_D(W_DIV(sum_rp, W_MUL(W_SQRT(sum_r2), W_SQRT(sum_p2))))
                      : NAN;
    out->pcc = pearson(a, n);
    out->snr_db = parity__wide_sign(sum_d2) == 0  /* 10·log10(Σr²/Σd²)   */
                      ? INFINITY
                      : 10.0 * parity__wide_log10(W_DIV(sum_r2, sum_d2));
}

/* MATCH: relative <= match_tol (or, when atol or rtol is set, every
 * element close) and |mean_diff_db| <= max_db when max_db > 0 and no
 * position where the two sides disagree about non-finite values.
 * SMALL DIFF: relative <= small_tol. LARGE DIFF: the rest (NaN included). */
static parity_verdict verdict_of(const parity_diff *d, const parity_diff_opts *o) {
    int close = (o->atol > 0 || o->rtol > 0) ? d->mismatched == 0
                                             : d->relative <= o->match_tol;
    int db_ok = !(o->max_db > 0) || fabs(d->mean_diff_db) <= o->max_db;
    int nf_ok = d->nonfinite_ref_only == 0 && d->nonfinite_port_only == 0 &&
                d->nonfinite_differ == 0;
    if (close && db_ok && nf_ok) return PARITY_MATCH;
    if (d->relative <= o->small_tol) return PARITY_SMALL_DIFF;
    return PARITY_LARGE_DIFF;
}

void parity__pair_finish(const parity__pair_acc *a, const parity__side_acc *r,
                         const parity__side_acc *p, const parity_diff_opts *o,
                         parity_dtype ulp_dt, parity_diff *out) {
    parity__side_finish(r, &out->ref);
    parity__side_finish(p, &out->port);
    out->n = a->r.n_finite;
    out->abs_max = out->n ? a->abs_max : 0.0;   /* max|d|                */
    out->abs_max_at = a->abs_max_at;
    out->abs_max_ref = a->abs_max_ref;
    out->abs_max_port = a->abs_max_port;
    out->needed_atol = out->abs_max;            /* max|d|                */
    out->needed_rtol = a->rtol_max;             /* max |d|/|r|, r != 0   */
    if (out->n) {
        pair_sums(a, out);
    } else { /* nothing to compare: no difference, nothing to correlate */
        out->mean_diff = out->abs_mean = out->rmse = out->relative = 0.0;
        out->ref_zero = 1;
        out->cosine = out->pcc = NAN;
        out->snr_db = INFINITY;
    }
    out->ulp_dtype = ulp_dt;
    out->max_ulp = ulp_dt == PARITY_DT_INVALID ? 0 : a->max_ulp;
    out->max_ulp_at = a->max_ulp_at;
    out->mismatched = a->mismatched;
    out->nonfinite_ref_only = a->nf_ref_only;
    out->nonfinite_port_only = a->nf_port_only;
    out->nonfinite_differ = a->nf_differ;
    out->first_nonfinite_only = a->first_nf_only;
    double db = parity_domain_db_per_unit(o->domain); /* mean_diff × dB/unit */
    out->mean_diff_db = db == 0 ? 0.0 : out->mean_diff * db;
    out->verdict = verdict_of(out, o);
}

void parity_diff_clear(parity_diff *d) {
    if (!d) return;
    for (int i = 0; i < d->n_profiles && i < 4; i++) {
        free(d->profiles[i].mean_diff); /* one block holds all five arrays */
        memset(&d->profiles[i], 0, sizeof d->profiles[i]);
    }
    d->n_profiles = 0;
    parity__state_free(d->state);
    d->state = NULL;
}
