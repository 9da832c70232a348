/*
 * explain_inherited.c — the note explain prints for a stage that inherits
 * its error by the data flow (docs/trace.md, "Blame"): which of its inputs
 * already differ, and which stage introduces the error.
 *
 *   inherited, not rounding of its own: its input layers.1.ffn.w1 already
 *   differs (relative 6.5e-05);
 *   the error comes from layers.0.ffn.gelu, which introduces it: explain it
 */
#include "render/emit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *name_of(const parity_walk *w, size_t i) {
    const parity_pair *p = parity_walk_stage(w, i)->pair;
    return p->ref_view.name ? p->ref_view.name : p->ref->name;
}

/* "a (relative 1e-3) and b (relative 2e-3)" */
static void put_links(parity_buf *b, const parity_walk *w, const size_t *v, size_t n) {
    for (size_t k = 0; k < n && k < 3; k++) {
        double r = parity_stage_relative(parity_walk_stage(w, v[k]));
        parity__buf_puts(b, k == 0 ? "" : k + 1 == n ? " and " : ", ");
        parity__buf_puts(b, name_of(w, v[k]));
        if (isfinite(r)) parity__buf_printf(b, " (relative %.2g)", r);
    }
    if (n > 3) parity__buf_printf(b, " and %zu more", n - 3);
}

static const char *what_differs(const parity_blame *bl) {
    int one = bl->n_through == 1;
    switch (bl->via) {
    case PARITY_VIA_ALIAS: return "it is a copy of ";
    case PARITY_VIA_INSIDE:
        return one ? "a stage inside it already differs: " : "stages inside it already differ: ";
    case PARITY_VIA_INPUTS: return one ? "the model input " : "the model inputs ";
    case PARITY_VIA_ORDER: return "it records no parents, and the stage before it, ";
    case PARITY_VIA_PARENTS: break;
    }
    return one ? "its input " : "its inputs ";
}

char *parity_walk_inherited_note(const parity_walk *w, size_t i) {
    const parity_blame *bl = parity_walk_blame(w, i);
    if (!bl || !bl->n_from || !bl->n_through) return NULL;
    parity_buf b = {0};
    parity__buf_puts(&b, "inherited, not rounding of its own: ");
    parity__buf_puts(&b, what_differs(bl));
    put_links(&b, w, bl->through, bl->n_through);
    if (bl->via == PARITY_VIA_PARENTS || bl->via == PARITY_VIA_INPUTS ||
        bl->via == PARITY_VIA_ORDER)
        parity__buf_puts(&b, bl->n_through == 1 ? " already differs" : " already differ");
    parity__buf_puts(&b, ";\nthe error comes from ");
    for (size_t k = 0; k < bl->n_from && k < 3; k++) {
        parity__buf_puts(&b, k == 0 ? "" : k + 1 == bl->n_from ? " and " : ", ");
        parity__buf_puts(&b, name_of(w, bl->from[k]));
    }
    if (bl->n_from > 3) parity__buf_printf(&b, " and %zu more", bl->n_from - 3);
    parity__buf_printf(&b, ", which introduce%s it: explain %s", bl->n_from == 1 ? "s" : "",
                       bl->n_from == 1 ? "that stage" : "those stages");
    if (!b.oom) return b.data;
    parity__buf_free(&b);
    return NULL;
}
