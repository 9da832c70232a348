/*
 * html_stages.c — the stage table (every compared stage in execution order,
 * inputs first, first divergence and culprit highlighted) and the chart of
 * relative error over the stages (log scale: errors grow by decades).
 */
#include "render/html_impl.h"

#include <math.h>
#include <stdlib.h>

static void table_head(parity_buf *b, const parity__html *h) {
    parity__buf_puts(b, "<div class=\"tablewrap\"><table class=\"sortable\" id=\"stage-table\">"
                        "<caption class=\"muted\">Every compared stage in execution order "
                        "(inputs first), numbered from 1 as parity trace counts them. "
                        "relative = &#8214;port &minus; ref&#8214;&#8322; / "
                        "&#8214;ref&#8214;&#8322;; jump = relative / previous relative.</caption>"
                        "<thead><tr>");
    static const char *cols[] = {"#", "stage", "shape", "relative", "abs_max", "mean_diff",
                                 "jump", "verdict"};
    for (int k = 0; k < 8; k++)
        parity__buf_printf(b, "<th scope=\"col\"%s><button type=\"button\">%s</button></th>",
                           k == 1 ? " class=\"name\"" : "", cols[k]);
    if (h->o->domain != PARITY_DOMAIN_LINEAR)
        parity__buf_puts(b, "<th scope=\"col\"><button type=\"button\">mean dB</button></th>");
    parity__buf_puts(b, "</tr></thead><tbody>\n");
}

static void badges(parity_buf *b, const parity__html *h, size_t i) {
    if ((long)i == parity_walk_first_divergence(h->w))
        parity__buf_puts(b, "<span class=\"badge\">first divergence</span>");
    if ((long)i == parity_walk_culprit(h->w))
        parity__buf_puts(b, "<span class=\"badge\">culprit</span>");
    const parity_stage *s = parity_walk_stage(h->w, i);
    if (s->pair->ref->is_input) parity__buf_puts(b, "<span class=\"badge\">input</span>");
    if (s->pair->layout[0]) {
        parity__buf_puts(b, "<span class=\"badge\">");
        parity__buf_html(b, s->pair->layout);
        parity__buf_puts(b, "</span>");
    }
    parity__html_role_badge(h, i);
}

static int has_card(const parity__html *h, size_t i) {
    for (size_t k = 0; k < h->n_cards; k++)
        if (h->cards[k] == i) return 1;
    return 0;
}

static void row(parity_buf *b, const parity__html *h, size_t i) {
    const parity_stage *s = parity_walk_stage(h->w, i);
    int f = (long)i == parity_walk_first_divergence(h->w), c = (long)i == parity_walk_culprit(h->w);
    const char *cls = f && c ? " class=\"first culprit\"" : c ? " class=\"culprit\""
                      : f ? " class=\"first\"" : "";
    char shape[256];
    parity__buf_printf(b, "<tr id=\"stage-%zu\"%s data-name=\"", i + 1, cls);
    parity__buf_html(b, parity_pair_name(s->pair));
    if (parity__html_role(h, i))
        parity__buf_printf(b, "\" data-role=\"%s", parity__html_role(h, i));
    parity__buf_printf(b, "\"><td data-value=\"%zu\">%zu</td><td class=\"name\">", i + 1, i + 1);
    parity__buf_printf(b, "<a href=\"#%s-%zu\"><code>", has_card(h, i) ? "card" : "stage", i + 1);
    parity__buf_html(b, parity_pair_name(s->pair));
    parity__buf_puts(b, "</code></a>");
    badges(b, h, i);
    parity__buf_printf(b, "</td><td>%s</td>", parity_shape_str(&s->pair->ref_view, shape, sizeof shape));
    parity__html_num(b, parity_stage_relative(s));
    parity__html_num(b, s->pair->layout_ok ? s->diff.abs_max : NAN);
    parity__html_num(b, s->pair->layout_ok ? s->diff.mean_diff : NAN);
    parity__html_num(b, s->jump);
    parity__buf_printf(b, "<td data-value=\"%d\">", (int)s->diff.verdict);
    parity__html_verdict(b, s->diff.verdict);
    parity__buf_puts(b, "</td>");
    if (h->o->domain != PARITY_DOMAIN_LINEAR) parity__html_num(b, s->diff.mean_diff_db);
    parity__buf_puts(b, "</tr>\n");
}

void parity__html_stages(const parity__html *h) {
    parity_buf *b = h->b;
    parity__buf_puts(b, "<section id=\"stages\" aria-labelledby=\"stages-h\"><h2 id=\"stages-h\">"
                        "Stages</h2>\n");
    table_head(b, h);
    for (size_t i = 0; i < parity_walk_stage_count(h->w); i++) row(b, h, i);
    parity__buf_puts(b, "</tbody></table></div></section>\n");
}

void parity__html_growth(const parity__html *h) {
    size_t n = parity_walk_stage_count(h->w);
    parity_buf *b = h->b;
    parity__buf_puts(b, "<section id=\"growth\" aria-labelledby=\"growth-h\"><h2 id=\"growth-h\">"
                        "Error growth over the stages</h2>\n");
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    if (!x || !y) {
        free(x), free(y);
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)(i + 1);
        y[i] = parity_stage_relative(parity_walk_stage(h->w, i));
        if (isfinite(y[i]) && y[i] <= 0) y[i] = 1e-12; /* exact match: bottom of the axis */
    }
    parity__svg_chart c = {0};
    c.title = "relative error of each stage, in execution order (log scale)";
    c.x_label = "stage # (execution order)";
    c.y_label = "relative error";
    c.log_y = 1;
    c.n_lines = 1;
    c.lines[0] = (parity__svg_line){"relative", n, x, y};
    long f = parity_walk_first_divergence(h->w), cu = parity_walk_culprit(h->w);
    c.mark_x[0] = f >= 0 ? (double)(f + 1) : NAN, c.mark_label[0] = "first divergence";
    c.mark_x[1] = cu >= 0 && cu != f ? (double)(cu + 1) : NAN, c.mark_label[1] = "culprit";
    if (cu == f) c.mark_label[0] = "first divergence = culprit";
    parity__svg_chart_render(b, &c);
    parity__buf_puts(b, "<p class=\"muted\">Exact matches are drawn at 1e-12. Stage numbers are "
                        "those of the table.</p></section>\n");
    free(x), free(y);
}
