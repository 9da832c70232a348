/*
 * html.c — parity report: one self-contained HTML document built from a
 * trace walk. Inline CSS and SVG, heatmaps as data: URIs (base64 PNG), no
 * external reference of any kind, readable without the small script.
 * Sections, in order: summary, stage table, error growth, series, solver,
 * explain, stage cards, weights.
 */
#include "render/html_impl.h"
#include "render/report_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

parity_html_opts parity_html_opts_default(void) {
    parity_html_opts o;
    memset(&o, 0, sizeof o);
    o.max_cards = 12;
    o.weights_diff = parity_diff_opts_default();
    return o;
}

static void head(const parity__html *h) {
    parity_buf *b = h->b;
    parity__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<meta name=\"color-scheme\" content=\"light dark\">\n"
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
                        "<title>parity report: ");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, " vs ");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, "</title>\n<style>\n");
    parity__html_style(b);
    parity__buf_puts(b, "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the "
                        "report</a>\n<header><h1>parity report</h1><p class=\"muted\">");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, ": <code>");
    parity__buf_html(b, h->o->ref_path ? h->o->ref_path : "?");
    parity__buf_puts(b, "</code><br>");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, ": <code>");
    parity__buf_html(b, h->o->port_path ? h->o->port_path : "?");
    parity__buf_printf(b, "</code><br>parity %s</p>\n<nav aria-label=\"sections\"><ul>"
                          "<li><a href=\"#summary\">Summary</a></li><li><a href=\"#stages\">Stages"
                          "</a></li><li><a href=\"#growth\">Error growth</a></li><li><a href=\""
                          "#series\">Series</a></li><li><a href=\"#solver\">Solver</a></li><li>"
                          "<a href=\"#explain\">Explain</a></li><li><a href=\"#cards\">Stage cards"
                          "</a></li>%s</ul></nav></header>\n",
                       PARITY_VERSION,
                       h->o->weights[0] ? "<li><a href=\"#weights\">Weights</a></li>" : "");
}

static void inputs_alert(const parity__html *h) {
    const size_t *idx = NULL;
    const char *const *miss = NULL;
    size_t n = parity_walk_inputs_differ(h->w, &idx), m = parity_walk_input_missing(h->w, &miss);
    if (!n && !m) return;
    if (parity__inputs_storage_only(h->w))
        parity__buf_puts(h->b, "<p class=\"alert\" id=\"inputs-differ\"><strong>The inputs are "
                               "equal but for the rounding of their storage</strong>: later stages "
                               "carry that rounding. ");
    else
        parity__buf_puts(h->b, "<p class=\"alert\" id=\"inputs-differ\"><strong>The inputs differ"
                               "</strong>: every later stage is compared on unequal footing. ");
    for (size_t i = 0; i < n; i++) {
        if (i) parity__buf_puts(h->b, ", ");
        parity__html_stage_link(h, (long)idx[i]);
    }
    for (size_t i = 0; i < m; i++) {
        parity__buf_puts(h->b, i || n ? ", missing on one side: <code>" : "missing on one side: <code>");
        parity__buf_html(h->b, miss[i]);
        parity__buf_puts(h->b, "</code>");
    }
    parity__buf_puts(h->b, "</p>\n");
}

/* The coverage sentence every verb prints (report_common.c), or, when
 * nothing was compared, the statement that says so and what to do. */
static void coverage_sentence(const parity__html *h, const parity_match *m, int nothing) {
    parity_report r;
    memset(&r, 0, sizeof r);
    r.o = parity_report_opts_default();
    r.o.labels[0] = h->labels[0], r.o.labels[1] = h->labels[1];
    parity_buf t = {0};
    parity_coverage c;
    parity_match_coverage(m, &c);
    if (nothing) parity__buf_nothing_compared(&t, &r, m, "stage", 0);
    else parity__buf_coverage(&t, &r, &c, "stage", 0);
    parity__buf_html(h->b, t.data ? t.data : "");
    parity__buf_free(&t);
}

static void summary(const parity__html *h) {
    parity_buf *b = h->b;
    size_t n = parity_walk_stage_count(h->w), cnt[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) cnt[parity_walk_stage(h->w, i)->diff.verdict % 3]++;
    const parity_match *m = parity_walk_match(h->w);
    parity_coverage cov;
    parity_match_coverage(m, &cov);
    parity__buf_printf(b, "<section id=\"summary\" aria-labelledby=\"summary-h\"><h2 id=\"summary-h\">"
                          "Summary</h2>\n<ul class=\"counts\"><li><b>%zu of %zu</b>stages compared</li>"
                          "<li class=\"v0\"><b id=\"n-match\">%zu</b>MATCH</li><li class=\"v1\"><b "
                          "id=\"n-small\">%zu</b>SMALL DIFF</li><li class=\"v2\"><b id=\"n-large\">"
                          "%zu</b>LARGE DIFF</li><li><b>%zu / %zu</b>only in ",
                       n, cov.total, cnt[0], cnt[1], cnt[2], parity_match_unpaired_count(m, 0),
                       parity_match_unpaired_count(m, 1));
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, " / ");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, "</li></ul>\n<p id=\"coverage\">");
    coverage_sentence(h, m, 0);
    parity__buf_puts(b, "</p>\n");
    inputs_alert(h);
    long f = parity_walk_first_divergence(h->w), c = parity_walk_culprit(h->w);
    if (cov.compared == 0) {
        parity__buf_puts(b, "<p id=\"verdict\" class=\"v2\">Nothing was compared. ");
        coverage_sentence(h, m, 1);
        parity__buf_puts(b, ".</p></section>\n");
        return;
    }
    if (f < 0 && parity_walk_differs(h->w)) {
        parity__buf_puts(b, "<p id=\"verdict\">Every compared stage matches; some stages "
                            "are only on one side or an input differs.</p></section>\n");
        return;
    }
    if (f < 0) {
        parity__buf_puts(b, "<p id=\"verdict\">Every stage matches.</p></section>\n");
        return;
    }
    parity__buf_puts(b, "<p id=\"verdict\">First divergence: ");
    parity__html_stage_link(h, f);
    if (parity_walk_blame_rule(h->w, NULL) == PARITY_BLAME_DATAFLOW) {
        const parity_blame *bl = parity_walk_blame(h->w, (size_t)c);
        parity__buf_puts(b, bl->role == PARITY_ROLE_UNKNOWN
                                ? ". Culprit (cannot tell: an input is not compared): "
                                : ". Culprit (introduces the error): ");
        parity__html_stage_link(h, c);
        parity__buf_puts(b, ".</p>\n");
    } else {
        parity__buf_puts(b, ". Culprit (largest error jump): ");
        parity__html_stage_link(h, c);
        parity__buf_printf(b, ", &times;%.3g over the stage before.</p>\n",
                           parity_walk_stage(h->w, (size_t)c)->jump);
    }
    parity__html_blame(h);
    parity__buf_puts(b, "</section>\n");
}

static parity_status body(parity__html *h, parity_error *err) {
    TRY(parity__html_pick_cards(h, err));
    head(h);
    parity__buf_puts(h->b, "<main id=\"main\" tabindex=\"-1\">\n");
    summary(h);
    parity__html_stages(h);
    parity__html_growth(h);
    parity__html_series(h);
    parity__html_solver(h);
    TRY(parity__html_explain(h, err));
    TRY(parity__html_cards(h, err));
    TRY(parity__html_weights(h, err));
    parity__buf_puts(h->b, "</main>\n<script>\n");
    parity__html_script(h->b);
    parity__buf_puts(h->b, "</script>\n</body>\n</html>\n");
    return PARITY_OK;
}

parity_status parity_html_report(const parity_walk *w, const parity_html_opts *o,
                                 char **out, size_t *len, parity_error *err) {
    parity_html_opts def = parity_html_opts_default();
    parity_buf b = {0};
    parity__html h = {&b, w, o ? o : &def, {NULL, NULL}, NULL, 0};
    *out = NULL;
    *len = 0;
    h.labels[0] = h.o->labels[0] ? h.o->labels[0] : "ref";
    h.labels[1] = h.o->labels[1] ? h.o->labels[1] : "port";
    parity_status st = body(&h, err);
    free(h.cards);
    if (st == PARITY_OK && b.oom) st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                                    "report: out of memory");
    if (st != PARITY_OK) {
        parity__buf_free(&b);
        return st;
    }
    *out = b.data;
    *len = b.len;
    return PARITY_OK;
}
