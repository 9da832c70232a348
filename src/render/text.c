/*
 * text.c — the human report, in the seed plan's format, exactly:
 *
 *   Stage: decoder.final_proj
 *   Python: [1, 80, 200], range=[-10.38, 0], mean=-5.81, std=2.104
 *   Swift:  [1, 80, 200], range=[-10.44, -0.7], mean=-7.27, std=2.051
 *   Diff:   abs_mean=1.46, abs_max=2.31, relative=25.3%
 *   Status: ❌ LARGE DIFF
 *
 * Every line prefix is padded to one width: the longest of the labels plus
 * ":" and "Status:", plus one space ("Stage:" heads the block, unpadded).
 * Optional lines come between Diff and Status: More (-v), Dtype, Layout,
 * Note. --axis tables follow the block. Blocks are separated by one blank
 * line; the summary closes the report. -q prints "name: VERDICT" only.
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <math.h>
#include <string.h>

/* Dtype: / Layout: / Note: lines, each only when it has something to say. */
static void put_notes(parity_report *r, const parity_report_item *it) {
    const parity_pair *p = it->pair;
    const parity_diff *d = it->diff;
    parity_buf *b = &r->out;
    if (p->ref->dtype != p->port->dtype) {
        const parity_int_cmp *c = it->ints;
        parity__text_prefix(r, "Dtype:");
        parity__buf_printf(b, "%s vs %s, compared %s%s%s%s\n",
                           parity_dtype_name(p->ref->dtype),
                           parity_dtype_name(p->port->dtype),
                           c ? "as exact integers" : "in float64",
                           c && (c->ref_float || c->port_float) ? " (" : "",
                           !c ? "" : c->ref_float && c->port_float ? "both sides hold only integers"
                                   : c->ref_float ? parity__label(r, 0)
                                   : c->port_float ? parity__label(r, 1) : "",
                           c && (c->ref_float != c->port_float) ? "'s floats hold only integers)"
                           : c && c->ref_float ? ")" : "");
    }
    if (it->cmp && it->cmp->same_values) {
        parity__text_prefix(r, "Note:");
        parity__buf_puts(b, "same values in another order (see parity explain)\n");
    }
    if (p->layout_ok && p->layout[0]) {
        parity__text_prefix(r, "Layout:");
        parity__buf_printf(b, "compared after %s\n", p->layout);
    }
    if (parity__item_kind_of(it) != PARITY__ITEM_FLOAT) return;
    int skipped[4], ns = parity__axes_beyond(r, p->ref_view.ndim, skipped);
    for (int i = 0; i < ns; i++) {
        parity__text_prefix(r, "Note:");
        parity__buf_axis_beyond(b, skipped[i], p->ref_view.ndim);
        parity__buf_puts(b, "\n");
    }
    parity__text_value_notes(r, d, &p->ref_view);
}

/* "[0..7] ref=[1, 2, 3] port=[1, 2, 4]" */
static void put_window(parity_report *r, const parity_int_cmp *c) {
    parity_buf *b = &r->out;
    int n = c->win_ref_len > c->win_port_len ? c->win_ref_len : c->win_port_len;
    parity__text_prefix(r, "Window:");
    parity__buf_printf(b, "[%llu..%llu]", (unsigned long long)c->win_first,
                       (unsigned long long)(c->win_first + (uint64_t)(n ? n - 1 : 0)));
    for (int s = 0; s < 2; s++) {
        const int64_t *w = s ? c->win_port : c->win_ref;
        int len = s ? c->win_port_len : c->win_ref_len;
        parity__buf_printf(b, " %s=[", parity__label(r, s));
        for (int i = 0; i < len; i++) {
            if (i) parity__buf_puts(b, ", ");
            parity__buf_int(b, w[i], s ? c->port_unsigned : c->ref_unsigned);
        }
        parity__buf_puts(b, "]");
    }
    parity__buf_puts(b, "\n");
}

/* Integer tensors: equal, or where they first differ. */
static void put_ints(parity_report *r, const parity_report_item *it) {
    const parity_int_cmp *c = it->ints;
    parity_buf *b = &r->out;
    parity__text_prefix(r, "Diff:");
    if (c->equal) {
        parity__buf_printf(b, "equal (%llu elements)\n", (unsigned long long)c->n_compared);
        return;
    }
    if (c->sequence && c->n_differ == 0) {
        parity__buf_printf(b, "lengths %llu vs %llu, common prefix %llu\n",
                           (unsigned long long)c->ref_len, (unsigned long long)c->port_len,
                           (unsigned long long)c->first);
    } else if (c->sequence) {
        parity__buf_printf(b, "first difference at position %llu: ", (unsigned long long)c->first);
        parity__buf_int(b, c->first_ref, c->ref_unsigned);
        parity__buf_puts(b, " vs ");
        parity__buf_int(b, c->first_port, c->port_unsigned);
        parity__buf_printf(b, "; lengths %llu vs %llu\n", (unsigned long long)c->ref_len,
                           (unsigned long long)c->port_len);
    } else {
        parity__buf_puts(b, "first difference at ");
        parity__buf_index(b, &it->pair->ref_view, c->first);
        parity__buf_puts(b, ": ");
        parity__buf_int(b, c->first_ref, c->ref_unsigned);
        parity__buf_puts(b, " vs ");
        parity__buf_int(b, c->first_port, c->port_unsigned);
        parity__buf_printf(b, "; %llu of %llu elements differ\n",
                           (unsigned long long)c->n_differ, (unsigned long long)c->n_compared);
    }
    if (c->win_ref_len + c->win_port_len) put_window(r, c);
    if (c->n_hunks) {
        parity__text_prefix(r, "Edits:");
        parity__buf_hunks(b, c);
        parity__buf_puts(b, "\n");
    }
}

static void put_shape_reason(parity_report *r, const parity_pair *p) {
    char a[512], c[512];
    parity__text_prefix(r, "Shape:");
    parity__buf_printf(&r->out, "%s vs %s: no squeeze, permutation or reshape "
                       "makes them agree\n", parity_shape_str(p->ref, a, sizeof a),
                       parity_shape_str(p->port, c, sizeof c));
}

/* worst: i=17 (2.31), ... — the 5 largest abs_mean, ties to the lower index. */
static void put_worst(parity_buf *b, const parity_axis_profile *p) {
    int64_t best[5];
    int n = parity__profile_worst(p, best);
    parity__buf_puts(b, "worst:");
    for (int k = 0; k < n; k++) {
        parity__buf_printf(b, "%s i=%lld (", k ? "," : "", (long long)best[k]);
        parity__buf_num(b, p->abs_mean[best[k]]);
        parity__buf_puts(b, ")");
    }
    parity__buf_puts(b, "\n");
}

static void put_cell(parity_buf *b, double x, int pct) {
    char s[64];
    if (pct) parity_fmt_pct(x, s, sizeof s);
    else parity_fmt_num(x, s, sizeof s);
    parity__buf_printf(b, " %11s", s);
}

/* The per-index table of one axis, then its worst indices. */
static void put_axis(parity_report *r, const parity_axis_profile *p) {
    parity_buf *b = &r->out;
    double dbu = parity_domain_db_per_unit(r->o.diff.domain);
    parity__buf_printf(b, "\nAxis %d (%lld indices)\n", p->axis, (long long)p->len);
    parity__buf_printf(b, "%6s %11s", "index", "mean_diff");
    if (dbu != 0) parity__buf_printf(b, " %11s", "mean_dB");
    parity__buf_printf(b, " %11s %11s %11s\n", "abs_mean", "rmse", "relative");
    for (int64_t i = 0; i < p->len; i++) {
        parity__buf_printf(b, "%6lld", (long long)i);
        put_cell(b, p->mean_diff[i], 0);
        if (dbu != 0) put_cell(b, p->mean_diff[i] * dbu, 0);
        put_cell(b, p->abs_mean[i], 0);
        put_cell(b, p->rmse[i], 0);
        put_cell(b, p->relative[i], 1);
        parity__buf_puts(b, "\n");
    }
    put_worst(b, p);
}

static void text_diff_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    parity__item_kind kind = parity__item_kind_of(it);
    const char *other = parity__port_name(it);
    if (r->o.quiet) {
        parity__emit_text(b, it->pair->ref->name);
        parity__buf_puts(b, ": ");
        parity__emit_verdict(&r->out, it->verdict, r->o.unicode, r->o.color);
        parity__buf_puts(b, "\n");
        return;
    }
    if (r->n_items) parity__buf_puts(b, "\n");
    parity__buf_puts(b, "Stage: ");
    parity__emit_text(b, it->pair->ref->name);
    if (other) {
        parity__buf_printf(b, " (%s: ", parity__label(r, 1));
        parity__emit_text(b, other);
        parity__buf_puts(b, ")");
    }
    parity__buf_puts(b, "\n");
    for (int s = 0; s < 2; s++) {
        parity__text_label_prefix(r, s);
        parity__text_stats(b, s ? it->pair->port : it->pair->ref, s ? &it->diff->port : &it->diff->ref);
        parity__buf_puts(b, "\n");
    }
    if (kind == PARITY__ITEM_INT) put_ints(r, it);
    else if (kind == PARITY__ITEM_SHAPE) put_shape_reason(r, it->pair);
    else parity__text_diff_line(r, it->diff);
    if (kind == PARITY__ITEM_OVERLAP) {
        parity__text_prefix(r, "Overlap:");
        parity__buf_overlap(b, r, &it->cmp->overlap);
        parity__buf_puts(b, "\n");
    }
    if ((kind == PARITY__ITEM_FLOAT || kind == PARITY__ITEM_OVERLAP) && r->o.verbose)
        parity__text_more_line(r, it->diff, parity__item_view(it));
    put_notes(r, it);
    parity__text_prefix(r, "Status:");
    parity__emit_verdict(&r->out, it->verdict, r->o.unicode, r->o.color);
    parity__buf_puts(b, "\n");
    for (int k = 0; kind == PARITY__ITEM_FLOAT && k < it->diff->n_profiles; k++)
        put_axis(r, &it->diff->profiles[k]);
}

static void text_diff_begin(parity_report *r, const char *ref, const char *port,
                            const parity_match *m) {
    (void)ref, (void)port;
    if (!m || parity_match_count(m) > 0) return;
    parity__buf_nothing_compared(&r->out, r, m, "tensor", 0);
    parity__buf_puts(&r->out, "\n");
}

/* Unpaired names of one side, comma separated. */
static void put_unpaired(parity_report *r, const parity_match *m, int side) {
    size_t n = parity_match_unpaired_count(m, side);
    if (n == 0) return;
    if (r->o.quiet) {
        for (size_t i = 0; i < n; i++)
        {
            parity__emit_text(&r->out, parity_match_unpaired(m, side, i)->name);
            parity__buf_printf(&r->out, ": only in %s\n", parity__label(r, side));
        }
        return;
    }
    parity__buf_printf(&r->out, "only in %s:", parity__label(r, side));
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(&r->out, i ? ", " : " ");
        parity__emit_text(&r->out, parity_match_unpaired(m, side, i)->name);
    }
    parity__buf_puts(&r->out, "\n");
}

static void text_diff_end(parity_report *r, const parity_match *m) {
    parity_coverage c;
    memset(&c, 0, sizeof c);
    c.compared = c.total = (size_t)r->n_items;
    if (m) parity_match_coverage(m, &c);
    if (r->n_items && !r->o.quiet) parity__buf_puts(&r->out, "\n");
    parity__buf_coverage(&r->out, r, &c, "tensor", 0);
    parity__buf_printf(&r->out, ": %llu MATCH, %llu SMALL DIFF, %llu LARGE DIFF\n",
                       (unsigned long long)r->counts[PARITY_MATCH],
                       (unsigned long long)r->counts[PARITY_SMALL_DIFF],
                       (unsigned long long)r->counts[PARITY_LARGE_DIFF]);
    if (!m) return;
    put_unpaired(r, m, 0);
    put_unpaired(r, m, 1);
    parity__buf_copies(&r->out, r, m, 0, 0);
    parity__buf_copies(&r->out, r, m, 1, 0);
}

/* "path: 3 tensors, natural name order" then the metadata keys (-v: values). */
static void text_info_begin(parity_report *r, const parity_set *s) {
    parity_buf *b = &r->out;
    size_t n = parity_set_count(s), nm = parity_set_meta_count(s);
    if (r->o.quiet) return;
    if (r->n_sets) parity__buf_puts(b, "\n");
    parity__emit_text(b, parity_set_path(s));
    parity__buf_printf(b, ": %zu tensor%s, %s\n", n, n == 1 ? "" : "s",
                       parity__order_words(parity_set_order_source(s)));
    if (nm == 0) return;
    if (!r->o.verbose) parity__buf_puts(b, "metadata:");
    for (size_t i = 0; i < nm; i++) {
        const char *k = NULL, *v = NULL;
        if (parity_set_meta(s, i, &k, &v) != PARITY_OK) continue;
        parity__buf_puts(b, r->o.verbose ? "metadata: " : i ? ", " : " ");
        parity__emit_text(b, k);
        if (!r->o.verbose) continue;
        parity__buf_puts(b, " = ");
        parity__emit_text(b, v);
        parity__buf_puts(b, "\n");
    }
    if (!r->o.verbose) parity__buf_puts(b, "\n");
}

/* "  name: F32 [1, 80, 200], range=[..], mean=.., std=.., nan=0, inf=0" */
static void text_info_tensor(parity_report *r, const parity_tensor *t,
                             const parity_stats *st) {
    parity_buf *b = &r->out;
    char shape[512];
    if (r->o.quiet) {
        parity__emit_text(b, t->name);
        parity__buf_printf(b, ": %s %s%s\n", parity_dtype_name(t->dtype),
                           parity_shape_str(t, shape, sizeof shape),
                           parity_tensor_fortran_order(t) ? " fortran_order" : "");
        return;
    }
    parity__buf_puts(b, "  ");
    parity__emit_text(b, t->name);
    parity__buf_printf(b, ": %s %s%s", parity_dtype_name(t->dtype),
                       parity_shape_str(t, shape, sizeof shape),
                       parity_tensor_fortran_order(t) ? " fortran_order" : "");
    if (t->alias_of) {
        parity__buf_puts(b, " (alias of ");
        parity__emit_text(b, t->alias_of);
        parity__buf_puts(b, ")");
    }
    parity__buf_puts(b, ", range=[");
    parity__buf_num(b, st->min);
    parity__buf_puts(b, ", ");
    parity__buf_num(b, st->max);
    parity__buf_puts(b, "], mean=");
    parity__buf_num(b, st->mean);
    parity__buf_puts(b, ", std=");
    parity__buf_num(b, st->std);
    parity__buf_printf(b, ", nan=%llu, inf=%llu%s\n", (unsigned long long)st->n_nan,
                       (unsigned long long)(st->n_posinf + st->n_neginf),
                       t->is_input ? " (input)" : "");
}

static void text_info_end(parity_report *r) { (void)r; }

const parity__renderer parity__render_text = {
    text_diff_begin, text_diff_item, text_diff_end,
    text_info_begin, text_info_tensor, text_info_end,
};
