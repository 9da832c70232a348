/*
 * html_blame.c — how the report's culprit was found (docs/trace.md,
 * "Blame"), under the summary's verdict:
 *
 *   <p id="blame-rule">Blame by data flow (the parents recorded in ref): ...
 *   <p id="blame-also">Also introduce an error: ...        (several culprits)
 *   <p id="blame-path">Path of the error: a → b (introduces) → c (inherits) ...
 *   <p class="alert" id="flow-disagree">The data flow of port differs ...
 *
 * or, without data flow, the one sentence "Blame by execution order: no
 * data flow recorded". The path links every stage to its card or row.
 */
#include "render/html_impl.h"

static size_t count_role(const parity__html *h, parity_role r) {
    size_t n = 0;
    for (size_t i = 0; i < parity_walk_stage_count(h->w); i++) {
        const parity_blame *bl = parity_walk_blame(h->w, i);
        n += bl && bl->role == r;
    }
    return n;
}

static void rule(const parity__html *h) {
    parity_buf *b = h->b;
    int side;
    if (parity_walk_blame_rule(h->w, &side) == PARITY_BLAME_ORDER) {
        parity__buf_puts(b, "<p id=\"blame-rule\" class=\"muted\">Blame by execution order: no "
                            "data flow recorded (each stage is compared with the stage before "
                            "it).</p>\n");
        return;
    }
    size_t in = count_role(h, PARITY_ROLE_INTRODUCES), inh = count_role(h, PARITY_ROLE_INHERITS);
    size_t unk = count_role(h, PARITY_ROLE_UNKNOWN);
    parity__buf_puts(b, "<p id=\"blame-rule\" class=\"muted\">Blame by data flow (the parents "
                        "recorded in ");
    parity__buf_html(b, h->labels[side]);
    parity__buf_printf(b, "): %zu stage%s introduce%s an error, %zu inherit%s it", in,
                       in == 1 ? "" : "s", in == 1 ? "s" : "", inh, inh == 1 ? "s" : "");
    if (unk) parity__buf_printf(b, ", %zu cannot tell (an input not compared)", unk);
    parity__buf_puts(b, ". A stage introduces the error when its inputs match and it does "
                        "not; it inherits when an input already differs.</p>\n");
}

static void also(const parity__html *h) {
    const size_t *c = NULL;
    size_t n = parity_walk_culprits(h->w, &c);
    if (n < 2) return;
    parity__buf_puts(h->b, "<p id=\"blame-also\">Also ");
    for (size_t k = 1; k < n; k++) {
        const parity_blame *bl = parity_walk_blame(h->w, c[k]);
        if (k > 1) parity__buf_puts(h->b, ", ");
        parity__html_stage_link(h, (long)c[k]);
        parity__buf_puts(h->b,
                         bl->role == PARITY_ROLE_UNKNOWN ? " (cannot tell)" : " (introduces)");
    }
    parity__buf_puts(h->b, ".</p>\n");
}

static void path(const parity__html *h) {
    const size_t *p = NULL;
    size_t n = parity_walk_path(h->w, &p);
    if (n < 2) return;
    parity__buf_puts(h->b, "<p id=\"blame-path\">Path of the error: ");
    for (size_t k = 0; k < n; k++) {
        if (k) parity__buf_puts(h->b, " &rarr; ");
        parity__buf_printf(h->b, "<span data-role=\"%s\">", parity__html_role(h, p[k]));
        parity__html_stage_link(h, (long)p[k]);
        if (k) parity__buf_printf(h->b, " (%s)", parity__html_role(h, p[k]));
        parity__buf_puts(h->b, "</span>");
    }
    parity__buf_puts(h->b, "</p>\n");
}

static void stage_list(const parity__html *h, const size_t *v, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (k) parity__buf_puts(h->b, k + 1 == n ? " and " : ", ");
        parity__html_stage_link(h, (long)v[k]);
    }
    if (!n) parity__buf_puts(h->b, "nothing recorded");
}

static void disagree(const parity__html *h) {
    const size_t *d = NULL;
    size_t n = parity_walk_flow_disagree(h->w, &d);
    int side;
    if (!n) return;
    parity_walk_blame_rule(h->w, &side);
    const parity_blame *bl = parity_walk_blame(h->w, d[0]);
    parity__buf_puts(h->b, "<p class=\"alert\" id=\"flow-disagree\">The data flow of ");
    parity__buf_html(h->b, h->labels[1 - side]);
    parity__buf_printf(h->b, " differs from that of ");
    parity__buf_html(h->b, h->labels[side]);
    parity__buf_printf(h->b, " at %zu stage%s (blame follows ", n, n == 1 ? "" : "s");
    parity__buf_html(h->b, h->labels[side]);
    parity__buf_puts(h->b, "'s): ");
    parity__html_stage_link(h, (long)d[0]);
    parity__buf_puts(h->b, " is computed from ");
    stage_list(h, bl->parents, bl->n_parents);
    parity__buf_puts(h->b, " in ");
    parity__buf_html(h->b, h->labels[side]);
    parity__buf_puts(h->b, ", from ");
    stage_list(h, bl->other, bl->n_other);
    parity__buf_puts(h->b, " in ");
    parity__buf_html(h->b, h->labels[1 - side]);
    parity__buf_puts(h->b, ".</p>\n");
}

void parity__html_blame(const parity__html *h) {
    rule(h);
    if (parity_walk_blame_rule(h->w, NULL) == PARITY_BLAME_ORDER) return;
    also(h);
    path(h);
    disagree(h);
}
