/*
 * png.c — PNG encoding with zlib alone (one code path, deterministic bytes).
 *
 * Byte layout written (PNG 1.2 / ISO 15948, all integers big-endian):
 *   8   signature 89 50 4E 47 0D 0A 1A 0A
 *   25  IHDR: length 13, "IHDR", width u32, height u32, bit depth 8,
 *       colour type 2 (RGB), compression 0, filter 0, interlace 0, CRC
 *   12+n IDAT: length n, "IDAT", zlib stream of the scanlines, CRC; each
 *       scanline is a filter byte (0 = None) then width*3 bytes
 *   12  IEND: length 0, "IEND", CRC
 * CRC-32 covers the chunk type and data (zlib's crc32 is that CRC).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PNG_MAX_SIDE 32768 /* a plot is never larger; keeps sizes small */

void parity_image_free(parity_image *img) {
    if (!img) return;
    free(img->rgb);
    img->rgb = NULL;
    img->width = img->height = 0;
}

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Write one chunk at p (length, type, data, CRC); returns bytes written. */
static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data,
                        uint32_t n) {
    put_u32(p, n);
    memcpy(p + 4, type, 4);
    if (n) memcpy(p + 8, data, n);
    uLong crc = crc32(0L, p + 4, (uInt)(n + 4));
    put_u32(p + 8 + n, (uint32_t)crc);
    return (size_t)n + 12;
}

/* The filtered scanlines: a 0 byte before each row. */
static unsigned char *raw_rows(const parity_image *img, size_t *n) {
    size_t row = (size_t)img->width * 3;
    *n = (row + 1) * (size_t)img->height;
    unsigned char *raw = malloc(*n);
    if (!raw) return NULL;
    for (int y = 0; y < img->height; y++) {
        raw[(row + 1) * (size_t)y] = 0;
        memcpy(raw + (row + 1) * (size_t)y + 1, img->rgb + row * (size_t)y, row);
    }
    return raw;
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
    size_t nraw = 0;
    unsigned char *raw = raw_rows(img, &nraw);
    uLongf nz = compressBound((uLong)nraw);
    unsigned char *png = raw ? malloc(8 + 25 + 12 + 12 + (size_t)nz) : NULL;
    unsigned char *z = png ? malloc(nz) : NULL;
    if (!z || compress2(z, &nz, raw, (uLong)nraw, 9) != Z_OK) {
        free(raw), free(png), free(z);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "png: out of memory");
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    unsigned char ihdr[13] = {0};
    put_u32(ihdr, (uint32_t)img->width);
    put_u32(ihdr + 4, (uint32_t)img->height);
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* colour type RGB */
    size_t at = 8;
    memcpy(png, sig, 8);
    at += put_chunk(png + at, "IHDR", ihdr, 13);
    at += put_chunk(png + at, "IDAT", z, (uint32_t)nz);
    at += put_chunk(png + at, "IEND", NULL, 0);
    free(raw), free(z);
    *out = png;
    *len = at;
    return PARITY_OK;
}

parity_status parity_png_write(const char *path, const parity_image *img,
                               parity_error *err) {
    unsigned char *png = NULL;
    size_t n = 0;
    TRY(parity_png_encode(img, &png, &n, err));
    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = (k > 0 && (size_t)k < sizeof tmp) ? fopen(tmp, "wb") : NULL;
    int ok = f && fwrite(png, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    free(png);
    if (ok && rename(tmp, path) == 0) return PARITY_OK;
    if (f) remove(tmp);
    return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot write the PNG file",
                        path);
}
