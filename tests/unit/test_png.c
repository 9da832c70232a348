/*
 * test_png.c — PNG encoding, colormaps and the heatmap geometry.
 *
 * The C side draws a known pattern; tests/unit/check_png.py then decodes the
 * PNG with an independent decoder (PIL) and checks the documented size and
 * the colours at documented pixel positions, computed from the published
 * colormap anchors and the geometry formulas of docs/pictures.md, not from
 * this code. Here: the colormap anchors and clamping, slice errors, and the
 * PNG bytes (signature, IHDR) of a tiny image.
 */
#include "internal.h"
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

static void test_png_bytes(void) {
    unsigned char px[2 * 3 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    parity_image img = {3, 2, px};
    unsigned char *png = NULL;
    size_t n = 0;
    CHECK_EQ_INT(parity_png_encode(&img, &png, &n, NULL), PARITY_OK);
    CHECK(n > 8 + 25 + 12 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(png && memcmp(png + 12, "IHDR", 4) == 0 && png[19] == 3 && png[23] == 2);
    CHECK(png && png[24] == 8 && png[25] == 2); /* 8-bit RGB */
    CHECK(png && memcmp(png + n - 8, "IEND", 4) == 0);
    parity_free(png);
    parity_image bad = {0, 2, px};
    parity_error err;
    CHECK_EQ_INT(parity_png_encode(&bad, &png, &n, &err), PARITY_E_USAGE);
}

static void test_slice_errors(const parity_tensor *r, const parity_tensor *p) {
    const char *bad[] = {"0,:", "0,:,:,0", ":,:,:", "0,0,:", "2,:,:", "x,:,:", "-3,:,:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parity_plot_opts o = parity_plot_opts_default();
        parity_image img;
        parity_error err = {0};
        o.slice = bad[i];
        CHECK_MSG(parity_plot(r, p, &o, &img, &err) == PARITY_E_USAGE, "slice '%s'", bad[i]);
        CHECK_MSG(strstr(err.msg, "--slice") != NULL, "message: %s", err.msg);
    }
}

/* Write the pattern PNGs and let PIL check them. */
static void test_pattern(const parity_tensor *r, const parity_tensor *p) {
    const char *py = getenv("PARITY_PYTHON"), *build = getenv("PARITY_BUILD");
    const char *src = getenv("PARITY_SRC");
    if (!CHECK(py && *py && build && src)) return;
    char path[1024], cmd[4096];
    parity_plot_opts o = parity_plot_opts_default();
    parity_image img;
    o.slice = "-1,:,:"; /* = "1,:,:" */
    snprintf(path, sizeof path, "%s/test_png_slice1.png", build);
    CHECK_EQ_INT(parity_plot(r, p, &o, &img, NULL), PARITY_OK);
    CHECK_EQ_INT(img.width, 510);
    CHECK_EQ_INT(img.height, 406);
    CHECK_EQ_INT(parity_png_write(path, &img, NULL), PARITY_OK);
    parity_image_free(&img);
    o.slice = NULL;
    o.n_axes = -1;
    snprintf(path, sizeof path, "%s/test_png_default.png", build);
    CHECK_EQ_INT(parity_plot(r, p, &o, &img, NULL), PARITY_OK);
    CHECK_EQ_INT(parity_png_write(path, &img, NULL), PARITY_OK);
    parity_image_free(&img);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/unit/check_png.py' '%s'", py, src, build);
    CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
}

int main(void) {
    static double ref[48], port[48];
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 6; j++) ref[a * 24 + i * 6 + j] = a * 100 + i * 6 + j;
    memcpy(port, ref, sizeof ref);
    port[24 + 1 * 6 + 2] += 2; /* slice 1, cell (1, 2): 108 -> 110 */
    port[24 + 3 * 6 + 5] = NAN; /* slice 1, cell (3, 5): non-finite */
    port[0 * 24 + 2 * 6 + 3] -= 4; /* slice 0, cell (2, 3): 15 -> 11 */
    parity_tensor r = make_tensor("pattern", ref), p = make_tensor("pattern", port);
    test_colormaps();
    test_png_bytes();
    test_slice_errors(&r, &p);
    test_pattern(&r, &p);
    return TEST_SUMMARY();
}
