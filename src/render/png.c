/*
 * png.c — PNG encoding through libspng (Debian's libspng-dev), so the bytes
 * come from a maintained, fuzzed encoder rather than our own chunk writer.
 *
 * What is written: 8-bit RGB (colour type 2), no interlace, libspng's
 * adaptive filters and zlib deflate; then, when the image carries the
 * colour scales of parity_plot, two tEXt chunks a reader can parse instead
 * of the picture (values at full precision, "%.17g"):
 *   "parity.value_range"  "LO HI"  viridis spans [LO, HI] (ref and port)
 *   "parity.diff_limit"   "L"      the diverging map spans [-L, L]
 * The same image always gives the same bytes with one libspng build.
 */
#include "internal.h"

#include <spng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PNG_MAX_SIDE 32768 /* a plot is never larger; keeps sizes small */

void parity_image_free(parity_image *img) {
    if (!img) return;
    free(img->rgb);
    img->rgb = NULL;
    img->width = img->height = 0;
}

/* The scale chunks; text[k] point into buf. Returns how many. */
static uint32_t scale_text(const parity_image *img, struct spng_text text[2],
                           char buf[2][80]) {
    if (!img->has_scale) return 0;
    memset(text, 0, 2 * sizeof *text);
    snprintf(buf[0], sizeof buf[0], "%.17g %.17g", img->value_lo, img->value_hi);
    snprintf(buf[1], sizeof buf[1], "%.17g", img->diff_limit);
    snprintf(text[0].keyword, sizeof text[0].keyword, "parity.value_range");
    snprintf(text[1].keyword, sizeof text[1].keyword, "parity.diff_limit");
    for (int k = 0; k < 2; k++) {
        text[k].type = SPNG_TEXT;
        text[k].text = buf[k];
        text[k].length = strlen(buf[k]);
    }
    return 2;
}

/* Header, text and pixels into ctx; 0 or a libspng error code. */
static int encode(spng_ctx *ctx, const parity_image *img) {
    struct spng_ihdr ihdr = {0};
    ihdr.width = (uint32_t)img->width;
    ihdr.height = (uint32_t)img->height;
    ihdr.bit_depth = 8;
    ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR;
    struct spng_text text[2];
    char buf[2][80];
    uint32_t n_text = scale_text(img, text, buf);
    size_t n = (size_t)img->width * (size_t)img->height * 3;
    int e = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
    if (!e) e = spng_set_ihdr(ctx, &ihdr);
    if (!e && n_text) e = spng_set_text(ctx, text, n_text);
    if (!e) e = spng_encode_image(ctx, img->rgb, n, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    return e;
}

parity_status parity_png_encode(const parity_image *img, unsigned char **out,
                                size_t *len, parity_error *err) {
    *out = NULL;
    *len = 0;
    FAIL_IF(!img || !img->rgb, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "png: no image");
    FAIL_IF(img->width < 1 || img->width > PNG_MAX_SIDE, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "png: width %d: expected 1..%d", img->width, PNG_MAX_SIDE);
    FAIL_IF(img->height < 1 || img->height > PNG_MAX_SIDE, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "png: height %d: expected 1..%d", img->height, PNG_MAX_SIDE);
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    FAIL_IF(!ctx, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "png: out of memory");
    int e = encode(ctx, img);
    unsigned char *png = e ? NULL : spng_get_png_buffer(ctx, len, &e);
    spng_ctx_free(ctx);
    FAIL_IF(e || !png, err, e == SPNG_EMEM ? PARITY_E_NOMEM : PARITY_E_USAGE, PARITY_NO_OFFSET,
            "png: libspng: %s", spng_strerror(e));
    *out = png; /* malloc'ed by libspng's default allocator: parity_free frees it */
    return PARITY_OK;
}

parity_status parity_png_write(const char *path, const parity_image *img,
                               parity_error *err) {
    unsigned char *png = NULL;
    size_t n = 0;
    TRY(parity_png_encode(img, &png, &n, err));
    parity_status st = parity_write_file(path, png, n, err);
    free(png);
    return st;
}
