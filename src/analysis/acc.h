/*
 * acc.h — the streaming accumulators behind parity_stats and parity_diff
 * (internal to src/analysis).
 *
 * Design (docs/metrics.md has the full story): values are read in fixed
 * chunks of PARITY__CHUNK elements. Inside a chunk, sums run in
 * PARITY__LANES independent compensated (TwoSum) lanes the compiler can
 * vectorize; at the end of the chunk every lane's sum and error term are
 * added to exact superaccumulators (parity_xsum). Exact merges make the
 * totals independent of how chunks are spread over threads or shards.
 * Variances use a fixed shift K (the mean of the first chunk): Σ(x-K) and
 * Σ(x-K)² are summed, so large offsets (1e8 + noise) do not cancel.
 */
#ifndef PARITY_ACC_H
#define PARITY_ACC_H

#include "internal.h"
#include "analysis/xsum.h"

#include <string.h>

#define PARITY__CHUNK 4096
#define PARITY__LANES 8   /* = PARITY__VECS vectors of PARITY__VW doubles */
#define PARITY__VECS 2
#define PARITY__VW 4
#define PARITY__NO_POS UINT64_MAX
/* Chunks per batch of a run with profiles (65,536 elements): the unit in
 * which profile sums are kept before they are added exactly, so a slice of
 * a run (parity diff --slice) starts at a multiple of PARITY__ALIGN. */
#define PARITY__BATCH 16
#define PARITY__ALIGN ((uint64_t)PARITY__BATCH * PARITY__CHUNK)
_Static_assert(PARITY__BATCH * PARITY__CHUNK == PARITY_SLICE_ALIGN,
               "slices start on batch boundaries");

/* Four-double vectors (GCC/Clang vector extension): two SSE2 registers on
 * any x86-64, one AVX2 register in the AVX2 clone of a kernel, NEON pairs
 * on arm64. Lanes never mix and nothing is fused into an fma, so every
 * target gives the same bits. */
typedef double parity__vd __attribute__((vector_size(32)));
typedef int64_t parity__vi __attribute__((vector_size(32)));

/* Helpers on vectors are macros or take pointers: a 32-byte vector passed
 * by value between an AVX2 clone and default code (an unoptimized build
 * calls instead of inlining) would disagree on the calling convention. */
#define PARITY__VLOAD(dst, ptr) memcpy(&(dst), (ptr), sizeof(dst))
/* m ? a : b per lane (m is all ones or all zeros). */
#define PARITY__VSEL(m, a, b)                                                \
    ((parity__vd)(((m) & (parity__vi)(a)) | (~(m) & (parity__vi)(b))))
#define PARITY__VABS(a) ((parity__vd)((parity__vi)(a) & PARITY__VI_LOW63))
#define PARITY__VI_LOW63 ((parity__vi){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX})

/* TwoSum per lane: s + c carries the running sum with its error. */
static inline void parity__vtwo_sum(parity__vd *s, parity__vd *c,
                                    const parity__vd *x) {
    parity__vd t = *s + *x;
    parity__vd z = t - *s;
    *c += (*s - (t - z)) + (*x - z);
    *s = t;
}

/* ---- exact sums beyond the double range (xsum.c, wide.c) ------------- */

/* A double with an unbounded exponent: m · 2^e, 0.5 <= |m| < 1, or m = 0
 * or non-finite with e = 0. Each operation rounds once, like a double
 * operation; within the double range the results are the same bits. */
typedef struct parity__wide {
    double m;
    long e;
} parity__wide;

parity__wide parity__wide_make(double m, long e); /* m · 2^e, normalized */
parity__wide parity__wide_of(double x);
double parity__wide_double(parity__wide a);       /* ±Inf / 0 outside   */
parity__wide parity__wide_add(parity__wide a, parity__wide b);
parity__wide parity__wide_sub(parity__wide a, parity__wide b);
parity__wide parity__wide_mul(parity__wide a, parity__wide b);
parity__wide parity__wide_div(parity__wide a, parity__wide b);
parity__wide parity__wide_sqrt(parity__wide a);
double parity__wide_log10(parity__wide a);
int parity__wide_sign(parity__wide a);            /* -1, 0, 1 (NaN: 0)  */

/* The exact sum rounded to 53 bits, whatever its magnitude. */
parity__wide parity__xsum_wide(const parity_xsum *s);
/* Add x · 2^k exactly (0 <= k <= 1040). */
void parity__xsum_add_pow2(parity_xsum *s, double x, int k);
/* s = -s. */
void parity__xsum_negate(parity_xsum *s);
/* The exact value of s as canonical text: "0"; "nan", "inf", "-inf" after
 * non-finite inputs; else [-]0xMpE, the value M·2^E with M an odd integer
 * in lowercase hex. Equal sums print equal bytes, however they were
 * added (the partial state of docs/json-schema.md). */
void parity__xsum_text(const parity_xsum *s, parity_buf *b);
/* Read text as parity__xsum_text writes it into s; 0, or -1 when text is
 * not such text (or lies beyond the accumulator's range). */
int parity__xsum_parse(parity_xsum *s, const char *text);

/* An exact sum in a few doubles: a nonoverlapping expansion (Shewchuk's
 * grow-expansion: its parts add up exactly to the sum, smallest first),
 * moved to a superaccumulator of its own when it would need more parts
 * or leaves the double range. 48 bytes where a parity_xsum takes 816:
 * one per profile index and sum. */
#define PARITY__XACC_PARTS 4
typedef struct parity__xacc {
    double part[PARITY__XACC_PARTS];
    int n;                     /* parts in use                            */
    parity_xsum *big;          /* non-NULL: the whole sum is here         */
} parity__xacc;

void parity__xacc_init(parity__xacc *a);
void parity__xacc_free(parity__xacc *a);
/* Add x (any double) exactly; -1 when the superaccumulator it needed
 * could not be allocated (a is then unchanged). */
int parity__xacc_add(parity__xacc *a, double x);
/* into += from, exactly; -1 out of memory. */
int parity__xacc_merge(parity__xacc *into, const parity__xacc *from);
/* The exact sum as a superaccumulator. */
void parity__xacc_get(const parity__xacc *a, parity_xsum *out);
/* a = s exactly (a is initialized here); -1 out of memory. */
int parity__xacc_set(parity__xacc *a, const parity_xsum *s);

/* One side's running statistics over the finite values seen so far. */
typedef struct parity__side_acc {
    uint64_t count, n_finite, n_nan, n_posinf, n_neginf, n_zero;
    double min, max;          /* NaN until a finite value is seen          */
    uint64_t argmin, argmax;  /* PARITY__NO_POS until then                 */
    double shift;             /* K: variance is taken about it             */
    parity_xsum sum;          /* Σx                                        */
    parity_xsum sum_c2;       /* Σ(x-K)²                                   */
    parity_xsum sumsq;        /* Σx²                                       */
    const parity_tensor *ints; /* an integer tensor whose stored values are */
                               /* also summed exactly (int_sum.c), or NULL  */
    parity__i128 isum;         /* Σv of those values                        */
    int has_isum;              /* isum holds every value (ints, or a merge  */
                               /* of parts whose states carried it)         */
} parity__side_acc;

/* What one pass of the side kernel over m finite values found: lane sums
 * and error terms (s[q][lane], c[q][lane] for q = Σx, Σ(x-K)², Σx²) and
 * the min and max values (their first positions are looked up only when
 * they beat the accumulator's: rarely). */
typedef struct parity__side_chunk {
    double s[3][PARITY__LANES], c[3][PARITY__LANES];
    double vmin, vmax;
    size_t m;
    uint64_t n_zero;
    size_t n_bad;             /* non-finite values seen (then the sums are */
                              /* meaningless and the caller compacts)     */
    int exact;                /* all finite, but a lane sum overflowed:   */
                              /* commit redoes the sums exactly (exact.c) */
    int has_pos;              /* vmin, vmax are the values of the first   */
    size_t pos_min, pos_max;  /* elements at these offsets (fused path):  */
                              /* commit needs no search                   */
} parity__side_chunk;

void parity__side_init(parity__side_acc *a, double shift);
/* An accumulator of tensor t's values: when t holds integers (or BOOL),
 * commits also read them and sum them exactly, so sum and mean are exact
 * over the whole I64/U64 range (int_sum.c). Call after init. */
void parity__side_track_ints(parity__side_acc *a, const parity_tensor *t);
/* The integers of the m positions a commit takes (pos[i], or first + i
 * when pos is NULL) into a->isum, and their rounding into a->sum. */
void parity__side_ints_commit(parity__side_acc *a, size_t m, uint64_t first, const uint64_t *pos);
/* s / n correctly rounded (to nearest, ties to even); NaN when n is 0. */
double parity__i128_div(parity__i128 s, uint64_t n);
/* Classify x[0..n) (NaN, ±Inf) into a's counters; returns how many were
 * not finite. Also adds n to a->count. */
size_t parity__side_count(parity__side_acc *a, const double *x, size_t n);
/* The kernel over m values; out->n_bad counts non-finite ones, out->exact
 * flags finite values whose lane sums overflowed (1e200², 1e308 + 1e308). */
void parity__side_kernel(const double *x, size_t m, double shift,
                         parity__side_chunk *out);
/* Add a kernel result to a; x[] are the same values, at flat positions
 * pos[i] (or first + i when pos is NULL). */
void parity__side_commit(parity__side_acc *a, const parity__side_chunk *c,
                         const double *x, uint64_t first,
                         const uint64_t *pos);
/* Would commit look at x[] (to find a new extremum's position)? start is
 * the chunk's first position. */
int parity__side_wants_pos(const parity__side_acc *a,
                           const parity__side_chunk *c, uint64_t start);
void parity__side_merge(parity__side_acc *into, const parity__side_acc *from);
void parity__side_finish(const parity__side_acc *a, parity_stats *out);
/* Mean of the finite values among the first chunk of t (0 if none): the
 * shift K. buf holds PARITY__CHUNK doubles. */
double parity__shift_of(const parity_tensor *t, double *buf);

/* S1 = Σ(x-K) = Σx - n·K over a's n finite values, exactly, rounded once. */
parity__wide parity__side_s1(const parity__side_acc *a);
/* M2 = Σ(x-K)² - S1·(S1/n): n times the variance of a's finite values. */
parity__wide parity__side_m2(const parity__side_acc *a, parity__wide s1);

/* TwoSum accumulation: s + c carries the running sum with its error. */
static inline void parity__two_sum(double *s, double *c, double x) {
    double t = *s + x;
    double z = t - *s;
    *c += (*s - (t - z)) + (x - z);
    *s = t;
}

/* Order-preserving integer image of x rounded to float dtype dt: equal
 * for ±0, adjacent representable values differ by one. */
int64_t parity__ulp_image(parity_dtype dt, double x);
/* The dtype ULPs are counted in for a pair, or PARITY_DT_INVALID. */
parity_dtype parity__ulp_dtype(parity_dtype a, parity_dtype b);

/* ---- pairs ---------------------------------------------------------- */

/* Running metrics of a pair over the positions where both are finite. r
 * and p are side accumulators restricted to those positions (their sums
 * give Σr, Σp, Σr², Σp², Σ(x-K)²); the rest is pair-only. */
typedef struct parity__pair_acc {
    parity__side_acc r, p;
    parity_xsum abs_d;        /* Σ|d|                                      */
    parity_xsum d2;           /* Σd²                                       */
    parity_xsum rp;           /* Σ r·p                                     */
    parity_xsum cov;          /* Σ (r-Kr)(p-Kp)                            */
    double abs_max, abs_max_ref, abs_max_port;
    uint64_t abs_max_at;      /* PARITY__NO_POS until a pair is seen       */
    double rtol_max;          /* max |d|/|r| over r != 0                   */
    uint64_t mismatched;      /* |d| > atol + rtol·|r|, plus non-finite    */
    uint64_t max_ulp, max_ulp_at;
    uint64_t nf_ref_only, nf_port_only, nf_differ, first_nf_only;
} parity__pair_acc;

/* What the pair kernel found in m finite pairs. */
typedef struct parity__pair_chunk {
    double s[4][PARITY__LANES], c[4][PARITY__LANES];
    double abs_max, rtol_max; /* position of abs_max found in commit      */
    uint64_t mismatched;
    int exact;                /* a lane sum overflowed: commit redoes the */
                              /* sums exactly (mismatched and rtol_max    */
                              /* are already redone)                      */
    int has_pos;              /* abs_max's first offset and the values    */
    size_t pos_amax;          /* there are known (fused path)             */
    double abs_max_r, abs_max_p;
} parity__pair_chunk;

void parity__pair_init(parity__pair_acc *a, double kr, double kp);
void parity__pair_kernel(const double *r, const double *p, size_t m,
                         double kr, double kp, double atol, double rtol,
                         parity__pair_chunk *out);
/* r[], p[]: the m pairs the kernel saw, at positions pos[i] or first + i. */
void parity__pair_commit(parity__pair_acc *a, const parity__pair_chunk *c,
                         const double *r, const double *p, size_t m,
                         uint64_t first, const uint64_t *pos);
/* Would pair_commit look at r[], p[] (exact sums, abs_max's position)? */
int parity__pair_wants_pos(const parity__pair_acc *a,
                           const parity__pair_chunk *c, size_t m,
                           uint64_t start);
/* Largest ULP distance among m finite pairs (ulp dtype dt). */
void parity__pair_ulp(parity__pair_acc *a, parity_dtype dt, const double *r,
                      const double *p, size_t m, uint64_t first,
                      const uint64_t *pos);
/* The same with the chunk's largest distance best already known; r[], p[]
 * are read only when parity__ulp_wants_pos says so (to find its place). */
void parity__pair_ulp_best(parity__pair_acc *a, parity_dtype dt,
                           uint64_t best, const double *r, const double *p,
                           size_t m, uint64_t first, const uint64_t *pos);
int parity__ulp_wants_pos(const parity__pair_acc *a, uint64_t best,
                          uint64_t start);
/* Offer a distance best first found at flat position at. */
void parity__pair_ulp_at(parity__pair_acc *a, uint64_t best, uint64_t at);
/* Count the non-finite positions of r[0..n), p[0..n) into a. */
void parity__pair_nonfinite(parity__pair_acc *a, const double *r,
                            const double *p, size_t n, uint64_t first);
void parity__pair_merge(parity__pair_acc *into, const parity__pair_acc *from);
/* Fill every metric of out except profiles (out->ref/port included). */
void parity__pair_finish(const parity__pair_acc *a, const parity__side_acc *r,
                         const parity__side_acc *p, const parity_diff_opts *o,
                         parity_dtype ulp_dt, parity_diff *out);

/* ---- the slow path of overflowing chunks (exact.c) ------------------- */

/* Does any lane sum or error term of a chunk hold Inf or NaN? */
int parity__lanes_overflowed(const double *s, const double *c, size_t n);
/* Σx, Σ(x-K)², Σx² of m finite values added to a without overflow (each
 * difference and square exact, sums compensated in two scales). */
void parity__side_exact(parity__side_acc *a, const double *x, size_t m);
/* Σ|d|, Σd², Σrp, Σ(r-Kr)(p-Kp) of m finite pairs, the same way. */
void parity__pair_exact(parity__pair_acc *a, const double *r, const double *p,
                        size_t m);
/* mismatched and max |d|/|r| of m finite pairs into c, without overflow. */
void parity__pair_exact_tol(const double *r, const double *p, size_t m,
                            double atol, double rtol, parity__pair_chunk *c);

/* ---- per-index profiles along an axis -------------------------------- */

/* A worker's sums of one index of the axis over one batch: TwoSum pairs
 * (s, c) for Σd, Σ|d|, Σd², Σr², the count of both-finite pairs and
 * max |d|. */
typedef struct parity__prof_cell {
    uint64_t n;
    double s[4], c[4];
    double abs_max;
} parity__prof_cell;

/* The totals of one index: every batch's s and c added exactly, so the
 * totals do not depend on which worker, thread or slice of a run added
 * which batch (batches are fixed runs of PARITY__BATCH chunks from the
 * tensor's start). */
typedef struct parity__prof_total {
    uint64_t n;
    double abs_max;
    parity__xacc x[4];         /* Σd, Σ|d|, Σd², Σr²                     */
} parity__prof_total;

/* One requested axis: index of flat position f is (f / inner) % len. */
typedef struct parity__prof {
    int axis;                  /* normalized, 0 <= axis < ndim            */
    int64_t len;
    uint64_t inner;            /* product of the shape after the axis     */
    parity__prof_total *total; /* [len]                                   */
    int oom;                   /* an exact sum could not grow             */
} parity__prof;

/* A worker's cells for one batch; [lo, hi] bounds the touched indices. */
typedef struct parity__prof_part {
    parity__prof_cell *cells;  /* [len]                                   */
    int64_t lo, hi;
} parity__prof_part;

/* Validate and normalize axes (negative counts from the end) and allocate
 * the totals. On failure everything allocated is freed. */
parity_status parity__prof_setup(parity__prof *pr, const parity_diff_opts *o,
                                 const parity_tensor *t, parity_error *err);
void parity__prof_free(parity__prof *pr, int n);
parity_status parity__prof_part_alloc(parity__prof_part *part,
                                      const parity__prof *pr);
/* Add the both-finite pairs of r[0..n), p[0..n) at flat first.. */
void parity__prof_add(parity__prof_part *part, const parity__prof *pr,
                      const double *r, const double *p, size_t n,
                      uint64_t first);
/* Add a batch's cells into the totals and clear them. */
void parity__prof_merge(parity__prof *pr, parity__prof_part *part);
/* into += from (profiles of one axis and length), exactly. */
void parity__prof_merge_totals(parity__prof *into, const parity__prof *from);
/* Move the totals into out->profiles[k] (arrays owned by out). */
parity_status parity__prof_finish(const parity__prof *pr, int n,
                                  parity_diff *out, parity_error *err);

/* ---- the exact partial state (diff_state.c) --------------------------- */

/* What parity_diff.state holds: each part as JSON text (docs/json-schema.md
 * "state"), written once when a comparison ends, so a report of 4,096
 * pairs keeps kilobytes per pair rather than the accumulators' 13 KiB.
 * side[0], side[1]: each side's statistics; pair: the accumulator of the
 * both-finite positions ("" when there are no metrics); prof: the
 * profiles ("" when none). */
struct parity_diff_state {
    parity_buf side[2], pair, prof;
    parity_buf places; /* "places" as a merge read it; empty in a live run,
                        * whose views say it (diff_state.c)               */
};
/* One entry of "places": null, or {"offset": off, "strides": [...]}. */
void parity__put_place(parity_buf *b, int placed, int64_t off, const int64_t *stride, int ndim);

/* out->state from the accumulators of a finished comparison. */
parity_status parity__state_keep(parity_diff *out, const parity__side_acc *r,
                                 const parity__side_acc *p, const parity__pair_acc *a,
                                 const parity__prof *pr, int n_prof, parity_error *err);
/* An empty state (NULL when out of memory). */
parity_diff_state *parity__state_new(void);
void parity__state_free(parity_diff_state *s);
/* parity_stats_tensor, and when state is not NULL the side's state in it
 * (its text replaced). */
parity_status parity__stats_tensor_state(const parity_tensor *t, parity_stats *out,
                                         parity_buf *state, parity_error *err);
/* JSON of one accumulator, appended to b. */
void parity__side_state(parity_buf *b, const parity__side_acc *a);
void parity__pair_state(parity_buf *b, const parity__pair_acc *a);
void parity__prof_state(parity_buf *b, const parity__prof *pr, int n);
/* A double of a state: %.17g, or "nan", "inf", "-inf". */
void parity__state_double(parity_buf *b, double x);

/* The fields of a side's and of a pair's state, in the order diff_state.c
 * writes them and merge_state.c reads them back: the schema in one place. */
typedef enum parity__state_kind {
    PARITY__SK_U64,     /* a JSON integer                                   */
    PARITY__SK_POS,     /* a position, or null when none was seen           */
    PARITY__SK_DOUBLE,  /* parity__state_double                             */
    PARITY__SK_SHIFT,   /* the same, and it must be finite                  */
    PARITY__SK_XSUM,    /* an exact sum, parity__xsum_text in a string      */
    PARITY__SK_U64_STR  /* a 64-bit count as a decimal string (past 2^53)   */
} parity__state_kind;
typedef struct parity__state_field {
    const char *key;
    parity__state_kind kind;
    size_t offset;      /* in parity__side_acc or parity__pair_acc          */
} parity__state_field;
extern const parity__state_field parity__side_fields[];
extern const size_t parity__n_side_fields;
extern const parity__state_field parity__pair_fields[]; /* after "r", "p" */
extern const size_t parity__n_pair_fields;

/* ---- one pair on one thread, its buffers reused (diff_run.c) ---------- */

/* A worker's buffers and accumulators (about 200 KiB), kept across pairs
 * by parity_diff_many so a small pair costs no allocation. */
typedef struct parity__solo parity__solo;
parity__solo *parity__solo_new(void);   /* NULL when out of memory */
void parity__solo_free(parity__solo *s);
/* parity_diff_tensors of one pair on the calling thread (o->n_axes must
 * be 0): the same bits. Releases no page (the caller batches that). */
parity_status parity__diff_solo(parity__solo *s, const parity_tensor *ref,
                                const parity_tensor *port,
                                const parity_diff_opts *o, parity_diff *out,
                                parity_error *err);

#endif /* PARITY_ACC_H */
