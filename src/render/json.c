/*
 * json.c — reports as JSON, every metric at full precision; numbers,
 * including the non-finite ones, are written as render/emit.h says. The
 * schema is docs/diff.schema.json, described in
 * docs/json-schema.md. One tensor per line, so the output streams and
 * greps; the document is complete only after the closing chunk.
 */
#include "render/emit.h"
#include "render/report_impl.h"


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
        parity__json_array(b, "mean_diff", p->mean_diff, p->len);
        if (dbu != 0) {
            parity__buf_puts(b, ",\"mean_db\":[");
            for (int64_t i = 0; i < p->len; i++) parity__json_elem(b, i != 0, p->mean_diff[i] * dbu);
            parity__buf_puts(b, "]");
        }
        parity__json_array(b, "abs_mean", p->abs_mean, p->len);
        parity__json_array(b, "rmse", p->rmse, p->len);
        parity__json_array(b, "relative", p->relative, p->len);
        parity__json_array(b, "abs_max", p->abs_max, p->len);
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

static void put_ints(parity_buf *b, const parity_report_item *it) {
    const parity_int_cmp *c = it->ints;
    parity__buf_printf(b, ",\"ints\":{\"equal\":%s", c->equal ? "true" : "false");
    parity__json_bool(b, "sequence", c->sequence);
    parity__json_u64(b, "ref_len", c->ref_len);
    parity__json_u64(b, "port_len", c->port_len);
    parity__json_u64(b, "n_compared", c->n_compared);
    parity__json_u64(b, "n_differ", c->n_differ);
    if (!c->equal) {
        parity__json_u64(b, "first", c->first);
        if (!c->sequence) parity__json_index(b, "first_index", &it->pair->ref_view, c->first);
        jint_at(b, "first_ref", c->first_ref, c->ref_unsigned, c->first < c->ref_len);
        jint_at(b, "first_port", c->first_port, c->port_unsigned, c->first < c->port_len);
        parity__json_u64(b, "window_first", c->win_first);
        jint_array(b, "window_ref", c->win_ref, c->win_ref_len, c->ref_unsigned);
        jint_array(b, "window_port", c->win_port, c->win_port_len, c->port_unsigned);
    }
    parity__json_bool(b, "ref_float", c->ref_float);
    parity__json_bool(b, "port_float", c->port_float);
    if (c->sequence) {
        parity__json_u64(b, "total_hunks", c->total_hunks);
        parity__buf_puts(b, ",\"hunks\":[");
        for (size_t i = 0; i < c->n_hunks; i++) {
            const parity_int_hunk *h = &c->hunks[i];
            parity__buf_printf(b, "%s{\"op\":\"%s\"", i ? "," : "",
                               h->port_n == 0 ? "drop" : h->ref_n == 0 ? "insert" : "replace");
            parity__json_u64(b, "ref_at", h->ref_at);
            parity__json_u64(b, "ref_n", h->ref_n);
            parity__json_u64(b, "port_at", h->port_at);
            parity__json_u64(b, "port_n", h->port_n);
            jint_array(b, "ref_values", h->ref_vals,
                       (int)(h->ref_n < PARITY_INT_HUNK_VALUES ? h->ref_n : PARITY_INT_HUNK_VALUES),
                       c->ref_unsigned);
            jint_array(b, "port_values", h->port_vals,
                       (int)(h->port_n < PARITY_INT_HUNK_VALUES ? h->port_n : PARITY_INT_HUNK_VALUES),
                       c->port_unsigned);
            parity__buf_puts(b, "}");
        }
        parity__buf_puts(b, "]");
    }
    parity__buf_puts(b, "}");
}

/* ,"overlap":{...}: how two lengths along one axis relate. */
static void put_overlap(parity_buf *b, const parity_overlap *o) {
    static const char *how[3] = {"none", "prefix", "shifted"};
    parity__buf_printf(b, ",\"overlap\":{\"how\":\"%s\",\"axis\":%d", how[o->how % 3], o->axis);
    parity__buf_printf(b, ",\"ref_len\":%lld,\"port_len\":%lld,\"lag\":%lld,\"len\":%lld}",
                       (long long)o->ref_len, (long long)o->port_len, (long long)o->lag,
                       (long long)o->len);
}

static const char *kind_name(parity__item_kind k) {
    static const char *names[] = {"float", "int", "shape", "overlap"};
    return (unsigned)k < 4 ? names[k] : "?";
}

/* ,"state":{...}: what parity merge reads back (docs/json-schema.md). */
static void jstate(parity_buf *b, const parity_report_item *it) {
    if (!it->cmp || !it->diff->state) return;
    parity__buf_puts(b, ",\"state\":");
    parity__comparison_state(b, it->pair, it->cmp);
}

/* One pair of a part: its index in the run, its share, its state. */
static void json_part_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    const parity_part_pair *pp = it->part;
    parity__buf_printf(b, "%s{\"index\":%zu,\"name\":", r->n_items ? ",\n" : "\n",
                       pp ? pp->pair : (size_t)r->n_items);
    parity__buf_json_str(b, it->pair->ref->name);
    if (!pp || pp->whole)
        parity__buf_puts(b, ",\"whole\":true");
    else
        parity__buf_printf(b, ",\"range\":[%llu,%llu]", (unsigned long long)pp->first,
                           (unsigned long long)pp->end);
    jstate(b, it);
    parity__buf_puts(b, "}");
}

static void json_diff_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    if (r->o.slice) {
        json_part_item(r, it);
        return;
    }
    parity__item_kind kind = parity__item_kind_of(it);
    parity__buf_puts(b, r->n_items ? ",\n{\"name\":" : "\n{\"name\":");
    parity__buf_json_str(b, it->pair->ref->name);
    parity__json_str(b, "port_name", it->pair->port->name);
    parity__json_str(b, "match", parity__match_how_name(it->pair->how));
    parity__json_str(b, "kind", kind_name(kind));
    parity__json_bool(b, "layout_ok", it->pair->layout_ok);
    parity__json_str(b, "layout", it->pair->layout);
    parity__json_bool(b, "dtype_differs", it->pair->ref->dtype != it->pair->port->dtype);
    parity__json_str(b, "verdict", parity_verdict_str(it->verdict));
    parity__buf_puts(b, ",\"ref\":");
    parity__json_stats(b, it->pair->ref, parity__item_side_view(it, 0), &it->diff->ref);
    parity__buf_puts(b, ",\"port\":");
    parity__json_stats(b, it->pair->port, parity__item_side_view(it, 1), &it->diff->port);
    /* integers aligned have metrics too (through doubles: equality decides) */
    if (kind == PARITY__ITEM_FLOAT || kind == PARITY__ITEM_OVERLAP ||
        (kind == PARITY__ITEM_INT && it->pair->layout_ok))
        parity__json_metrics(b, it->diff, parity__item_view(it));
    if (kind == PARITY__ITEM_FLOAT) {
        jaxes(r, it->diff);
        jnotes(r, it->pair);
    }
    if (kind == PARITY__ITEM_OVERLAP) put_overlap(b, &it->cmp->overlap);
    if (it->cmp && it->cmp->same_values) parity__json_bool(b, "same_values", 1);
    if (kind == PARITY__ITEM_INT) put_ints(b, it);
    jstate(b, it);
    parity__buf_puts(b, "}");
}

static void json_diff_begin(parity_report *r, const char *ref, const char *port,
                            const parity_match *m) {
    (void)m;
    parity_buf *b = &r->out;
    const parity_diff_opts *o = &r->o.diff;
    const parity_slice *sl = r->o.slice;
    parity__buf_printf(b, "{\"parity\":\"%s\",\"version\":\"" PARITY_VERSION "\"",
                       sl ? "diff-part" : "diff");
    if (sl)
        parity__buf_printf(b, ",\"slice\":{\"k\":%u,\"n\":%u,\"pairs\":%zu,\"weight\":%llu,"
                           "\"digest\":\"%016llx\"}", sl->k, sl->n, sl->pairs,
                           (unsigned long long)sl->weight, (unsigned long long)sl->digest);
    for (int s = 0; s < 2; s++) {
        parity__buf_printf(b, ",\"%s\":{\"path\":", s ? "port" : "ref");
        parity__buf_json_str(b, (s ? port : ref) ? (s ? port : ref) : "");
        parity__json_str(b, "label", parity__label(r, s));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, ",\"options\":{\"domain\":");
    parity__buf_json_str(b, parity_domain_name(o->domain));
    parity__json_num(b, "atol", o->atol);
    parity__json_num(b, "rtol", o->rtol);
    parity__json_num(b, "match_tol", o->match_tol);
    parity__json_num(b, "small_tol", o->small_tol);
    parity__json_num(b, "max_db", o->max_db);
    parity__buf_puts(b, ",\"axes\":[");
    for (int k = 0; k < o->n_axes && k < 4; k++) parity__buf_printf(b, "%s%d", k ? "," : "", o->axes[k]);
    parity__buf_puts(b, "]},\"tensors\":[");
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
    if (r->o.slice) { /* a part knows no verdicts */
        parity__json_coverage(b, m);
        parity__buf_puts(b, "}\n");
        return;
    }
    parity__buf_printf(b, ",\"summary\":{\"tensors\":%llu", (unsigned long long)r->n_items);
    parity__json_u64(b, "match", r->counts[PARITY_MATCH]);
    parity__json_u64(b, "small_diff", r->counts[PARITY_SMALL_DIFF]);
    parity__json_u64(b, "large_diff", r->counts[PARITY_LARGE_DIFF]);
    parity__json_u64(b, "only_in_ref", m ? parity_match_unpaired_count(m, 0) : 0);
    parity__json_u64(b, "only_in_port", m ? parity_match_unpaired_count(m, 1) : 0);
    parity__buf_puts(b, "}");
    parity__json_coverage(b, m);
    parity__buf_puts(b, "}\n");
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
    parity__json_str(b, "order", parity__order_token(parity_set_order_source(s)));
    parity__json_u64(b, "count", parity_set_count(s));
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
    parity__json_bool(b, "is_input", t->is_input);
    parity__json_bool(b, "fortran_order", parity_tensor_fortran_order(t));
    if (t->alias_of) parity__json_str(b, "alias_of", t->alias_of);
    parity__buf_puts(b, ",\"stats\":");
    parity__json_stats(b, t, NULL, st);
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
