/*
 * colormap.c — the two colormaps of plots and reports.
 *
 * Sequential, for values: viridis (perceptually uniform, readable in grey
 * and by colour-blind readers), built from the 10 colours of its published
 * definition sampled at t = k/9 (viridisLite::viridis(10), equal to
 * matplotlib's table at those points), interpolated linearly in sRGB:
 *   k = floor(9t), f = 9t - k, c = c_k + f (c_{k+1} - c_k), rounded.
 *
 * Diverging, for differences: ColorBrewer RdBu (5 classes, reversed so that
 * negative is blue) at t = -1, -0.5, 0, 0.5, 1, interpolated the same way;
 * t = 0 is the neutral #f7f7f7, so a zero difference reads as "nothing".
 * Callers scale diffs by a symmetric limit L = max|d|: t = d / L.
 */
#include "internal.h"

#include <math.h>

static const unsigned char VIRIDIS[10][3] = {
    {0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3E, 0x4A, 0x89}, {0x31, 0x68, 0x8E},
    {0x26, 0x82, 0x8E}, {0x1F, 0x9E, 0x89}, {0x35, 0xB7, 0x79}, {0x6D, 0xCD, 0x59},
    {0xB4, 0xDE, 0x2C}, {0xFD, 0xE7, 0x25},
};

static const unsigned char RDBU[5][3] = {
    {0x05, 0x71, 0xB0}, {0x92, 0xC5, 0xDE}, {0xF7, 0xF7, 0xF7},
    {0xF4, 0xA5, 0x82}, {0xCA, 0x00, 0x20},
};

static const unsigned char NAN_GREY[3] = {0x80, 0x80, 0x80};

/* Piecewise-linear interpolation over n anchors at u in [0, n-1]. */
static void lerp_anchors(const unsigned char (*c)[3], int n, double u,
                         unsigned char rgb[3]) {
    if (u <= 0) u = 0;
    if (u >= n - 1) u = n - 1;
    int k = (int)floor(u);
    if (k >= n - 1) k = n - 2;
    double f = u - k;
    for (int i = 0; i < 3; i++) {
        double v = c[k][i] + f * (c[k + 1][i] - c[k][i]);
        rgb[i] = (unsigned char)lround(v);
    }
}

void parity_colormap_value(double t, unsigned char rgb[3]) {
    if (isnan(t)) {
        for (int i = 0; i < 3; i++) rgb[i] = NAN_GREY[i];
        return;
    }
    lerp_anchors(VIRIDIS, 10, t * 9.0, rgb);
}

void parity_colormap_diverging(double t, unsigned char rgb[3]) {
    if (isnan(t)) {
        for (int i = 0; i < 3; i++) rgb[i] = NAN_GREY[i];
        return;
    }
    lerp_anchors(RDBU, 5, (t + 1.0) * 2.0, rgb);
}
