/*
 * html_series.c — what repeats: the per-step relative error of every series
 * (stages equal but for one number, e.g. the ODE steps ode.step{k}.x), and
 * the solver forensics of the walk: the inferred step sizes and times of
 * both sides side by side, and the classifier-free-guidance weights.
 */
#include "render/html_impl.h"
#include "render/trace_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_K_COLS 40 /* the series table shows at most this many steps */
#define CHART_SERIES 8

static double series_max(const parity__html *h, const parity_series *s) {
    double m = 0;
    for (size_t i = 0; i < s->n; i++)
        m = fmax(m, parity_stage_relative(parity_walk_stage(h->w, s->stage[i])));
    return m;
}

/* The sorted union of the series' step numbers (at most MAX_K_COLS). */
static size_t union_k(const parity__html *h, int64_t *ks) {
    size_t n = 0;
    for (size_t j = 0; j < parity_walk_series_count(h->w); j++) {
        const parity_series *s = parity_walk_series(h->w, j);
        for (size_t i = 0; i < s->n; i++) {
            size_t at = 0;
            while (at < n && ks[at] < s->k[i]) at++;
            if (at < n && ks[at] == s->k[i]) continue;
            if (n == MAX_K_COLS && at == n) continue;
            if (n == MAX_K_COLS) n--;
            memmove(ks + at + 1, ks + at, (n - at) * sizeof *ks);
            ks[at] = s->k[i], n++;
        }
    }
    return n;
}

static void series_row(parity_buf *b, const parity__html *h, const parity_series *s,
                       const int64_t *ks, size_t nk) {
    parity__buf_puts(b, "<tr data-series=\"");
    parity__buf_html(b, s->pattern);
    parity__buf_puts(b, "\"><td class=\"name\"><code>");
    parity__buf_html(b, s->pattern);
    parity__buf_puts(b, "</code></td>");
    for (size_t c = 0; c < nk; c++) {
        size_t i = 0;
        while (i < s->n && s->k[i] != ks[c]) i++;
        if (i == s->n) {
            parity__buf_puts(b, "<td></td>");
            continue;
        }
        const parity_stage *st = parity_walk_stage(h->w, s->stage[i]);
        char t[32];
        parity__buf_printf(b, "<td data-k=\"%lld\" data-value=\"%.17g\" class=\"v%d\">%s</td>",
                           (long long)ks[c], parity_stage_relative(st), (int)st->diff.verdict,
                           parity_fmt_num(parity_stage_relative(st), t, sizeof t));
    }
    parity__buf_puts(b, "</tr>\n");
}

static void series_chart(const parity__html *h, double *xs, double *ys) {
    size_t ns = parity_walk_series_count(h->w), pick[CHART_SERIES], np = 0;
    for (size_t j = 0; j < ns; j++) { /* the CHART_SERIES largest, in order */
        double m = series_max(h, parity_walk_series(h->w, j));
        size_t at = np;
        while (at > 0 && series_max(h, parity_walk_series(h->w, pick[at - 1])) < m) at--;
        if (at >= CHART_SERIES) continue;
        if (np < CHART_SERIES) np++;
        memmove(pick + at + 1, pick + at, (np - 1 - at) * sizeof *pick);
        pick[at] = j;
    }
    parity__svg_chart c = {0};
    c.title = "relative error over the steps of each series (log scale)";
    c.x_label = "step k", c.y_label = "relative error", c.log_y = 1;
    c.mark_x[0] = c.mark_x[1] = NAN;
    size_t used = 0;
    for (size_t p = 0; p < np; p++) {
        const parity_series *s = parity_walk_series(h->w, pick[p]);
        for (size_t i = 0; i < s->n; i++) {
            xs[used + i] = (double)s->k[i];
            ys[used + i] = fmax(parity_stage_relative(parity_walk_stage(h->w, s->stage[i])), 1e-12);
        }
        c.lines[c.n_lines++] = (parity__svg_line){s->pattern, s->n, xs + used, ys + used};
        used += s->n;
    }
    parity__svg_chart_render(h->b, &c);
    parity__buf_printf(h->b, "<p class=\"muted\">The %zu series with the largest errors; the table "
                             "below lists all %zu.</p>\n", np, ns);
}

void parity__html_series(const parity__html *h) {
    parity_buf *b = h->b;
    size_t ns = parity_walk_series_count(h->w), total = 0;
    parity__buf_puts(b, "<section id=\"series\" aria-labelledby=\"series-h\"><h2 id=\"series-h\">"
                        "Error over the steps (series)</h2>\n");
    if (!ns) {
        parity__buf_puts(b, "<p>No series: no stage names that differ only by a number.</p></section>\n");
        return;
    }
    for (size_t j = 0; j < ns; j++) total += parity_walk_series(h->w, j)->n;
    double *xs = malloc(total * sizeof *xs), *ys = malloc(total * sizeof *ys);
    int64_t ks[MAX_K_COLS];
    if (!xs || !ys) {
        free(xs), free(ys), b->oom = 1;
        return;
    }
    series_chart(h, xs, ys);
    size_t nk = union_k(h, ks);
    parity__buf_puts(b, "<div class=\"tablewrap\"><table id=\"series-table\"><caption class=\""
                        "muted\">relative error of each series member by step k</caption><thead><tr>"
                        "<th scope=\"col\" class=\"name\">series</th>");
    for (size_t c = 0; c < nk; c++) parity__buf_printf(b, "<th scope=\"col\">k=%lld</th>", (long long)ks[c]);
    parity__buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t j = 0; j < ns; j++) series_row(b, h, parity_walk_series(h->w, j), ks, nk);
    parity__buf_puts(b, "</tbody></table></div></section>\n");
    free(xs), free(ys);
}

static void schedule_table(parity_buf *b, const parity__html *h, const parity_schedule *s) {
    parity__buf_puts(b, "<div class=\"tablewrap\"><table id=\"schedule-table\"><caption class=\""
                        "muted\">dt<sub>k</sub> = &lang;x<sub>k+1</sub> &minus; x<sub>k</sub>, "
                        "v<sub>k</sub>&rang; / &lang;v<sub>k</sub>, v<sub>k</sub>&rang;; t<sub>0"
                        "</sub> = 0, t<sub>k+1</sub> = t<sub>k</sub> + dt<sub>k</sub></caption>"
                        "<thead><tr><th scope=\"col\">k</th>");
    for (int side = 0; side < 2; side++) {
        parity__buf_puts(b, "<th scope=\"col\">dt ");
        parity__buf_html(b, h->labels[side]);
        parity__buf_puts(b, "</th>");
    }
    parity__buf_puts(b, "<th scope=\"col\">t ");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, "</th><th scope=\"col\">t ");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, "</th><th scope=\"col\" class=\"name\">note</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < s->n; i++) {
        parity__buf_printf(b, "<tr data-k=\"%lld\"><td>%lld</td>", (long long)s->k[i], (long long)s->k[i]);
        parity__html_num(b, s->dt_ref[i]);
        parity__html_num(b, s->dt_port[i]);
        parity__html_num(b, s->t_ref[i]);
        parity__html_num(b, s->t_port[i]);
        parity__buf_puts(b, "<td class=\"name\">");
        if (s->status[i] != PARITY_STEP_OK) {
            parity_buf note = {0};
            parity__trace_step_note(s, &note, i, h->labels);
            if (note.data && !note.oom) parity__buf_html(b, note.data);
            parity__buf_free(&note);
        }
        parity__buf_puts(b, "</td></tr>\n");
    }
    parity__buf_puts(b, "</tbody></table></div>\n");
}

/* The verdict the text and Markdown reports give, marked when they differ. */
static void schedule_verdict(parity_buf *b, const parity__html *h, const parity_schedule *s) {
    parity_buf v = {0};
    int differ = parity__trace_schedule_differs(s);
    parity__trace_schedule_verdict(s, &v, h->labels);
    parity__buf_printf(b, "<p id=\"schedule-verdict\"%s>", differ ? " class=\"alert\"" : "");
    if (v.data && !v.oom) parity__buf_html(b, v.data);
    parity__buf_puts(b, "</p>\n");
    parity__buf_free(&v);
}

static void schedule(const parity__html *h, const parity_schedule *s) {
    parity_buf *b = h->b;
    double *k = malloc((s->n + 1) * sizeof *k);
    if (!k) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < s->n; i++) k[i] = (double)s->k[i];
    parity__buf_printf(b, "<h3 id=\"schedules\">Step sizes</h3>\n<p>Worst fit &#8214;&Delta;x "
                          "&minus; dt&middot;v&#8214; / &#8214;&Delta;x&#8214;: %.3g (%s), %.3g (%s).</p>\n",
                       s->fit_ref, h->labels[0], s->fit_port, h->labels[1]);
    parity__svg_chart c = {0};
    c.title = "inferred step size dt per step, both sides";
    c.x_label = "step k", c.y_label = "dt", c.zero_line = 1, c.n_lines = 2;
    c.width = 480, c.height = 240; /* two side by side: text stays near 13 px */
    c.mark_x[0] = c.mark_x[1] = NAN;
    c.lines[0] = (parity__svg_line){h->labels[0], s->n, k, s->dt_ref};
    c.lines[1] = (parity__svg_line){h->labels[1], s->n, k, s->dt_port};
    parity__buf_puts(b, "<div class=\"grid2\" id=\"schedule-charts\"><div>");
    parity__svg_chart_render(b, &c);
    parity__buf_puts(b, "</div><div>");
    c.title = "time at the start of each step, both sides";
    c.y_label = "t";
    c.lines[0].y = s->t_ref, c.lines[1].y = s->t_port;
    parity__svg_chart_render(b, &c);
    parity__buf_puts(b, "</div></div>\n");
    schedule_verdict(b, h, s);
    schedule_table(b, h, s);
    free(k);
}

static void guidance(const parity__html *h, const parity_guidance *g) {
    parity_buf *b = h->b;
    parity__buf_puts(b, "<h3 id=\"guidance\">Guidance weights</h3>\n<p class=\"muted\">w = &lang;g "
                        "&minus; c, c &minus; u&rang; / &lang;c &minus; u, c &minus; u&rang; from the "
                        "conditional c, unconditional u and combined velocity g.</p><div class=\""
                        "tablewrap\"><table id=\"guidance-table\"><thead><tr><th scope=\"col\">k</th>"
                        "<th scope=\"col\">w ");
    parity__buf_html(b, h->labels[0]);
    parity__buf_puts(b, "</th><th scope=\"col\">w ");
    parity__buf_html(b, h->labels[1]);
    parity__buf_puts(b, "</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < g->n; i++) {
        parity__buf_printf(b, "<tr data-k=\"%lld\"><td>%lld</td>", (long long)g->k[i], (long long)g->k[i]);
        parity__html_num(b, g->w_ref[i]);
        parity__html_num(b, g->w_port[i]);
        parity__buf_puts(b, "</tr>\n");
    }
    parity__buf_puts(b, "</tbody></table></div>\n");
}

/* " --state <code>*.x</code>" */
static void tried(parity_buf *b, const char *option, const char *glob, const char *sep) {
    parity__buf_printf(b, "%s<code>%s ", sep, option);
    parity__buf_html(b, glob ? glob : "");
    parity__buf_puts(b, "</code>");
}

/* Without a schedule or a guidance weight, which patterns were tried: a
 * trace naming its solver tensors otherwise (*.v, *.state) needs them
 * passed, and the page should say so rather than that there are none. */
static void no_solver(const parity__html *h) {
    const parity_walk_opts *o = parity_walk_options(h->w);
    parity__buf_puts(h->b, "<p id=\"solver-none\">No solver schedule or guidance weight found "
                           "with the patterns tried:");
    tried(h->b, "--state", o->state_glob, " ");
    tried(h->b, "--velocity", o->velocity_glob, ", ");
    tried(h->b, "--cond", o->cond_glob, ", ");
    tried(h->b, "--uncond", o->uncond_glob, ", ");
    parity__buf_puts(h->b, " (each must select a series of at least three steps, named equal "
                           "but for the step number). Pass the patterns this trace uses.</p>\n");
}

void parity__html_solver(const parity__html *h) {
    const parity_schedule *s = parity_walk_schedule(h->w);
    const parity_guidance *g = parity_walk_guidance(h->w);
    parity__buf_puts(h->b, "<section id=\"solver\" aria-labelledby=\"solver-h\"><h2 id=\"solver-h\">"
                           "Solver schedules and guidance</h2>\n");
    if (!s && !g) no_solver(h);
    if (s) schedule(h, s);
    if (g) guidance(h, g);
    parity__buf_puts(h->b, "</section>\n");
}
