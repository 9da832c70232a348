/*
 * weights_md.c — parity weights as Markdown, for pull requests and issues:
 *
 *   | weight | ref | port | layout | relative | abs_max | status | finding |
 *
 * one row per weight, then the tied names, the names only on one side, a
 * table of the groups and the summary. Numbers as in the text report
 * (%.4g); cells escaped by render/emit.c.
 */
#include "render/emit.h"
#include "render/weights_impl.h"

static void md_side(parity_buf *b, const parity_tensor *t) {
    char s[512];
    parity__buf_printf(b, " %s %s |", parity_dtype_name(t->dtype),
                       parity_shape_str(t, s, sizeof s));
}

static void md_row(parity_report *r, const parity_weight *w) {
    parity_buf *b = &r->out;
    char s[64];
    const parity_diff *d = &w->cmp.diff;
    const char *other = parity__weights_port_name(w);
    parity__buf_puts(b, "| ");
    parity__emit_md_text(b, w->pair.ref->name);
    if (other) {
        parity__buf_puts(b, " (");
        parity__emit_md_text(b, parity__label(r, 1));
        parity__buf_puts(b, ": ");
        parity__emit_md_text(b, other);
        parity__buf_puts(b, ")");
    }
    parity__buf_puts(b, " |");
    md_side(b, w->pair.ref);
    md_side(b, w->pair.port);
    parity__emit_md_cell(b, w->layout);
    if (w->cmp.kind == PARITY_PAIR_FLOAT) {
        parity__emit_md_cell(b, d->ref_zero ? parity_fmt_num(d->relative, s, sizeof s)
                                            : parity_fmt_pct(d->relative, s, sizeof s));
        parity__emit_md_cell(b, parity_fmt_num(d->abs_max, s, sizeof s));
    } else {
        parity__buf_puts(b, " | |");
    }
    parity__buf_puts(b, " ");
    parity__emit_verdict(b, w->cmp.verdict, r->o.unicode, 0);
    parity__buf_puts(b, " |");
    parity__emit_md_cell(b, w->text);
    parity__buf_puts(b, "\n");
}

static void md_only(parity_report *r, const parity_weights *w, int side) {
    size_t n = parity_weights_only_count(w, side);
    if (n == 0) return;
    parity__buf_puts(&r->out, "\nonly in ");
    parity__emit_md_text(&r->out, parity__label(r, side));
    parity__buf_puts(&r->out, ":");
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(&r->out, i ? ", `" : " `");
        parity__emit_md_text(&r->out, parity_weights_only(w, side, i)->name);
        parity__buf_puts(&r->out, "`");
    }
    parity__buf_puts(&r->out, "\n");
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    parity__weights_copy_notes(&r->out, labels, w, side, 1);
}

static void md_groups(parity_report *r, const parity_weights *w) {
    parity_buf *b = &r->out;
    if (!parity_weights_group_count(w)) return;
    parity__buf_puts(b, "\n| group | weights | MATCH | SMALL DIFF | LARGE DIFF | only in");
    parity__emit_md_cell(b, parity__label(r, 0));
    parity__buf_puts(b, " only in");
    parity__emit_md_cell(b, parity__label(r, 1));
    parity__buf_puts(b, "\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < parity_weights_group_count(w); i++) {
        const parity_weight_group *g = parity_weights_group(w, i);
        parity__buf_puts(b, "|");
        parity__emit_md_cell(b, parity__weights_group_name(g));
        parity__buf_printf(b, " %zu | %zu | %zu | %zu | %zu | %zu |\n", g->compared,
                           g->counts[PARITY_MATCH], g->counts[PARITY_SMALL_DIFF],
                           g->counts[PARITY_LARGE_DIFF], g->only[0], g->only[1]);
    }
}

void parity__weights_md(parity_report *r, const parity_weights *w, const char *ref,
                        const char *port) {
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    parity_buf *b = &r->out;
    parity__buf_puts(b, "## Weights: `");
    parity__emit_md_text(b, ref ? ref : "");
    parity__buf_puts(b, "` against `");
    parity__emit_md_text(b, port ? port : "");
    parity__buf_puts(b, "`\n\n| weight |");
    parity__emit_md_cell(b, parity__label(r, 0));
    parity__emit_md_cell(b, parity__label(r, 1));
    parity__buf_puts(b, " layout | relative | abs_max | status | finding |\n"
                        "|---|---|---|---|---:|---:|---|---|\n");
    for (size_t i = 0; i < parity_weights_count(w); i++) md_row(r, parity_weights_at(w, i));
    if (parity_weights_tie_count(w)) parity__buf_puts(b, "\n");
    for (size_t i = 0; i < parity_weights_tie_count(w); i++) {
        parity__buf_puts(b, "- tied: ");
        parity__weights_tie_line(b, labels, parity_weights_tie(w, i), 1);
        parity__buf_puts(b, "\n");
    }
    md_only(r, w, 0);
    md_only(r, w, 1);
    md_groups(r, w);
    parity__buf_puts(b, "\n**");
    parity__weights_summary_line(b, labels, w);
    parity__buf_puts(b, "**\n");
}
