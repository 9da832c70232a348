/*
 * weights_lines.c — the words of parity weights that every rendering
 * prints alike (text, Markdown, the HTML report): names, findings as
 * tokens, the summary line, tied names, the note on a missing name that
 * equals another, a group's counts.
 */
#include "render/emit.h"
#include "render/weights_impl.h"

#include <string.h>

const char *parity__weights_port_name(const parity_weight *w) {
    const char *a = w->pair.ref->name, *b = w->pair.port->name;
    return a && b && strcmp(a, b) == 0 ? NULL : b;
}

const char *parity__weights_finding_token(parity_weight_finding f) {
    static const char *tok[] = {"exact", "close",    "rounded",   "quantized",   "quant_error",
                                "rows",  "constant", "explained", "unexplained", "shapes"};
    return (unsigned)f < sizeof tok / sizeof *tok ? tok[f] : "?";
}

const char *parity__weights_how(const parity_weight *w) {
    return w->fused ? "fused" : parity__match_how_name(w->pair.how);
}

static void put_count(parity_buf *b, int *first, size_t n, const char *what) {
    parity__buf_printf(b, "%s%zu %s", *first ? "" : ", ", n, what);
    *first = 0;
}

void parity__weights_summary_line(parity_buf *b, const char *const *labels,
                                  const parity_weights *w) {
    const parity_weights_summary *s = parity_weights_summary_of(w);
    parity__buf_printf(b, "%zu of %zu weight%s compared: %zu MATCH, %zu SMALL DIFF, %zu LARGE DIFF",
                       s->compared, s->ref_weights, s->ref_weights == 1 ? "" : "s",
                       s->counts[PARITY_MATCH], s->counts[PARITY_SMALL_DIFF],
                       s->counts[PARITY_LARGE_DIFF]);
    size_t tied = s->tied[0] + s->tied[1], fused = s->fused[0] + s->fused[1];
    if (tied) parity__buf_printf(b, "; %zu tied name%s not missing", tied, tied == 1 ? "" : "s");
    if (fused) parity__buf_printf(b, "; %zu fused tensor%s split", fused, fused == 1 ? "" : "s");
    int first = 1;
    for (int side = 0; side < 2; side++) {
        if (!s->only[side]) continue;
        parity__buf_puts(b, first ? "; " : ", ");
        first = 0;
        parity__buf_printf(b, "%zu only in ", s->only[side]);
        parity__emit_text(b, labels[side]);
    }
}

static void put_name(parity_buf *b, const char *name, int md) {
    if (!md) {
        parity__emit_text(b, name);
        return;
    }
    parity__buf_puts(b, "`");
    parity__emit_md_text(b, name);
    parity__buf_puts(b, "`");
}

void parity__weights_tie_line(parity_buf *b, const char *const *labels, const parity_weight_tie *t,
                              int md) {
    const char *side = labels[t->side], *other = labels[1 - t->side];
    put_name(b, t->a->name, md);
    parity__buf_puts(b, " and ");
    put_name(b, t->b->name, md);
    parity__buf_puts(b, " are one array in ");
    parity__emit_text(b, side);
    parity__buf_puts(b, " (one storage)"); /* equal values are never a tie */
    if (!t->accounted) return;
    parity__buf_puts(b, "; ");
    put_name(b, t->accounted->name, md);
    parity__buf_puts(b, " is not in ");
    parity__emit_text(b, other);
    parity__buf_puts(b, ": not counted as missing");
}

void parity__weights_copy_line(parity_buf *b, const char *const *labels, const parity_weights *w,
                               int side, size_t i, int md) {
    const parity_tensor *t = parity_weights_only(w, side, i);
    const parity_tensor *c = parity_weights_only_copy(w, side, i);
    if (!t || !c) return;
    put_name(b, t->name, md);
    parity__buf_puts(b, " is bit-identical to ");
    put_name(b, c->name, md);
    parity__buf_puts(b, " in ");
    parity__emit_text(b, labels[side]);
    if (parity_weights_summary_of(w)->records_sharing[side]) {
        /* the file would have stored one storage for a tie */
        parity__buf_puts(b, ", a separate storage: two arrays, not tied");
        return;
    }
    parity__buf_puts(b, ", whose format cannot record tied names: if ");
    parity__emit_text(b, labels[1 - side]);
    parity__buf_puts(b, " ties them, leave it out with ");
    parity__buf_puts(b, md ? "`--skip " : "--skip ");
    if (md)
        parity__emit_md_text(b, t->name);
    else
        parity__emit_text(b, t->name);
    if (md) parity__buf_puts(b, "`");
}

void parity__weights_copy_notes(parity_buf *b, const char *const *labels, const parity_weights *w,
                                int side, int md) {
    for (size_t i = 0; i < parity_weights_only_count(w, side); i++) {
        if (!parity_weights_only_copy(w, side, i)) continue;
        parity__buf_puts(b, md ? "- note: " : "note: ");
        parity__weights_copy_line(b, labels, w, side, i, md);
        parity__buf_puts(b, "\n");
    }
}

void parity__weights_group_counts(parity_buf *b, const char *const *labels,
                                  const parity_weight_group *g) {
    static const char *words[3] = {"MATCH", "SMALL DIFF", "LARGE DIFF"};
    int first = 1;
    parity__buf_printf(b, "%zu weight%s", g->compared, g->compared == 1 ? "" : "s");
    for (int v = 0; v < 3; v++) {
        if (!g->counts[v]) continue;
        parity__buf_puts(b, first ? ": " : "");
        put_count(b, &first, g->counts[v], words[v]);
    }
    for (int side = 0; side < 2; side++) {
        if (!g->only[side]) continue;
        parity__buf_printf(b, "%s%zu only in ", side == 0 || !g->only[0] ? "; " : ", ",
                           g->only[side]);
        parity__emit_text(b, labels[side]);
    }
}

const char *parity__weights_group_name(const parity_weight_group *g) {
    return g->prefix[0] ? g->prefix : "(top level)";
}
