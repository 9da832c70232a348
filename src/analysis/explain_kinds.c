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
    [PARITY_HYP_PRECISION] = {"precision", EX_FAMILY_GLOBAL, 1, parity__ex_apply_precision},
    [PARITY_HYP_OFFSET] = {"offset", EX_FAMILY_GLOBAL, 2, parity__ex_apply_offset},
    [PARITY_HYP_SCALE] = {"scale", EX_FAMILY_GLOBAL, 2, parity__ex_apply_scale},
    [PARITY_HYP_SIGN_FLIP] = {"sign-flip", EX_FAMILY_GLOBAL, 1, parity__ex_apply_scale},
    [PARITY_HYP_AFFINE] = {"affine", EX_FAMILY_GLOBAL, 3, parity__ex_apply_affine},
    [PARITY_HYP_CLAMP] = {"clamp", EX_FAMILY_GLOBAL, 3, parity__ex_apply_clamp},
    [PARITY_HYP_NONFINITE] = {"non-finite", EX_FAMILY_GLOBAL, 1, NULL},
    [PARITY_HYP_AXIS_OFFSET] = {"axis-offset", EX_FAMILY_AXIS, 5, parity__ex_apply_axis_offset},
    [PARITY_HYP_AXIS_SCALE] = {"axis-scale", EX_FAMILY_AXIS, 5, parity__ex_apply_axis_scale},
    [PARITY_HYP_AXIS_AFFINE] = {"axis-affine", EX_FAMILY_AXIS, 6, parity__ex_apply_axis_affine},
    [PARITY_HYP_REGION] = {"region", EX_FAMILY_AXIS, 4, parity__ex_apply_region},
    [PARITY_HYP_PERMUTE] = {"permute", EX_FAMILY_LAYOUT, 3, NULL},
    [PARITY_HYP_FLIP] = {"flip", EX_FAMILY_LAYOUT, 3, NULL},
    [PARITY_HYP_SHIFT] = {"shift", EX_FAMILY_LAYOUT, 3, NULL},
    [PARITY_HYP_SCRAMBLE] = {"scramble", EX_FAMILY_LAYOUT, 4, NULL},
    [PARITY_HYP_ROW_PERMUTATION] = {"row-permutation", EX_FAMILY_LAYOUT, 5, NULL},
    [PARITY_HYP_VALUE_DEPENDENT] = {"value-dependent", EX_FAMILY_VALUE, 7, parity__ex_apply_value},
    [PARITY_HYP_ALIGNMENT] = {"alignment", EX_FAMILY_NOTE, 0, NULL},
};

const char *parity_hyp_kind_name(parity_hyp_kind k) {
    return (unsigned)k < PARITY_HYP_COUNT ? parity__ex_kinds[k].name : "?";
}

double parity__ex_apply(const ex_cand *c, const int64_t *idx, double r, double p) {
    parity__ex_apply_fn f = (unsigned)c->h.kind < PARITY_HYP_COUNT
                                ? parity__ex_kinds[c->h.kind].apply : NULL;
    return f ? f(c, idx, r, p) : r;
}
