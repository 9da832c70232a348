/*
 * html_extra.c — the report's explain section: the ranked hypotheses of
 * parity explain for every stage that has a card.
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

/* The stage inherits its error by the data flow: say from where. */
static void explain_inherited(const parity__html *h, char *note) {
    if (!note) return;
    parity__buf_puts(h->b, "<p class=\"inherited\">");
    for (char *c = note; *c; c++)
        if (*c == '\n') *c = ' ';
    note[0] = 'I'; /* "Inherited, ..." */
    parity__buf_html(h->b, note);
    parity__buf_puts(h->b, ".</p>\n");
    parity_free(note);
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
    eo.progress = h->o->progress;
    for (size_t k = 0; k < h->n_cards; k++) {
        const parity_stage *s = parity_walk_stage(h->w, h->cards[k]);
        parity__progress(&h->o->progress, PARITY_PROGRESS_STAGES, k, h->n_cards);
        if (!s->pair->layout_ok) continue;
        parity_explain_result x;
        memset(&x, 0, sizeof x);
        TRY(parity_explain_pair(s->pair, &eo, &x, err));
        char *inherited = parity_walk_inherited_note(h->w, h->cards[k]);
        /* no "precision only" but the port's own storage rounding, which
         * then explains the stage: no note */
        if (inherited && !parity_explain_inherited(&x)) parity_free(inherited), inherited = NULL;
        explain_stage(h, h->cards[k], &x);
        explain_inherited(h, inherited);
        parity_explain_clear(&x);
    }
    parity__buf_puts(h->b, "</section>\n");
    return PARITY_OK;
}
