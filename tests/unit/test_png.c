/*
 * test_png.c — PNG encoding, colormaps, the bitmap font and the heatmaps.
 *
 * tests/unit/check_png.py makes the data with NumPy (a known [2, 4, 6]
 * pattern; a 600 x 600 slice with one row shifted up and one column down;
 * an [80, 1000] mel with one bad bin and one bad frame; a strided slice with
 * a NaN), this file plots each pair to a PNG, and check_png.py decodes them
 * with PIL and checks size, every cell, the colour scales and the defects
 * against its own NumPy computation and the geometry of docs/pictures.md,
 * not against this code. Here: colormap anchors and clamping, PNG header
 * and text chunks, lowercase glyphs, --slice and --axis errors.
 */
#include "internal.h"
#include "render/picture.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A [2, 4, 6] float64 tensor over data (C order). */
static parity_tensor make_tensor(const char *name, const double *data) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = name, t.file = "mem", t.dtype = PARITY_DT_F64, t.ndim = 3;
    t.shape[0] = 2, t.shape[1] = 4, t.shape[2] = 6;
    t.count = 48, t.nbytes = 48 * 8, t.data = (const unsigned char *)data;
    parity__strides_c(&t);
    return t;
}

static void test_colormaps(void) {
    unsigned char c[3];
    parity_colormap_value(0, c);
    CHECK(c[0] == 0x44 && c[1] == 0x01 && c[2] == 0x54);
    parity_colormap_value(1, c);
    CHECK(c[0] == 0xFD && c[1] == 0xE7 && c[2] == 0x25);
    parity_colormap_value(7.0 / 9.0, c); /* an anchor exactly: #6DCD59 */
    CHECK(c[0] == 0x6D && c[1] == 0xCD && c[2] == 0x59);
    parity_colormap_value(-3, c); /* clamped */
    CHECK(c[0] == 0x44 && c[2] == 0x54);
    parity_colormap_value(NAN, c);
    CHECK(c[0] == 0x80 && c[1] == 0x80 && c[2] == 0x80);
    parity_colormap_diverging(0, c);
    CHECK(c[0] == 0xF7 && c[1] == 0xF7 && c[2] == 0xF7);
    parity_colormap_diverging(-1, c);
    CHECK(c[0] == 0x05 && c[1] == 0x71 && c[2] == 0xB0);
    parity_colormap_diverging(5, c);
    CHECK(c[0] == 0xCA && c[1] == 0x00 && c[2] == 0x20);
}

static int has_bytes(const unsigned char *p, size_t n, const char *s) {
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0) return 1;
    return 0;
}

static void test_png_bytes(void) {
    unsigned char px[2 * 3 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    parity_image img = {0};
    img.width = 3, img.height = 2, img.rgb = px;
    unsigned char *png = NULL;
    size_t n = 0;
    CHECK_EQ_INT(parity_png_encode(&img, &png, &n, NULL), PARITY_OK);
    CHECK(n > 8 + 25 + 12 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(png && memcmp(png + 12, "IHDR", 4) == 0 && png[19] == 3 && png[23] == 2);
    CHECK(png && png[24] == 8 && png[25] == 2); /* 8-bit RGB */
    CHECK(png && memcmp(png + n - 8, "IEND", 4) == 0);
    CHECK(png && !has_bytes(png, n, "tEXt")); /* no scale: no text */
    parity_free(png);
    img.has_scale = 1, img.value_lo = -0.5, img.value_hi = 2, img.diff_limit = 0.25;
    CHECK_EQ_INT(parity_png_encode(&img, &png, &n, NULL), PARITY_OK);
    CHECK(png && has_bytes(png, n, "tEXtparity.value_range"));
    CHECK(png && has_bytes(png, n, "parity.diff_limit"));
    parity_free(png);
    parity_image bad = {0};
    bad.width = 0, bad.height = 2, bad.rgb = px;
    parity_error err;
    CHECK_EQ_INT(parity_png_encode(&bad, &png, &n, &err), PARITY_E_USAGE);
}

/* The ink of s drawn at (0, 0): a bitmask string of 6 x 8 pixels. */
static void ink(const char *s, char out[49]) {
    unsigned char px[6 * 8 * 3];
    parity_image img = {0};
    img.width = 6, img.height = 8, img.rgb = px;
    memset(px, 255, sizeof px);
    static const unsigned char black[3] = {0, 0, 0};
    parity__draw_text(&img, 0, 0, s, black);
    for (int k = 0; k < 48; k++) out[k] = px[k * 3] ? '.' : '#';
    out[48] = '\0';
}

/* Every printable character has its own glyph: a lowercase letter is not
 * its capital, and only the space (and nothing else) is blank. */
static void test_glyphs(void) {
    char a[49], b[49], q[49];
    ink("?", q);
    for (char c = 'a'; c <= 'z'; c++) {
        char lo[2] = {c, 0}, up[2] = {(char)(c - 32), 0};
        ink(lo, a), ink(up, b);
        CHECK_MSG(strcmp(a, b) != 0, "'%c' is drawn as '%c'", c, c - 32);
        CHECK_MSG(strcmp(a, q) != 0, "'%c' is drawn as '?'", c);
    }
    for (int c = 33; c < 127; c++) {
        char s[2] = {(char)c, 0};
        ink(s, a);
        CHECK_MSG(strchr(a, '#') != NULL, "'%c' has no ink", c);
        CHECK_MSG(c == '?' || strcmp(a, q) != 0, "'%c' is drawn as '?'", c);
    }
    ink("\x01", a);
    CHECK(strcmp(a, q) == 0); /* outside 32..126 */
    CHECK_EQ_INT(parity__text_width("abc"), 17);
}

static void test_usage_errors(const parity_tensor *r, const parity_tensor *p) {
    const char *bad[] = {"0,:", "0,:,:,0", ":,:,:", "0,0,:", "2,:,:", "x,:,:", "-3,:,:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parity_plot_opts o = parity_plot_opts_default();
        parity_image img;
        parity_error err = {0};
        o.slice = bad[i];
        CHECK_MSG(parity_plot(r, p, &o, &img, &err) == PARITY_E_USAGE, "slice '%s'", bad[i]);
        CHECK_MSG(strstr(err.msg, "--slice") != NULL, "message: %s", err.msg);
    }
    const int axes[] = {3, 5, -4};
    for (size_t i = 0; i < sizeof axes / sizeof *axes; i++) {
        parity_plot_opts o = parity_plot_opts_default();
        parity_image img;
        parity_error err = {0};
        o.n_axes = 1, o.axes[0] = axes[i];
        CHECK_MSG(parity_plot(r, p, &o, &img, &err) == PARITY_E_USAGE, "--axis %d", axes[i]);
        CHECK_MSG(strstr(err.msg, "--axis") && strstr(err.msg, "has 3 axes"), "message: %s", err.msg);
    }
}

/* One case of check_png.py: plot BUILD/png_NAME_{ref,port}.npy. */
static void plot_case(const char *build, const char *name, const char *slice, int profiles) {
    char path[2][1024], out[1024];
    parity_set *set[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        snprintf(path[k], sizeof path[k], "%s/png_%s_%s.npy", build, name, k ? "port" : "ref");
        CHECK_MSG(parity_set_open(path[k], NULL, &set[k], NULL) == PARITY_OK, "open %s", path[k]);
    }
    if (set[0] && set[1]) {
        parity_plot_opts o = parity_plot_opts_default();
        o.slice = slice, o.n_axes = profiles ? 0 : -1;
        parity_image img;
        parity_error err = {0};
        snprintf(out, sizeof out, "%s/png_%s.png", build, name);
        CHECK_MSG(parity_plot(parity_set_tensor(set[0], 0), parity_set_tensor(set[1], 0), &o,
                              &img, &err) == PARITY_OK, "%s: %s", name, err.msg);
        CHECK(img.has_scale);
        CHECK_EQ_INT(parity_png_write(out, &img, NULL), PARITY_OK);
        parity_image_free(&img);
    }
    parity_set_free(set[0]);
    parity_set_free(set[1]);
}

static void test_cases(void) {
    const char *py = getenv("PARITY_PYTHON"), *build = getenv("PARITY_BUILD");
    const char *src = getenv("PARITY_SRC");
    if (!CHECK(py && *py && build && src)) return;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/unit/check_png.py' gen '%s'", py, src, build);
    if (!CHECK_MSG(system(cmd) == 0, "%s failed", cmd)) return;
    /* the same names, slices and profiles as CASES in check_png.py */
    plot_case(build, "pattern1", "-1,:,:", 1);
    plot_case(build, "pattern0", NULL, 0);
    plot_case(build, "rows600", NULL, 0);
    plot_case(build, "mel", NULL, 1);
    plot_case(build, "strided", ":,:,1", 0);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/unit/check_png.py' check '%s'", py, src, build);
    CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
}

int main(void) {
    static double ref[48], port[48];
    for (int k = 0; k < 48; k++) ref[k] = port[k] = k;
    parity_tensor r = make_tensor("pattern", ref), p = make_tensor("pattern", port);
    test_colormaps();
    test_png_bytes();
    test_glyphs();
    test_usage_errors(&r, &p);
    test_cases();
    return TEST_SUMMARY();
}
