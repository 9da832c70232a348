/*
 * explain_inherited.c — an error a stage inherits from its inputs is not
 * rounding of its own (docs/explain.md, docs/trace.md "Blame"): when the
 * data flow says the stage's inputs already differ, "precision only"
 * would blame the dtype for what came from upstream. The exception is a
 * port that stores the stage in a narrower float than the reference
 * (params[2] of the precision hypothesis): that rounding is the stage's
 * own whatever its inputs, and when it holds it is the explanation.
 */
#include "analysis/explain_internal.h"

#include <string.h>

static int inherited_precision(const parity_hypothesis *h) {
    return h->kind == PARITY_HYP_PRECISION && h->params[2] == 0;
}

int parity_explain_inherited(parity_explain_result *res) {
    size_t kept = 0, dropped = 0;
    if (!res) return 1;
    for (size_t i = 0; res->h && i < res->n; i++) {
        if (inherited_precision(&res->h[i])) {
            parity__ex_hyp_free(&res->h[i]);
            dropped++;
            continue;
        }
        res->h[kept++] = res->h[i];
    }
    res->n = kept;
    if (inherited_precision(&res->best_weak) && res->best_weak.text[0]) {
        parity__ex_hyp_free(&res->best_weak);
        memset(&res->best_weak, 0, sizeof res->best_weak);
    }
    if (dropped && kept == 0 && !res->identical) res->none_explains = 1;
    return !(kept > 0 && res->h[0].kind == PARITY_HYP_PRECISION);
}
