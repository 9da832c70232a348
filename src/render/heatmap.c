/*
 * heatmap.c — parity plot: ref, port and diff heatmaps of a 2-D slice, with
 * index ticks, colour bars and per-axis profiles of mean_diff, drawn on an
 * RGB canvas. What each cell holds is in heatmap_slice.c.
 *
 * Geometry (pixels; origin top-left; M = 10, G = 20; documented in
 * docs/pictures.md, and tests/unit/check_png.py depends on it):
 *   slice      H rows (the first ':' axis), W columns (the second); a 1-D
 *              tensor is one row. Hs x Ws cells of rs x cs elements.
 *   cell size  ch = clamp(floor(256 / Hs), 1, 24) rows,
 *              cw = clamp(floor(256 / Ws), 1, 24) columns.
 *   panels     p = 0 ref, 1 port, 2 diff; width PW = max(Ws·cw, 150);
 *              row labels LW = width of the text of H - 1, plus 6;
 *              left edge X(p) = M + LW + p·(PW + G);
 *              image width = 2M + LW + 3PW + 2G.
 *   title      at (M, M); panel labels at (X(p), M + 14).
 *   cells      cell (i,j) of panel p fills [X(p) + j·cw, +cw) x
 *              [Y0 + i·ch, +ch) with Y0 = M + 28.
 *   ticks      element v of an axis sits at pixel floor((v + 0.5)·c/s)
 *              from the panel edge (c, s: that axis's cell size and step);
 *              ticks at multiples of the smallest 1, 2, 5 x 10^k that
 *              keeps labels apart; rows labelled left of panel 0, columns
 *              under every panel (labels at Y0 + Hs·ch + 5).
 *   colour bar Yb = Y0 + Hs·ch + 18, 10 rows, PW columns: column x shows
 *              t = x / (PW - 1) of the panel's range; values printed under
 *              it at Yb + 14 (min left, max right; diff: -L, 0, +L).
 *   profiles   from Yp = Yb + 36, one every 130 rows: a title, a frame of
 *              90 rows from x = M + 70 to width - M - 1 whose curve spans
 *              the rows 4 inside it (y = 0 dashed), index ticks under it;
 *              an axis longer than 65,536 is drawn per block of indices
 *              (heatmap_profile.c), each at its middle index.
 * Colours: values t = (v - lo)/(hi - lo) (t = 0.5 when hi = lo) in the
 * viridis map; diff t = d / L (t = 0 when L = 0) in the diverging map;
 * non-finite cells grey #808080. lo, hi, L are written into the image
 * (has_scale) and from there into the PNG's tEXt chunks.
 */
#include "render/picture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M 10
#define G 20
#define TARGET 256
#define MAX_CELL 24
#define MIN_PW 150
#define BAR_H 10
#define PROF_H 90
#define PROF_LEFT 70
#define PROF_INSET 4
#define PROF_BODY (12 + PROF_H + 5 + PARITY__FONT_H) /* title, frame, ticks */
#define PROF_STEP (PROF_BODY + 15)

static const unsigned char INK[3] = {0x20, 0x20, 0x20};
static const unsigned char FRAME[3] = {0xA0, 0xA0, 0xA0};
static const unsigned char LINE[3] = {0xC0, 0x30, 0x20};

typedef struct layout {
    parity__slice s;
    int ch, cw, pw, lw;        /* cell height, width; panel, label widths */
    int width, height, y0, bar_y, prof_y;
} layout;

parity_plot_opts parity_plot_opts_default(void) {
    parity_plot_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

static int panel_x(const layout *L, int p) { return M + L->lw + p * (L->pw + G); }

static int cell_px(int64_t cells) {
    int64_t c = cells > 0 ? TARGET / cells : MAX_CELL;
    return (int)(c < 1 ? 1 : c > MAX_CELL ? MAX_CELL : c);
}

static int int_width(int64_t v) {
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    return parity__text_width(t);
}

static void size_layout(layout *L, int n_profiles) {
    const parity__slice *s = &L->s;
    L->ch = cell_px(s->hs), L->cw = cell_px(s->ws);
    L->pw = (int)(s->ws * L->cw > MIN_PW ? s->ws * L->cw : MIN_PW);
    L->lw = int_width(s->h > 1 ? s->h - 1 : 0) + 6;
    L->width = 2 * M + L->lw + 3 * L->pw + 2 * G;
    L->y0 = M + 28;
    L->bar_y = L->y0 + (int)s->hs * L->ch + 18;
    L->prof_y = L->bar_y + 36;
    L->height = M + (n_profiles ? L->prof_y + (n_profiles - 1) * PROF_STEP + PROF_BODY
                                : L->bar_y + 14 + PARITY__FONT_H);
}

/* The smallest 1, 2 or 5 x 10^k (k >= 0) that is at least x: the SVG
 * charts' tick rule, kept to whole indices (a step past 1e18 is longer
 * than any axis, so it stops there). */
static int64_t index_step(double x) {
    if (!(x > 1)) return 1;
    return x > 1e18 ? (int64_t)1e18 : (int64_t)parity__svg_nice_step(x);
}

static void draw_right(parity_image *img, int right, int y, const char *txt) {
    parity__draw_text(img, right - parity__text_width(txt), y, txt, INK);
}

static void cell_colour(int panel, double v, double lo, double hi, double lim,
                        unsigned char rgb[3]) {
    if (panel == 2) {
        parity_colormap_diverging(!isfinite(v) ? NAN : lim > 0 ? v / lim : 0, rgb);
        return;
    }
    parity_colormap_value(!isfinite(v) ? NAN : hi > lo ? (v - lo) / (hi - lo) : 0.5, rgb);
}

static void draw_cells(parity_image *img, const layout *L, const parity__cells *c) {
    const parity__slice *s = &L->s;
    const double *v[3] = {c->ref, c->port, c->diff};
    for (int panel = 0; panel < 3; panel++)
        for (int64_t i = 0; i < s->hs; i++)
            for (int64_t j = 0; j < s->ws; j++) {
                unsigned char rgb[3];
                cell_colour(panel, v[panel][i * s->ws + j], c->lo, c->hi, c->lim, rgb);
                parity__fill_rect(img, panel_x(L, panel) + (int)j * L->cw,
                                  L->y0 + (int)i * L->ch, L->cw, L->ch, rgb);
            }
}

/* Row indices left of panel 0: labels at least 14 pixels apart. */
static void row_ticks(parity_image *img, const layout *L) {
    if (L->s.ra < 0) return;
    double ppi = (double)L->ch / (double)L->s.rs;
    int x = panel_x(L, 0);
    for (int64_t v = 0, step = index_step(14.0 / ppi); v < L->s.h; v += step) {
        int y = L->y0 + (int)floor(((double)v + 0.5) * ppi);
        char t[24];
        snprintf(t, sizeof t, "%lld", (long long)v);
        parity__draw_line(img, x - 3, y, x - 1, y, INK);
        draw_right(img, x - 5, y - 3, t);
    }
}

/* Column indices under each panel; a label that would leave the panel by
 * more than half the gap is left out (its tick stays). */
static void col_ticks(parity_image *img, const layout *L) {
    double ppi = (double)L->cw / (double)L->s.cs;
    int64_t step = index_step((int_width(L->s.w - 1) + 8) / ppi);
    int y = L->y0 + (int)L->s.hs * L->ch;
    for (int p = 0; p < 3; p++)
        for (int64_t v = 0; v < L->s.w; v += step) {
            int x = panel_x(L, p) + (int)floor(((double)v + 0.5) * ppi);
            char t[24];
            snprintf(t, sizeof t, "%lld", (long long)v);
            int tw = parity__text_width(t), left = x - tw / 2;
            parity__draw_line(img, x, y, x, y + 2, INK);
            if (left >= panel_x(L, p) - G / 2 + 1 && left + tw <= panel_x(L, p) + L->pw + G / 2 - 1)
                parity__draw_text(img, left, y + 5, t, INK);
        }
}

/* Colour bar of one panel and its values. */
static void draw_bar(parity_image *img, const layout *L, int panel, double lo, double hi) {
    int x0 = panel_x(L, panel), pw = L->pw;
    for (int x = 0; x < pw; x++) {
        unsigned char rgb[3];
        double t = pw > 1 ? (double)x / (pw - 1) : 0;
        if (panel == 2) parity_colormap_diverging(2 * t - 1, rgb);
        else parity_colormap_value(t, rgb);
        parity__fill_rect(img, x0 + x, L->bar_y, 1, BAR_H, rgb);
    }
    char a[32], b[32];
    parity_fmt_num(lo, a, sizeof a);
    parity_fmt_num(hi, b, sizeof b);
    parity__draw_text(img, x0, L->bar_y + 14, a, INK);
    draw_right(img, x0 + pw, L->bar_y + 14, b);
    if (panel == 2) parity__draw_text(img, x0 + pw / 2 - 2, L->bar_y + 14, "0", INK);
}

/* "name [0,:,:]", and how many elements a cell stands for when not one. */
static void draw_title(parity_image *img, const layout *L, const parity_plot_opts *o,
                       const parity_tensor *r) {
    parity_buf t = {0};
    parity__buf_puts(&t, o->title ? o->title : r->name);
    for (int k = 0; !o->title && k < r->ndim; k++) {
        parity__buf_puts(&t, k ? "," : " [");
        if (k == L->s.ra || k == L->s.ca) parity__buf_puts(&t, ":");
        else parity__buf_printf(&t, "%lld", (long long)L->s.fixed[k]);
        if (k == r->ndim - 1) parity__buf_puts(&t, "]");
    }
    if (L->s.rs > 1 || L->s.cs > 1)
        parity__buf_printf(&t, "  (a cell: %lldx%lld elements; values: mean, diff: largest |d|)",
                           (long long)L->s.rs, (long long)L->s.cs);
    if (!t.oom && t.data) parity__draw_text(img, M, M, t.data, INK);
    parity__buf_free(&t);
}

static void draw_labels(parity_image *img, const layout *L, const parity_plot_opts *o) {
    const char *l0 = o->labels[0] ? o->labels[0] : "ref";
    const char *l1 = o->labels[1] ? o->labels[1] : "port";
    char diff[96];
    snprintf(diff, sizeof diff, "%.40s - %.40s", l1, l0);
    const char *lab[3] = {l0, l1, diff};
    for (int p = 0; p < 3; p++) parity__draw_text(img, panel_x(L, p), M + 14, lab[p], INK);
}

/* Index ticks under a profile frame spanning x0..x1 for len indices. */
static void profile_ticks(parity_image *img, int x0, int x1, int y, int64_t len) {
    double ppi = len > 1 ? (double)(x1 - x0) / (double)(len - 1) : 1;
    int64_t step = index_step((int_width(len - 1) + 20) / ppi);
    for (int64_t v = 0; v < len; v += step) {
        int x = x0 + (int)lround((double)v * ppi);
        char t[24];
        snprintf(t, sizeof t, "%lld", (long long)v);
        parity__draw_line(img, x, y, x, y + 2, FRAME);
        parity__draw_text(img, x - parity__text_width(t) / 2, y + 4, t, INK);
    }
}

/* One mean_diff profile: frame, dashed zero line, the curve (inset 4 rows
 * from the frame, so a constant curve does not hide in it), its range. A
 * block of indices (a long axis) is drawn at its middle index. */
static void draw_profile(parity_image *img, const layout *L, int y, const parity__profile *pr) {
    char t[96], a[32], b[32];
    snprintf(t, sizeof t, "mean_diff along axis %d (%lld)", pr->axis, (long long)pr->len);
    parity__draw_text(img, M, y, t, INK);
    int x0 = M + PROF_LEFT, x1 = L->width - M - 1, top = y + 12, bot = top + PROF_H - 1;
    int ctop = top + PROF_INSET, cbot = bot - PROF_INSET, span = cbot - ctop;
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < pr->cells; i++)
        if (isfinite(pr->mean_diff[i])) lo = fmin(lo, pr->mean_diff[i]), hi = fmax(hi, pr->mean_diff[i]);
    if (hi == lo) hi = lo + 1;
    parity__draw_line(img, x0, top, x1, top, FRAME), parity__draw_line(img, x0, bot, x1, bot, FRAME);
    parity__draw_line(img, x0, top, x0, bot, FRAME), parity__draw_line(img, x1, top, x1, bot, FRAME);
    int yz = cbot - (int)lround((0 - lo) / (hi - lo) * span);
    for (int x = x0; x <= x1; x += 4) parity__put_pixel(img, x, yz, FRAME);
    draw_right(img, x0 - 4, ctop - 3, parity_fmt_num(hi, a, sizeof a));
    draw_right(img, x0 - 4, cbot - 3, parity_fmt_num(lo, b, sizeof b));
    profile_ticks(img, x0, x1, bot + 1, pr->len);
    int px = -1, py = 0;
    for (int64_t i = 0; i < pr->cells; i++) {
        double v = pr->mean_diff[i], at = parity__profile_center(pr, i);
        if (!isfinite(v)) { px = -1; continue; }
        int x = x0 + (pr->len > 1 ? (int)lround(at / (double)(pr->len - 1) * (x1 - x0)) : 0);
        int yy = cbot - (int)lround((v - lo) / (hi - lo) * span);
        if (px >= 0) parity__draw_line(img, px, py, x, yy, LINE);
        else parity__put_pixel(img, x, yy, LINE);
        px = x, py = yy;
    }
}

/* The profile axes (each in [0, ndim)): o->axes (each must exist), or the
 * slice's axes longer than 1; none when o->n_axes < 0. */
static parity_status profile_axes(const parity_tensor *t, const parity_plot_opts *o,
                                  const parity__slice *s, int *axes, int *n, parity_error *err) {
    *n = 0;
    FAIL_IF(o->n_axes > 4, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "plot: --axis: at most 4 axes");
    for (int i = 0; i < o->n_axes; i++) {
        FAIL_IF(o->axes[i] < -t->ndim || o->axes[i] >= t->ndim, err, PARITY_E_USAGE,
                PARITY_NO_OFFSET, "plot: --axis %d: '%s' has %d axes (0..%d, or -1..-%d)",
                o->axes[i], t->name, t->ndim, t->ndim - 1, t->ndim);
        axes[(*n)++] = o->axes[i] < 0 ? o->axes[i] + t->ndim : o->axes[i];
    }
    if (o->n_axes) return PARITY_OK;
    if (s->ra >= 0 && t->shape[s->ra] > 1) axes[(*n)++] = s->ra;
    if (s->ca >= 0 && t->shape[s->ca] > 1) axes[(*n)++] = s->ca;
    return PARITY_OK;
}

static parity_status new_image(parity_image *img, const layout *L, parity_error *err) {
    uint64_t n = 0;
    FAIL_IF(!parity__mul_u64((uint64_t)L->width * 3, (uint64_t)L->height, &n), err,
            PARITY_E_LIMIT, PARITY_NO_OFFSET, "plot: image too large");
    img->rgb = malloc(n);
    FAIL_IF(!img->rgb, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "plot: out of memory");
    img->width = L->width, img->height = L->height;
    memset(img->rgb, 255, n);
    return PARITY_OK;
}

static parity_status check_pair(const parity_tensor *r, const parity_tensor *p,
                                parity_error *err) {
    FAIL_IF(r->ndim != p->ndim, err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "plot: '%s': %d axes against %d; align the layouts first", r->name, r->ndim, p->ndim);
    for (int k = 0; k < r->ndim; k++)
        FAIL_IF(r->shape[k] != p->shape[k], err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
                "plot: '%s': axis %d has length %lld against %lld", r->name, k,
                (long long)r->shape[k], (long long)p->shape[k]);
    return PARITY_OK;
}

static void draw_all(parity_image *img, const layout *L, const parity_plot_opts *o,
                     const parity_tensor *r, const parity__cells *c, const parity__profile *pr, int n_pr) {
    draw_title(img, L, o, r);
    draw_labels(img, L, o);
    draw_cells(img, L, c);
    row_ticks(img, L);
    col_ticks(img, L);
    draw_bar(img, L, 0, c->lo, c->hi);
    draw_bar(img, L, 1, c->lo, c->hi);
    draw_bar(img, L, 2, -c->lim, c->lim);
    for (int i = 0; i < n_pr; i++) draw_profile(img, L, L->prof_y + i * PROF_STEP, &pr[i]);
    img->has_scale = 1;
    img->value_lo = c->lo, img->value_hi = c->hi, img->diff_limit = c->lim;
}

parity_status parity_plot(const parity_tensor *ref, const parity_tensor *port,
                          const parity_plot_opts *o, parity_image *out,
                          parity_error *err) {
    parity_plot_opts def = parity_plot_opts_default();
    if (!o) o = &def;
    memset(out, 0, sizeof *out);
    TRY(check_pair(ref, port, err));
    layout L;
    memset(&L, 0, sizeof L);
    TRY(parity__slice_parse(ref, o->slice, &L.s, err));
    int axes[4], n_pr = 0;
    TRY(profile_axes(ref, o, &L.s, axes, &n_pr, err));
    FAIL_IF(parity_dtype_block(ref->dtype, NULL, NULL) < 0 ||
                parity_dtype_block(port->dtype, NULL, NULL) < 0, err,
            PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: tensor '%s': invalid dtype",
            ref->file ? ref->file : "?", ref->name ? ref->name : "?");
    /* the profiles take a pass over the whole tensor; without them (the
     * report's cards draw their own) only the slice is read */
    parity__profile pr[4];
    memset(pr, 0, sizeof pr);
    if (n_pr) TRY(parity__profiles_compute(ref, port, axes, n_pr, pr, err));
    parity__cells c;
    parity_status st = parity__cells_compute(ref, port, &L.s, &c, err);
    size_layout(&L, n_pr);
    if (st == PARITY_OK) st = new_image(out, &L, err);
    if (st == PARITY_OK) draw_all(out, &L, o, ref, &c, pr, n_pr);
    parity__cells_free(&c);
    parity__profiles_free(pr, n_pr);
    return st;
}
