/*
 * md.c — reports as Markdown tables, one row per tensor, for pull requests
 * and issues. Numbers as in the text report (%.4g); cells escaped by render/emit.c.
 *
 *   | tensor | ref | port | abs_mean | abs_max | mean_diff | relative | status | note |
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <string.h>

static void md_num(parity_buf *b, double x) {
    char s[64];
    parity__emit_md_cell(b, parity_fmt_num(x, s, sizeof s));
}

static void md_verdict(parity_report *r, parity_verdict v) {
    parity__buf_puts(&r->out, " ");
    parity__emit_verdict(&r->out, v, r->o.unicode, 0);
    parity__buf_puts(&r->out, " |");
}

static void md_diff_begin(parity_report *r, const char *ref, const char *port,
                          const parity_match *m) {
    if (m && parity_match_count(m) == 0) {
        parity__buf_nothing_compared(&r->out, r, m, "tensor", 1);
        parity__buf_puts(&r->out, "\n\n");
    }
    parity_buf *b = &r->out;
    (void)ref, (void)port;
    parity__buf_puts(b, "| tensor |");
    parity__emit_md_cell(b, parity__label(r, 0));
    parity__emit_md_cell(b, parity__label(r, 1));
    parity__buf_puts(b, " abs_mean | abs_max | mean_diff | relative | status | note |\n"
                        "|---|---|---|---:|---:|---:|---:|---|---|\n");
}

/* The note cell: layout, dtype, integer or shape findings, "; " between. */
static void md_note(parity_report *r, const parity_report_item *it) {
    parity_buf note = {0};
    const parity_pair *p = it->pair;
    if (p->layout_ok && p->layout[0])
        parity__buf_printf(&note, "; compared after %s", p->layout);
    if (p->ref->dtype != p->port->dtype)
        parity__buf_printf(&note, "; %s vs %s", parity_dtype_name(p->ref->dtype),
                           parity_dtype_name(p->port->dtype));
    parity__item_kind kind = parity__item_kind_of(it);
    if (kind == PARITY__ITEM_SHAPE) parity__buf_puts(&note, "; shapes irreconcilable");
    if (kind == PARITY__ITEM_OVERLAP) {
        parity__buf_puts(&note, "; ");
        parity__buf_overlap(&note, r, &it->cmp->overlap);
    }
    if (it->cmp && it->cmp->same_values)
        parity__buf_puts(&note, "; same values in another order (see parity explain)");
    if (it->ints)
        parity__buf_puts(&note, it->ints->equal ? "; integers equal" : "; integers differ");
    if (it->ints && it->ints->n_hunks) {
        parity__buf_puts(&note, ": ");
        parity__buf_hunks(&note, it->ints);
    }
    if (note.oom) r->out.oom = 1;
    parity__emit_md_cell(&r->out, note.len > 2 ? note.data + 2 : "");
    parity__buf_free(&note);
}

static void md_diff_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    char s[512];
    const parity_diff *d = it->diff;
    parity__buf_puts(b, "|");
    parity__emit_md_cell(b, it->pair->ref->name);
    parity__emit_md_cell(b, parity_shape_str(it->pair->ref, s, sizeof s));
    parity__emit_md_cell(b, parity_shape_str(it->pair->port, s, sizeof s));
    parity__item_kind kind = parity__item_kind_of(it);
    if (kind == PARITY__ITEM_FLOAT || kind == PARITY__ITEM_OVERLAP) {
        md_num(b, d->abs_mean);
        md_num(b, d->abs_max);
        md_num(b, d->mean_diff);
        parity__emit_md_cell(b, d->ref_zero ? parity_fmt_num(d->relative, s, sizeof s)
                               : parity_fmt_pct(d->relative, s, sizeof s));
    } else {
        parity__buf_puts(b, " | | | |");
    }
    md_verdict(r, it->verdict);
    md_note(r, it);
    parity__buf_puts(b, "\n");
}

static void md_unpaired(parity_report *r, const parity_match *m, int side) {
    size_t n = m ? parity_match_unpaired_count(m, side) : 0;
    if (n == 0) return;
    parity__buf_printf(&r->out, "\nonly in %s:", parity__label(r, side));
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(&r->out, i ? ", `" : " `");
        parity__emit_md_text(&r->out, parity_match_unpaired(m, side, i)->name);
        parity__buf_puts(&r->out, "`");
    }
    parity__buf_puts(&r->out, "\n");
}

static void md_diff_end(parity_report *r, const parity_match *m) {
    parity_coverage c;
    memset(&c, 0, sizeof c);
    c.compared = c.total = (size_t)r->n_items;
    if (m) parity_match_coverage(m, &c);
    parity__buf_puts(&r->out, "\n");
    parity__buf_coverage(&r->out, r, &c, "tensor", 1);
    parity__buf_printf(&r->out, ": %llu MATCH, %llu SMALL DIFF, %llu LARGE DIFF\n",
                       (unsigned long long)r->counts[PARITY_MATCH],
                       (unsigned long long)r->counts[PARITY_SMALL_DIFF],
                       (unsigned long long)r->counts[PARITY_LARGE_DIFF]);
    md_unpaired(r, m, 0);
    md_unpaired(r, m, 1);
    if (m) parity__buf_copies(&r->out, r, m, 0, 1);
    if (m) parity__buf_copies(&r->out, r, m, 1, 1);
}

static void md_info_begin(parity_report *r, const parity_set *s) {
    parity_buf *b = &r->out;
    if (r->n_sets) parity__buf_puts(b, "\n");
    parity__buf_puts(b, "### ");
    parity__emit_md_text(b, parity_set_path(s));
    parity__buf_printf(b, "\n\n%zu tensors, %s\n\n", parity_set_count(s),
                       parity__order_words(parity_set_order_source(s)));
    parity__buf_puts(b, "| tensor | dtype | shape | min | max | mean | std | nan | inf |\n"
                        "|---|---|---|---:|---:|---:|---:|---:|---:|\n");
}

static void md_info_tensor(parity_report *r, const parity_tensor *t,
                           const parity_stats *st) {
    parity_buf *b = &r->out;
    char s[512];
    parity__buf_puts(b, "|");
    parity__emit_md_cell(b, t->name);
    parity__emit_md_cell(b, parity_dtype_name(t->dtype));
    parity_shape_str(t, s, sizeof s);
    if (parity_tensor_fortran_order(t)) strncat(s, " fortran_order", sizeof s - strlen(s) - 1);
    parity__emit_md_cell(b, s);
    md_num(b, st->min);
    md_num(b, st->max);
    md_num(b, st->mean);
    md_num(b, st->std);
    parity__buf_printf(b, " %llu | %llu |\n", (unsigned long long)st->n_nan,
                       (unsigned long long)(st->n_posinf + st->n_neginf));
}

static void md_info_end(parity_report *r) { (void)r; }

const parity__renderer parity__render_md = {
    md_diff_begin, md_diff_item, md_diff_end,
    md_info_begin, md_info_tensor, md_info_end,
};
