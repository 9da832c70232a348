/*
 * report_common.c — what the report formats share (text.c, json.c, md.c,
 * csv.c, and the trace and same reports): numbers as reports print them,
 * indices, side labels and the words for how a pair was matched.
 *
 * Numbers in human formats: %.4g (four significant digits), so -10.38, 2.104,
 * 4.1e-06, with snprintf's bytes but mostly without snprintf (numfmt.c);
 * -0 prints as 0; a value that is not 0 never prints as 0. A
 * number compared against a threshold in force (relative vs match-tol) gets
 * more digits while its printed form would equal the threshold without the
 * value doing so, so "0.01%" never hides a SMALL DIFF at 0.0100004%.
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ------------------------------------------------------------ */

static int nonfinite_str(double x, char *buf, size_t cap) {
    if (isnan(x)) snprintf(buf, cap, "nan");
    else if (isinf(x)) snprintf(buf, cap, x > 0 ? "inf" : "-inf");
    else return 0;
    return 1;
}

char *parity_fmt_num(double x, char *buf, size_t cap) {
    if (nonfinite_str(x, buf, cap)) return buf;
    if (x == 0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    parity__fmt_g(x, 4, buf, cap);
    /* %g never rounds a nonzero value to 0, but keep the promise explicit */
    if (!strpbrk(buf, "123456789")) snprintf(buf, cap, "%.3e", x);
    return buf;
}

char *parity_fmt_pct(double x, char *buf, size_t cap) {
    if (nonfinite_str(x, buf, cap)) return buf;
    double pct = x * 100.0;
    if (pct == 0) {
        snprintf(buf, cap, "0%%");
        return buf;
    }
    int n = parity__fmt_g(pct, 3, buf, cap);
    if (n >= 0 && (size_t)n + 1 < cap) buf[n] = '%', buf[n + 1] = '\0';
    return buf;
}

void parity__buf_num(parity_buf *b, double x) {
    char s[64];
    parity__buf_puts(b, parity_fmt_num(x, s, sizeof s));
}

/* Would |x·scale| printed with p digits read like a threshold x is not? */
static int hits_threshold(double x, double scale, int p, const double *thr,
                          int n_thr) {
    char a[64], t[64];
    parity__fmt_g(fabs(x * scale), p, a, sizeof a);
    for (int i = 0; i < n_thr; i++) {
        if (!(thr[i] > 0) || fabs(x) == thr[i]) continue;
        parity__fmt_g(thr[i] * scale, p, t, sizeof t);
        if (strcmp(a, t) == 0) return 1;
    }
    return 0;
}

void parity__buf_num_vs(parity_buf *b, double x, double scale, int prec,
                        const double *thr, int n_thr, int pct) {
    char s[64];
    double v = x * scale;
    if (!isfinite(v) || v == 0) {
        parity__buf_puts(b, parity_fmt_num(v, s, sizeof s));
    } else {
        int p = prec;
        while (p < 17 && hits_threshold(x, scale, p, thr, n_thr)) p++;
        parity__fmt_g(v, p, s, sizeof s);
        parity__buf_puts(b, s);
    }
    if (pct) parity__buf_puts(b, "%");
}

void parity__buf_full(parity_buf *b, double x) {
    char s[64];
    if (nonfinite_str(x, s, sizeof s)) parity__buf_puts(b, s);
    else parity__buf_printf(b, "%.17g", x);
}

void parity__buf_int(parity_buf *b, int64_t v, int uns) {
    if (uns) parity__buf_printf(b, "%llu", (unsigned long long)(uint64_t)v);
    else parity__buf_printf(b, "%lld", (long long)v);
}

void parity__buf_axis_beyond(parity_buf *b, int axis, int ndim) {
    parity__buf_printf(b, "--axis %d is beyond the %d dimension%s of this tensor: "
                       "no per-index breakdown", axis, ndim, ndim == 1 ? "" : "s");
}

void parity__buf_index(parity_buf *b, const parity_tensor *t, uint64_t flat) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, flat, idx);
    parity__buf_puts(b, "[");
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? ", " : "", (long long)idx[k]);
    parity__buf_puts(b, "]");
}

/* ---- items and labels --------------------------------------------------- */

parity__item_kind parity__item_kind_of(const parity_report_item *it) {
    if (it->ints) return PARITY__ITEM_INT;
    if (it->cmp && it->cmp->kind == PARITY_PAIR_OVERLAP) return PARITY__ITEM_OVERLAP;
    if (!it->pair->layout_ok) return PARITY__ITEM_SHAPE;
    return PARITY__ITEM_FLOAT;
}

const parity_tensor *parity__item_view(const parity_report_item *it) {
    if (it->cmp && it->cmp->kind == PARITY_PAIR_OVERLAP) return &it->cmp->ref_part;
    return &it->pair->ref_view;
}

const parity_tensor *parity__item_side_view(const parity_report_item *it, int side) {
    return it->cmp ? parity__comparison_view(it->pair, it->cmp, side) : NULL;
}

/* The coarser float dtype of input i's two sides when one side is stored
 * coarser than the other and its relative error is within that dtype's
 * unit roundoff u = 2^-(mantissa bits + 1): a port that stores its inputs
 * in F16 rounds them by up to u, which is no other input. PARITY_DT_INVALID
 * otherwise. */
parity_dtype parity__input_storage_rounding(const parity_walk *w, size_t i) {
    const parity_stage *s = parity_walk_stage(w, i);
    parity_dtype a = s->pair->ref->dtype, c = s->pair->port->dtype;
    if (!s->pair->layout_ok || !parity_dtype_is_float(a) || !parity_dtype_is_float(c) ||
        parity_dtype_mantissa_bits(a) == parity_dtype_mantissa_bits(c) || s->diff.ref_zero ||
        s->diff.nonfinite_ref_only + s->diff.nonfinite_port_only + s->diff.nonfinite_differ)
        return PARITY_DT_INVALID;
    parity_dtype coarse = parity_dtype_mantissa_bits(a) < parity_dtype_mantissa_bits(c) ? a : c;
    return s->diff.relative <= parity__unit_roundoff(coarse) ? coarse : PARITY_DT_INVALID;
}

int parity__inputs_storage_only(const parity_walk *w) {
    const size_t *idx = NULL;
    const char *const *names = NULL;
    size_t nd = parity_walk_inputs_differ(w, &idx);
    if (nd == 0 || parity_walk_input_missing(w, &names)) return 0;
    for (size_t i = 0; i < nd; i++)
        if (parity__input_storage_rounding(w, idx[i]) == PARITY_DT_INVALID) return 0;
    return 1;
}

const char *parity__label(const parity_report *r, int side) {
    const char *l = r->o.labels[side ? 1 : 0];
    if (l && *l) return l;
    return side ? "port" : "ref";
}

const char *parity__port_name(const parity_report_item *it) {
    const char *a = it->pair->ref->name, *b = it->pair->port->name;
    if (!a || !b || strcmp(a, b) == 0) return NULL;
    return b;
}

const char *parity__order_words(parity_order_source s) {
    switch (s) {
    case PARITY_ORDER_METADATA: return "order from __metadata__ parity.order";
    case PARITY_ORDER_INDEX: return "order from index.json";
    case PARITY_ORDER_FILE: return "the file's own order";
    case PARITY_ORDER_NATURAL: break;
    }
    return "natural name order";
}

const char *parity__order_token(parity_order_source s) {
    switch (s) {
    case PARITY_ORDER_METADATA: return "metadata";
    case PARITY_ORDER_INDEX: return "index";
    case PARITY_ORDER_FILE: return "file";
    case PARITY_ORDER_NATURAL: break;
    }
    return "natural";
}

/* ---- coverage ------------------------------------------------------------ */

void parity__buf_coverage(parity_buf *b, const parity_report *r, const parity_coverage *c,
                          const char *noun, int md) {
    const char *bold = md ? "**" : "";
    parity__buf_printf(b, "%s%zu of %zu %s%s compared%s", bold, c->compared, c->total, noun,
                       c->total == 1 ? "" : "s", bold);
    const char *sep = " (";
    if (c->by_content) {
        parity__buf_printf(b, "%s%zu paired by content", sep, c->by_content);
        if (c->by_structure) parity__buf_printf(b, ", %zu of them by structure alone", c->by_structure);
        sep = "; ";
    }
    for (int side = 0; side < 2; side++) {
        if (!c->only[side]) continue;
        parity__buf_printf(b, "%s%zu only in ", sep, c->only[side]);
        parity__emit_text(b, parity__label(r, side));
        sep = ", ";
    }
    size_t copies = c->copies[0] + c->copies[1];
    if (copies)
        parity__buf_printf(b, "%s%zu cop%s of the %s before, not compared", sep, copies,
                           copies == 1 ? "y" : "ies", noun), sep = ", ";
    if (c->filtered[0] && c->filtered[1]) {
        parity__buf_printf(b, "%s%zu of %s and %zu of %s left out by --only/--skip", sep,
                           c->filtered[0], parity__label(r, 0), c->filtered[1],
                           parity__label(r, 1));
        sep = ", ";
    } else if (c->filtered[0] + c->filtered[1]) {
        parity__buf_printf(b, "%s%zu left out by --only/--skip", sep,
                           c->filtered[0] + c->filtered[1]);
        sep = ", ";
    }
    if (c->irreconcilable)
        parity__buf_printf(b, "%s%zu irreconcilable", sep, c->irreconcilable), sep = ", ";
    /* names paired enough that pairing by content did not run (--pair
     * auto pairs by content when names pair fewer than half), yet both
     * sides kept several stages: a port's own names for some of them */
    if (!c->content_ran && c->compared && c->only[0] >= 2 && c->only[1] >= 2)
        parity__buf_puts(b, "; --pair content may pair those by their values"), sep = ", ";
    if (sep[0] != ' ') parity__buf_puts(b, ")");
}

/* Up to four names of one side's unpaired tensors (copies included). */
static void some_names(parity_buf *b, const parity_match *m, int side, int md) {
    size_t n = parity_match_unpaired_count(m, side), k = 0;
    for (size_t i = 0; i < n + parity_match_copies_count(m, side) && k < 4; i++, k++) {
        const parity_tensor *t = i < n ? parity_match_unpaired(m, side, i)
                                       : parity_match_copy(m, side, i - n)->t;
        parity__buf_puts(b, k ? ", " : "");
        if (md) parity__buf_puts(b, "`");
        if (md) parity__emit_md_text(b, t->name);
        else parity__emit_text(b, t->name);
        if (md) parity__buf_puts(b, "`");
    }
    if (n + parity_match_copies_count(m, side) > 4) parity__buf_puts(b, ", ...");
    if (k == 0) parity__buf_puts(b, "none");
}

void parity__buf_nothing_compared(parity_buf *b, const parity_report *r,
                                  const parity_match *m, const char *noun, int md) {
    parity_coverage c;
    parity_match_coverage(m, &c);
    parity__buf_coverage(b, r, &c, noun, md);
    for (int side = 0; side < 2; side++) { /* nothing to pair: no advice about pairing */
        if (c.only[side] + c.copies[side] + c.filtered[side] > 0) continue;
        parity__buf_puts(b, ": ");
        parity__emit_text(b, parity__label(r, side));
        parity__buf_printf(b, " holds no %s (an empty folder?)", noun);
        return;
    }
    parity__buf_printf(b, ": no %s of ", noun);
    parity__emit_text(b, parity__label(r, 1));
    parity__buf_puts(b, " pairs with one of ");
    parity__emit_text(b, parity__label(r, 0));
    for (int side = 0; side < 2; side++) {
        parity__buf_puts(b, side ? "; " : " (");
        parity__emit_text(b, parity__label(r, side));
        parity__buf_puts(b, ": ");
        some_names(b, m, side, md);
    }
    parity__buf_puts(b, c.content_ran ? "); pairing by content found no pair it is sure of"
                                      : ")");
    parity__buf_puts(b, "; pair them with --map FILE (one 'regex => replacement' a line)");
    parity__buf_puts(b, c.content_ran ? " or --by-order" : ", --by-order or --pair content");
}

void parity__buf_copies(parity_buf *b, const parity_report *r, const parity_match *m,
                        int side, int md) {
    size_t n = parity_match_copies_count(m, side);
    if (n == 0) return;
    parity__buf_printf(b, "%scopies not compared in ", md ? "\n" : "");
    parity__emit_text(b, parity__label(r, side));
    parity__buf_puts(b, ":");
    for (size_t i = 0; i < n; i++) {
        const parity_copy *c = parity_match_copy(m, side, i);
        parity__buf_puts(b, i ? ", " : " ");
        if (md) parity__buf_puts(b, "`");
        if (md) parity__emit_md_text(b, c->t->name);
        else parity__emit_text(b, c->t->name);
        parity__buf_puts(b, md ? "` (= `" : " (= ");
        if (md) parity__emit_md_text(b, c->of->name);
        else parity__emit_text(b, c->of->name);
        parity__buf_puts(b, md ? "`)" : ")");
    }
    parity__buf_puts(b, "\n");
}

void parity__json_coverage(parity_buf *b, const parity_match *m) {
    parity_coverage c;
    memset(&c, 0, sizeof c);
    if (m) parity_match_coverage(m, &c);
    parity__buf_printf(b, ",\"coverage\":{\"compared\":%zu,\"total\":%zu", c.compared, c.total);
    parity__json_u64(b, "only_in_ref", c.only[0]);
    parity__json_u64(b, "only_in_port", c.only[1]);
    parity__json_u64(b, "copies_in_ref", c.copies[0]);
    parity__json_u64(b, "copies_in_port", c.copies[1]);
    parity__json_u64(b, "filtered_ref", c.filtered[0]);
    parity__json_u64(b, "filtered_port", c.filtered[1]);
    parity__json_u64(b, "irreconcilable", c.irreconcilable);
    parity__json_bool(b, "nothing_compared", c.compared == 0);
    parity__json_bool(b, "content_ran", c.content_ran);
    parity__json_u64(b, "by_content", c.by_content);
    parity__json_u64(b, "by_structure", c.by_structure);
    parity__json_u64(b, "content_not_used", c.not_used);
    for (int side = 0; m && side < 2; side++) {
        parity__buf_printf(b, ",\"copies_%s\":[", side ? "port" : "ref");
        for (size_t i = 0; i < parity_match_copies_count(m, side); i++) {
            const parity_copy *cp = parity_match_copy(m, side, i);
            parity__buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
            parity__buf_json_str(b, cp->t->name);
            parity__json_str(b, "of", cp->of->name);
            parity__buf_puts(b, "}");
        }
        parity__buf_puts(b, "]");
    }
    parity__buf_puts(b, "}");
}

/* ---- ids and overlaps ---------------------------------------------------- */

/* "[7..8] = 5, 6" (the first values, then ", ..."). */
static void put_run(parity_buf *b, const char *side, uint64_t at, uint64_t n,
                    const int64_t *v, int uns) {
    if (n == 1) parity__buf_printf(b, "%s[%llu] = ", side, (unsigned long long)at);
    else parity__buf_printf(b, "%s[%llu..%llu] = ", side, (unsigned long long)at,
                            (unsigned long long)(at + n - 1));
    for (uint64_t k = 0; k < n && k < PARITY_INT_HUNK_VALUES; k++) {
        if (k) parity__buf_puts(b, ", ");
        parity__buf_int(b, v[k], uns);
    }
    if (n > PARITY_INT_HUNK_VALUES) parity__buf_puts(b, ", ...");
}

void parity__buf_hunk(parity_buf *b, const parity_int_hunk *h, int ref_uns, int port_uns) {
    if (h->port_n == 0) {
        parity__buf_puts(b, "dropped ");
        put_run(b, "ref", h->ref_at, h->ref_n, h->ref_vals, ref_uns);
    } else if (h->ref_n == 0) {
        parity__buf_puts(b, "inserted ");
        put_run(b, "port", h->port_at, h->port_n, h->port_vals, port_uns);
    } else {
        parity__buf_printf(b, "replaced %llu id%s at ", (unsigned long long)h->ref_n,
                           h->ref_n == 1 ? "" : "s");
        put_run(b, "ref", h->ref_at, h->ref_n, h->ref_vals, ref_uns);
        parity__buf_puts(b, " by ");
        put_run(b, "port", h->port_at, h->port_n, h->port_vals, port_uns);
    }
}

void parity__buf_hunks(parity_buf *b, const parity_int_cmp *c) {
    for (size_t i = 0; i < c->n_hunks; i++) {
        if (i) parity__buf_puts(b, "; ");
        parity__buf_hunk(b, &c->hunks[i], c->ref_unsigned, c->port_unsigned);
    }
    if (c->total_hunks > c->n_hunks)
        parity__buf_printf(b, " (and %zu more)", c->total_hunks - c->n_hunks);
}

void parity__buf_overlap(parity_buf *b, const parity_report *r, const parity_overlap *o) {
    const char *ref = parity__label(r, 0), *port = parity__label(r, 1);
    int longer_port = o->port_len > o->ref_len;
    int64_t more = longer_port ? o->port_len - o->ref_len : o->ref_len - o->port_len;
    if (o->how == PARITY_OVERLAP_PREFIX) {
        parity__buf_printf(b, "%s = %s + %lld more along axis %d (the first %lld MATCH)",
                           longer_port ? port : ref, longer_port ? ref : port, (long long)more,
                           o->axis, (long long)o->len);
    } else if (o->how == PARITY_OVERLAP_SHIFTED && o->lag > 0 && o->len == o->port_len &&
               o->lag + o->len == o->ref_len) {
        parity__buf_printf(b, "%s = %s[%lld:] along axis %d (the %lld they share MATCH)", port,
                           ref, (long long)o->lag, o->axis, (long long)o->len);
    } else if (o->how == PARITY_OVERLAP_SHIFTED && o->lag < 0 && o->len == o->ref_len &&
               o->len - o->lag == o->port_len) {
        parity__buf_printf(b, "%s[%lld:] = %s along axis %d (the %lld they share MATCH)", port,
                           (long long)-o->lag, ref, o->axis, (long long)o->len);
    } else if (o->how == PARITY_OVERLAP_SHIFTED && o->lag > 0) {
        parity__buf_printf(b, "%s[:%lld] = %s[%lld:%lld] along axis %d (shifted by %lld; the "
                           "%lld they share MATCH)", port, (long long)o->len, ref,
                           (long long)o->lag, (long long)(o->lag + o->len), o->axis,
                           (long long)o->lag, (long long)o->len);
    } else if (o->how == PARITY_OVERLAP_SHIFTED) {
        parity__buf_printf(b, "%s[%lld:%lld] = %s[:%lld] along axis %d (shifted by %lld; the "
                           "%lld they share MATCH)", port, (long long)-o->lag,
                           (long long)(-o->lag + o->len), ref, (long long)o->len, o->axis,
                           (long long)o->lag, (long long)o->len);
    } else {
        parity__buf_printf(b, "lengths %lld vs %lld along axis %d, neither a prefix nor a "
                           "shifted copy: compared on the first %lld", (long long)o->ref_len,
                           (long long)o->port_len, o->axis, (long long)o->len);
    }
}
