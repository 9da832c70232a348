/*
 * quant.c — ggml's block-quantized types, decoded exactly as ggml's
 * reference code (dequantize_row_* in ggml-quants.c) decodes them: one
 * small function per type, each opening with its block's byte layout.
 *
 * All multi-byte fields are little-endian; "f16" is an IEEE half, turned
 * into f32 exactly (ggml's GGML_FP16_TO_FP32; subnormals, Inf and NaN
 * included). Each value is computed in f32 with ggml's operations, in
 * ggml's order, with ggml's integer types: an int times a float is the int
 * converted to float, then one rounded product.
 *
 * Why the results are exact whatever the compiler: every product here has
 * at most 24 significant bits (an f16 scale has 11, a sub-block scale at
 * most 7 magnitude bits, a quant at most 5 or 8), so each product is
 * exact in f32 and the only rounding is the final "+ m" / "- m" of the
 * types with a minimum (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K). An FMA would round
 * that sum the same way, since its product was exact anyway. The file is
 * still compiled with -ffp-contract=off (CMakeLists.txt) and clang's
 * pragma below, so the code means exactly what it says.
 * tests/unit/test_quant.c checks every value bit for bit against values
 * derived by hand from the formats' definitions.
 */
#include "core/half.h"
#include "core/quant.h"

#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* f16 at p (little-endian) as f32, exactly. */
static float half_at(const unsigned char *p) {
    uint16_t h = (uint16_t)(p[0] | p[1] << 8);
    return parity__f16_to_f32(h);
}

/* ---- 32-value blocks ---------------------------------------------------- */

/* Q4_0, 18 bytes:
 *   [0, 2)   f16 d
 *   [2, 18)  qs[16]: byte j holds value j (low nibble) and j+16 (high)
 *   y = (q - 8) * d */
static void dq_q4_0(const unsigned char *b, float *y) {
    const float d = half_at(b);
    const unsigned char *qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        const int x0 = (qs[j] & 0x0F) - 8;
        const int x1 = (qs[j] >> 4) - 8;
        y[j] = x0 * d;
        y[j + 16] = x1 * d;
    }
}

/* Q4_1, 20 bytes:
 *   [0, 2) f16 d   [2, 4) f16 m   [4, 20) qs[16] as in Q4_0
 *   y = q * d + m */
static void dq_q4_1(const unsigned char *b, float *y) {
    const float d = half_at(b), m = half_at(b + 2);
    const unsigned char *qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        const int x0 = qs[j] & 0x0F;
        const int x1 = qs[j] >> 4;
        y[j] = x0 * d + m;
        y[j + 16] = x1 * d + m;
    }
}

/* The 5th bit of value j (0..31) of a Q5 block: bit j of the u32 qh, put
 * in place (0x10) as ggml does, shifting down by 12 for the upper half. */
static unsigned q5_high(uint32_t qh, int j) {
    return j < 16 ? ((qh >> j) << 4) & 0x10 : (qh >> (j - 16 + 12)) & 0x10;
}

/* Q5_0, 22 bytes:
 *   [0, 2) f16 d   [2, 6) u32 qh: bit j = the 5th bit of value j
 *   [6, 22) qs[16]: the low 4 bits, as in Q4_0
 *   y = ((q | h << 4) - 16) * d */
static void dq_q5_0(const unsigned char *b, float *y) {
    const float d = half_at(b);
    uint32_t qh;
    memcpy(&qh, b + 2, 4); /* little-endian host (x86-64, arm64) */
    const unsigned char *qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int32_t x0 = (int32_t)((qs[j] & 0x0Fu) | q5_high(qh, j)) - 16;
        const int32_t x1 = (int32_t)((qs[j] >> 4) | q5_high(qh, j + 16)) - 16;
        y[j] = x0 * d;
        y[j + 16] = x1 * d;
    }
}

/* Q5_1, 24 bytes:
 *   [0, 2) f16 d   [2, 4) f16 m   [4, 8) u32 qh   [8, 24) qs[16]
 *   y = (q | h << 4) * d + m */
static void dq_q5_1(const unsigned char *b, float *y) {
    const float d = half_at(b), m = half_at(b + 2);
    uint32_t qh;
    memcpy(&qh, b + 4, 4);
    const unsigned char *qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int x0 = (int)((qs[j] & 0x0Fu) | q5_high(qh, j));
        const int x1 = (int)((qs[j] >> 4) | q5_high(qh, j + 16));
        y[j] = x0 * d + m;
        y[j + 16] = x1 * d + m;
    }
}

/* Q8_0, 34 bytes:
 *   [0, 2) f16 d   [2, 34) int8 qs[32]
 *   y = q * d */
static void dq_q8_0(const unsigned char *b, float *y) {
    const float d = half_at(b);
    for (int j = 0; j < 32; ++j) y[j] = (int8_t)b[2 + j] * d;
}

/* ---- 256-value super-blocks (K-quants) --------------------------------- */

/* Q2_K, 84 bytes, 16 sub-blocks of 16 values:
 *   [0, 16)   scales[16]: sub-block s has scale scales[s] & 0xF and min
 *             scales[s] >> 4
 *   [16, 80)  qs[64]: 2-bit quants; for value e = 128n + 32j + l (n < 2,
 *             j < 4, l < 32): (qs[32n + l] >> 2j) & 3; sub-block e / 16
 *   [80, 82)  f16 d     [82, 84) f16 dmin
 *   y = (d * sc) * q - (dmin * m) */
static void dq_q2_k(const unsigned char *b, float *y) {
    const unsigned char *scales = b, *q = b + 16;
    const float d = half_at(b + 80), min = half_at(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128, q += 32) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const uint8_t sc = scales[is++];
                const float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * ((int8_t)((q[l + 16 * half] >> shift) & 3)) - ml;
            }
        }
    }
}

/* The 16 six-bit scales of Q3_K from their 12 bytes: scale s has its low
 * 4 bits in byte s (s < 8, low nibble) or s - 8 (high nibble), and its top
 * 2 bits at bit 2 * (s / 4) of byte 8 + s % 4. Stored with a bias of 32
 * (ggml reads them as int8 and subtracts 32). */
static void q3_k_scales(const unsigned char *p, int8_t out[16]) {
    for (int s = 0; s < 16; ++s) {
        int low = s < 8 ? p[s] & 0xF : p[s - 8] >> 4;
        int top = (p[8 + s % 4] >> (2 * (s / 4))) & 3;
        out[s] = (int8_t)(low | top << 4);
    }
}

/* Q3_K, 110 bytes, 16 sub-blocks of 16 values:
 *   [0, 32)    hmask[32]: the 3rd bit of value e = 128n + 32j + l is bit
 *              4n + j of hmask[l]; set means +0, clear means -4
 *   [32, 96)   qs[64]: low 2 bits, (qs[32n + l] >> 2j) & 3 as in Q2_K
 *   [96, 108)  scales: 16 x 6 bits (q3_k_scales), biased by 32
 *   [108, 110) f16 d
 *   y = (d * (sc - 32)) * (q - (h ? 0 : 4)) */
static void dq_q3_k(const unsigned char *b, float *y) {
    const unsigned char *hm = b, *q = b + 32;
    const float d_all = half_at(b + 108);
    int8_t scales[16];
    q3_k_scales(b + 96, scales);
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < 256; n += 128, q += 32) {
        for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
            for (int half = 0; half < 2; ++half) {
                const float dl = d_all * (scales[is++] - 32);
                const unsigned char *qq = q + 16 * half, *hh = hm + 16 * half;
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * ((int8_t)((qq[l] >> shift) & 3) - ((hh[l] & m) ? 0 : 4));
            }
        }
    }
}

/* Scale and min of sub-block j (0..7) of Q4_K/Q5_K from their 12 bytes:
 * j < 4: the low 6 bits of bytes j and j + 4; j >= 4: the nibbles of byte
 * j + 4 below the top 2 bits of bytes j - 4 (scale) and j (min). */
static void k4_scale_min(int j, const unsigned char *q, uint8_t *sc,
                         uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* Q4_K, 144 bytes, 8 sub-blocks of 32 values:
 *   [0, 2) f16 d   [2, 4) f16 dmin   [4, 16) scales: 8 x (6-bit scale,
 *   6-bit min), k4_scale_min
 *   [16, 144) qs[128]: value e = 64c + 32h + l (c < 4, h < 2, l < 32) is
 *             the low (h = 0) or high (h = 1) nibble of qs[32c + l];
 *             sub-block e / 32
 *   y = (d * sc) * q - (dmin * m) */
static void dq_q4_k(const unsigned char *b, float *y) {
    const float d = half_at(b), min = half_at(b + 2);
    const unsigned char *scales = b + 4, *q = b + 16;
    for (int is = 0; is < 8; is += 2, q += 32) {
        uint8_t sc, m;
        k4_scale_min(is, scales, &sc, &m);
        const float d1 = d * sc, m1 = min * m;
        k4_scale_min(is + 1, scales, &sc, &m);
        const float d2 = d * sc, m2 = min * m;
        for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
}

/* Q5_K, 176 bytes, 8 sub-blocks of 32 values:
 *   [0, 2) f16 d   [2, 4) f16 dmin   [4, 16) scales as in Q4_K
 *   [16, 48)  qh[32]: the 5th bit of value e = 64c + 32h + l is bit
 *             2c + h (= e / 32) of qh[l]
 *   [48, 176) qs[128]: low 4 bits, as in Q4_K
 *   y = (d * sc) * (q + 16 h) - (dmin * m) */
static void dq_q5_k(const unsigned char *b, float *y) {
    const float d = half_at(b), min = half_at(b + 2);
    const unsigned char *scales = b + 4, *qh = b + 16, *ql = b + 48;
    uint8_t u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
        uint8_t sc, m;
        k4_scale_min(is, scales, &sc, &m);
        const float d1 = d * sc, m1 = min * m;
        k4_scale_min(is + 1, scales, &sc, &m);
        const float d2 = d * sc, m2 = min * m;
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    }
}

/* Q6_K, 210 bytes, 16 sub-blocks of 16 values:
 *   [0, 128)   ql[128]: low 4 bits; value e = 128n + 32k + l (n < 2,
 *              k < 4, l < 32) is the low (k < 2) or high (k >= 2) nibble
 *              of ql[64n + 32(k % 2) + l]
 *   [128, 192) qh[64]: high 2 bits, (qh[32n + l] >> 2k) & 3
 *   [192, 208) int8 scales[16]: sub-block e / 16
 *   [208, 210) f16 d
 *   y = (d * sc) * (q - 32) */
static void dq_q6_k(const unsigned char *b, float *y) {
    const float d = half_at(b + 208);
    const unsigned char *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int8_t q1 = (int8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int8_t q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int8_t q3 = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int8_t q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * sc[is] * q1;
            y[l + 32] = d * sc[is + 2] * q2;
            y[l + 64] = d * sc[is + 4] * q3;
            y[l + 96] = d * sc[is + 6] * q4;
        }
    }
}

/* ---- the table ----------------------------------------------------------- */

typedef struct block_type {
    int elems, bytes;
    void (*decode)(const unsigned char *block, float *out);
} block_type;

/* Indexed by dtype - PARITY_DT_Q4_0; sizes from ggml-common.h. */
static const block_type BLOCKS[] = {
    {32, 18, dq_q4_0},   {32, 20, dq_q4_1},   {32, 22, dq_q5_0},
    {32, 24, dq_q5_1},   {32, 34, dq_q8_0},   {256, 84, dq_q2_k},
    {256, 110, dq_q3_k}, {256, 144, dq_q4_k}, {256, 176, dq_q5_k},
    {256, 210, dq_q6_k},
};

_Static_assert(sizeof BLOCKS / sizeof BLOCKS[0] ==
                   PARITY_DT_COUNT - PARITY_DT_Q4_0,
               "one entry per block-quantized dtype");

static const block_type *block_of(parity_dtype dt) {
    if (dt < PARITY_DT_Q4_0 || dt >= PARITY_DT_COUNT) return NULL;
    return &BLOCKS[dt - PARITY_DT_Q4_0];
}

void parity__dequant_block(parity_dtype dt, const unsigned char *block,
                           float *out) {
    const block_type *b = block_of(dt);
    if (b) b->decode(block, out);
}

/* ---- runs and views ------------------------------------------------------ */

void parity__dequant_run(parity_dtype dt, const unsigned char *base,
                         uint64_t n_blocks, uint64_t first, size_t n,
                         double *out) {
    const block_type *b = block_of(dt);
    float y[PARITY__QK_MAX];
    if (!b) {
        for (size_t i = 0; i < n; i++) out[i] = NAN;
        return;
    }
    uint64_t blk = first / (uint64_t)b->elems;
    size_t at = (size_t)(first % (uint64_t)b->elems);
    while (n > 0) {
        size_t take = (size_t)b->elems - at;
        if (take > n) take = n;
        if (blk < n_blocks) {
            b->decode(base + blk * (uint64_t)b->bytes, y);
            for (size_t i = 0; i < take; i++) out[i] = y[at + i];
        } else {
            for (size_t i = 0; i < take; i++) out[i] = NAN;
        }
        out += take, n -= take, blk++, at = 0;
    }
}

int parity__quant_geometry(parity_dtype dt, int *block_elems, int *block_bytes) {
    const block_type *b = block_of(dt);
    if (b && block_elems) *block_elems = b->elems;
    if (b && block_bytes) *block_bytes = b->bytes;
    return b != NULL;
}
