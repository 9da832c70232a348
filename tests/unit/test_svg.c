/*
 * test_svg.c — the SVG charts of the report: round-number ticks, the left
 * pad that keeps the y label off the tick labels, the legend laid out by
 * label width with each line's dash pattern, colours from theme classes.
 * The browser test measures the same layout as Chromium renders it
 * (tests/browser/report_check.mjs); this checks the numbers in the markup.
 */
#include "internal.h"
#include "render/picture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_nice_step(void) {
    const double in[] = {0.0313, 1.8, 3, 7, 1, 0.1, 39, 0.00021};
    const double want[] = {0.05, 2, 5, 10, 1, 0.1, 50, 0.0005};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        double got = parity__svg_nice_step(in[i]);
        CHECK_MSG(fabs(got - want[i]) <= 1e-12 * want[i], "nice_step(%g) = %.17g, expected %g", in[i], got, want[i]);
    }
}

/* The text of every <text class="CLS" ...>...</text>, joined by '|'. */
static void texts(const char *svg, const char *cls, char *out, size_t cap) {
    char key[64];
    snprintf(key, sizeof key, "<text class=\"%s\"", cls);
    out[0] = '\0';
    for (const char *p = strstr(svg, key); p; p = strstr(p + 1, key)) {
        const char *a = strchr(p, '>') + 1, *e = strstr(a, "</text>");
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%.*s", n ? "|" : "", (int)(e - a), a);
    }
}

static char *render(const parity__svg_chart *c) {
    parity_buf b = {0};
    parity__svg_chart_render(&b, c);
    return b.data;
}

/* The schedule chart of melflow's reference: dt from 0.01231 to 0.1564. */
static void test_ticks(void) {
    double x[10], y[10];
    for (int i = 0; i < 10; i++) x[i] = i + 1, y[i] = 0.01231 + (0.1564 - 0.01231) * i / 9;
    parity__svg_chart c = {0};
    c.zero_line = 1, c.n_lines = 1, c.y_label = "dt";
    c.mark_x[0] = c.mark_x[1] = NAN;
    c.lines[0] = (parity__svg_line){"dt", 10, x, y};
    char *svg = render(&c), t[512];
    texts(svg, "ytick", t, sizeof t);
    CHECK_EQ_STR(t, "0|0.05|0.1|0.15|0.2");
    texts(svg, "xtick", t, sizeof t);
    CHECK_EQ_STR(t, "2|4|6|8|10");
    free(svg);
    for (int i = 0; i < 10; i++) y[i] = -0.7229 + 1.0 * i / 9; /* spans 0 */
    svg = render(&c);
    texts(svg, "ytick", t, sizeof t);
    CHECK_EQ_STR(t, "-0.8|-0.6|-0.4|-0.2|0|0.2|0.4");
    /* the widest label "-0.8" (4 characters of at most 8 px) ends 6 px
     * before the plot; the rotated y label's column is the first 24 px */
    CHECK(strstr(svg, "<rect x=\"62\"") != NULL);
    CHECK(strstr(svg, "class=\"ylabel\" x=\"14\"") != NULL);
    free(svg);
}

/* Eight series with long names: legend entries never closer than their
 * label's width, wrapped inside the chart, dashed like their lines. */
static void test_legend(void) {
    static const char *names[8] = {"ode.step{k}.t", "ode.step{k}.est.time_emb",
                                   "ode.step{k}.est.time_mlp", "ode.step{k}.x",
                                   "ode.step{k}.est.attn.scores", "ode.step{k}.est.block2.out",
                                   "ode.step{k}.est.final_block.out", "ode.step{k}.est.resnet.out"};
    double x[3] = {1, 2, 3}, y[3] = {1e-3, 1e-2, 1e-1};
    parity__svg_chart c = {0};
    c.log_y = 1, c.n_lines = 8;
    c.mark_x[0] = c.mark_x[1] = NAN;
    for (int k = 0; k < 8; k++) c.lines[k] = (parity__svg_line){names[k], 3, x, y};
    char *svg = render(&c);
    int prev_x = -1, prev_y = -1;
    size_t prev_len = 0;
    for (int k = 0; k < 8; k++) {
        char key[64];
        snprintf(key, sizeof key, "<g class=\"legend-item s%d\"><line x1=\"", k);
        const char *p = strstr(svg, key);
        if (!CHECK_MSG(p, "legend item %d", k)) break;
        int lx = 0, x2 = 0, ly = 0;
        CHECK(sscanf(p + strlen(key), "%d\" x2=\"%d\" y1=\"%d\"", &lx, &x2, &ly) == 3);
        CHECK_MSG(x2 <= 640, "legend item %d ends at %d", k, x2);
        if (ly == prev_y)
            CHECK_MSG(lx >= prev_x + 28 + 6 + 8 * (int)prev_len, "legend item %d at x=%d overlaps item %d at %d",
                      k, lx, k - 1, prev_x);
        else CHECK_MSG(ly > prev_y, "legend rows go down");
        prev_x = lx, prev_y = ly, prev_len = strlen(names[k]);
        /* the swatch carries the dash of the series path */
        snprintf(key, sizeof key, "<g class=\"series s%d\"><path", k);
        const char *s = strstr(svg, key), *sd = s ? strstr(s, "stroke-dasharray=\"") : NULL;
        const char *pd = strstr(p, "stroke-dasharray=\""), *pe = strstr(p, "/>");
        int path_dashed = sd && sd < strstr(s, " d=\""), swatch_dashed = pd && pd < pe;
        CHECK_MSG(path_dashed == swatch_dashed, "series %d: dash of path %d, of swatch %d", k,
                  path_dashed, swatch_dashed);
        size_t n = sd ? 18 + strcspn(sd + 18, "\"") : 0; /* stroke-dasharray="...  */
        if (path_dashed && swatch_dashed) CHECK_MSG(strncmp(sd, pd, n + 1) == 0, "series %d: %.*s", k, (int)n, sd);
    }
    CHECK_MSG(strstr(svg, "stroke=\"#") == NULL && strstr(svg, "fill=\"#") == NULL,
              "colours come from the theme's classes, not from the markup");
    free(svg);
}

int main(void) {
    test_nice_step();
    test_ticks();
    test_legend();
    return TEST_SUMMARY();
}
