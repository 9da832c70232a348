/*
 * svg.c — inline SVG line charts for the HTML report: error growth over
 * stages (log y), per-step error of each series, schedules side by side,
 * per-index profiles. Text and axes use currentColor, so a chart follows
 * the page's light or dark colours; lines use the Okabe-Ito palette
 * (distinct for colour-blind readers) and each line also gets its own
 * dash pattern.
 *
 * Mapping: plot area [L, W-R] x [T, H-B]; x -> L + (x - x0)/(x1 - x0)·(W-R-L);
 * y (or log10 y) -> H-B - (y - y0)/(y1 - y0)·(H-B-T).
 */
#include "render/picture.h"

#include <math.h>
#include <string.h>

#define PAD_L 70
#define PAD_R 14
#define PAD_T 14
#define PAD_B 40
#define LEGEND_ROW 18

static const char *PALETTE[8] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};
static const char *DASH[3] = {"", "6 3", "2 2"};

void parity__buf_html(parity_buf *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': parity__buf_puts(b, "&amp;"); break;
        case '<': parity__buf_puts(b, "&lt;"); break;
        case '>': parity__buf_puts(b, "&gt;"); break;
        case '"': parity__buf_puts(b, "&quot;"); break;
        case '\'': parity__buf_puts(b, "&#39;"); break;
        default: parity__buf_put(b, s, 1);
        }
    }
}

typedef struct frame {
    double x0, x1, y0, y1;
    int w, h, log_y;
    int x_int;                /* every x is an integer: integer ticks */
} frame;

static double yval(const frame *f, double y) {
    if (!f->log_y) return y;
    return log10(y > 0 ? y : pow(10, f->y0));
}

static double px(const frame *f, double x) {
    double u = f->x1 > f->x0 ? (x - f->x0) / (f->x1 - f->x0) : 0.5;
    return PAD_L + u * (f->w - PAD_R - PAD_L);
}

static double py(const frame *f, double y) {
    double u = f->y1 > f->y0 ? (yval(f, y) - f->y0) / (f->y1 - f->y0) : 0.5;
    return f->h - PAD_B - u * (f->h - PAD_B - PAD_T);
}

/* Data ranges; log axes span whole decades of the positive values. */
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
    f->x0 = x0, f->x1 = x1, f->y0 = y0, f->y1 = y1;
}

static void put_num(parity_buf *b, double x) {
    char t[32];
    parity__buf_puts(b, parity_fmt_num(x, t, sizeof t));
}

static void y_tick(parity_buf *b, const frame *f, double v) {
    double y = f->log_y ? py(f, pow(10, v)) : py(f, v);
    parity__buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
                       PAD_L, f->w - PAD_R, y, y);
    parity__buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", PAD_L - 6, y + 4);
    if (f->log_y) parity__buf_printf(b, "1e%d", (int)v);
    else put_num(b, v);
    parity__buf_puts(b, "</text>");
}

static void axes(parity_buf *b, const parity__svg_chart *c, const frame *f) {
    int decades = (int)(f->y1 - f->y0);
    int every = decades > 8 ? (decades + 7) / 8 : 1;
    if (f->log_y)
        for (int v = (int)f->y0; v <= (int)f->y1; v += every) y_tick(b, f, v);
    else
        for (int k = 0; k <= 4; k++) y_tick(b, f, f->y0 + (f->y1 - f->y0) * k / 4);
    double prev = NAN;
    for (int k = 0; k <= 4; k++) {
        double x = f->x0 + (f->x1 - f->x0) * k / 4;
        if (f->x_int) x = round(x);
        if (x == prev) continue; /* integer ticks of a short range */
        prev = x;
        parity__buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", px(f, x),
                           f->h - PAD_B + 16);
        put_num(b, x);
        parity__buf_puts(b, "</text>");
    }
    if (!f->log_y && c->zero_line && f->y0 < 0 && f->y1 > 0)
        parity__buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>",
                           PAD_L, f->w - PAD_R, py(f, 0), py(f, 0));
    parity__buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (PAD_L + f->w - PAD_R) / 2,
                       f->h - 6);
    parity__buf_html(b, c->x_label ? c->x_label : "");
    parity__buf_printf(b, "</text><text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
                          "text-anchor=\"middle\">", f->h / 2, f->h / 2);
    parity__buf_html(b, c->y_label ? c->y_label : "");
    parity__buf_puts(b, "</text>");
}

static void line(parity_buf *b, const frame *f, const parity__svg_line *l, int k) {
    parity__buf_printf(b, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"",
                       PALETTE[k % 8]);
    if (*DASH[(k / 8 + k) % 3]) parity__buf_printf(b, " stroke-dasharray=\"%s\"", DASH[(k / 8 + k) % 3]);
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
    if (l->n > 60) return;
    for (size_t i = 0; i < l->n; i++)
        if (isfinite(l->y[i]) && isfinite(l->x[i]))
            parity__buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                               px(f, l->x[i]), py(f, l->y[i]), PALETTE[k % 8]);
}

static void legend(parity_buf *b, const parity__svg_chart *c, const frame *f) {
    for (int k = 0; k < c->n_lines; k++) {
        int row = k / 3, col = k % 3, x = PAD_L + col * ((f->w - PAD_L) / 3);
        int y = f->h + row * LEGEND_ROW + 8;
        parity__buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                              "stroke-width=\"3\"/>", x, x + 18, y, y, PALETTE[k % 8]);
        parity__buf_printf(b, "<text x=\"%d\" y=\"%d\">", x + 24, y + 4);
        parity__buf_html(b, c->lines[k].label ? c->lines[k].label : "");
        parity__buf_puts(b, "</text>");
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
    int legend_h = c->n_lines > 1 ? ((c->n_lines + 2) / 3) * LEGEND_ROW + 4 : 0;
    parity__buf_printf(b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                          "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", f.w, f.h + legend_h);
    parity__buf_html(b, c->title ? c->title : "chart");
    parity__buf_puts(b, "\"><title>");
    parity__buf_html(b, c->title ? c->title : "chart");
    parity__buf_printf(b, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"plot\"/>",
                       PAD_L, PAD_T, f.w - PAD_L - PAD_R, f.h - PAD_T - PAD_B);
    axes(b, c, &f);
    markers(b, c, &f);
    for (int k = 0; k < c->n_lines; k++) line(b, &f, &c->lines[k], k);
    if (c->n_lines > 1) legend(b, c, &f);
    parity__buf_puts(b, "</svg>\n");
}
