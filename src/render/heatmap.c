/*
 * heatmap.c — parity plot: ref, port and diff heatmaps of a 2-D slice, with
 * colour bars and per-axis profiles of mean_diff, drawn on an RGB canvas.
 *
 * Geometry (pixels; origin top-left; M = 10, G = 20, all documented in
 * docs/pictures.md, and tests/unit/test_png.c depends on it):
 *   slice      rows = the first ':' axis (H elements), columns = the second
 *              (W); a 1-D tensor is one row. step s = ceil(max(H,W)/256)
 *              elements per shown cell (s = 1 up to 256), shown Hs =
 *              ceil(H/s), Ws = ceil(W/s); cell (i,j) shows element (i·s, j·s).
 *   cell size  c = clamp(floor(256 / max(Hs,Ws)), 1, 24) pixels square.
 *   panels     p = 0 ref, 1 port, 2 diff; width PW = max(Ws·c, 150);
 *              left edge X(p) = M + p·(PW + G). Image width = 2M + 3PW + 2G.
 *   title      at (M, M); panel labels at (X(p), M + 14).
 *   cells      cell (i,j) of panel p fills [X(p) + j·c, +c) x [Y0 + i·c, +c)
 *              with Y0 = M + 28.
 *   colour bar y = Y0 + Hs·c + 6, 10 rows, PW columns: column x shows
 *              t = x / (PW - 1) of the panel's range; values printed under
 *              it at y + 14 (min left, max right; diff: -L, 0, +L).
 *   profiles   from Yp = bar y + 36, each 12 + 90 + 16 rows: a title, then a
 *              frame of 90 rows from x = M + 70 to width - M; y = 0 dashed.
 * Colours: values t = (v - lo)/(hi - lo) with lo, hi the min and max over
 * the finite values of both slices (one shared scale; t = 0.5 when hi =
 * lo) in the viridis map; diff t = d / L, L = max|d| over the slice (t = 0
 * when L = 0) in the diverging map; non-finite cells are grey #808080.
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
#define PROF_STEP (12 + PROF_H + 16)

static const unsigned char INK[3] = {0x20, 0x20, 0x20};
static const unsigned char FRAME[3] = {0xA0, 0xA0, 0xA0};
static const unsigned char LINE[3] = {0xC0, 0x30, 0x20};

typedef struct slice {
    int ra, ca;                 /* row and column axes (ra -1: one row)    */
    int64_t fixed[PARITY_MAX_DIMS]; /* index of every other axis           */
    int64_t h, w, step, hs, ws; /* elements, step, shown cells             */
    int cell, pw;
} slice;

typedef struct layout {
    slice s;
    int width, height, y0, bar_y, prof_y;
} layout;

parity_plot_opts parity_plot_opts_default(void) {
    parity_plot_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

/* One entry of --slice: ':' or an integer index in [-len, len). */
static parity_status slice_entry(const parity_tensor *t, int k, const char *e, size_t n,
                                 slice *s, int *n_colon, parity_error *err) {
    if (n == 1 && e[0] == ':') {
        FAIL_IF(*n_colon >= 2, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "--slice: more than two ':' entries (a slice is 2-D)");
        if ((*n_colon)++ == 0) s->ra = k;
        else s->ca = k;
        return PARITY_OK;
    }
    char buf[32], *end = NULL;
    FAIL_IF(n == 0 || n >= sizeof buf, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d: expected ':' or an index", k);
    memcpy(buf, e, n);
    buf[n] = '\0';
    long long v = strtoll(buf, &end, 10);
    FAIL_IF(*end, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d '%s': expected ':' or an index", k, buf);
    if (v < 0) v += t->shape[k];
    FAIL_IF(v < 0 || v >= t->shape[k], err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice: entry %d '%s': out of range for axis of length %lld", k, buf,
            (long long)t->shape[k]);
    s->fixed[k] = v;
    return PARITY_OK;
}

static parity_status parse_slice(const parity_tensor *t, const char *spec, slice *s,
                                 parity_error *err) {
    memset(s, 0, sizeof *s);
    s->ra = t->ndim >= 2 ? t->ndim - 2 : -1;
    s->ca = t->ndim >= 1 ? t->ndim - 1 : -1;
    if (!spec) return PARITY_OK;
    int k = 0, n_colon = 0;
    s->ra = s->ca = -1;
    for (const char *p = spec;; k++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        FAIL_IF(k >= t->ndim, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "--slice '%s': more entries than the %d axes of '%s'", spec, t->ndim, t->name);
        TRY(slice_entry(t, k, p, n, s, &n_colon, err));
        if (!comma) break;
        p = comma + 1;
    }
    FAIL_IF(k + 1 != t->ndim, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--slice '%s': %d entries for the %d axes of '%s'", spec, k + 1, t->ndim, t->name);
    FAIL_IF(n_colon == 0 || (n_colon == 1 && t->ndim > 1), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "--slice '%s': expected two ':' entries", spec);
    if (n_colon == 1) s->ca = s->ra, s->ra = -1;
    return PARITY_OK;
}

static void size_slice(const parity_tensor *t, slice *s) {
    s->h = s->ra >= 0 ? t->shape[s->ra] : 1;
    s->w = s->ca >= 0 ? t->shape[s->ca] : 1;
    int64_t big = s->h > s->w ? s->h : s->w;
    s->step = big > TARGET ? (big + TARGET - 1) / TARGET : 1;
    s->hs = (s->h + s->step - 1) / s->step;
    s->ws = (s->w + s->step - 1) / s->step;
    int64_t shown = s->hs > s->ws ? s->hs : s->ws;
    int64_t c = shown > 0 ? TARGET / shown : 1;
    s->cell = (int)(c < 1 ? 1 : c > MAX_CELL ? MAX_CELL : c);
    s->pw = (int)(s->ws * s->cell > MIN_PW ? s->ws * s->cell : MIN_PW);
}

/* Value of cell (i,j) of the slice of t (i, j in elements). */
static double slice_at(const parity_tensor *t, const slice *s, int64_t i, int64_t j) {
    uint64_t flat = 0, mul = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        int64_t idx = k == s->ra ? i : k == s->ca ? j : s->fixed[k];
        flat += (uint64_t)idx * mul;
        mul *= (uint64_t)t->shape[k];
    }
    double v = 0;
    if (t->count) parity_tensor_read(t, flat, 1, &v);
    return v;
}

/* Shared value range of both slices, and L = max|port - ref|. */
static void slice_range(const parity_tensor *r, const parity_tensor *p, const slice *s,
                        double *lo, double *hi, double *lim) {
    *lo = INFINITY, *hi = -INFINITY, *lim = 0;
    for (int64_t i = 0; i < s->hs; i++)
        for (int64_t j = 0; j < s->ws; j++) {
            double a = slice_at(r, s, i * s->step, j * s->step);
            double b = slice_at(p, s, i * s->step, j * s->step);
            if (isfinite(a)) *lo = fmin(*lo, a), *hi = fmax(*hi, a);
            if (isfinite(b)) *lo = fmin(*lo, b), *hi = fmax(*hi, b);
            if (isfinite(a) && isfinite(b)) *lim = fmax(*lim, fabs(b - a));
        }
    if (*lo > *hi) *lo = *hi = 0;
}

static void cell_colour(int panel, double a, double b, double lo, double hi, double lim,
                        unsigned char rgb[3]) {
    if (panel == 2) {
        double d = b - a;
        double t = !isfinite(d) ? NAN : lim > 0 ? d / lim : 0;
        parity_colormap_diverging(t, rgb);
        return;
    }
    double v = panel == 0 ? a : b;
    double t = !isfinite(v) ? NAN : hi > lo ? (v - lo) / (hi - lo) : 0.5;
    parity_colormap_value(t, rgb);
}

static void draw_cells(parity_image *img, const layout *L, const parity_tensor *r,
                       const parity_tensor *p, double lo, double hi, double lim) {
    const slice *s = &L->s;
    for (int64_t i = 0; i < s->hs; i++)
        for (int64_t j = 0; j < s->ws; j++) {
            double a = slice_at(r, s, i * s->step, j * s->step);
            double b = slice_at(p, s, i * s->step, j * s->step);
            for (int panel = 0; panel < 3; panel++) {
                unsigned char rgb[3];
                cell_colour(panel, a, b, lo, hi, lim, rgb);
                int x = M + panel * (s->pw + G) + (int)j * s->cell;
                parity__fill_rect(img, x, L->y0 + (int)i * s->cell, s->cell, s->cell, rgb);
            }
        }
}

static void draw_right(parity_image *img, int right, int y, const char *txt) {
    parity__draw_text(img, right - parity__text_width(txt), y, txt, INK);
}

/* Colour bar of one panel and its values. */
static void draw_bar(parity_image *img, const layout *L, int panel, double lo, double hi) {
    int x0 = M + panel * (L->s.pw + G), pw = L->s.pw;
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

static void draw_labels(parity_image *img, const layout *L, const parity_plot_opts *o,
                        const parity_tensor *r) {
    char title[256];
    int n = snprintf(title, sizeof title, "%s", o->title ? o->title : r->name);
    for (int k = 0; !o->title && k < r->ndim && n > 0 && (size_t)n < sizeof title - 24; k++) {
        int64_t at = L->s.fixed[k];
        if (k == L->s.ra || k == L->s.ca) n += snprintf(title + n, sizeof title - n, "%s:", k ? "," : " [");
        else n += snprintf(title + n, sizeof title - n, "%s%lld", k ? "," : " [", (long long)at);
        if (k == r->ndim - 1) snprintf(title + n, sizeof title - n, "]");
    }
    parity__draw_text(img, M, M, title, INK);
    const char *l0 = o->labels[0] ? o->labels[0] : "ref";
    const char *l1 = o->labels[1] ? o->labels[1] : "port";
    char diff[96];
    snprintf(diff, sizeof diff, "%.40s - %.40s", l1, l0);
    const char *lab[3] = {l0, l1, diff};
    for (int p = 0; p < 3; p++)
        parity__draw_text(img, M + p * (L->s.pw + G), M + 14, lab[p], INK);
}

/* One mean_diff profile: frame, dashed zero line, the curve, its range. */
static void draw_profile(parity_image *img, const layout *L, int y, const parity_axis_profile *pr) {
    char t[96], a[32], b[32];
    snprintf(t, sizeof t, "mean_diff along axis %d (%lld)", pr->axis, (long long)pr->len);
    parity__draw_text(img, M, y, t, INK);
    int x0 = M + PROF_LEFT, x1 = L->width - M - 1, top = y + 12, bot = top + PROF_H - 1;
    double lo = 0, hi = 0;
    for (int64_t i = 0; i < pr->len; i++)
        if (isfinite(pr->mean_diff[i])) lo = fmin(lo, pr->mean_diff[i]), hi = fmax(hi, pr->mean_diff[i]);
    if (hi == lo) hi = lo + 1;
    parity__draw_line(img, x0, top, x1, top, FRAME), parity__draw_line(img, x0, bot, x1, bot, FRAME);
    parity__draw_line(img, x0, top, x0, bot, FRAME), parity__draw_line(img, x1, top, x1, bot, FRAME);
    int yz = bot - (int)lround((0 - lo) / (hi - lo) * (PROF_H - 1));
    for (int x = x0; x <= x1; x += 4) parity__put_pixel(img, x, yz, FRAME);
    draw_right(img, x0 - 4, top, parity_fmt_num(hi, a, sizeof a));
    draw_right(img, x0 - 4, bot - 6, parity_fmt_num(lo, b, sizeof b));
    int px = -1, py = 0;
    for (int64_t i = 0; i < pr->len; i++) {
        double v = pr->mean_diff[i];
        if (!isfinite(v)) { px = -1; continue; }
        int x = x0 + (pr->len > 1 ? (int)lround((double)i / (double)(pr->len - 1) * (x1 - x0)) : 0);
        int yy = bot - (int)lround((v - lo) / (hi - lo) * (PROF_H - 1));
        if (px >= 0) parity__draw_line(img, px, py, x, yy, LINE);
        else parity__put_pixel(img, x, yy, LINE);
        px = x, py = yy;
    }
}

/* The profile axes: o->axes, or the slice's axes longer than 1. */
static parity_diff_opts profile_axes(const parity_tensor *t, const parity_plot_opts *o,
                                     const slice *s) {
    parity_diff_opts d = parity_diff_opts_default();
    d.n_axes = 0;
    for (int i = 0; i < o->n_axes && i < 4; i++)
        if (o->axes[i] >= -t->ndim && o->axes[i] < t->ndim) d.axes[d.n_axes++] = o->axes[i];
    if (o->n_axes) return d;
    if (s->ra >= 0 && t->shape[s->ra] > 1) d.axes[d.n_axes++] = s->ra;
    if (s->ca >= 0 && t->shape[s->ca] > 1) d.axes[d.n_axes++] = s->ca;
    return d;
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
                     const parity_tensor *r, const parity_tensor *p, const parity_diff *d) {
    double lo, hi, lim;
    slice_range(r, p, &L->s, &lo, &hi, &lim);
    draw_labels(img, L, o, r);
    draw_cells(img, L, r, p, lo, hi, lim);
    draw_bar(img, L, 0, lo, hi);
    draw_bar(img, L, 1, lo, hi);
    draw_bar(img, L, 2, -lim, lim);
    for (int i = 0; i < d->n_profiles; i++)
        draw_profile(img, L, L->prof_y + i * PROF_STEP, &d->profiles[i]);
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
    TRY(parse_slice(ref, o->slice, &L.s, err));
    size_slice(ref, &L.s);
    parity_diff_opts dopts = profile_axes(ref, o, &L.s);
    parity_diff d;
    memset(&d, 0, sizeof d);
    TRY(parity_diff_tensors(ref, port, &dopts, &d, err));
    L.width = 2 * M + 3 * L.s.pw + 2 * G;
    L.y0 = M + 28;
    L.bar_y = L.y0 + (int)L.s.hs * L.s.cell + 6;
    L.prof_y = L.bar_y + 36;
    L.height = L.prof_y + d.n_profiles * PROF_STEP + M - (d.n_profiles ? 16 : 15);
    parity_status st = new_image(out, &L, err);
    if (st == PARITY_OK) draw_all(out, &L, o, ref, port, &d);
    parity_diff_clear(&d);
    return st;
}
