/*
 * svg.c — inline SVG line charts for the HTML report: error growth over
 * stages (log y), per-step error of each series, schedules side by side,
 * per-index profiles. Text and axes use currentColor, so a chart follows
 * the page's light or dark colours. Line k is drawn in class s(k mod 8),
 * whose colour the stylesheet sets per theme (html_style.c: a palette
 * readable on both backgrounds), and with its own dash pattern, which the
 * legend repeats, so lines differ without colour too.
 *
 * Mapping: plot area [L, W-R] x [T, H-B]; x -> L + (x - x0)/(x1 - x0)·(W-R-L);
 * y (or log10 y) -> H-B - (y - y0)/(y1 - y0)·(H-B-T).
 * Ticks: linear axes step by the smallest 1, 2 or 5 x 10^k that gives at
 * most 5 intervals; the y range widens to whole steps (so 0 is a tick when
 * the range holds it), x ticks stay inside the data. Log axes tick whole
 * decades. The left pad L fits the widest y tick label and the rotated
 * y label; the legend flows left to right by each label's width.
 * Text widths are estimated at CHAR_W per character of the 13 px font.
 */
#include "render/picture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PAD_R 14
#define PAD_T 14
#define PAD_B 40
#define YLABEL_W 24    /* the rotated y label's column                      */
#define CHAR_W 8.0     /* a generous width of one character at 13 px        */
#define LEGEND_ROW 18
#define SWATCH 28      /* long enough to show two periods of a dash pattern */
#define N_COLOURS 8

static const char *DASH[4] = {"", "6 3", "2 2", "8 3 2 3"};

void parity__buf_html(parity_buf *b, const char *s) {
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        switch (c) {
        case '&': parity__buf_puts(b, "&amp;"); break;
        case '<': parity__buf_puts(b, "&lt;"); break;
        case '>': parity__buf_puts(b, "&gt;"); break;
        case '"': parity__buf_puts(b, "&quot;"); break;
        case '\'': parity__buf_puts(b, "&#39;"); break;
        default:
            /* a control character is shown as its escape (\n, \x1b), as the
             * text report shows it: HTML would fold a newline into a space,
             * and "a" and "a\n" must stay two names */
            if (c < 0x20 || c == 0x7F) {
                parity__escape_controls(s, 1, e, sizeof e, NULL);
                parity__buf_puts(b, e);
            } else {
                parity__buf_put(b, s, 1);
            }
        }
    }
}

typedef struct frame {
    double x0, x1, y0, y1;
    double xstep, ystep;      /* tick steps of linear axes                */
    int w, h, log_y, pad_l;
    int x_int;                /* every x is an integer: integer ticks     */
    int legend_h;
} frame;

static const char *dash_of(int k) { return DASH[(k / N_COLOURS + k) % 4]; }

/* The smallest 1, 2 or 5 x 10^k that is >= x (x > 0). */
double parity__svg_nice_step(double x) {
    double p = pow(10, floor(log10(x)));
    if (p >= x) return p;
    if (2 * p >= x) return 2 * p;
    if (5 * p >= x) return 5 * p;
    return 10 * p;
}

static double yval(const frame *f, double y) {
    if (!f->log_y) return y;
    return log10(y > 0 ? y : pow(10, f->y0));
}

static double px(const frame *f, double x) {
    double u = f->x1 > f->x0 ? (x - f->x0) / (f->x1 - f->x0) : 0.5;
    return f->pad_l + u * (f->w - PAD_R - f->pad_l);
}

static double py(const frame *f, double y) {
    double u = f->y1 > f->y0 ? (yval(f, y) - f->y0) / (f->y1 - f->y0) : 0.5;
    return f->h - PAD_B - u * (f->h - PAD_B - PAD_T);
}

/* Data ranges; log axes span whole decades of the positive values, linear
 * y axes whole tick steps. */
static void ranges(const parity__svg_chart *c, frame *f) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    f->x_int = 1;
    for (int l = 0; l < c->n_lines; l++)
        for (size_t i = 0; i < c->lines[l].n; i++) {
            double x = c->lines[l].x[i], y = c->lines[l].y[i];
            if (isfinite(x) && x != floor(x)) f->x_int = 0;
            if (!isfinite(x) || !isfinite(y) || (c->log_y && y <= 0)) continue;
            x0 = fmin(x0, x), x1 = fmax(x1, x);
            double v = c->log_y ? log10(y) : y;
            y0 = fmin(y0, v), y1 = fmax(y1, v);
        }
    if (x0 > x1) x0 = 0, x1 = 1;
    if (y0 > y1) y0 = 0, y1 = 1;
    if (c->log_y) y0 = floor(y0), y1 = ceil(y1);
    if (c->log_y && y1 <= y0) y1 = y0 + 1;
    if (!c->log_y && c->zero_line) y0 = fmin(y0, 0), y1 = fmax(y1, 0);
    if (!c->log_y && y1 <= y0) y0 -= 1, y1 += 1;
    if (!c->log_y) {
        f->ystep = parity__svg_nice_step((y1 - y0) / 5);
        y0 = floor(y0 / f->ystep + 1e-9) * f->ystep;
        y1 = ceil(y1 / f->ystep - 1e-9) * f->ystep;
    }
    f->xstep = x1 > x0 ? parity__svg_nice_step((x1 - x0) / 5) : 1;
    if (f->x_int && f->xstep < 1) f->xstep = 1;
    f->x0 = x0, f->x1 = x1, f->y0 = y0, f->y1 = y1;
}

/* Label of y tick v ("1e-3" on log axes). */
static void y_label(const frame *f, double v, char *t, size_t cap) {
    if (f->log_y) snprintf(t, cap, "1e%d", (int)v);
    else parity_fmt_num(fabs(v) < f->ystep * 1e-9 ? 0 : v, t, cap);
}

static int log_every(const frame *f) {
    int decades = (int)(f->y1 - f->y0);
    return decades > 8 ? (decades + 7) / 8 : 1;
}

/* The y ticks: n values into v (at most cap). */
static int y_ticks(const frame *f, double *v, int cap) {
    int n = 0;
    if (f->log_y)
        for (int d = (int)f->y0; d <= (int)f->y1 && n < cap; d += log_every(f)) v[n++] = d;
    else
        for (long k = lround(f->y0 / f->ystep); k <= lround(f->y1 / f->ystep) && n < cap; k++)
            v[n++] = (double)k * f->ystep;
    return n;
}

/* Left pad: the rotated y label, the widest tick label, 6 px of gap. */
static int left_pad(const frame *f) {
    double v[64];
    int n = y_ticks(f, v, 64);
    size_t widest = 1;
    for (int i = 0; i < n; i++) {
        char t[32];
        y_label(f, v[i], t, sizeof t);
        if (strlen(t) > widest) widest = strlen(t);
    }
    return YLABEL_W + (int)ceil(CHAR_W * (double)widest) + 6;
}

static void axes(parity_buf *b, const parity__svg_chart *c, const frame *f) {
    double v[64];
    int n = y_ticks(f, v, 64);
    for (int i = 0; i < n; i++) {
        char t[32];
        double y = f->log_y ? py(f, pow(10, v[i])) : py(f, v[i]);
        y_label(f, v[i], t, sizeof t);
        parity__buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                              "<text class=\"ytick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                           f->pad_l, f->w - PAD_R, y, y, f->pad_l - 6, y + 4, t);
    }
    long k1 = (long)floor(f->x1 / f->xstep + 1e-9);
    for (long k = (long)ceil(f->x0 / f->xstep - 1e-9); k <= k1; k++) {
        double x = (double)k * f->xstep;
        char t[32];
        parity_fmt_num(fabs(x) < f->xstep * 1e-9 ? 0 : x, t, sizeof t);
        parity__buf_printf(b, "<text class=\"xtick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                           px(f, x), f->h - PAD_B + 16, t);
    }
    if (!f->log_y && c->zero_line && f->y0 < 0 && f->y1 > 0)
        parity__buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>",
                           f->pad_l, f->w - PAD_R, py(f, 0), py(f, 0));
    parity__buf_printf(b, "<text class=\"xlabel\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                       (f->pad_l + f->w - PAD_R) / 2, f->h - 6);
    parity__buf_html(b, c->x_label ? c->x_label : "");
    int yc = (PAD_T + f->h - PAD_B) / 2;
    parity__buf_printf(b, "</text><text class=\"ylabel\" x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
                          "text-anchor=\"middle\">", yc, yc);
    parity__buf_html(b, c->y_label ? c->y_label : "");
    parity__buf_puts(b, "</text>");
}

static void line(parity_buf *b, const frame *f, const parity__svg_line *l, int k) {
    parity__buf_printf(b, "<g class=\"series s%d\"><path class=\"line\" fill=\"none\" "
                          "stroke=\"currentColor\" stroke-width=\"2\"", k % N_COLOURS);
    if (*dash_of(k)) parity__buf_printf(b, " stroke-dasharray=\"%s\"", dash_of(k));
    parity__buf_puts(b, " d=\"");
    int pen = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!isfinite(l->y[i]) || !isfinite(l->x[i])) { pen = 0; continue; }
        parity__buf_printf(b, "%c%.1f %.1f", pen ? 'L' : 'M', px(f, l->x[i]), py(f, l->y[i]));
        pen = 1;
    }
    parity__buf_puts(b, "\"><title>");
    parity__buf_html(b, l->label ? l->label : "");
    parity__buf_puts(b, "</title></path>");
    for (size_t i = 0; l->n <= 60 && i < l->n; i++)
        if (isfinite(l->y[i]) && isfinite(l->x[i]))
            parity__buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"currentColor\"/>",
                               px(f, l->x[i]), py(f, l->y[i]));
    parity__buf_puts(b, "</g>");
}

/* Legend items flow left to right from the plot's left edge, each as wide
 * as its swatch and label; a row that would pass the right edge wraps.
 * Fills x[k], row[k]; returns the number of rows. */
static int legend_layout(const parity__svg_chart *c, const frame *f, int *x, int *row) {
    int at = f->pad_l, r = 0;
    for (int k = 0; k < c->n_lines; k++) {
        const char *s = c->lines[k].label ? c->lines[k].label : "";
        int w = SWATCH + 6 + (int)ceil(CHAR_W * (double)strlen(s)) + 18;
        if (at > f->pad_l && at + w > f->w) at = f->pad_l, r++;
        x[k] = at, row[k] = r;
        at += w;
    }
    return c->n_lines ? r + 1 : 0;
}

static void legend(parity_buf *b, const parity__svg_chart *c, const frame *f) {
    int x[PARITY__SVG_MAX_LINES], row[PARITY__SVG_MAX_LINES];
    legend_layout(c, f, x, row);
    for (int k = 0; k < c->n_lines; k++) {
        int y = f->h + row[k] * LEGEND_ROW + 8;
        parity__buf_printf(b, "<g class=\"legend-item s%d\"><line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
                              "y2=\"%d\" stroke=\"currentColor\" stroke-width=\"2.5\"",
                           k % N_COLOURS, x[k], x[k] + SWATCH, y, y);
        if (*dash_of(k)) parity__buf_printf(b, " stroke-dasharray=\"%s\"", dash_of(k));
        parity__buf_printf(b, "/><text x=\"%d\" y=\"%d\">", x[k] + SWATCH + 6, y + 4);
        parity__buf_html(b, c->lines[k].label ? c->lines[k].label : "");
        parity__buf_puts(b, "</text></g>");
    }
}

static void markers(parity_buf *b, const parity__svg_chart *c, const frame *f) {
    for (int k = 0; k < 2; k++) {
        if (!isfinite(c->mark_x[k])) continue;
        double x = px(f, c->mark_x[k]);
        parity__buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"mark m%d\"/>",
                           x, x, PAD_T, f->h - PAD_B, k);
        parity__buf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"mark-label\">", x + 3,
                           PAD_T + 10 + 12 * k);
        parity__buf_html(b, c->mark_label[k] ? c->mark_label[k] : "");
        parity__buf_puts(b, "</text>");
    }
}

void parity__svg_chart_render(parity_buf *b, const parity__svg_chart *c) {
    frame f;
    memset(&f, 0, sizeof f);
    f.w = c->width ? c->width : 640;
    f.h = c->height ? c->height : 240;
    f.log_y = c->log_y;
    ranges(c, &f);
    f.pad_l = left_pad(&f);
    int x[PARITY__SVG_MAX_LINES], row[PARITY__SVG_MAX_LINES];
    f.legend_h = c->n_lines > 1 ? legend_layout(c, &f, x, row) * LEGEND_ROW + 4 : 0;
    parity__buf_printf(b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                          "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", f.w, f.h + f.legend_h);
    parity__buf_html(b, c->title ? c->title : "chart");
    parity__buf_puts(b, "\"><title>");
    parity__buf_html(b, c->title ? c->title : "chart");
    parity__buf_printf(b, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"plot\"/>",
                       f.pad_l, PAD_T, f.w - f.pad_l - PAD_R, f.h - PAD_T - PAD_B);
    axes(b, c, &f);
    markers(b, c, &f);
    for (int k = 0; k < c->n_lines; k++) line(b, &f, &c->lines[k], k);
    if (c->n_lines > 1) legend(b, c, &f);
    parity__buf_puts(b, "</svg>\n");
}
