/*
 * picture.h — what the picture renderers share (png.c, colormap.c, font.c,
 * heatmap.c, svg.c, html*.c): an RGB canvas with a few drawing primitives,
 * the 5x7 bitmap font, base64, and the SVG chart builders. Never installed.
 */
#ifndef PARITY_PICTURE_H
#define PARITY_PICTURE_H

#include "internal.h"

/* ---- canvas (font.c) ---------------------------------------------------- */

/* Glyphs are 5 columns x 7 rows; text advances 6 pixels per character at
 * scale 1. Lowercase letters are drawn as capitals; a character without a
 * glyph is drawn as '?'. */
#define PARITY__FONT_W 5
#define PARITY__FONT_H 7
#define PARITY__FONT_ADVANCE 6

void parity__fill_rect(parity_image *img, int x, int y, int w, int h,
                       const unsigned char rgb[3]);
void parity__put_pixel(parity_image *img, int x, int y, const unsigned char rgb[3]);
/* Draw s with its top-left corner at (x, y); returns the width drawn. */
int parity__draw_text(parity_image *img, int x, int y, const char *s,
                      const unsigned char rgb[3]);
/* Width in pixels of s at scale 1. */
int parity__text_width(const char *s);
/* A line from (x0, y0) to (x1, y1), 1 pixel wide (Bresenham). */
void parity__draw_line(parity_image *img, int x0, int y0, int x1, int y1,
                       const unsigned char rgb[3]);

/* ---- base64 (html.c) ---------------------------------------------------- */

/* Append the standard base64 (RFC 4648, with padding) of n bytes. */
void parity__buf_base64(parity_buf *b, const unsigned char *p, size_t n);

/* ---- SVG charts (svg.c) ------------------------------------------------- */

#define PARITY__SVG_MAX_LINES 12

/* One line of a chart: n points (x[i], y[i]); NaN y leaves a gap. */
typedef struct parity__svg_line {
    const char *label;
    size_t n;
    const double *x, *y;
} parity__svg_line;

typedef struct parity__svg_chart {
    const char *title;       /* <title> and aria-label                     */
    const char *x_label, *y_label;
    int log_y;               /* log10 axis; values <= 0 are clamped to the */
                             /* smallest positive value shown              */
    int zero_line;           /* draw y = 0 (linear axes)                   */
    int width, height;       /* in CSS pixels; 0: 640 x 240                */
    int n_lines;
    parity__svg_line lines[PARITY__SVG_MAX_LINES];
    double mark_x[2];        /* vertical markers (NaN: none)               */
    const char *mark_label[2];
} parity__svg_chart;

/* Append one <svg> element (inline, no external reference). */
void parity__svg_chart_render(parity_buf *b, const parity__svg_chart *c);
/* Append s with & < > " ' escaped for HTML text and attributes. */
void parity__buf_html(parity_buf *b, const char *s);

#endif /* PARITY_PICTURE_H */
