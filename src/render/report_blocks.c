/*
 * report_blocks.c — the lines of one compared tensor that several reports
 * print (parity diff's text and JSON, parity weights): the padded line
 * prefixes, a side's statistics, the Diff: and More: lines; the JSON
 * objects of a side's statistics and of the pair metrics.
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <string.h>

/* ---- text --------------------------------------------------------------- */

/* Width of every line prefix ("Status: " = 8 with short labels). */
static int prefix_width(const parity_report *r) {
    size_t w = strlen("Status:");
    for (int s = 0; s < 2; s++) {
        size_t l = strlen(parity__label(r, s)) + 1;
        if (l > w) w = l;
    }
    return (int)w + 1;
}

/* "Diff:" padded with spaces to the prefix width. */
void parity__text_prefix(parity_report *r, const char *word) {
    int w = prefix_width(r), n = (int)strlen(word);
    parity__buf_printf(&r->out, "%-*s", n < w ? w : n + 1, word);
}

void parity__text_label_prefix(parity_report *r, int side) {
    parity__buf_printf(&r->out, "%s:%*s", parity__label(r, side),
                       prefix_width(r) - (int)strlen(parity__label(r, side)) - 1, "");
}

/* "[1, 80, 200], range=[-10.38, 0], mean=-5.81, std=2.104[, nan=N, inf=M]" */
void parity__text_stats(parity_buf *b, const parity_tensor *t, const parity_stats *s) {
    char shape[512];
    parity__buf_printf(b, "%s, range=[", parity_shape_str(t, shape, sizeof shape));
    parity__buf_num(b, s->min);
    parity__buf_puts(b, ", ");
    parity__buf_num(b, s->max);
    parity__buf_puts(b, "], mean=");
    parity__buf_num(b, s->mean);
    parity__buf_puts(b, ", std=");
    parity__buf_num(b, s->std);
    if (s->n_nan) parity__buf_printf(b, ", nan=%llu", (unsigned long long)s->n_nan);
    if (s->n_posinf + s->n_neginf)
        parity__buf_printf(b, ", inf=%llu", (unsigned long long)(s->n_posinf + s->n_neginf));
}

static void put_relative(parity_report *r, double rel) {
    const double thr[2] = {r->o.diff.match_tol, r->o.diff.small_tol};
    parity__buf_num_vs(&r->out, rel, 100.0, 3, thr, 2, 1);
}

/* Diff: abs_mean=1.46, abs_max=2.31, relative=25.3% */
void parity__text_diff_line(parity_report *r, const parity_diff *d) {
    parity_buf *b = &r->out;
    parity__text_prefix(r, "Diff:");
    parity__buf_puts(b, "abs_mean=");
    parity__buf_num(b, d->abs_mean);
    parity__buf_puts(b, ", abs_max=");
    parity__buf_num(b, d->abs_max);
    if (d->ref_zero) {
        parity__buf_puts(b, ", relative=");
        parity__buf_num(b, d->relative);
        parity__buf_puts(b, " (absolute)");
    } else {
        parity__buf_puts(b, ", relative=");
        put_relative(r, d->relative);
    }
    parity__buf_puts(b, "\n");
}

static void put_kv(parity_buf *b, const char *key, double x) {
    parity__buf_printf(b, ", %s=", key);
    parity__buf_num(b, x);
}

/* More: mean_diff=-1.46 (-12.68 dB), rmse=..., ..., worst=[..] ref=.. port=.. */
void parity__text_more_line(parity_report *r, const parity_diff *d, const parity_tensor *view) {
    parity_buf *b = &r->out;
    parity__text_prefix(r, "More:");
    parity__buf_puts(b, "mean_diff=");
    parity__buf_num(b, d->mean_diff);
    if (r->o.diff.domain != PARITY_DOMAIN_LINEAR) {
        parity__buf_puts(b, " (");
        parity__buf_num_vs(b, d->mean_diff_db, 1.0, 4, &r->o.diff.max_db, 1, 0);
        parity__buf_puts(b, " dB)");
    }
    put_kv(b, "rmse", d->rmse);
    put_kv(b, "cosine", d->cosine);
    put_kv(b, "pcc", d->pcc);
    put_kv(b, "snr_db", d->snr_db);
    if (parity_dtype_is_float((parity_dtype)d->ulp_dtype))
        parity__buf_printf(b, ", max_ulp=%llu (%s)", (unsigned long long)d->max_ulp,
                           parity_dtype_name((parity_dtype)d->ulp_dtype));
    parity__buf_printf(b, ", mismatched=%llu/%llu", (unsigned long long)d->mismatched,
                       (unsigned long long)view->count);
    put_kv(b, "needed_atol", d->needed_atol);
    put_kv(b, "needed_rtol", d->needed_rtol);
    if (d->n > 0) {
        parity__buf_puts(b, ", worst=");
        parity__buf_index(b, view, d->abs_max_at);
        parity__buf_puts(b, " ref=");
        parity__buf_num(b, d->abs_max_ref);
        parity__buf_puts(b, " port=");
        parity__buf_num(b, d->abs_max_port);
    }
    parity__buf_puts(b, "\n");
}

/* Note: lines on the values: a reference of zeros (relative is absolute)
 * and non-finite values on one side. */
void parity__text_value_notes(parity_report *r, const parity_diff *d, const parity_tensor *view) {
    parity_buf *b = &r->out;
    if (d->ref_zero) {
        parity__text_prefix(r, "Note:");
        parity__buf_printf(b, "%s is all zeros: relative is ||d||, not ||d||/||%s||\n",
                           parity__label(r, 0), parity__label(r, 0));
    }
    if (d->nonfinite_ref_only + d->nonfinite_port_only + d->nonfinite_differ) {
        parity__text_prefix(r, "Note:");
        parity__buf_printf(b,
                           "non-finite in %s only: %llu, in %s only: %llu, "
                           "different non-finite: %llu; first one-sided at ",
                           parity__label(r, 0), (unsigned long long)d->nonfinite_ref_only,
                           parity__label(r, 1), (unsigned long long)d->nonfinite_port_only,
                           (unsigned long long)d->nonfinite_differ);
        parity__buf_index(b, view, d->first_nonfinite_only);
        parity__buf_puts(b, "\n");
    }
}

/* ---- JSON --------------------------------------------------------------- */

/* Statistics of one side, computed over view (t itself, or the view of t
 * that was compared: argmin and argmax are written as positions in t as
 * stored); opens with "dtype" so no leading comma. */
void parity__json_stats(parity_buf *b, const parity_tensor *t, const parity_tensor *view,
                        const parity_stats *s) {
    parity__buf_printf(b, "{\"dtype\":\"%s\"", parity_dtype_name(t->dtype));
    parity__json_shape(b, "shape", t);
    parity__json_str(b, "file", t->file);
    parity__json_u64(b, "count", s->count);
    parity__json_u64(b, "n_finite", s->n_finite);
    parity__json_u64(b, "n_nan", s->n_nan);
    parity__json_u64(b, "n_posinf", s->n_posinf);
    parity__json_u64(b, "n_neginf", s->n_neginf);
    parity__json_u64(b, "n_zero", s->n_zero);
    parity__json_num(b, "min", s->min);
    parity__json_num(b, "max", s->max);
    /* stats over the view of a live run (a merge's views have no data: it
     * maps them itself, merge_state.c) */
    int mapped = view && view->data && s->count == view->count;
    parity__json_u64(b, "argmin", mapped ? parity__stored_index(t, view, s->argmin) : s->argmin);
    parity__json_u64(b, "argmax", mapped ? parity__stored_index(t, view, s->argmax) : s->argmax);
    parity__json_num(b, "mean", s->mean);
    parity__json_num(b, "std", s->std);
    parity__json_num(b, "sum", s->sum);
    parity__json_num(b, "sumsq", s->sumsq);
    parity__buf_puts(b, "}");
}

/* "metrics": the pair metrics of parity_diff (formulas in diff.c). */
void parity__json_metrics(parity_buf *b, const parity_diff *d, const parity_tensor *v) {
    parity__buf_printf(b, ",\"metrics\":{\"n\":%llu", (unsigned long long)d->n);
    parity__json_num(b, "abs_mean", d->abs_mean);
    parity__json_num(b, "abs_max", d->abs_max);
    parity__json_index(b, "abs_max_at", v, d->abs_max_at);
    parity__json_num(b, "abs_max_ref", d->abs_max_ref);
    parity__json_num(b, "abs_max_port", d->abs_max_port);
    parity__json_num(b, "mean_diff", d->mean_diff);
    parity__json_num(b, "mean_diff_db", d->mean_diff_db);
    parity__json_num(b, "rmse", d->rmse);
    parity__json_num(b, "relative", d->relative);
    parity__json_bool(b, "ref_zero", d->ref_zero);
    parity__json_num(b, "cosine", d->cosine);
    parity__json_num(b, "pcc", d->pcc);
    parity__json_num(b, "snr_db", d->snr_db);
    parity__json_num(b, "needed_atol", d->needed_atol);
    parity__json_num(b, "needed_rtol", d->needed_rtol);
    int ulp = parity_dtype_is_float((parity_dtype)d->ulp_dtype);
    parity__json_u64(b, "max_ulp", d->max_ulp);
    parity__json_str(b, "ulp_dtype", ulp ? parity_dtype_name((parity_dtype)d->ulp_dtype) : NULL);
    if (ulp) parity__json_index(b, "max_ulp_at", v, d->max_ulp_at);
    parity__json_u64(b, "mismatched", d->mismatched);
    parity__json_u64(b, "nonfinite_ref_only", d->nonfinite_ref_only);
    parity__json_u64(b, "nonfinite_port_only", d->nonfinite_port_only);
    parity__json_u64(b, "nonfinite_differ", d->nonfinite_differ);
    if (d->nonfinite_ref_only + d->nonfinite_port_only)
        parity__json_index(b, "first_nonfinite_only", v, d->first_nonfinite_only);
    parity__buf_puts(b, "}");
}
