/*
 * html_extra.c — the report's explain section (the ranked hypotheses of
 * parity explain for every stage that has a card) and the optional
 * comparison of two weight checkpoints (every paired tensor with its
 * relative error and verdict, and the names found on one side only).
 */
#include "render/html_impl.h"

#include <math.h>
#include <string.h>

static void hypothesis_row(parity_buf *b, size_t rank, const parity_hypothesis *hy) {
    parity__buf_printf(b, "<tr><td>%zu</td><td>%s</td><td class=\"name\">", rank,
                       parity_hyp_kind_name(hy->kind));
    parity__buf_html(b, hy->text);
    parity__buf_puts(b, "</td>");
    parity__html_num(b, hy->explained);
    parity__html_num(b, hy->residual_rel);
    parity__buf_puts(b, "</tr>\n");
}

/* Ranked hypotheses of one stage: explained = 1 - |p - T(r)|^2 / |p - r|^2. */
static void explain_stage(const parity__html *h, size_t i, const parity_explain_result *x) {
    parity_buf *b = h->b;
    parity__buf_printf(b, "<h3 id=\"explain-%zu\"><a href=\"#card-%zu\"><code>", i + 1, i + 1);
    parity__buf_html(b, parity__html_name(h, i));
    parity__buf_puts(b, "</code></a></h3>\n");
    if (x->alignment[0]) { /* the matcher's alignment: a note, not a hypothesis */
        parity__buf_puts(b, "<p class=\"note\">");
        parity__buf_html(b, x->alignment);
        parity__buf_puts(b, "</p>\n");
    }
    if (x->identical && !x->n && !x->alignment[0]) {
        parity__buf_puts(b, "<p>The two sides are identical at every finite element.</p>\n");
        return;
    }
    if (x->n) {
        parity__buf_printf(b, "<table class=\"explain\" data-stage=\"");
        parity__buf_html(b, parity__html_name(h, i));
        parity__buf_puts(b, "\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">kind</th><th "
                            "scope=\"col\" class=\"name\">hypothesis</th><th scope=\"col\">explained"
                            "</th><th scope=\"col\">residual relative</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < x->n; k++) hypothesis_row(b, k + 1, &x->h[k]);
        parity__buf_puts(b, "</tbody></table>\n");
    }
    if (x->identical) {
        parity__buf_puts(b, "<p>No difference after the alignment.</p>\n");
        return;
    }
    if (!x->none_explains) return;
    parity__buf_puts(b, "<p class=\"none-explains\">No simple transformation explains the "
                        "difference.");
    if (x->best_weak.text[0]) {
        parity__buf_puts(b, " The closest candidate: ");
        parity__buf_html(b, x->best_weak.text);
        parity__buf_printf(b, " (explains %.3g%%).", 100 * x->best_weak.explained);
    }
    if (x->uncorrelated && isfinite(x->pcc))
        parity__buf_printf(b, " The port looks uncorrelated with the reference (pcc = %.2g): "
                              "weights not loaded, another RNG or other inputs.", x->pcc);
    else if (x->uncorrelated)
        parity__buf_puts(b, " One side is constant: the port looks unrelated to the reference.");
    parity__buf_puts(b, "</p>\n");
}

/* Explain (docs/explain.md) for every stage that has a card, in the same order. */
parity_status parity__html_explain(const parity__html *h, parity_error *err) {
    parity__buf_puts(h->b, "<section id=\"explain\" aria-labelledby=\"explain-h\"><h2 id=\"explain-h\">"
                           "Explain</h2>\n<p class=\"muted\">Candidate transformations T fitted to "
                           "each diverging stage, best first: explained = 1 &minus; &#8214;port &minus; "
                           "T(ref)&#8214;&sup2; / &#8214;port &minus; ref&#8214;&sup2;.</p>\n");
    if (!h->n_cards) parity__buf_puts(h->b, "<p>Every stage matches: nothing to explain.</p>\n");
    parity_explain_opts eo = parity_explain_opts_default();
    eo.domain = h->o->domain;
    for (size_t k = 0; k < h->n_cards; k++) {
        const parity_stage *s = parity_walk_stage(h->w, h->cards[k]);
        if (!s->pair->layout_ok) continue;
        parity_explain_result x;
        memset(&x, 0, sizeof x);
        TRY(parity_explain_pair(s->pair, &eo, &x, err));
        explain_stage(h, h->cards[k], &x);
        parity_explain_clear(&x);
    }
    parity__buf_puts(h->b, "</section>\n");
    return PARITY_OK;
}

static void weights_row(parity_buf *b, const parity_pair *p, const parity_diff *d) {
    char s0[256], s1[256];
    parity__buf_puts(b, "<tr><td class=\"name\"><code>");
    parity__buf_html(b, p->ref->name);
    parity__buf_puts(b, "</code>");
    if (strcmp(p->ref->name, p->port->name)) {
        parity__buf_puts(b, " &larr; <code>");
        parity__buf_html(b, p->port->name);
        parity__buf_puts(b, "</code>");
    }
    parity__buf_printf(b, "</td><td>%s %s</td><td>%s %s</td><td>",
                       parity_dtype_name(p->ref->dtype), parity_shape_str(p->ref, s0, sizeof s0),
                       parity_dtype_name(p->port->dtype), parity_shape_str(p->port, s1, sizeof s1));
    parity__buf_html(b, p->layout_ok ? p->layout : "irreconcilable");
    parity__buf_puts(b, "</td>");
    parity__html_num(b, p->layout_ok ? d->relative : INFINITY);
    parity__html_num(b, p->layout_ok ? d->abs_max : NAN);
    parity_verdict v = p->layout_ok ? d->verdict : PARITY_LARGE_DIFF;
    parity__buf_printf(b, "<td data-value=\"%d\">", (int)v);
    parity__html_verdict(b, v);
    parity__buf_puts(b, "</td></tr>\n");
}

static void only_in(const parity__html *h, const parity_match *m, int side) {
    size_t n = parity_match_unpaired_count(m, side);
    if (!n) return;
    parity__buf_puts(h->b, "<p class=\"only-in\">Only in ");
    parity__buf_html(h->b, h->labels[side ? 1 : 0]);
    parity__buf_printf(h->b, " (%zu): ", n);
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(h->b, i ? ", <code>" : "<code>");
        parity__buf_html(h->b, parity_match_unpaired(m, side, i)->name);
        parity__buf_puts(h->b, "</code>");
    }
    parity__buf_puts(h->b, "</p>\n");
}

static parity_status weights_table(const parity__html *h, const parity_match *m,
                                   parity_error *err) {
    parity_buf *b = h->b;
    parity__buf_puts(b, "<div class=\"tablewrap\"><table class=\"sortable\" id=\"weights-table\">"
                        "<thead><tr><th scope=\"col\" class=\"name\"><button type=\"button\">tensor"
                        "</button></th><th scope=\"col\">");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, "</th><th scope=\"col\">");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, "</th><th scope=\"col\">layout</th><th scope=\"col\"><button type=\"button\">relative"
                        "</button></th><th scope=\"col\"><button type=\"button\">abs_max</button></th>"
                        "<th scope=\"col\"><button type=\"button\">verdict</button></th></tr></thead>"
                        "<tbody>\n");
    parity_diff_opts o = parity_diff_opts_default();
    for (size_t i = 0; i < parity_match_count(m); i++) {
        const parity_pair *p = parity_match_pair(m, i);
        parity_diff d;
        memset(&d, 0, sizeof d);
        if (p->layout_ok) TRY(parity_diff_tensors(&p->ref_view, &p->port_view, &o, &d, err));
        weights_row(b, p, &d);
        parity_diff_clear(&d);
    }
    parity__buf_puts(b, "</tbody></table></div>\n");
    return PARITY_OK;
}

parity_status parity__html_weights(const parity__html *h, parity_error *err) {
    if (!h->o->weights[0] || !h->o->weights[1]) return PARITY_OK;
    parity_match *m = NULL;
    TRY(parity_match_sets(h->o->weights[0], h->o->weights[1], &h->o->weights_match, &m, err));
    parity__buf_puts(h->b, "<section id=\"weights\" aria-labelledby=\"weights-h\"><h2 id=\"weights-h\">"
                           "Weights</h2>\n<p class=\"muted\"><code>");
    parity__buf_html(h->b, parity_set_path(h->o->weights[0]));
    parity__buf_puts(h->b, "</code> against <code>");
    parity__buf_html(h->b, parity_set_path(h->o->weights[1]));
    parity__buf_puts(h->b, "</code></p>\n");
    only_in(h, m, 0);
    only_in(h, m, 1);
    parity_status st = weights_table(h, m, err);
    parity__buf_puts(h->b, "</section>\n");
    parity_match_free(m);
    return st;
}
