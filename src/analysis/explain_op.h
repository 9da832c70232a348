/*
 * explain_op.h — the operation family of parity explain: with the stage's
 * input x on each side, which operation variant did each side apply?
 * r = f(x_ref) and p = g(x_port) are fitted over a catalogue (explain_op.c:
 * elementwise activations and scales, a residual; explain_op_rows.c:
 * LayerNorm / RMSNorm and softmax along an axis; explain_op_rope.c: rotary
 * embeddings), and the pair is named when f and g differ. Every listed
 * number is measured over every element: explained = 1 − Σ(p − g(x_port))²
 * / Σ(p − r)².
 */
#ifndef PARITY_EXPLAIN_OP_H
#define PARITY_EXPLAIN_OP_H

#include "analysis/explain_internal.h"

#define EX_OP_TOL 2e-3      /* a side is identified when its op leaves at  */
                            /* most this relative residual ‖y − f(x)‖/‖y‖  */
                            /* (x->op_tol: EX_OP_TOL_BF16 when bf16 is the */
                            /* dtype involved, its rounding alone is 4e-3) */
#define EX_OP_TOL_BF16 1e-2
#define EX_OP_APART 10.0    /* and the other side's op leaves ≥ 10× more   */
#define EX_OP_SAMPLE 65536  /* values per tensor the fits read             */

/* Row operations along an axis (norms, softmax); rotary embeddings. Each
 * appends at most one PARITY_HYP_OP candidate, measured. */
parity_status parity__ex_op_rows(ex_ctx *x, parity_error *err);
parity_status parity__ex_op_rope(ex_ctx *x, parity_error *err);

#endif /* PARITY_EXPLAIN_OP_H */
