/*
 * explain_internal.h — the candidate families of parity explain share one
 * context: the statistics of a fit pass (global sums, per-axis sums, value
 * bins, clamp clusters), the bounded copies or samples of the layout
 * searches, and the candidate list that the evaluation pass measures
 * exactly.
 */
#ifndef PARITY_EXPLAIN_INTERNAL_H
#define PARITY_EXPLAIN_INTERNAL_H

#include "internal.h"

#define EX_CHUNK 4096   /* elements read per step of a streaming pass      */
#define EX_BINS 64      /* value bins of the value-dependent residual      */
#define EX_SAMPLE 65536 /* values of r kept to place the bin edges         */
#define EX_CLAMP_TOL 1e-4 /* a port value within 1e-4·rms(r) of its extreme */
                          /* is pinned there (rounding and noise after the  */
                          /* clamp stay far below it)                       */

/* A lookup of sorted breakpoints k[0..n): EX_LUT cells over [k[0], k[n−1]],
 * cell c holding the last i with k[i] <= the cell's start, so finding the
 * last k[i] <= v takes a step or two instead of a binary search. */
#define EX_LUT 1024
typedef struct ex_lut {
    double lo, scale;     /* cell = (v − lo)·scale                          */
    unsigned char at[EX_LUT];
} ex_lut;
void parity__ex_lut_make(ex_lut *t, const double *k, int n);
/* The last i with k[i] <= v (0 when v < k[0]). */
int parity__ex_lut_find(const ex_lut *t, const double *k, int n, double v);

/* Sums over the finite pairs with index i along one axis ([len] each).
 * An axis longer than EX_AXIS_CELLS is summed in blocks of step
 * consecutive indices (cell i holds indices [i·step, (i+1)·step)), so the
 * sums stay bounded whatever the tensor: the region search then works on
 * blocks, and the per-index fits (which need one cell per index) skip it. */
#define EX_AXIS_CELLS 65536
typedef struct ex_axis_acc {
    int64_t len;        /* cells: the axis length, or EX_AXIS_CELLS at most */
    int64_t step;       /* indices per cell (1: a cell per index)          */
    int64_t axis_len;   /* the axis's length                               */
    double *n, *sr, *sp, *srr, *srp, *sdd;
    double *pmax;       /* max |p| per index (quantization per channel)    */
} ex_axis_acc;

/* The port values pinned near one extreme: a cluster within tol of the
 * running extreme, restarted when a value lies beyond it by more. */
typedef struct ex_pin {
    double ext;          /* running extreme of p                           */
    double sum;          /* Σp over the cluster                            */
    uint64_t n, beyond;  /* cluster size; of those, r beyond p by > tol    */
} ex_pin;

/* The fit pass: everything the closed-form fits need. */
typedef struct ex_fit {
    uint64_t n;                       /* pairs where both are finite       */
    double sr, sp, srr, spp, srp, sd, sdd; /* Σr Σp Σr² Σp² Σrp Σd Σd²      */
    uint64_t nf_port_only, nf_first;  /* p non-finite where r is finite    */
    uint64_t nf_ref_only, nf_ref_first; /* r non-finite where p is finite  */
    double nf_ref_value;              /* r at the first of those           */
    uint64_t n_pzero;                 /* p = 0 exactly where r ≠ 0         */
    double nz_srr, nz_srp;            /* Σr², Σrp where p ≠ 0 (dropout)    */
    int64_t dg_len;                   /* the last two axes are dg_len²:    */
    double *dg_sdd;                   /* Σd² per diagonal k = j − i        */
    double *dg_nf;                    /* one-sided non-finite pairs per k  */
                                      /* ([2·dg_len − 1], k + dg_len − 1)  */
    double tol;                       /* pinned tolerance (EX_CLAMP_TOL)   */
    ex_pin hi, lo;                    /* clusters at max p and at min p    */
    ex_axis_acc ax[PARITY_MAX_DIMS];
    int nbins;
    double edges[EX_BINS + 1];        /* bin b holds edges[b] <= r < ...   */
    ex_lut bin_lut;                   /* where the search for r's bin starts */
    double bin_n[EX_BINS], bin_r[EX_BINS], bin_d[EX_BINS];
} ex_fit;

/* One candidate T. Elementwise kinds are measured by ex_apply in the
 * evaluation pass; layout kinds arrive with sq already measured exactly. */
typedef struct ex_cand {
    parity_hypothesis h;
    int axis;
    double a, b;        /* global affine; clamp lo, hi; precision: dt and  */
                        /* ulp(rms r); region: the map inside (a·r + b)    */
    double *va, *vb;    /* per-index a_i, b_i [len]; value knots x, y      */
    ex_lut lut;         /* value: the knots' lookup                        */
    int64_t *perm;      /* row permutation [len]                           */
    int64_t lo, hi, nk, len; /* region [lo, hi); knots; per-index length   */
    double sq;          /* Σ(p − T(r))² over the finite pairs              */
    double *sq_i;       /* per-index kinds: Σ(p − T(r))² per index [len]   */
    uint64_t n_in;      /* precision: pairs with |d| within the band       */
    int region_free;    /* region: T(r) = p inside (no simple map there)   */
    int measured;       /* sq is final (layout kinds)                      */
    int nf_explains;    /* the port's non-finite values are what it names */
                        /* (measured like PARITY_HYP_NONFINITE)           */
    int few;            /* per-index fit with fewer than 16 elements per   */
                        /* index: listed only when exact within nearly all */
    int partial;        /* per-index fit not exact within most indices:    */
                        /* not listed (see explain_axis.c)                 */
} ex_cand;

/* File pages touched by point reads (samples, signatures, r read where a
 * rearrangement points): the kernel maps a whole page-cache folio (up to
 * 2 MiB measured) per fault, so a strided sample of 64 reads over a large
 * tensor kept 227 MiB resident. Per tensor, once EX_TOUCH_READS reads span
 * more than EX_TOUCH_SPAN bytes, that span is dropped: a sampled search
 * keeps about EX_TOUCH_READS folios plus EX_TOUCH_SPAN resident per tensor
 * (under 32 MiB), whatever the tensor. */
#define EX_TOUCH_READS 8
#define EX_TOUCH_SPAN ((uint64_t)8 << 20)
#define EX_TOUCH_TENSORS 8
typedef struct ex_pager {
    const parity_tensor *t[EX_TOUCH_TENSORS];
    uint64_t lo[EX_TOUCH_TENSORS], hi[EX_TOUCH_TENSORS]; /* [lo, hi) touched */
    unsigned reads[EX_TOUCH_TENSORS];                     /* since its last drop */
    int n;
} ex_pager;

typedef struct ex_ctx {
    const parity_tensor *r, *p;
    ex_pager *pg;       /* point reads' pages (writable through a const ctx) */
    const parity_tensor *xr, *xp; /* the stage's input on each side, or NULL */
    parity_explain_opts o;
    parity_dtype involved; /* whose rounding bounds the pair (explain_grid.c) */
    ex_fit f;
    double rms_r;       /* √(Σr²/n)                                        */
    double base_sq;     /* Σ(p − mean p)²: "p unrelated to r"               */
    double *rr, *pp;    /* full copies ([count]) when count <= max_sample  */
    ex_cand *c;
    size_t nc, cap;
    uint64_t n_big;     /* finite pairs with |d| > 1e-4·rms_r (pass 2)      */
    double in_sdd, in_srr; /* Σ(x_port − x_ref)², Σx_ref² (the op family)    */
    int in_measured;    /* in_sdd, in_srr are set                           */
    double op_tol;      /* the op family's identification tolerance         */
} ex_ctx;

/* Append a candidate (copied): the list owns its arrays from then on.
 * Out of memory: c's arrays are freed and PARITY_E_NOMEM returned. */
parity_status parity__ex_add(ex_ctx *x, ex_cand *c, parity_error *err);
/* Append a candidate measured by its family: kind, Σ(p − T(r))², text,
 * params[8] (NULL: zeros). */
parity_status parity__ex_add_measured(ex_ctx *x, parity_hyp_kind kind, double sq, const char *text,
                                      const double *params, parity_error *err);
/* A streaming pass over tensors t[0..nt) (NULL entries skipped) has read
 * every element below upto: drop the file pages of [*done, upto) once they
 * make a run of 1 Mi elements (or when final), so the resident memory of a
 * pass stays bounded whatever the tensor size. */
void parity__ex_release(const parity_tensor *const *t, int nt, uint64_t *done, uint64_t upto,
                        int final);
/* One value of t at a flat index, read for a sample: its file pages are
 * dropped in batches (ex_pager). */
double parity__ex_read_at(const ex_ctx *x, const parity_tensor *t, uint64_t flat);
/* Drop every span the point reads touched. */
void parity__ex_pager_flush(ex_pager *pg);
/* Values per tensor a sampled search of issue 11's candidates may copy:
 * 65,536, or max_sample when that is smaller. */
uint64_t parity__ex_cap(const ex_ctx *x);
/* h->text = text, cut to its size (long shapes in the words). */
void parity__ex_set_text(parity_hypothesis *h, const char *text);
/* Free the owned arrays of one hypothesis (index_a, index_b, perm). */
void parity__ex_hyp_free(parity_hypothesis *h);
/* Free the arrays a candidate owns. */
void parity__ex_cand_free(ex_cand *c);
/* Advance a C-order multi-index of t by one. */
void parity__ex_next(int64_t *idx, const parity_tensor *t);
/* ---- the kinds (explain_kinds.c) ---------------------------------------- */

/* Who proposes a kind. */
typedef enum ex_family {
    EX_FAMILY_GLOBAL, /* explain_global.c: a few global parameters          */
    EX_FAMILY_AXIS,   /* explain_axis.c: per index along an axis, regions   */
    EX_FAMILY_LAYOUT, /* explain_layout.c, _shift.c, _rows.c: values moved  */
    EX_FAMILY_VALUE,  /* explain_value.c: a residual that is a function of r */
    EX_FAMILY_NOTE,   /* explain_align.c: what the matcher did, not a fit   */
    EX_FAMILY_OP,     /* explain_op*.c: r = f(x), p = g(x) with the input   */
    EX_FAMILY_WIRING, /* explain_wiring.c: another stage of the trace       */
    EX_FAMILY_STRUCT, /* explain_struct.c: diagonals, lines, one-sided     */
    EX_FAMILY_GRID    /* explain_grid.c: quantization grids                 */
} ex_family;

/* Per-element T(r) of an elementwise candidate; idx is the multi-index.
 * Tolerance kinds (precision, a region with nothing fitted inside) return
 * p clipped to what they allow. */
typedef double (*parity__ex_apply_fn)(const ex_cand *c, const int64_t *idx, double r,
                                      double p);

typedef struct parity__ex_kind {
    const char *name;         /* "offset": reports and JSON                  */
    ex_family family;
    int complexity;           /* the kind's; a candidate's own complexity is */
                              /* added to it (a less specific variant)       */
    parity__ex_apply_fn apply; /* elementwise kinds; NULL: measured by their */
                              /* family (layouts) or not a map              */
    const char *hint;         /* what to check in the port                   */
} parity__ex_kind;

extern const parity__ex_kind parity__ex_kinds[PARITY_HYP_COUNT];

/* T(r) of candidate c through its kind's row (r itself for kinds without). */
double parity__ex_apply(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_precision(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_offset(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_scale(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_affine(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_clamp(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_axis_offset(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_axis_scale(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_axis_affine(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_region(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_value(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_dropout(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_diagonal(const ex_cand *c, const int64_t *idx, double r, double p);
double parity__ex_apply_grid(const ex_cand *c, const int64_t *idx, double r, double p);

/* Families: each appends its candidates after the fit pass. */
parity_status parity__ex_global_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_axis_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_layout_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_value_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_op_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_wiring_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_struct_candidates(ex_ctx *x, parity_error *err);
parity_status parity__ex_grid_candidates(ex_ctx *x, parity_error *err);
/* The dtype whose rounding bounds the pair (explain_grid.c): the narrower
 * stored float dtype, or a narrower format the port's values lie on
 * (f16, bf16: a port computing in half precision stores F32); F64 when
 * both are F64 and nothing narrower is involved. */
parity_dtype parity__ex_involved_dtype(const ex_ctx *x);
/* Value bins: edges from a sample of r (before the fit pass; also sets
 * f.tol from the sample's rms), the bin sums (during it), the fitted f(r)
 * (after it), its text once measured. */
parity_status parity__ex_value_edges(ex_ctx *x, parity_error *err);
void parity__ex_value_bin(ex_fit *f, double r, double d);
double parity__ex_value_eval(const ex_cand *c, double r);
void parity__ex_value_describe(ex_cand *c);
/* After the evaluation pass: flag per-index fits that are not exact
 * within most of their indices. */
void parity__ex_axis_judge(const ex_ctx *x, ex_cand *c);
/* qsort order of doubles (ascending). */
int parity__ex_cmp_double(const void *a, const void *b);
/* Measure, gate, rank and fill out (explain_rank.c). */
parity_status parity__ex_conclude(ex_ctx *x, parity_explain_result *out, parity_error *err);

/* Name a scale: "0.125 = 1/sqrt(64)" when within 0.5% of a known constant,
 * else "%.4g" ("2", not "2 = 2"). Writes into buf and returns it. */
const char *parity__ex_scale_name(double a, char *buf, size_t cap);

/* One ULP of |v| in dt (its value spacing there, down to dt's smallest
 * subnormal step). */
double parity__ex_ulp(parity_dtype dt, double v);
/* The half-ULP-based rounding band of precision candidates around r;
 * ulp_rms = parity__ex_ulp(dt, rms(r)). */
double parity__ex_precision_band(parity_dtype dt, double r, double ulp_rms);

/* ---- layout searches (explain_layout.c, explain_shift.c, explain_rows.c) */

/* One rearrangement T(r)[k] = r[src(k)] of the logical C order. */
typedef enum {
    L_GATHER,    /* axis permutation, then a flip and a shift of one axis  */
    L_C_OF_F,    /* p holds r's Fortran-order values read in C order       */
    L_F_OF_C,    /* p holds r's C-order values read in Fortran order       */
    L_RESHAPE_T, /* p = r.transpose(ai, aj).reshape(shape)                 */
    L_T_RESHAPE, /* p = r.reshape(shape with ai, aj swapped).swapaxes(ai,aj) */
    L_ROWS       /* p row i (along axis) = r row perm[i]                   */
} ex_lkind;

typedef struct ex_layout {
    ex_lkind kind;
    int ndim;
    int64_t shape[PARITY_MAX_DIMS];
    int perm[PARITY_MAX_DIMS];
    int flip, shift_axis, ai, aj; /* flip: axis or −1                      */
    int64_t shift;                /* p[i] = r[i − shift] along shift_axis  */
    int fill;                     /* shift: 0 circular, 1 zeros, 2 edges   */
    const int64_t *rows;          /* L_ROWS: perm along axis ai            */
} ex_layout;

/* The layout searches' view of the data: the full copies when they exist,
 * else a bounded sample of destination positions (sorted, spread by a
 * hash so no axis aliases) with p read once; r is read where src points. */
typedef struct ex_samp {
    int exact;          /* 1: every position, from the copies              */
    uint64_t ns;        /* positions                                       */
    uint64_t *pos;      /* [ns] (NULL when exact)                          */
    double *pv;         /* [ns] p at pos (NULL when exact)                 */
} ex_samp;

void parity__ex_layout_init(const ex_ctx *x, ex_layout *L, ex_lkind kind);
/* Source flat index of destination flat k (multi-index idx); UINT64_MAX
 * when T(r) is 0 there (a zero-filled shift). */
uint64_t parity__ex_layout_src(const ex_layout *L, const int64_t *idx, uint64_t k);
/* r at a flat index: the copy, or one read from the tensor. */
double parity__ex_r_at(const ex_ctx *x, uint64_t flat);
double parity__ex_p_at(const ex_ctx *x, uint64_t flat);
/* Σ(p − T(r))² over the sample's positions (every one when s->exact);
 * *used counts the finite pairs among them. */
double parity__ex_sample_sq(const ex_ctx *x, const ex_samp *s, const ex_layout *L, uint64_t *used);
/* Σ(p − T(r))² over the sample, scaled to the whole tensor (exact when
 * s->exact); then, when it looks like an explanation and the sample was
 * not exact, over every element by a streaming pass. Adds c measured
 * unless it cannot explain half the difference. c->perm is owned by the
 * list afterwards (or freed). */
parity_status parity__ex_layout_offer(ex_ctx *x, const ex_samp *s, const ex_layout *L,
                              ex_cand *c, parity_error *err);
/* A set of whole lines along axis a: [nl][len] values of p and r, the
 * lines spread over the other axes, at most about budget values. */
typedef struct ex_lines {
    int axis;
    int64_t len;        /* values per line (the axis, or a window of it)   */
    uint64_t nl;        /* lines                                           */
    double *p, *r;      /* [nl * len]                                      */
} ex_lines;
parity_status parity__ex_lines_read(const ex_ctx *x, int a, uint64_t budget, ex_lines *l,
                            parity_error *err);
void parity__ex_lines_free(ex_lines *l);
parity_status parity__ex_shift_candidates(ex_ctx *x, const ex_samp *s, const ex_lines *l,
                                  parity_error *err);
parity_status parity__ex_row_candidates(ex_ctx *x, const ex_samp *s, const ex_lines *l,
                                parity_error *err);

/* ---- lines of several tensors (explain_slab.c) -------------------------- */

/* Whole lines along one axis of up to 4 tensors of one shape, read a unit
 * at a time: a unit is w consecutive lines when the axis is the last (one
 * read per line), else one outer index by w inner positions (one read per
 * index of the axis). v[k][l·len + i] is tensor k at position i of line l
 * of the unit; base[l] the flat index of its position 0 (the stride along
 * the axis is inner). At most budget values per tensor per unit. */
typedef struct ex_slab {
    int nt, axis;
    const parity_tensor *t[4];
    int64_t len;
    uint64_t inner, outer, w, per_outer, units;
    uint64_t nl;            /* lines in the current unit                   */
    double *v[4];           /* [w·len] each                                */
    double *tmp;            /* [w]                                         */
    uint64_t *base;         /* [w]                                         */
} ex_slab;

/* NULL for t[k] are allowed (v[k] stays NULL). Fails (PARITY_E_LIMIT) only
 * when out of memory; *ok = 0 when the axis is too long for the budget. */
parity_status parity__ex_slab_open(ex_slab *s, const parity_tensor *const *t, int nt, int axis,
                                   uint64_t budget, int *ok, parity_error *err);
/* Read unit u (0 <= u < s->units). */
void parity__ex_slab_read(ex_slab *s, uint64_t u);
void parity__ex_slab_free(ex_slab *s);

/* Name an eps: "1e-05" when within 15% of a power of ten, else "%.2g". */
const char *parity__ex_eps_name(double eps, char *buf, size_t cap);
/* 1 when names a and b are equal but for one number; *ka, *kb get it. */
int parity__ex_name_step(const char *a, const char *b, long *ka, long *kb);

#endif /* PARITY_EXPLAIN_INTERNAL_H */
