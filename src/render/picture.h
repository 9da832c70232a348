/*
 * picture.h — what the picture renderers share (png.c, colormap.c, font.c,
 * heatmap*.c, svg.c, html*.c): an RGB canvas with a few drawing primitives,
 * the 5x8 bitmap font, heatmap slices and profiles, base64, and the SVG chart
 * builders.
 * Never installed.
 */
#ifndef PARITY_PICTURE_H
#define PARITY_PICTURE_H

#include "internal.h"

/* ---- canvas (font.c) ---------------------------------------------------- */

/* Glyphs are 5 columns x 8 rows (printable ASCII; row 7 holds descenders);
 * text advances 6 pixels per character at scale 1; a character outside
 * 32..126 is drawn as '?'. */
#define PARITY__FONT_W 5
#define PARITY__FONT_H 8
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

/* ---- heatmap slices (heatmap_slice.c) ----------------------------------- */

/* A 2-D slice of a tensor and the cells it is drawn in. Rows run along axis
 * ra (-1: a single row), columns along axis ca; every other axis k is fixed
 * at index fixed[k]. Cell (i, j) stands for the block of rows
 * [i·rs, (i+1)·rs) and columns [j·cs, (j+1)·cs), clipped to h and w. */
typedef struct parity__slice {
    int ra, ca;
    int64_t fixed[PARITY_MAX_DIMS];
    int64_t h, w;              /* elements along rows and columns           */
    int64_t rs, cs;            /* elements per cell: ceil(h/256), ceil(w/256) */
    int64_t hs, ws;            /* cells: ceil(h/rs), ceil(w/cs)             */
} parity__slice;

/* What the cells show, [hs * ws] row-major, and the colour scales, both
 * taken over every element of the slice (never over a subsample). */
typedef struct parity__cells {
    double *ref, *port;        /* block means; NaN when any element of the  */
                               /* block is non-finite on that side          */
    double *diff;              /* the signed d = port - ref of largest |d|  */
                               /* (first in row-major order on ties); NaN   */
                               /* when any d of the block is non-finite     */
    double lo, hi;             /* min, max of the finite values of both     */
                               /* sides (0, 0 when there is none)           */
    double lim;                /* max |d| where both sides are finite       */
} parity__cells;

/* Parse --slice (NULL: the last two axes, other axes at 0) and size s. */
parity_status parity__slice_parse(const parity_tensor *t, const char *spec,
                                  parity__slice *s, parity_error *err);
/* One streaming pass over the slice of both tensors (same shape). */
parity_status parity__cells_compute(const parity_tensor *r, const parity_tensor *p,
                                    const parity__slice *s, parity__cells *c,
                                    parity_error *err);
void parity__cells_free(parity__cells *c);

/* ---- mean_diff profiles (heatmap_profile.c) ----------------------------- */

/* A picture draws at most this many points of a profile: a longer axis is
 * profiled in blocks of consecutive indices. */
#define PARITY__PROFILE_CELLS 65536

/* mean_diff along one axis, per index or per block of step indices. */
typedef struct parity__profile {
    int axis;
    int64_t len;               /* the axis's length                         */
    int64_t step;              /* indices per cell: ceil(len / 65,536)      */
    int64_t cells;             /* ceil(len / step)                          */
    double *mean_diff;         /* [cells] Σd/n of the cell's both-finite    */
                               /* pairs; NaN when there is none             */
} parity__profile;

/* One streaming pass over two tensors of one shape: the profiles along
 * axes[0..n) (n <= 4, each in [0, ndim)). Free with parity__profiles_free. */
parity_status parity__profiles_compute(const parity_tensor *r, const parity_tensor *p,
                                       const int *axes, int n, parity__profile *out,
                                       parity_error *err);
void parity__profiles_free(parity__profile *pr, int n);
/* The index cell c stands for: c itself, or the middle of its block. */
double parity__profile_center(const parity__profile *pr, int64_t c);

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

/* The smallest 1, 2 or 5 x 10^k that is >= x (x > 0): the tick step of a
 * linear axis is nice_step(range / 5); the heatmap's index ticks use it too. */
double parity__svg_nice_step(double x);
/* Append one <svg> element (inline, no external reference). */
void parity__svg_chart_render(parity_buf *b, const parity__svg_chart *c);
/* Append s with & < > " ' escaped for HTML text and attributes. */
void parity__buf_html(parity_buf *b, const char *s);

#endif /* PARITY_PICTURE_H */
