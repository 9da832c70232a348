/*
 * explain_kinds.c — the kinds of hypothesis, one row each: the name
 * reports print, the family that proposes it, its complexity (equally
 * good hypotheses list the simplest first; a family may add to it for a
 * less specific variant) and, for elementwise kinds, T(r) as the
 * evaluation pass measures it. Adding a kind: its enum value in parity.h,
 * a row here, and the family's file (docs/contributing.md).
 */
#include "analysis/explain_internal.h"

const parity__ex_kind parity__ex_kinds[PARITY_HYP_COUNT] = {
    [PARITY_HYP_PRECISION] = {"precision", EX_FAMILY_GLOBAL, 1, parity__ex_apply_precision,
        "the dtype the port computes or stores in (f16/bf16 weights, activations or accumulators)"},
    [PARITY_HYP_OFFSET] = {"offset", EX_FAMILY_GLOBAL, 2, parity__ex_apply_offset,
        "a constant added or lost: a gain correction, a log-domain gain, a bias folded once"},
    [PARITY_HYP_SCALE] = {"scale", EX_FAMILY_GLOBAL, 2, parity__ex_apply_scale,
        "a factor missing or applied twice: 1/sqrt(d), ln vs log10, power vs magnitude"},
    [PARITY_HYP_SIGN_FLIP] = {"sign-flip", EX_FAMILY_GLOBAL, 1, parity__ex_apply_scale,
        "a subtraction written the other way round (a - b for b - a)"},
    [PARITY_HYP_AFFINE] = {"affine", EX_FAMILY_GLOBAL, 3, parity__ex_apply_affine,
        "a normalization or gain and offset applied differently"},
    [PARITY_HYP_CLAMP] = {"clamp", EX_FAMILY_GLOBAL, 3, parity__ex_apply_clamp,
        "a clamp, minimum or maximum left in the port"},
    [PARITY_HYP_NONFINITE] = {"non-finite", EX_FAMILY_GLOBAL, 1, NULL,
        "overflow (exp without max subtraction, f16 range), a division by zero, a -1e10 mask in f16"},
    [PARITY_HYP_AXIS_OFFSET] = {"axis-offset", EX_FAMILY_AXIS, 5, parity__ex_apply_axis_offset,
        "a bias missing, doubled or misloaded along that axis"},
    [PARITY_HYP_AXIS_SCALE] = {"axis-scale", EX_FAMILY_AXIS, 5, parity__ex_apply_axis_scale,
        "a per-channel gain (norm gamma, weight_norm g) missing or misloaded"},
    [PARITY_HYP_AXIS_AFFINE] = {"axis-affine", EX_FAMILY_AXIS, 6, parity__ex_apply_axis_affine,
        "a norm's gamma and beta left at identity or loaded for another layer, or a "
        "BatchNorm normalizing by the batch's statistics instead of its running ones (train mode)"},
    [PARITY_HYP_REGION] = {"region", EX_FAMILY_AXIS, 4, parity__ex_apply_region,
        "masking or padding of that range: the prompt frames, the padded tail"},
    [PARITY_HYP_PERMUTE] = {"permute", EX_FAMILY_LAYOUT, 3, NULL,
        "a transpose missing or added: [B,T,C] vs [B,C,T], a square weight"},
    [PARITY_HYP_FLIP] = {"flip", EX_FAMILY_LAYOUT, 3, NULL,
        "an axis reversed: mel bins, a kernel flipped (correlation vs convolution)"},
    [PARITY_HYP_SHIFT] = {"shift", EX_FAMILY_LAYOUT, 3, NULL,
        "padding or alignment: causal vs symmetric pad, centre framing, a lag"},
    [PARITY_HYP_SCRAMBLE] = {"scramble", EX_FAMILY_LAYOUT, 4, NULL,
        "memory order: a reshape where a transpose was meant, Fortran-order data"},
    [PARITY_HYP_ROW_PERMUTATION] = {"row-permutation", EX_FAMILY_LAYOUT, 5, NULL,
        "rows reordered: RoPE or head interleave in a converter, q/k permutes"},
    [PARITY_HYP_VALUE_DEPENDENT] = {"value-dependent", EX_FAMILY_VALUE, 7, parity__ex_apply_value,
        "an elementwise function approximated: GELU tanh vs erf, Mish, a lookup table"},
    [PARITY_HYP_ALIGNMENT] = {"alignment", EX_FAMILY_NOTE, 0, NULL,
        "the layout the port stores the tensor in"},
    [PARITY_HYP_OP] = {"op", EX_FAMILY_OP, 1, NULL,
        "the operation the port calls on this input and its parameters (eps, slope, scale, mask, pairs, theta)"},
    [PARITY_HYP_RESIDUAL] = {"residual", EX_FAMILY_OP, 1, NULL,
        "the skip connection: the x + f(x) of this block, added once"},
    [PARITY_HYP_WIRING] = {"wiring", EX_FAMILY_WIRING, 2, NULL,
        "which tensor the port passes here: a copy of another stage, an index one step off, q/k order"},
    [PARITY_HYP_DROPOUT] = {"dropout", EX_FAMILY_GLOBAL, 3, parity__ex_apply_dropout,
        "eval mode: dropout (or another train-time op) left on in the port"},
    [PARITY_HYP_DIAGONAL] = {"diagonal", EX_FAMILY_STRUCT, 0, parity__ex_apply_diagonal,
        "the attention mask's diagonal: triu/tril offset, < vs <="},
    [PARITY_HYP_ROW_SCALE] = {"row-scale", EX_FAMILY_STRUCT, 6, NULL,
        "a per-row normalization: its eps, the axis it reduces over, its statistics"},
    [PARITY_HYP_ONE_SIDED] = {"one-sided", EX_FAMILY_STRUCT, 1, NULL,
        "the mask value: -inf in the reference, 0 or a finite fill in the port"},
    [PARITY_HYP_GRID] = {"grid", EX_FAMILY_GRID, 3, parity__ex_apply_grid,
        "a quantized copy of the weights or activations (int8/int4/fp8 round trip)"},
};

const char *parity_hyp_kind_name(parity_hyp_kind k) {
    return (unsigned)k < PARITY_HYP_COUNT ? parity__ex_kinds[k].name : "?";
}

double parity__ex_apply(const ex_cand *c, const int64_t *idx, double r, double p) {
    parity__ex_apply_fn f = (unsigned)c->h.kind < PARITY_HYP_COUNT
                                ? parity__ex_kinds[c->h.kind].apply : NULL;
    return f ? f(c, idx, r, p) : r;
}
