/*
 * weights_internal.h — the pieces of parity weights (docs/weights.md) that
 * weights.c puts together: fused tensors (weights_fused.c), RoPE head
 * permutations and permuted rows (weights_rows.c), the finding of one
 * weight (weights_find.c), tied names (weights_tie.c), and the helpers
 * they share (weights_common.c). Never installed.
 */
#ifndef PARITY_WEIGHTS_INTERNAL_H
#define PARITY_WEIGHTS_INTERNAL_H

#include "internal.h"

/* ---- weights_common.c --------------------------------------------------- */

/* Σ(b_i − a_i)² over n evenly spaced flat indices floor(i·count/n) of two
 * tensors of equal count (n is cut to count), over the positions where
 * both are finite; *n_bad (may be NULL) receives the positions where
 * exactly one side is finite. A layout candidate is ranked by n_bad, then
 * by the sum. */
double parity__wt_sample_ss(const parity_tensor *a, const parity_tensor *b, uint64_t n,
                            uint64_t *n_bad);

/* The slice [start, stop) of f along axis, as a view (no copy): the data
 * pointer moves to the first element, shape, count and nbytes shrink.
 * Block-quantized data can be cut only into whole blocks of a contiguous
 * run (f C-contiguous, every axis before axis of size 1, the slice's first
 * element and count multiples of the block): returns 0 otherwise, 1 when
 * *v is the slice. */
int parity__wt_slice(const parity_tensor *f, int axis, int64_t start, int64_t stop,
                     parity_tensor *v);

/* A 64-bit mix of h with the value x (+0 and −0 as one, every NaN as one),
 * for hashing rows and tensor contents. */
uint64_t parity__wt_hash(uint64_t h, double x);

/* ---- weights_fused.c ---------------------------------------------------- */

#define PARITY__WT_MAX_PARTS 4

/* The tensors no name paired, per side, with their keys: the normalized
 * name (a port name renamed by --map first). used[s][i] is set once the
 * tensor is part of a fused group. */
typedef struct parity__wt_pool {
    const parity_tensor **t[2];
    char **key[2];
    char *used[2];
    size_t n[2];
} parity__wt_pool;

/* A tensor of one side that is the concatenation of several tensors of
 * the other side along an axis: fused = cat(parts, axis). */
typedef struct parity__wt_fused {
    int side; /* side of the fused tensor (0 ref, 1 port) */
    const parity_tensor *fused;
    int axis;
    int transpose; /* 1: every part compared after permute(1,0) of its port */
                   /* side (a 2-D fused [in, out] layout, square parts too) */
    size_t n_parts;
    const parity_tensor *parts[PARITY__WT_MAX_PARTS]; /* the other side     */
    int64_t start[PARITY__WT_MAX_PARTS], stop[PARITY__WT_MAX_PARTS];
} parity__wt_fused;

/* Find every fused tensor of the pool: names first (a fused token such as
 * qkv replaced by each part's token gives the part names), then shapes (an
 * axis along which the parts' sizes add up to the fused size and each
 * slice aligns with its part in one layout for all parts, with no
 * reshape), then values (among several such axes and layouts, the lowest
 * sampled error). Marks the tensors used. *out is an array of *n_out
 * groups (free() it). */
parity_status parity__wt_fused_find(parity__wt_pool *pool, parity__wt_fused **out, size_t *n_out,
                                    parity_error *err);

/* Part k of g against slice, its slice of g->fused: *rv / *pv the views
 * compared and layout (cap bytes) what was applied to the port side. With
 * g->transpose the port side is permuted (1,0) (the pair must be 2-D, each
 * shape the other's reversed, the port not block-quantized), else as
 * parity_layout_align aligns them. PARITY_E_SHAPE (err not filled) when
 * they do not align. */
parity_status parity__wt_part_align(const parity__wt_fused *g, size_t k, const parity_tensor *slice,
                                    parity_tensor *rv, parity_tensor *pv, char *layout, size_t cap,
                                    parity_error *err);

/* ---- weights_rows.c ----------------------------------------------------- */

/* A pair of equal shapes [R, ...] that differs: try every per-head RoPE row
 * permutation (heads of h rows, h even, 4 <= h, h divides R; either side
 * interleaved). The winner must cut the sampled error tenfold; then *found
 * is 1 and rv2 / pv2 are views of shape [R/h, 2, h/2, ...] pairing each
 * rotation pair's rows, *head = h and *port_interleaved says which side
 * holds the rows of a pair adjacent. */
parity_status parity__wt_rope(const parity_tensor *rv, const parity_tensor *pv, parity_tensor *rv2,
                              parity_tensor *pv2, int64_t *head, int *port_interleaved, int *found,
                              parity_error *err);

/* The reference rv ([R, ...]) in the row order of the port of a RoPE pair
 * found by parity__wt_rope: a view of rv's shape whose flat C order is the
 * port's, so block by block it lines up with the port's stored blocks. */
void parity__wt_rope_in_port_order(const parity_tensor *rv, int64_t head, int port_interleaved,
                                   parity_tensor *out);

/* Is every row (axis 0) of pv equal to a distinct row of rv? Rows are
 * hashed, matched and then compared element by element; values are first
 * rounded to round_dt (PARITY_DT_INVALID: compared as read). *moved
 * receives how many rows moved (0: no permutation found); perm[0..n_perm)
 * the reference row of the first port rows. */
#define PARITY__WT_PERM_SHOWN 8
parity_status parity__wt_rows(const parity_tensor *rv, const parity_tensor *pv,
                              parity_dtype round_dt, uint64_t *moved,
                              int64_t perm[PARITY__WT_PERM_SHOWN], int *n_perm, parity_error *err);

/* ---- weights_find.c ----------------------------------------------------- */

/* The first and last values of the views of w. */
void parity__wt_values(parity_weight *w);

/* What the values of a compared weight show, as far as no search is
 * needed: shapes, integers, exact, rounded to a narrower dtype (with
 * overflow), quantized within its step (q_ref / q_port: the reference in
 * the port's stored order and the port as stored, C-contiguous; NULL
 * when the blocks cannot be lined up), close, constant. *settled is 0
 * when the weight differs and nothing was named (rows and explain come
 * next), and for a quantized port beyond its step (another row order may
 * explain it, and explain may name what happened before quantization;
 * the finding says QUANT_ERROR meanwhile). *q_noise receives the relative
 * rounding noise expected of the quantized type (‖noise‖/‖r‖, 0 when the
 * port is not checked as quantized). */
parity_status parity__wt_find(parity_weight *w, const parity_tensor *q_ref,
                              const parity_tensor *q_port, double *q_noise, int *settled,
                              parity_error *err);

/* The rounding dtype the rows of w are hashed in: the port's when it is a
 * narrower float element type than the reference's, else INVALID. */
parity_dtype parity__wt_round_dtype(const parity_weight *w);

/* The permuted-rows finding in words. */
void parity__wt_rows_text(parity_weight *w, uint64_t rows, const int64_t *perm, int n_perm);

/* The last resort: explain's best hypothesis, or "no simple
 * transformation explains the difference". For a QUANT_ERROR weight the
 * hypothesis must explain half of the difference above the rounding
 * noise q_noise (parity__wt_find) and not be the rounding itself
 * (precision, a grid); the block count stays the finding otherwise. */
parity_status parity__wt_explain(parity_weight *w, double q_noise, parity_error *err);

/* ---- weights_tie.c ------------------------------------------------------ */

/* Ties among the selected tensors of side (sel: --only / --skip, may be
 * NULL): names that are one view of one storage (same data pointer, shape
 * and strides), never names that merely hold equal values. Appended to
 * the growing array *ties (*n used, *cap allocated). */
parity_status parity__wt_ties(const parity_set *set, int side, const parity_match_opts *sel,
                              parity_weight_tie **ties, size_t *n, size_t *cap, parity_error *err);

/* What each tensor of a side is to the run (state[i] for tensor i of the
 * set): not selected or not looked at, paired (the tensor itself, or the
 * fused tensor a part was cut from), a name no pairing used, a name
 * accounted by a tie. */
enum { PARITY__WT_NONE = 0, PARITY__WT_PRESENT, PARITY__WT_UNPAIRED, PARITY__WT_ACCOUNTED };

/* For each only[i] (a name of the set with no partner): copy[i] receives
 * the first tensor of the set with state PARITY__WT_PRESENT whose values
 * are bit-identical to it, or NULL (always NULL for a constant tensor).
 * A note for the reader; the name stays missing. */
parity_status parity__wt_copies(const parity_set *set, const char *state,
                                const parity_tensor *const *only, size_t n_only,
                                const parity_tensor **copy, parity_error *err);

#endif /* PARITY_WEIGHTS_INTERNAL_H */
