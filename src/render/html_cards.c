/*
 * html_cards.c — one card per diverging stage worth a look: the first
 * divergence, the culprit, then the worst by relative error, at most
 * max_cards (so a trace of 10,000 stages still gives a small page), shown
 * in execution order. A card holds the text block of parity diff, the
 * ref/port/diff heatmaps (PNG as a data: URI) and a mean_diff profile
 * along every axis longer than 1 (profile_i = Σd/n_i over the elements with
 * index i on that axis; per block of indices on an axis longer than 65,536:
 * heatmap_profile.c).
 */
#include "render/html_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES_ATTR 4096  /* data-values only up to this many indices */

static int picked(const size_t *p, size_t n, size_t i) {
    for (size_t k = 0; k < n; k++)
        if (p[k] == i) return 1;
    return 0;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

parity_status parity__html_pick_cards(parity__html *h, parity_error *err) {
    size_t n = parity_walk_stage_count(h->w), max = h->o->max_cards > 0 ? (size_t)h->o->max_cards : 12;
    h->cards = calloc(max, sizeof *h->cards);
    FAIL_IF(!h->cards, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "report: out of memory");
    long f = parity_walk_first_divergence(h->w), c = parity_walk_culprit(h->w);
    if (f >= 0) h->cards[h->n_cards++] = (size_t)f;
    if (c >= 0 && c != f && h->n_cards < max) h->cards[h->n_cards++] = (size_t)c;
    while (h->n_cards < max) { /* the worst remaining non-MATCH stage */
        long best = -1;
        double bv = -1;
        for (size_t i = 0; i < n; i++) {
            const parity_stage *s = parity_walk_stage(h->w, i);
            double r = parity_stage_relative(s);
            if (s->diff.verdict == PARITY_MATCH || picked(h->cards, h->n_cards, i)) continue;
            if (isnan(r)) r = INFINITY;
            if (r > bv) bv = r, best = (long)i;
        }
        if (best < 0) break;
        h->cards[h->n_cards++] = (size_t)best;
    }
    qsort(h->cards, h->n_cards, sizeof *h->cards, cmp_size);
    return PARITY_OK;
}

/* The five-line block of parity diff for this stage. */
static void text_block(const parity__html *h, const parity_stage *s) {
    parity_report_opts ro = parity_report_opts_default();
    ro.labels[0] = h->labels[0], ro.labels[1] = h->labels[1];
    parity_report *r = parity_report_new(&ro);
    parity_comparison c;
    memset(&c, 0, sizeof c);
    c.kind = s->kind, c.diff = s->diff, c.ints = s->ints, c.overlap = s->overlap;
    c.same_values = s->same_values, c.verdict = s->diff.verdict;
    int ints = s->kind == PARITY_PAIR_INT || s->kind == PARITY_PAIR_SEQUENCE;
    parity_report_item it = {s->pair, &s->diff, ints ? &s->ints : NULL, s->diff.verdict, &c, NULL};
    const char *txt = r ? parity_report_diff_item(r, &it) : NULL;
    if (!txt) h->b->oom = 1;
    parity__buf_puts(h->b, "<pre class=\"block\">");
    parity__buf_html(h->b, txt ? txt : "");
    parity__buf_puts(h->b, "</pre>\n");
    parity_report_free(r);
}

static parity_status heatmap(const parity__html *h, const parity_stage *s, parity_error *err) {
    parity_plot_opts po = parity_plot_opts_default();
    po.labels[0] = h->labels[0], po.labels[1] = h->labels[1];
    po.n_axes = -1; /* no profiles in the picture: the card draws them as SVG */
    parity_image img = {0};
    TRY(parity_plot(&s->pair->ref_view, &s->pair->port_view, &po, &img, err));
    unsigned char *png = NULL;
    size_t n = 0;
    parity_status st = parity_png_encode(&img, &png, &n, err);
    if (st == PARITY_OK) {
        parity__buf_printf(h->b, "<figure><img width=\"%d\" height=\"%d\" alt=\"heatmaps of ",
                           img.width, img.height);
        parity__buf_html(h->b, parity_pair_name(s->pair));
        parity__buf_puts(h->b, ": ");
        parity__buf_html(h->b, h->labels[0]);
        parity__buf_puts(h->b, ", ");
        parity__buf_html(h->b, h->labels[1]);
        parity__buf_puts(h->b, " and their difference over the last two axes\" "
                               "src=\"data:image/png;base64,");
        parity__buf_base64(h->b, png, n);
        parity__buf_puts(h->b, "\"><figcaption class=\"muted\">Both sides share one viridis "
                               "scale; the difference uses a symmetric blue&ndash;white&ndash;red "
                               "scale centred at 0. Large slices are drawn in blocks: the mean of "
                               "each block, and its largest difference.</figcaption></figure>\n");
    }
    parity_free(png);
    parity_image_free(&img);
    return st;
}

static void profile_values(parity_buf *b, const parity__profile *p) {
    if (p->step > 1 || p->len > MAX_VALUES_ATTR) return;
    parity__buf_puts(b, " data-values=\"");
    for (int64_t i = 0; i < p->len; i++) parity__buf_printf(b, "%s%.9g", i ? "," : "", p->mean_diff[i]);
    parity__buf_puts(b, "\"");
}

static void profile(const parity__html *h, const parity_stage *s, const parity__profile *p,
                    double *x) {
    parity_buf *b = h->b;
    for (int64_t i = 0; i < p->cells; i++) x[i] = parity__profile_center(p, i);
    parity__buf_printf(b, "<figure class=\"profile\" data-axis=\"%d\" data-len=\"%lld\"",
                       p->axis, (long long)p->len);
    if (p->step > 1) parity__buf_printf(b, " data-step=\"%lld\"", (long long)p->step);
    parity__buf_puts(b, " data-stage=\"");
    parity__buf_html(b, parity_pair_name(s->pair));
    parity__buf_puts(b, "\"");
    profile_values(b, p);
    parity__buf_puts(b, ">");
    char title[160];
    if (p->step > 1)
        snprintf(title, sizeof title, "mean_diff per block of %lld indices of axis %d (length %lld)",
                 (long long)p->step, p->axis, (long long)p->len);
    else
        snprintf(title, sizeof title, "mean_diff per index of axis %d (length %lld)", p->axis,
                 (long long)p->len);
    parity__svg_chart c = {0};
    c.title = title, c.x_label = "index", c.y_label = "mean_diff", c.zero_line = 1;
    c.width = 440, c.height = 220; /* two side by side: text stays near 13 px */
    c.mark_x[0] = c.mark_x[1] = NAN;
    c.n_lines = 1;
    c.lines[0] = (parity__svg_line){"mean_diff", (size_t)p->cells, x, p->mean_diff};
    parity__svg_chart_render(b, &c);
    parity__buf_printf(b, "<figcaption>%s</figcaption></figure>\n", title);
}

/* A profile along every axis longer than 1 (the first four), per index, or
 * per block of indices on an axis longer than PARITY__PROFILE_CELLS. */
static parity_status profiles(const parity__html *h, const parity_stage *s, parity_error *err) {
    const parity_tensor *r = &s->pair->ref_view;
    int axes[4], n = 0;
    for (int k = 0; k < r->ndim && n < 4; k++)
        if (r->shape[k] > 1) axes[n++] = k;
    if (!n) return PARITY_OK;
    parity__profile pr[4];
    TRY(parity__profiles_compute(r, &s->pair->port_view, axes, n, pr, err));
    int64_t longest = 1;
    for (int i = 0; i < n; i++) longest = pr[i].cells > longest ? pr[i].cells : longest;
    double *x = malloc((size_t)longest * sizeof *x);
    if (!x) h->b->oom = 1;
    parity__buf_puts(h->b, "<div class=\"grid2\">");
    for (int i = 0; x && i < n; i++) profile(h, s, &pr[i], x);
    parity__buf_puts(h->b, "</div>\n");
    free(x);
    parity__profiles_free(pr, n);
    return PARITY_OK;
}

static parity_status card(const parity__html *h, size_t i, parity_error *err) {
    const parity_stage *s = parity_walk_stage(h->w, i);
    parity_buf *b = h->b;
    parity__buf_printf(b, "<article class=\"card\" id=\"card-%zu\" data-stage=\"%zu\" data-name=\"",
                       i + 1, i + 1);
    parity__buf_html(b, parity_pair_name(s->pair));
    parity__buf_printf(b, "\"><h3><a href=\"#card-%zu\"><code>", i + 1);
    parity__buf_html(b, parity_pair_name(s->pair));
    parity__buf_puts(b, "</code></a> ");
    parity__html_verdict(b, s->diff.verdict);
    if ((long)i == parity_walk_first_divergence(h->w)) parity__buf_puts(b, "<span class=\"badge\">first divergence</span>");
    if ((long)i == parity_walk_culprit(h->w)) parity__buf_puts(b, "<span class=\"badge\">culprit</span>");
    parity__html_role_badge(h, i);
    parity__buf_printf(b, " <a class=\"muted\" href=\"#stage-%zu\">(#%zu in the table)</a></h3>\n",
                       i + 1, i + 1);
    if (!s->pair->layout_ok) {
        parity__buf_puts(b, "<p>The shapes cannot be brought to one layout; nothing to draw.</p></article>\n");
        return PARITY_OK;
    }
    text_block(h, s);
    TRY(heatmap(h, s, err));
    TRY(profiles(h, s, err));
    parity__buf_puts(b, "</article>\n");
    return PARITY_OK;
}

parity_status parity__html_cards(const parity__html *h, parity_error *err) {
    parity__buf_printf(h->b, "<section id=\"cards\" aria-labelledby=\"cards-h\"><h2 id=\"cards-h\">"
                             "Diverging stages (%zu)</h2>\n", h->n_cards);
    if (!h->n_cards) parity__buf_puts(h->b, "<p>Every stage matches: nothing to draw.</p>\n");
    else parity__buf_puts(h->b, "<p class=\"muted\">First divergence, culprit and the worst stages, in "
                                "execution order. Keys: <kbd>j</kbd> / <kbd>k</kbd> move between cards.</p>\n");
    for (size_t k = 0; k < h->n_cards; k++) TRY(card(h, h->cards[k], err));
    parity__buf_puts(h->b, "</section>\n");
    return PARITY_OK;
}
