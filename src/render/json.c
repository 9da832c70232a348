/*
 * json.c — reports as JSON, every metric at full precision (%.17g, which
 * round-trips a double). JSON has no NaN or Infinity: a non-finite number
 * field "x" is written as "x": null plus "x_nonfinite": "nan" | "inf" |
 * "-inf"; inside arrays (axis profiles, windows) a non-finite value is a
 * bare null. The schema is docs/diff.schema.json, described in
 * docs/json-schema.md. One tensor per line, so the output streams and
 * greps; the document is complete only after the closing chunk.
 */
#include "render/report_impl.h"

#include <math.h>

/* ,"key":x  — or ,"key":null,"key_nonfinite":"inf" */
static void jnum(parity_buf *b, const char *key, double x) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (isfinite(x)) {
        parity__buf_printf(b, "%.17g", x);
        return;
    }
    parity__buf_printf(b, "null,\"%s_nonfinite\":", key);
    parity__buf_puts(b, isnan(x) ? "\"nan\"" : x > 0 ? "\"inf\"" : "\"-inf\"");
}

static void ju64(parity_buf *b, const char *key, uint64_t x) {
    parity__buf_printf(b, ",\"%s\":%llu", key, (unsigned long long)x);
}

static void jbool(parity_buf *b, const char *key, int x) {
    parity__buf_printf(b, ",\"%s\":%s", key, x ? "true" : "false");
}

static void jstr(parity_buf *b, const char *key, const char *s) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (s) parity__buf_json_str(b, s);
    else parity__buf_puts(b, "null");
}

/* An array element: the number or null. */
static void jelem(parity_buf *b, int i, double x) {
    if (i) parity__buf_puts(b, ",");
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else parity__buf_puts(b, "null");
}

static void jarray(parity_buf *b, const char *key, const double *x, int64_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int64_t i = 0; i < n; i++) jelem(b, i != 0, x[i]);
    parity__buf_puts(b, "]");
}

static void jshape(parity_buf *b, const char *key, const parity_tensor *t) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? "," : "", (long long)t->shape[k]);
    parity__buf_puts(b, "]");
}

/* ,"key":[0,3,17]: the multi-index of flat in view t. */
static void jindex(parity_buf *b, const char *key, const parity_tensor *t,
                   uint64_t flat) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, flat, idx);
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? "," : "", (long long)idx[k]);
    parity__buf_puts(b, "]");
}

/* Statistics of one side; opens with "dtype" so no leading comma. */
static void jstats(parity_buf *b, const parity_tensor *t, const parity_stats *s) {
    parity__buf_printf(b, "{\"dtype\":\"%s\"", parity_dtype_name(t->dtype));
    jshape(b, "shape", t);
    jstr(b, "file", t->file);
    ju64(b, "count", s->count);
    ju64(b, "n_finite", s->n_finite);
    ju64(b, "n_nan", s->n_nan);
    ju64(b, "n_posinf", s->n_posinf);
    ju64(b, "n_neginf", s->n_neginf);
    ju64(b, "n_zero", s->n_zero);
    jnum(b, "min", s->min);
    jnum(b, "max", s->max);
    ju64(b, "argmin", s->argmin);
    ju64(b, "argmax", s->argmax);
    jnum(b, "mean", s->mean);
    jnum(b, "std", s->std);
    jnum(b, "sum", s->sum);
    jnum(b, "sumsq", s->sumsq);
    parity__buf_puts(b, "}");
}

/* "metrics": the pair metrics of parity_diff (formulas in diff.c). */
static void jmetrics(parity_buf *b, const parity_report_item *it) {
    const parity_diff *d = it->diff;
    const parity_tensor *v = &it->pair->ref_view;
    parity__buf_printf(b, ",\"metrics\":{\"n\":%llu", (unsigned long long)d->n);
    jnum(b, "abs_mean", d->abs_mean);
    jnum(b, "abs_max", d->abs_max);
    jindex(b, "abs_max_at", v, d->abs_max_at);
    jnum(b, "abs_max_ref", d->abs_max_ref);
    jnum(b, "abs_max_port", d->abs_max_port);
    jnum(b, "mean_diff", d->mean_diff);
    jnum(b, "mean_diff_db", d->mean_diff_db);
    jnum(b, "rmse", d->rmse);
    jnum(b, "relative", d->relative);
    jbool(b, "ref_zero", d->ref_zero);
    jnum(b, "cosine", d->cosine);
    jnum(b, "pcc", d->pcc);
    jnum(b, "snr_db", d->snr_db);
    jnum(b, "needed_atol", d->needed_atol);
    jnum(b, "needed_rtol", d->needed_rtol);
    int ulp = parity_dtype_is_float((parity_dtype)d->ulp_dtype);
    ju64(b, "max_ulp", d->max_ulp);
    jstr(b, "ulp_dtype", ulp ? parity_dtype_name((parity_dtype)d->ulp_dtype) : NULL);
    if (ulp) jindex(b, "max_ulp_at", v, d->max_ulp_at);
    ju64(b, "mismatched", d->mismatched);
    ju64(b, "nonfinite_ref_only", d->nonfinite_ref_only);
    ju64(b, "nonfinite_port_only", d->nonfinite_port_only);
    ju64(b, "nonfinite_differ", d->nonfinite_differ);
    if (d->nonfinite_ref_only + d->nonfinite_port_only)
        jindex(b, "first_nonfinite_only", v, d->first_nonfinite_only);
    parity__buf_puts(b, "}");
}

/* Per-axis profiles, with what the text table shows: mean_db (mean_diff
 * in dB, with a domain) and the worst indices. */
static void jaxes(parity_report *r, const parity_diff *d) {
    parity_buf *b = &r->out;
    double dbu = parity_domain_db_per_unit(r->o.diff.domain);
    parity__buf_puts(b, ",\"axes\":[");
    for (int k = 0; k < d->n_profiles; k++) {
        const parity_axis_profile *p = &d->profiles[k];
        int64_t best[5];
        int nb = parity__profile_worst(p, best);
        parity__buf_printf(b, "%s{\"axis\":%d,\"len\":%lld", k ? "," : "", p->axis,
                           (long long)p->len);
        jarray(b, "mean_diff", p->mean_diff, p->len);
        if (dbu != 0) {
            parity__buf_puts(b, ",\"mean_db\":[");
            for (int64_t i = 0; i < p->len; i++) jelem(b, i != 0, p->mean_diff[i] * dbu);
            parity__buf_puts(b, "]");
        }
        jarray(b, "abs_mean", p->abs_mean, p->len);
        jarray(b, "rmse", p->rmse, p->len);
        jarray(b, "relative", p->relative, p->len);
        jarray(b, "abs_max", p->abs_max, p->len);
        parity__buf_puts(b, ",\"worst\":[");
        for (int i = 0; i < nb; i++)
            parity__buf_printf(b, "%s%lld", i ? "," : "", (long long)best[i]);
        parity__buf_puts(b, "]}");
    }
    parity__buf_puts(b, "]");
}

/* "notes": what the text report says on Note: lines about --axis. */
static void jnotes(parity_report *r, const parity_pair *p) {
    int skipped[4], n = parity__axes_beyond(r, p->ref_view.ndim, skipped);
    if (n == 0) return;
    parity__buf_puts(&r->out, ",\"notes\":[");
    for (int i = 0; i < n; i++) {
        parity__buf_puts(&r->out, i ? ",\"" : "\"");
        parity__buf_axis_beyond(&r->out, skipped[i], p->ref_view.ndim);
        parity__buf_puts(&r->out, "\"");
    }
    parity__buf_puts(&r->out, "]");
}

/* ,"key":v — or null past the end of a side (a shorter sequence). */
static void jint_at(parity_buf *b, const char *key, int64_t v, int uns, int present) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (present) parity__buf_int(b, v, uns);
    else parity__buf_puts(b, "null");
}

static void jint_array(parity_buf *b, const char *key, const int64_t *x, int n, int uns) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_int(b, x[i], uns);
    }
    parity__buf_puts(b, "]");
}

static void jints(parity_buf *b, const parity_report_item *it) {
    const parity_int_cmp *c = it->ints;
    parity__buf_printf(b, ",\"ints\":{\"equal\":%s", c->equal ? "true" : "false");
    jbool(b, "sequence", c->sequence);
    ju64(b, "ref_len", c->ref_len);
    ju64(b, "port_len", c->port_len);
    ju64(b, "n_compared", c->n_compared);
    ju64(b, "n_differ", c->n_differ);
    if (!c->equal) {
        ju64(b, "first", c->first);
        if (!c->sequence) jindex(b, "first_index", &it->pair->ref_view, c->first);
        jint_at(b, "first_ref", c->first_ref, c->ref_unsigned, c->first < c->ref_len);
        jint_at(b, "first_port", c->first_port, c->port_unsigned, c->first < c->port_len);
        ju64(b, "window_first", c->win_first);
        jint_array(b, "window_ref", c->win_ref, c->win_ref_len, c->ref_unsigned);
        jint_array(b, "window_port", c->win_port, c->win_port_len, c->port_unsigned);
    }
    parity__buf_puts(b, "}");
}

static const char *kind_name(parity__item_kind k) {
    return k == PARITY__ITEM_INT ? "int" : k == PARITY__ITEM_SHAPE ? "shape" : "float";
}

static void json_diff_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    parity__item_kind kind = parity__item_kind_of(it);
    parity__buf_puts(b, r->n_items ? ",\n{\"name\":" : "\n{\"name\":");
    parity__buf_json_str(b, it->pair->ref->name);
    jstr(b, "port_name", it->pair->port->name);
    jstr(b, "match", parity__match_how_name(it->pair->how));
    jstr(b, "kind", kind_name(kind));
    jbool(b, "layout_ok", it->pair->layout_ok);
    jstr(b, "layout", it->pair->layout);
    jbool(b, "dtype_differs", it->pair->ref->dtype != it->pair->port->dtype);
    jstr(b, "verdict", parity_verdict_str(it->verdict));
    parity__buf_puts(b, ",\"ref\":");
    jstats(b, it->pair->ref, &it->diff->ref);
    parity__buf_puts(b, ",\"port\":");
    jstats(b, it->pair->port, &it->diff->port);
    if (kind == PARITY__ITEM_FLOAT) {
        jmetrics(b, it);
        jaxes(r, it->diff);
        jnotes(r, it->pair);
    }
    if (kind == PARITY__ITEM_INT) jints(b, it);
    parity__buf_puts(b, "}");
}

static void json_diff_begin(parity_report *r, const char *ref, const char *port) {
    parity_buf *b = &r->out;
    const parity_diff_opts *o = &r->o.diff;
    parity__buf_puts(b, "{\"parity\":\"diff\",\"version\":\"" PARITY_VERSION "\"");
    for (int s = 0; s < 2; s++) {
        parity__buf_printf(b, ",\"%s\":{\"path\":", s ? "port" : "ref");
        parity__buf_json_str(b, (s ? port : ref) ? (s ? port : ref) : "");
        jstr(b, "label", parity__label(r, s));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, ",\"options\":{\"domain\":");
    parity__buf_json_str(b, parity_domain_name(o->domain));
    jnum(b, "atol", o->atol);
    jnum(b, "rtol", o->rtol);
    jnum(b, "match_tol", o->match_tol);
    jnum(b, "small_tol", o->small_tol);
    jnum(b, "max_db", o->max_db);
    parity__buf_puts(b, "},\"tensors\":[");
}

static void junpaired(parity_buf *b, const char *key, const parity_match *m, int side) {
    size_t n = m ? parity_match_unpaired_count(m, side) : 0;
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, parity_match_unpaired(m, side, i)->name);
    }
    parity__buf_puts(b, "]");
}

static void json_diff_end(parity_report *r, const parity_match *m) {
    parity_buf *b = &r->out;
    parity__buf_puts(b, r->n_items ? "\n]" : "]");
    junpaired(b, "only_in_ref", m, 0);
    junpaired(b, "only_in_port", m, 1);
    parity__buf_printf(b, ",\"summary\":{\"tensors\":%llu", (unsigned long long)r->n_items);
    ju64(b, "match", r->counts[PARITY_MATCH]);
    ju64(b, "small_diff", r->counts[PARITY_SMALL_DIFF]);
    ju64(b, "large_diff", r->counts[PARITY_LARGE_DIFF]);
    ju64(b, "only_in_ref", m ? parity_match_unpaired_count(m, 0) : 0);
    ju64(b, "only_in_port", m ? parity_match_unpaired_count(m, 1) : 0);
    parity__buf_puts(b, "}}\n");
}

/* info: {"parity":"info","version":..,"sets":[{..,"tensors":[..]},..]} */
static void json_info_begin(parity_report *r, const parity_set *s) {
    parity_buf *b = &r->out;
    if (r->n_sets == 0)
        parity__buf_puts(b, "{\"parity\":\"info\",\"version\":\"" PARITY_VERSION "\",\"sets\":[\n");
    else
        parity__buf_puts(b, "\n]},\n");
    parity__buf_puts(b, "{\"path\":");
    parity__buf_json_str(b, parity_set_path(s));
    jstr(b, "order", parity__order_token(parity_set_order_source(s)));
    ju64(b, "count", parity_set_count(s));
    parity__buf_puts(b, ",\"metadata\":{");
    for (size_t i = 0; i < parity_set_meta_count(s); i++) {
        const char *k = NULL, *v = NULL;
        if (parity_set_meta(s, i, &k, &v) != PARITY_OK) continue;
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, k);
        parity__buf_puts(b, ":");
        parity__buf_json_str(b, v);
    }
    parity__buf_puts(b, "},\"tensors\":[");
}

static void json_info_tensor(parity_report *r, const parity_tensor *t,
                             const parity_stats *st) {
    parity_buf *b = &r->out;
    parity__buf_puts(b, r->n_in_set ? ",\n{\"name\":" : "\n{\"name\":");
    parity__buf_json_str(b, t->name);
    jbool(b, "is_input", t->is_input);
    parity__buf_puts(b, ",\"stats\":");
    jstats(b, t, st);
    parity__buf_puts(b, "}");
}

static void json_info_end(parity_report *r) {
    if (r->n_sets == 0)
        parity__buf_puts(&r->out, "{\"parity\":\"info\",\"version\":\"" PARITY_VERSION "\",\"sets\":[]}\n");
    else
        parity__buf_puts(&r->out, "\n]}\n]}\n");
}

const parity__renderer parity__render_json = {
    json_diff_begin, json_diff_item, json_diff_end,
    json_info_begin, json_info_tensor, json_info_end,
};
