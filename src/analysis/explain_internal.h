/*
 * explain_internal.h — the candidate families of parity explain share one
 * context: the statistics of a fit pass (global sums, per-axis sums, value
 * bins), the bounded copies for the layout searches, and the candidate list
 * that the evaluation pass measures exactly.
 */
#ifndef PARITY_EXPLAIN_INTERNAL_H
#define PARITY_EXPLAIN_INTERNAL_H

#include "internal.h"

#define EX_CHUNK 4096 /* elements read per step of a streaming pass        */
#define EX_BINS 64    /* value bins of the value-dependent residual        */
#define EX_SAMPLE 65536 /* values of r kept to place the bin edges         */

/* Sums over the finite pairs with index i along one axis ([len] each). */
typedef struct ex_axis_acc {
    int64_t len;
    double *n, *sr, *sp, *srr, *srp, *sdd;
} ex_axis_acc;

/* The fit pass: everything the closed-form fits need. */
typedef struct ex_fit {
    uint64_t n;                       /* pairs where both are finite       */
    double sr, sp, srr, spp, srp, sd, sdd; /* Σr Σp Σr² Σp² Σrp Σd Σd²      */
    uint64_t nf_port_only, nf_first;  /* p non-finite where r is finite    */
    double pmax, pmin;                /* finite port extremes              */
    uint64_t at_max, at_max_over;     /* p == pmax; of those r > pmax      */
    uint64_t at_min, at_min_under;    /* p == pmin; of those r < pmin      */
    ex_axis_acc ax[PARITY_MAX_DIMS];
    int nbins;
    double edges[EX_BINS + 1];        /* bin b holds edges[b] <= r < ...   */
    double bin_n[EX_BINS], bin_r[EX_BINS], bin_d[EX_BINS];
} ex_fit;

/* One candidate T. Elementwise kinds are measured by ex_apply in the
 * evaluation pass; layout kinds arrive with sq already measured exactly on
 * the full copies. */
typedef struct ex_cand {
    parity_hypothesis h;
    int axis;
    double a, b;        /* global affine; clamp lo, hi; precision band dt */
    double *va, *vb;    /* per-index a_i, b_i [len]; value knots x, y     */
    int64_t lo, hi, nk; /* region [lo, hi); knots                          */
    double sq;          /* Σ(p − T(r))² over the finite pairs              */
    double *sq_i;       /* per-index kinds: Σ(p − T(r))² per index [len]   */
    int measured;       /* sq is final (layout kinds)                      */
    int partial;        /* per-index fit not exact within most indices:    */
                        /* not listed (see explain_axis.c)                 */
} ex_cand;

typedef struct ex_ctx {
    const parity_tensor *r, *p;
    parity_explain_opts o;
    ex_fit f;
    double rms_r;       /* √(Σr²/n)                                        */
    double *rr, *pp;    /* full copies ([count]) when count <= max_sample  */
    ex_cand *c;
    size_t nc, cap;
    uint64_t n_big;     /* finite pairs with |d| > 1e-4·rms_r (pass 2)      */
} ex_ctx;

/* Append a candidate (copied); NULL when out of memory. */
ex_cand *ex_add(ex_ctx *x, const ex_cand *c);
/* Per-element T(r) of an elementwise candidate; idx is the multi-index. */
double ex_apply(const ex_cand *c, const int64_t *idx, double r, double p,
                double rms_r);

/* Families: each appends its candidates after the fit pass. */
parity_status ex_global_candidates(ex_ctx *x, parity_error *err);
parity_status ex_axis_candidates(ex_ctx *x, parity_error *err);
parity_status ex_layout_candidates(ex_ctx *x, parity_error *err);
parity_status ex_value_candidates(ex_ctx *x, parity_error *err);
/* Value bins: edges from a sample of r (before the fit pass), the bin
 * sums (during it), the fitted f(r) (after it), its text once measured. */
parity_status ex_value_edges(ex_ctx *x, parity_error *err);
void ex_value_bin(ex_fit *f, double r, double d);
double ex_value_eval(const ex_cand *c, double r);
void ex_value_describe(ex_cand *c);
/* After the evaluation pass: flag per-index fits that are not exact
 * within most of their indices. */
void ex_axis_judge(const ex_ctx *x, ex_cand *c);
/* qsort order of doubles (ascending). */
int ex_cmp_double(const void *a, const void *b);

/* Name a scale: "0.125 = 1/sqrt(64)" when within 0.5% of a known constant,
 * else "%.4g". Writes into buf and returns it. */
const char *ex_scale_name(double a, char *buf, size_t cap);

/* The half-ULP-based rounding band of precision candidates. */
double ex_precision_band(parity_dtype dt, double r, double rms_r);

#endif /* PARITY_EXPLAIN_INTERNAL_H */
