/*
 * diff_metrics.c — from exact sums to the reported metrics and verdict.
 * Every formula sits next to its code; n = positions where both sides are
 * finite, d = p - r, K = the shift of each side (see acc.h).
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Σp - Σr, exactly, rounded once: the exact mean difference needs no
 * per-element d at all. */
static double exact_difference(const parity_xsum *p, const parity_xsum *r) {
    parity_xsum t = *r;
    for (int i = 0; i < 67; i++) t.chunk[i] = -t.chunk[i];
    parity_xsum_merge(&t, p);
    return parity_xsum_result(&t);
}

/* S1 = Σ(x - K) = Σx - n·K, exactly, rounded once. */
static double shifted_sum(const parity__side_acc *a) {
    parity_xsum t = a->sum;
    parity__xsum_add_scaled(&t, -a->shift, a->n_finite);
    return parity_xsum_result(&t);
}

/* Pearson correlation:
 *   cov = Σ(r-Kr)(p-Kp) - S1r·S1p/n,  var_x = Σ(x-K)² - S1x²/n,
 *   pcc = cov / √(var_r · var_p), NaN when either variance is 0,
 *   clamped to [-1, 1] against the last rounding. */
static double pearson(const parity__pair_acc *a, double n) {
    double s1r = shifted_sum(&a->r), s1p = shifted_sum(&a->p);
    double cov = parity_xsum_result(&a->cov) - s1r * (s1p / n);
    double vr = parity_xsum_result(&a->r.sum_c2) - s1r * (s1r / n);
    double vp = parity_xsum_result(&a->p.sum_c2) - s1p * (s1p / n);
    if (!(vr > 0) || !(vp > 0)) return NAN;
    double pcc = cov / (sqrt(vr) * sqrt(vp));
    return pcc > 1 ? 1 : pcc < -1 ? -1 : pcc;
}

/* The sums over n both-finite pairs -> metrics. */
static void pair_sums(const parity__pair_acc *a, parity_diff *out) {
    double n = (double)out->n;
    double sum_d = exact_difference(&a->p.sum, &a->r.sum);
    double sum_ad = parity_xsum_result(&a->abs_d);
    double sum_d2 = parity_xsum_result(&a->d2);
    double sum_r2 = parity_xsum_result(&a->r.sumsq);
    double sum_p2 = parity_xsum_result(&a->p.sumsq);
    double sum_rp = parity_xsum_result(&a->rp);
    out->mean_diff = sum_d / n;                 /* Σd/n                  */
    out->abs_mean = sum_ad / n;                 /* Σ|d|/n                */
    out->rmse = sqrt(sum_d2 / n);               /* √(Σd²/n)              */
    out->ref_zero = sum_r2 == 0;                /* ‖d‖/‖r‖, or ‖d‖       */
    out->relative = out->ref_zero ? sqrt(sum_d2) : sqrt(sum_d2) / sqrt(sum_r2);
    out->cosine = (sum_r2 > 0 && sum_p2 > 0)    /* ⟨r,p⟩/(‖r‖‖p‖)         */
                      ? sum_rp / (sqrt(sum_r2) * sqrt(sum_p2)) : NAN;
    out->pcc = pearson(a, n);
    out->snr_db = sum_d2 == 0 ? INFINITY        /* 10·log10(Σr²/Σd²)     */
                              : 10.0 * log10(sum_r2 / sum_d2);
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
}
