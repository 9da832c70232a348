/*
 * explain_inherited.c — an error a stage inherits from its inputs is not
 * rounding of its own (docs/explain.md, docs/trace.md "Blame"): when the
 * data flow says the stage's inputs already differ, "precision only"
 * would blame the dtype for what came from upstream.
 */
#include "analysis/explain_internal.h"

#include <string.h>

size_t parity_explain_inherited(parity_explain_result *res) {
    size_t kept = 0, dropped = 0;
    if (!res) return 0;
    for (size_t i = 0; res->h && i < res->n; i++) {
        if (res->h[i].kind == PARITY_HYP_PRECISION) {
            parity__ex_hyp_free(&res->h[i]);
            dropped++;
            continue;
        }
        res->h[kept++] = res->h[i];
    }
    res->n = kept;
    if (res->best_weak.kind == PARITY_HYP_PRECISION && res->best_weak.text[0]) {
        parity__ex_hyp_free(&res->best_weak);
        memset(&res->best_weak, 0, sizeof res->best_weak);
    }
    if (dropped && kept == 0 && !res->identical) res->none_explains = 1;
    return dropped;
}
