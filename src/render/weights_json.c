/*
 * weights_json.c — parity weights as one JSON document (docs/json-schema.md,
 * "parity weights"): every number at full precision as render/emit.h
 * writes them, one weight per line.
 */
#include "render/emit.h"
#include "render/weights_impl.h"

static const char *kind_token(parity_pair_kind k) {
    switch (k) {
    case PARITY_PAIR_FLOAT: return "float";
    case PARITY_PAIR_INT: return "int";
    case PARITY_PAIR_SEQUENCE: return "sequence";
    case PARITY_PAIR_OVERLAP: return "overlap";
    case PARITY_PAIR_SHAPES: break;
    }
    return "shapes";
}

static void jvalues(parity_buf *b, const char *key, const double (*v)[PARITY_WEIGHT_VALUES],
                    int n) {
    parity__buf_printf(b, ",\"%s\":{\"ref\":[", key);
    for (int i = 0; i < n; i++) parity__json_elem(b, i != 0, v[0][i]);
    parity__buf_puts(b, "],\"port\":[");
    for (int i = 0; i < n; i++) parity__json_elem(b, i != 0, v[1][i]);
    parity__buf_puts(b, "]}");
}

static void jfused(parity_buf *b, const parity_weight *w) {
    parity__buf_puts(b, ",\"fused\":");
    if (!w->fused) {
        parity__buf_puts(b, "null");
        return;
    }
    parity__buf_printf(b, "{\"side\":\"%s\"", w->fused_side ? "port" : "ref");
    parity__json_str(b, "tensor", w->fused->name);
    parity__json_shape(b, "shape", w->fused);
    parity__buf_printf(b, ",\"axis\":%d,\"part\":%d,\"parts\":%d,\"start\":%lld,\"stop\":%lld}",
                       w->fused_axis, w->fused_part, w->fused_parts, (long long)w->fused_start,
                       (long long)w->fused_stop);
}

static void jfinding(parity_buf *b, const parity_weight *w) {
    parity__json_str(b, "finding", parity__weights_finding_token(w->finding));
    parity__json_str(b, "text", w->text);
    parity__json_str(b, "rounded_to",
                     w->finding == PARITY_WF_ROUNDED ? parity_dtype_name(w->rounded_to) : NULL);
    parity__json_u64(b, "n_overflow", w->n_overflow);
    parity__json_u64(b, "quant_blocks", w->quant_blocks);
    parity__json_u64(b, "quant_bad", w->quant_bad);
    parity__json_u64(b, "rows_moved", w->rows_moved);
}

static void jweight(parity_report *r, const parity_weight *w, int first) {
    parity_buf *b = &r->out;
    const parity_pair *p = &w->pair;
    parity__buf_puts(b, first ? "\n{\"name\":" : ",\n{\"name\":");
    parity__buf_json_str(b, p->ref->name);
    parity__json_str(b, "port_name", p->port->name);
    parity__json_str(b, "match", parity__weights_how(w));
    parity__json_str(b, "kind", kind_token(w->cmp.kind));
    parity__json_str(b, "verdict", parity_verdict_str(w->cmp.verdict));
    jfinding(b, w);
    parity__json_str(b, "layout", w->layout);
    parity__json_str(b, "align", p->layout_ok ? p->layout : NULL);
    jfused(b, w);
    if (w->rope_head)
        parity__buf_printf(b, ",\"rope\":{\"head\":%lld,\"port\":\"%s\"}", (long long)w->rope_head,
                           w->rope_port_interleaved ? "interleaved" : "half-split");
    else
        parity__buf_puts(b, ",\"rope\":null");
    parity__buf_puts(b, ",\"ref\":");
    parity__json_stats(b, p->ref, &p->ref_view, &w->cmp.diff.ref);
    parity__buf_puts(b, ",\"port\":");
    parity__json_stats(b, p->port, &p->port_view, &w->cmp.diff.port);
    parity__json_shape(b, "view_shape", &p->ref_view);
    jvalues(b, "first", w->first, w->n_first);
    jvalues(b, "last", w->last, w->n_last);
    if (w->cmp.kind == PARITY_PAIR_FLOAT) parity__json_metrics(b, &w->cmp.diff, &p->ref_view);
    if (w->cmp.kind == PARITY_PAIR_INT || w->cmp.kind == PARITY_PAIR_SEQUENCE) {
        parity__buf_printf(b, ",\"ints\":{\"equal\":%s", w->cmp.ints.equal ? "true" : "false");
        parity__json_u64(b, "n_compared", w->cmp.ints.n_compared);
        parity__json_u64(b, "n_differ", w->cmp.ints.n_differ);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "}");
}

static void jonly(parity_buf *b, const char *key, const parity_weights *w, int side) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < parity_weights_only_count(w, side); i++) {
        const parity_tensor *t = parity_weights_only(w, side, i);
        parity__buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        parity__buf_json_str(b, t->name);
        parity__json_str(b, "dtype", parity_dtype_name(t->dtype));
        parity__json_shape(b, "shape", t);
        const parity_tensor *c = parity_weights_only_copy(w, side, i);
        parity__json_str(b, "identical_to", c ? c->name : NULL);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

static void jties(parity_buf *b, const parity_weights *w) {
    parity__buf_puts(b, ",\"tied\":[");
    for (size_t i = 0; i < parity_weights_tie_count(w); i++) {
        const parity_weight_tie *t = parity_weights_tie(w, i);
        parity__buf_printf(b, "%s{\"side\":\"%s\"", i ? "," : "", t->side ? "port" : "ref");
        parity__json_str(b, "name", t->b->name);
        parity__json_str(b, "same_as", t->a->name);
        parity__json_bool(b, "same_storage", t->same_storage);
        parity__json_str(b, "not_missing", t->accounted ? t->accounted->name : NULL);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

static void jgroups(parity_buf *b, const parity_weights *w) {
    parity__buf_puts(b, ",\"groups\":[");
    for (size_t i = 0; i < parity_weights_group_count(w); i++) {
        const parity_weight_group *g = parity_weights_group(w, i);
        parity__buf_puts(b, i ? ",{\"prefix\":" : "{\"prefix\":");
        parity__buf_json_str(b, g->prefix);
        parity__json_u64(b, "compared", g->compared);
        parity__json_u64(b, "match", g->counts[PARITY_MATCH]);
        parity__json_u64(b, "small_diff", g->counts[PARITY_SMALL_DIFF]);
        parity__json_u64(b, "large_diff", g->counts[PARITY_LARGE_DIFF]);
        parity__json_u64(b, "only_in_ref", g->only[0]);
        parity__json_u64(b, "only_in_port", g->only[1]);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

static void jsummary(parity_buf *b, const parity_weights *w) {
    const parity_weights_summary *s = parity_weights_summary_of(w);
    parity__buf_printf(b, ",\"summary\":{\"ref_weights\":%zu", s->ref_weights);
    parity__json_u64(b, "compared", s->compared);
    parity__json_u64(b, "match", s->counts[PARITY_MATCH]);
    parity__json_u64(b, "small_diff", s->counts[PARITY_SMALL_DIFF]);
    parity__json_u64(b, "large_diff", s->counts[PARITY_LARGE_DIFF]);
    parity__json_u64(b, "only_in_ref", s->only[0]);
    parity__json_u64(b, "only_in_port", s->only[1]);
    parity__json_u64(b, "tied_ref", s->tied[0]);
    parity__json_u64(b, "tied_port", s->tied[1]);
    parity__json_u64(b, "fused_ref", s->fused[0]);
    parity__json_u64(b, "fused_port", s->fused[1]);
    parity__json_u64(b, "ref_tensors", s->total[0]);
    parity__json_u64(b, "port_tensors", s->total[1]);
    parity__json_bool(b, "differs", parity_weights_differs(w));
    parity__buf_puts(b, "}");
}

void parity__weights_json(parity_report *r, const parity_weights *w, const char *ref,
                          const char *port) {
    parity_buf *b = &r->out;
    const parity_diff_opts *o = &r->o.diff;
    parity__buf_puts(b, "{\"parity\":\"weights\",\"version\":\"" PARITY_VERSION "\"");
    for (int s = 0; s < 2; s++) {
        parity__buf_printf(b, ",\"%s\":{\"path\":", s ? "port" : "ref");
        parity__buf_json_str(b, (s ? port : ref) ? (s ? port : ref) : "");
        parity__json_str(b, "label", parity__label(r, s));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, ",\"options\":{\"atol\":");
    parity__buf_printf(b, "%.17g", o->atol);
    parity__json_num(b, "rtol", o->rtol);
    parity__json_num(b, "match_tol", o->match_tol);
    parity__json_num(b, "small_tol", o->small_tol);
    parity__buf_puts(b, "},\"weights\":[");
    for (size_t i = 0; i < parity_weights_count(w); i++)
        jweight(r, parity_weights_at(w, i), i == 0);
    parity__buf_puts(b, parity_weights_count(w) ? "\n]" : "]");
    jonly(b, "only_in_ref", w, 0);
    jonly(b, "only_in_port", w, 1);
    jties(b, w);
    jgroups(b, w);
    jsummary(b, w);
    parity__buf_puts(b, "}\n");
}
