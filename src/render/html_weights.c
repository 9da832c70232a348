/*
 * html_weights.c — the report's Weights section (parity report --weights
 * REFW PORTW): the comparison parity weights makes (parity_weights_run,
 * with the report's pairing and thresholds), so the page and the text
 * agree: every weight with its shapes, layout, relative error, verdict and
 * finding, the names found on one side only, the tied names and the
 * summary sentence (weights_lines.c).
 */
#include "render/html_impl.h"
#include "render/weights_impl.h"

#include <math.h>
#include <string.h>

static void weights_row(parity_buf *b, const parity_weight *w) {
    char s0[256], s1[256];
    const parity_pair *p = &w->pair;
    const char *other = parity__weights_port_name(w);
    parity__buf_puts(b, "<tr><td class=\"name\"><code>");
    parity__buf_html(b, p->ref->name);
    parity__buf_puts(b, "</code>");
    if (other) {
        parity__buf_puts(b, " &larr; <code>");
        parity__buf_html(b, other);
        parity__buf_puts(b, "</code>");
    }
    parity__buf_printf(b, "</td><td>%s %s</td><td>%s %s</td><td>", parity_dtype_name(p->ref->dtype),
                       parity_shape_str(p->ref, s0, sizeof s0), parity_dtype_name(p->port->dtype),
                       parity_shape_str(p->port, s1, sizeof s1));
    parity__buf_html(b, p->layout_ok ? w->layout : "irreconcilable");
    parity__buf_puts(b, "</td>");
    int metrics = w->cmp.kind == PARITY_PAIR_FLOAT || w->cmp.kind == PARITY_PAIR_INT;
    parity__html_num(b, metrics ? w->cmp.diff.relative : p->layout_ok ? NAN : INFINITY);
    parity__html_num(b, metrics ? w->cmp.diff.abs_max : NAN);
    parity__buf_printf(b, "<td data-value=\"%d\">", (int)w->cmp.verdict);
    parity__html_verdict(b, w->cmp.verdict);
    parity__buf_printf(b, "</td><td class=\"finding\" data-finding=\"%s\">",
                       parity__weights_finding_token(w->finding));
    parity__buf_html(b, w->text);
    parity__buf_puts(b, "</td></tr>\n");
}

/* A sentence of weights_lines.c, made safe for HTML, in <p class=cls>. */
static void sentence(const parity__html *h, const char *cls, const parity_buf *s) {
    parity__buf_printf(h->b, "<p class=\"%s\">", cls);
    parity__buf_html(h->b, s->data ? s->data : "");
    parity__buf_puts(h->b, "</p>\n");
}

static void only_in(const parity__html *h, const parity_weights *w, int side) {
    size_t n = parity_weights_only_count(w, side);
    if (!n) return;
    parity__buf_puts(h->b, "<p class=\"only-in\">Only in ");
    parity__buf_html(h->b, h->labels[side ? 1 : 0]);
    parity__buf_printf(h->b, " (%zu): ", n);
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(h->b, i ? ", <code>" : "<code>");
        parity__buf_html(h->b, parity_weights_only(w, side, i)->name);
        parity__buf_puts(h->b, "</code>");
    }
    parity__buf_puts(h->b, "</p>\n");
    parity_buf s = {0};
    for (size_t i = 0; i < n; i++) {
        if (!parity_weights_only_copy(w, side, i)) continue;
        s.len = 0;
        parity__buf_puts(&s, "Note: ");
        parity__weights_copy_line(&s, h->labels, w, side, i, 0);
        sentence(h, "only-in", &s);
    }
    if (s.oom) h->b->oom = 1;
    parity__buf_free(&s);
}

static void names(const parity__html *h, const parity_weights *w) {
    parity_buf s = {0};
    for (size_t i = 0; i < parity_weights_tie_count(w); i++) {
        s.len = 0;
        parity__buf_puts(&s, "Tied: ");
        parity__weights_tie_line(&s, h->labels, parity_weights_tie(w, i), 0);
        sentence(h, "tied", &s);
    }
    only_in(h, w, 0);
    only_in(h, w, 1);
    s.len = 0;
    parity__weights_summary_line(&s, h->labels, w);
    sentence(h, "weights-summary", &s);
    if (s.oom) h->b->oom = 1;
    parity__buf_free(&s);
}

static void weights_table(const parity__html *h, const parity_weights *w) {
    parity_buf *b = h->b;
    parity__buf_puts(b, "<div class=\"tablewrap\"><table class=\"sortable\" id=\"weights-table\">"
                        "<thead><tr><th scope=\"col\" class=\"name\"><button type=\"button\">tensor"
                        "</button></th><th scope=\"col\">");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, "</th><th scope=\"col\">");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(
        b, "</th><th scope=\"col\">layout</th><th scope=\"col\"><button type=\"button\">relative"
           "</button></th><th scope=\"col\"><button type=\"button\">abs_max</button></th>"
           "<th scope=\"col\"><button type=\"button\">verdict</button></th>"
           "<th scope=\"col\">finding</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < parity_weights_count(w); i++) weights_row(b, parity_weights_at(w, i));
    parity__buf_puts(b, "</tbody></table></div>\n");
}

parity_status parity__html_weights(const parity__html *h, parity_error *err) {
    if (!h->o->weights[0] || !h->o->weights[1]) return PARITY_OK;
    parity_weights_opts wo = parity_weights_opts_default();
    wo.match = h->o->weights_match;
    wo.diff = h->o->weights_diff;
    parity_weights *w = NULL;
    TRY(parity_weights_run(h->o->weights[0], h->o->weights[1], &wo, &w, err));
    parity__buf_puts(h->b,
                     "<section id=\"weights\" aria-labelledby=\"weights-h\"><h2 id=\"weights-h\">"
                     "Weights</h2>\n<p class=\"muted\"><code>");
    parity__buf_html(h->b, parity_set_path(h->o->weights[0]));
    parity__buf_puts(h->b, "</code> against <code>");
    parity__buf_html(h->b, parity_set_path(h->o->weights[1]));
    parity__buf_puts(h->b, "</code> (as <code>parity weights</code> compares them)</p>\n");
    names(h, w);
    weights_table(h, w);
    parity__buf_puts(h->b, "</section>\n");
    parity_weights_free(w);
    return PARITY_OK;
}
