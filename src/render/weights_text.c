/*
 * weights_text.c — parity weights as text: one block per weight in the
 * seed plan's format,
 *
 *   Weight: model.layers.0.self_attn.q_proj.weight (port: ...qkv_proj.weight[0:64])
 *   ref:    F32 [64, 64], range=[-0.2, 0.21], mean=0.001, std=0.0577
 *   port:   F32 [64, 64], range=[-0.2, 0.21], mean=0.001, std=0.0577
 *   First:  ref=[0.01, -0.07, 0.1, 0.03] port=[0.01, -0.07, 0.1, 0.03]
 *   Last:   ref=[...] port=[...]
 *   Diff:   abs_mean=0, abs_max=0, relative=0%
 *   Layout: part 1 of 3 of port ...qkv_proj.weight [192, 64]: [0:64] along axis 0
 *   Found:  exact
 *   Status: MATCH
 *
 * (More: with -v, Note: on non-finite values of one side, Layout: when
 * anything was applied; each side's dtype starts its line), then the tied names, the names only on one side, one line per
 * group and the summary. -q: "name: VERDICT" lines, the names only on one
 * side, the summary.
 */
#include "render/emit.h"
#include "render/weights_impl.h"

#include <string.h>

/* "ref=[0.1, -0.2, 0.3, 0.4] port=[...]" */
static void put_values(parity_report *r, const char *word, const double (*v)[PARITY_WEIGHT_VALUES],
                       int n) {
    parity__text_prefix(r, word);
    for (int s = 0; s < 2; s++) {
        parity__buf_puts(&r->out, s ? " " : "");
        parity__emit_text(&r->out, parity__label(r, s));
        parity__buf_puts(&r->out, "=[");
        for (int i = 0; i < n; i++) {
            parity__buf_puts(&r->out, i ? ", " : "");
            parity__buf_num(&r->out, v[s][i]);
        }
        parity__buf_puts(&r->out, "]");
    }
    parity__buf_puts(&r->out, "\n");
}

/* Integers: equal, or how many differ (the finding says where). */
static void put_ints(parity_report *r, const parity_int_cmp *c) {
    parity__text_prefix(r, "Diff:");
    if (c->equal)
        parity__buf_printf(&r->out, "equal (%llu elements)\n", (unsigned long long)c->n_compared);
    else
        parity__buf_printf(&r->out, "%llu of %llu elements differ\n",
                           (unsigned long long)c->n_differ, (unsigned long long)c->n_compared);
}

static void put_line(parity_report *r, const char *word, const char *text) {
    parity__text_prefix(r, word);
    parity__emit_text(&r->out, text);
    parity__buf_puts(&r->out, "\n");
}

static void put_weight(parity_report *r, const parity_weight *w, int first) {
    parity_buf *b = &r->out;
    const parity_pair *p = &w->pair;
    const char *other = parity__weights_port_name(w);
    parity__buf_puts(b, first ? "Weight: " : "\nWeight: ");
    parity__emit_text(b, p->ref->name);
    if (other) {
        parity__buf_puts(b, " (");
        parity__emit_text(b, parity__label(r, 1));
        parity__buf_puts(b, ": ");
        parity__emit_text(b, other);
        parity__buf_puts(b, ")");
    }
    parity__buf_puts(b, "\n");
    for (int s = 0; s < 2; s++) {
        parity__text_label_prefix(r, s);
        parity__buf_printf(b, "%s ", parity_dtype_name((s ? p->port : p->ref)->dtype));
        parity__text_stats(b, s ? p->port : p->ref, s ? &w->cmp.diff.port : &w->cmp.diff.ref);
        parity__buf_puts(b, "\n");
    }
    if (w->n_first) put_values(r, "First:", w->first, w->n_first);
    if (w->n_last) put_values(r, "Last:", w->last, w->n_last);
    if (w->cmp.kind == PARITY_PAIR_FLOAT) parity__text_diff_line(r, &w->cmp.diff);
    if (w->cmp.kind == PARITY_PAIR_INT || w->cmp.kind == PARITY_PAIR_SEQUENCE)
        put_ints(r, &w->cmp.ints);
    if (w->cmp.kind == PARITY_PAIR_FLOAT && r->o.verbose)
        parity__text_more_line(r, &w->cmp.diff, &p->ref_view);
    if (w->cmp.kind == PARITY_PAIR_FLOAT) parity__text_value_notes(r, &w->cmp.diff, &p->ref_view);
    if (w->layout[0]) put_line(r, "Layout:", w->layout);
    put_line(r, "Found:", w->text);
    parity__text_prefix(r, "Status:");
    parity__emit_verdict(b, w->cmp.verdict, r->o.unicode, r->o.color);
    parity__buf_puts(b, "\n");
}

/* "only in ref: a, b", then a "note:" line per name bit-identical to a
 * paired one (quiet: "a: only in ref" lines). */
static void put_only(parity_report *r, const parity_weights *w, int side) {
    size_t n = parity_weights_only_count(w, side);
    if (n == 0) return;
    if (!r->o.quiet) {
        parity__buf_puts(&r->out, "only in ");
        parity__emit_text(&r->out, parity__label(r, side));
        parity__buf_puts(&r->out, ":");
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = parity_weights_only(w, side, i)->name;
        if (r->o.quiet) {
            parity__emit_text(&r->out, name);
            parity__buf_puts(&r->out, ": only in ");
            parity__emit_text(&r->out, parity__label(r, side));
            parity__buf_puts(&r->out, "\n");
            continue;
        }
        parity__buf_puts(&r->out, i ? ", " : " ");
        parity__emit_text(&r->out, name);
    }
    if (r->o.quiet) return;
    parity__buf_puts(&r->out, "\n");
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    parity__weights_copy_notes(&r->out, labels, w, side, 0);
}

/* One line per group, names padded to the longest (at most 40). */
static void put_groups(parity_report *r, const parity_weights *w) {
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    size_t n = parity_weights_group_count(w), width = 0;
    for (size_t g = 0; g < n; g++) {
        size_t l = strlen(parity__weights_group_name(parity_weights_group(w, g)));
        if (l > width) width = l;
    }
    if (width > 40) width = 40;
    parity__buf_puts(&r->out, "By group (a name up to its first number, else its module):\n");
    for (size_t g = 0; g < n; g++) {
        const parity_weight_group *gr = parity_weights_group(w, g);
        size_t before = r->out.len;
        parity__buf_puts(&r->out, "  ");
        parity__emit_text(&r->out, parity__weights_group_name(gr));
        size_t shown = r->out.len - before - 2;
        parity__buf_printf(&r->out, "%*s  ", (int)(shown < width ? width - shown : 0), "");
        parity__weights_group_counts(&r->out, labels, gr);
        parity__buf_puts(&r->out, "\n");
    }
}

/* The tied names and the names only on one side, one line each. */
static void put_names(parity_report *r, const parity_weights *w) {
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    for (size_t i = 0; !r->o.quiet && i < parity_weights_tie_count(w); i++) {
        parity__buf_puts(&r->out, "tied: ");
        parity__weights_tie_line(&r->out, labels, parity_weights_tie(w, i), 0);
        parity__buf_puts(&r->out, "\n");
    }
    put_only(r, w, 0);
    put_only(r, w, 1);
}

/* Sections (weights, names, groups, summary) apart by one blank line. */
static void gap(parity_report *r, size_t *mark) {
    if (r->out.len > *mark && !r->o.quiet) parity__buf_puts(&r->out, "\n");
    *mark = r->out.len;
}

void parity__weights_text(parity_report *r, const parity_weights *w) {
    const char *labels[2] = {parity__label(r, 0), parity__label(r, 1)};
    parity_buf *b = &r->out;
    size_t mark = 0;
    for (size_t i = 0; i < parity_weights_count(w); i++) {
        const parity_weight *it = parity_weights_at(w, i);
        if (r->o.quiet) {
            parity__emit_text(b, it->pair.ref->name);
            parity__buf_puts(b, ": ");
            parity__emit_verdict(b, it->cmp.verdict, r->o.unicode, r->o.color);
            parity__buf_puts(b, "\n");
        } else {
            put_weight(r, it, i == 0);
        }
    }
    gap(r, &mark);
    put_names(r, w);
    gap(r, &mark);
    if (!r->o.quiet && parity_weights_group_count(w)) put_groups(r, w);
    gap(r, &mark);
    parity__weights_summary_line(b, labels, w);
    parity__buf_puts(b, "\n");
}
