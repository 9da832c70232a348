/*
 * same.c — the report of parity same, as text or JSON.
 *
 * Text, one line per compared tensor, then the summary and what is only on
 * one side:
 *   x: 1 of 1000 elements differ (1 bit); first at [0, 3]: 0.5 vs 0.50000000000000011
 *   y: identical
 *   z: F32 [1, 4] vs F16 [1, 4]
 *   3 tensors: 1 identical, 2 different
 *   only in A: w
 * -q: "x: DIFFERENT", "y: identical", "w: only in A".
 * JSON: {"parity":"same","a":{"path","label"},"b":{...},
 *        "tensors":[{"name","dtype","shape","b_dtype","b_shape","comparable",
 *                    "identical","count","n_differ","bits","first",
 *                    "first_index","a_value","b_value"}],
 *        "only_in_a":[names],"only_in_b":[names],
 *        "summary":{"tensors","identical","different","unpaired"}}
 * values at full precision (%.17g).
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <string.h>

static const char *same_label(const parity_report *r, int side) {
    const char *l = r->o.labels[side ? 1 : 0];
    return l && *l ? l : side ? "B" : "A";
}

static int item_differs(const parity_same_item *it) {
    return !it->comparable || it->n_differ > 0;
}

static void text_item(parity_report *r, const parity_same_item *it) {
    parity_buf *b = &r->out;
    char sa[512], sb[512];
    parity__emit_text(b, it->a->name);
    if (r->o.quiet || (it->comparable && !it->n_differ)) {
        parity__buf_printf(b, ": %s\n", item_differs(it) ? "DIFFERENT" : "identical");
        return;
    }
    if (!it->comparable) {
        parity__buf_printf(b, ": %s %s vs %s %s\n", parity_dtype_name(it->a->dtype),
                           parity_shape_str(it->a, sa, sizeof sa),
                           parity_dtype_name(it->b->dtype),
                           parity_shape_str(it->b, sb, sizeof sb));
        return;
    }
    parity__buf_printf(b, ": %llu of %llu %s differ (%llu bit%s); first at ",
                       (unsigned long long)it->n_differ,
                       (unsigned long long)(it->a->count / (uint64_t)it->block),
                       it->block > 1 ? "blocks" : "elements", (unsigned long long)it->bits,
                       it->bits == 1 ? "" : "s");
    parity__buf_index(b, it->a, it->first);
    parity__buf_printf(b, ": %.17g vs %.17g\n", it->a_value, it->b_value);
}

static void text_only(parity_report *r, const parity_same *s, int side) {
    parity_buf *b = &r->out;
    size_t n = parity_same_only_count(s, side);
    for (size_t i = 0; i < n; i++) {
        const char *name = parity_same_only(s, side, i)->name;
        if (r->o.quiet) {
            parity__emit_text(b, name);
            parity__buf_printf(b, ": only in %s\n", same_label(r, side));
            continue;
        }
        if (i == 0) parity__buf_printf(b, "only in %s: ", same_label(r, side));
        else parity__buf_puts(b, ", ");
        parity__emit_text(b, name);
    }
    if (n && !r->o.quiet) parity__buf_puts(b, "\n");
}

/* What same compared: pairs by exact name, the others only in one run. */
static parity_coverage coverage_of(const parity_same *s) {
    parity_coverage c;
    memset(&c, 0, sizeof c);
    c.compared = parity_same_count(s);
    c.only[0] = parity_same_only_count(s, 0);
    c.only[1] = parity_same_only_count(s, 1);
    c.total = c.compared + c.only[0] + c.only[1];
    return c;
}

/* Up to four names of one run's tensors without a namesake. */
static void some_only(parity_buf *b, const parity_same *s, int side) {
    size_t n = parity_same_only_count(s, side);
    for (size_t i = 0; i < n && i < 4; i++) {
        parity__buf_puts(b, i ? ", " : "");
        parity__emit_text(b, parity_same_only(s, side, i)->name);
    }
    parity__buf_puts(b, n > 4 ? ", ..." : n ? "" : "none");
}

static void render_text(parity_report *r, const parity_same *s) {
    uint64_t n = parity_same_count(s), differ = 0;
    parity_coverage c = coverage_of(s);
    if (n == 0) { /* nothing compared: the first line says so */
        parity__buf_coverage(&r->out, r, &c, "tensor", 0);
        parity__buf_printf(&r->out, ": no tensor name of %s is one of %s (%s: ", same_label(r, 1),
                           same_label(r, 0), same_label(r, 0));
        some_only(&r->out, s, 0);
        parity__buf_printf(&r->out, "; %s: ", same_label(r, 1));
        some_only(&r->out, s, 1);
        parity__buf_puts(&r->out, "); same pairs two runs of one side by exact name\n");
    }
    for (size_t i = 0; i < n; i++) {
        const parity_same_item *it = parity_same_at(s, i);
        differ += (uint64_t)item_differs(it);
        text_item(r, it);
    }
    if (n) {
        parity__buf_coverage(&r->out, r, &c, "tensor", 0);
        parity__buf_printf(&r->out, ": %llu identical, %llu different\n",
                           (unsigned long long)(n - differ), (unsigned long long)differ);
    }
    text_only(r, s, 0);
    text_only(r, s, 1);
}

static void json_item(parity_buf *b, const parity_same_item *it) {
    parity__buf_puts(b, "{\"name\":");
    parity__buf_json_str(b, it->a->name);
    parity__json_str(b, "dtype", parity_dtype_name(it->a->dtype));
    parity__json_shape(b, "shape", it->a);
    parity__json_str(b, "b_dtype", parity_dtype_name(it->b->dtype));
    parity__json_shape(b, "b_shape", it->b);
    parity__json_bool(b, "comparable", it->comparable);
    parity__json_bool(b, "identical", !item_differs(it));
    parity__json_u64(b, "count", it->a->count);
    if (it->comparable) {
        parity__json_u64(b, "block", (uint64_t)it->block);
        parity__json_u64(b, "n_differ", it->n_differ);
        parity__json_u64(b, "bits", it->bits);
    }
    if (it->comparable && it->n_differ) {
        parity__json_u64(b, "first", it->first);
        parity__json_index(b, "first_index", it->a, it->first);
        parity__json_num(b, "a_value", it->a_value);
        parity__json_num(b, "b_value", it->b_value);
    }
    parity__buf_puts(b, "}");
}

static void json_only(parity_buf *b, const parity_same *s, int side) {
    parity__buf_printf(b, ",\n\"only_in_%s\":[", side ? "b" : "a");
    for (size_t i = 0; i < parity_same_only_count(s, side); i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, parity_same_only(s, side, i)->name);
    }
    parity__buf_puts(b, "]");
}

static void json_side(parity_report *r, int side, const char *path) {
    parity__buf_printf(&r->out, "\"%s\":{\"path\":", side ? "b" : "a");
    parity__buf_json_str(&r->out, path ? path : "");
    parity__json_str(&r->out, "label", same_label(r, side));
    parity__buf_puts(&r->out, "}");
}

static void render_json(parity_report *r, const parity_same *s, const char *a, const char *b) {
    parity_buf *o = &r->out;
    uint64_t n = parity_same_count(s), differ = 0;
    parity__buf_printf(o, "{\"parity\":\"same\",\"version\":\"%s\",", PARITY_VERSION);
    json_side(r, 0, a);
    parity__buf_puts(o, ",");
    json_side(r, 1, b);
    parity__buf_puts(o, ",\n\"tensors\":[");
    for (size_t i = 0; i < n; i++) {
        const parity_same_item *it = parity_same_at(s, i);
        differ += (uint64_t)item_differs(it);
        parity__buf_puts(o, i ? ",\n" : "\n");
        json_item(o, it);
    }
    parity__buf_puts(o, "]");
    json_only(o, s, 0);
    json_only(o, s, 1);
    parity__buf_printf(o, ",\n\"summary\":{\"tensors\":%llu,\"identical\":%llu,"
                          "\"different\":%llu,\"unpaired\":%llu}",
                       (unsigned long long)n, (unsigned long long)(n - differ),
                       (unsigned long long)differ,
                       (unsigned long long)(parity_same_only_count(s, 0) +
                                            parity_same_only_count(s, 1)));
    parity_coverage c = coverage_of(s);
    parity__buf_printf(o, ",\n\"coverage\":{\"compared\":%zu,\"total\":%zu", c.compared,
                       c.total);
    parity__json_u64(o, "only_in_a", c.only[0]);
    parity__json_u64(o, "only_in_b", c.only[1]);
    parity__json_bool(o, "nothing_compared", c.compared == 0);
    parity__buf_puts(o, "}}\n");
}

const char *parity_report_same(parity_report *r, const parity_same *s,
                               const char *a_path, const char *b_path) {
    parity__chunk_reset(r);
    if (!r->o.labels[0] || !r->o.labels[0][0]) r->o.labels[0] = "A"; /* runs, not ref/port */
    if (!r->o.labels[1] || !r->o.labels[1][0]) r->o.labels[1] = "B";
    if (r->o.format == PARITY_FORMAT_JSON) render_json(r, s, a_path, b_path);
    else render_text(r, s);
    return parity__chunk_done(r);
}
