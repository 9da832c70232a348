/*
 * test_quant.c — ggml's block-quantized types (core/quant.c) against
 * values derived by hand from each format's definition.
 *
 * For every type: at least two blocks, written here byte by byte (header
 * fields spelled out, quant arrays as a stated pattern p[i] = (a*i + c) &
 * 0xFF), and
 *   1. spot values derived by hand in the comments, checked bit for bit
 *      (signs of zero included);
 *   2. every value of every block checked bit for bit against ref_value(),
 *      a straightforward decoder written from the definitions alone (index
 *      formulas, exact arithmetic in double, one rounding to f32 at the
 *      end: every product of these formats is exact in f32, so the only
 *      rounding ggml does is that of the final "+ m", which one rounding of
 *      the exact value reproduces);
 *   3. the read paths: runs that start and end mid-block, a transposed
 *      (strided) view, parity_convert, parity_dtype_to_double, a view whose
 *      bytes end early (NaN, never a read past them), and the geometry.
 * f16 scales used below (sign | 5-bit exponent, bias 15 | 10-bit mantissa):
 *   0x3c00 = 1.0   0x3800 = 0.5   0xb800 = -0.5   0x3400 = 0.25
 *   0xc000 = -2.0  0x2c00 = 2^-4 = 0.0625
 *   0x4900 = 0 10010 0100000000 = 1.25 * 2^3 = 10.0
 *   0x63d0 = 0 11000 1111010000 = (1 + 976/1024) * 2^9 = 1000.0
 *   0x2e66 = 0 01011 1001100110 = (1 + 614/1024) * 2^-4 = 1638 * 2^-14
 *          = 0.0999755859375          (0xae66: the same, negative)
 *   0xb4cd = 1 01101 0011001101 = -(1 + 205/1024) * 2^-2 = -4916 * 2^-14
 *          = -0.300048828125
 *   0x3555 = 0 01101 0101010101 = (1 + 341/1024) * 2^-2 = 5460 * 2^-14
 *          = 0.333251953125
 *   0x0300 = subnormal 768 * 2^-24 = 3 * 2^-16
 *   0x7c00 = +Inf
 */
#include "core/quant.h"
#include "testutil.h"

/* ---- building blocks --------------------------------------------------- */

static void put16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)(v >> 8);
}

/* p[i] = (a*i + c) & 0xFF: the stated pattern of a quant array. */
static void fill(unsigned char *p, int n, int a, int c) {
    for (int i = 0; i < n; i++) p[i] = (unsigned char)((a * i + c) & 0xFF);
}

/* An IEEE half by its fields, independently of the library's decoder. */
static double half(const unsigned char *p) {
    unsigned h = (unsigned)p[0] | (unsigned)p[1] << 8;
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY)
                                                : ldexp(1024 + m, e - 25);
    return s ? -v : v;
}

static int s8(unsigned char b) { return b > 127 ? (int)b - 256 : b; }

/* ---- the definitions, element by element ------------------------------ */

/* 4-bit value e (0..31) of a 32-value block's qs[16]: byte e % 16, low
 * nibble for e < 16, high for e >= 16. */
static int nib32(const unsigned char *qs, int e) {
    return e < 16 ? qs[e] & 15 : qs[e - 16] >> 4;
}

/* Value e of a 32-value block, exactly, in double. */
static double ref_small(parity_dtype dt, const unsigned char *b, int e) {
    uint32_t qh;
    switch (dt) {
    case PARITY_DT_Q4_0: return (nib32(b + 2, e) - 8) * half(b);
    case PARITY_DT_Q4_1: return nib32(b + 4, e) * half(b) + half(b + 2);
    case PARITY_DT_Q5_0:
        qh = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
        return ((nib32(b + 6, e) | (int)((qh >> e) & 1) << 4) - 16) * half(b);
    case PARITY_DT_Q5_1:
        qh = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        return (nib32(b + 8, e) | (int)((qh >> e) & 1) << 4) * half(b) + half(b + 2);
    default: return s8(b[2 + e]) * half(b); /* Q8_0 */
    }
}

/* Q2_K/Q3_K: value e = 128n + 32j + l takes 2 bits at 2j of qs[32n + l]. */
static int two_bits(const unsigned char *qs, int e) {
    int n = e / 128, j = e % 128 / 32, l = e % 32;
    return (qs[32 * n + l] >> (2 * j)) & 3;
}

/* Q4_K/Q5_K sub-block j's 6-bit scale and min from the 12 packed bytes. */
static void k_scale_min(const unsigned char *s, int j, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 15) | (s[j - 4] >> 6) << 4;
        *m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
    }
}

/* Q4_K/Q5_K: value e = 64c + 32h + l is nibble h of qs[32c + l]. */
static int k_nibble(const unsigned char *qs, int e) {
    int c = e / 64, h = e % 64 / 32, l = e % 32;
    return h ? qs[32 * c + l] >> 4 : qs[32 * c + l] & 15;
}

/* Value e of a 256-value super-block, exactly, in double. */
static double ref_k(parity_dtype dt, const unsigned char *b, int e) {
    int sc, m, s = e / 16;
    switch (dt) {
    case PARITY_DT_Q2_K:
        return half(b + 80) * (b[s] & 15) * two_bits(b + 16, e) - half(b + 82) * (b[s] >> 4);
    case PARITY_DT_Q3_K: {
        const unsigned char *p = b + 96;
        int six = (s < 8 ? p[s] & 15 : p[s - 8] >> 4) | ((p[8 + s % 4] >> (2 * (s / 4))) & 3) << 4;
        int high = (b[e % 32] >> (4 * (e / 128) + e % 128 / 32)) & 1;
        return half(b + 108) * (six - 32) * (two_bits(b + 32, e) - (high ? 0 : 4));
    }
    case PARITY_DT_Q4_K:
        k_scale_min(b + 4, e / 32, &sc, &m);
        return half(b) * sc * k_nibble(b + 16, e) - half(b + 2) * m;
    case PARITY_DT_Q5_K:
        k_scale_min(b + 4, e / 32, &sc, &m);
        return half(b) * sc * (k_nibble(b + 48, e) + 16 * ((b[16 + e % 32] >> (e / 32)) & 1)) -
               half(b + 2) * m;
    default: { /* Q6_K: e = 128n + 32k + l */
        int n = e / 128, k = e % 128 / 32, l = e % 32;
        int byte = b[64 * n + 32 * (k % 2) + l];
        int lo = k >= 2 ? byte >> 4 : byte & 15;
        int hi = (b[128 + 32 * n + l] >> (2 * k)) & 3;
        return half(b + 208) * s8(b[192 + s]) * ((lo | hi << 4) - 32);
    }
    }
}

/* The f32 ggml computes: the exact value rounded once. */
static float ref_value(parity_dtype dt, const unsigned char *b, int e) {
    return dt >= PARITY_DT_Q2_K ? (float)ref_k(dt, b, e) : (float)ref_small(dt, b, e);
}

/* ---- checking one type ------------------------------------------------- */

typedef struct spot {
    int block, e;
    double want;
} spot;

static int same_f32(float a, float b) {
    uint32_t x, y;
    memcpy(&x, &a, 4);
    memcpy(&y, &b, 4);
    return x == y || (isnan(a) && isnan(b));
}

/* Every value of each block against ref_value, and the hand spots. */
static void check_values(parity_dtype dt, const unsigned char *blocks, int nb,
                         const spot *sp, int ns) {
    int be, bb;
    CHECK_EQ_INT(parity_dtype_block(dt, &be, &bb), 1);
    for (int k = 0; k < nb; k++) {
        float y[PARITY__QK_MAX];
        const unsigned char *b = blocks + k * bb;
        parity__dequant_block(dt, b, y);
        int bad = 0;
        for (int e = 0; e < be; e++) {
            if (same_f32(y[e], ref_value(dt, b, e))) continue;
            if (bad++ < 3)
                fprintf(stderr, "    %s block %d [%d]: got %.17g want %.17g\n",
                        parity_dtype_name(dt), k, e, y[e], ref_value(dt, b, e));
        }
        CHECK_MSG(bad == 0, "%s block %d: %d values differ", parity_dtype_name(dt), k, bad);
        for (int i = 0; i < ns; i++)
            if (sp[i].block == k)
                CHECK_MSG(testutil_same_bits_((double)y[sp[i].e], sp[i].want),
                          "%s block %d [%d] = %.17g, want %.17g", parity_dtype_name(dt), k,
                          sp[i].e, y[sp[i].e], sp[i].want);
    }
}

/* A tensor view over nb blocks as [nb, be] (or its transpose). */
static parity_tensor view(parity_dtype dt, const unsigned char *blocks, int nb,
                          int transposed) {
    int be, bb;
    parity_dtype_block(dt, &be, &bb);
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = "q";
    t.dtype = dt;
    t.ndim = 2;
    t.shape[0] = transposed ? be : nb;
    t.shape[1] = transposed ? nb : be;
    t.stride[0] = transposed ? 1 : be;
    t.stride[1] = transposed ? be : 1;
    t.count = (uint64_t)nb * (uint64_t)be;
    t.nbytes = (uint64_t)nb * (uint64_t)bb;
    t.data = blocks;
    return t;
}

/* The read paths agree with the block decoder everywhere. */
static void check_reads(parity_dtype dt, const unsigned char *blocks, int nb) {
    int be, bb;
    parity_dtype_block(dt, &be, &bb);
    float y[4][PARITY__QK_MAX];
    double all[4 * PARITY__QK_MAX], got[4 * PARITY__QK_MAX];
    for (int k = 0; k < nb; k++) {
        parity__dequant_block(dt, blocks + k * bb, y[k]);
        for (int e = 0; e < be; e++) all[k * be + e] = y[k][e];
    }
    int n = nb * be, bad = 0;
    parity_tensor t = view(dt, blocks, nb, 0);
    parity_tensor_read(&t, 0, (size_t)n, got);
    for (int i = 0; i < n; i++) bad += !testutil_same_bits_(got[i], all[i]);
    /* runs starting and ending inside blocks: [5, 5 + be), [be - 1, n - 3) */
    parity_tensor_read(&t, 5, (size_t)be, got);
    for (int i = 0; i < be; i++) bad += !testutil_same_bits_(got[i], all[5 + i]);
    parity_tensor_read(&t, (uint64_t)be - 1, (size_t)(n - 3 - (be - 1)), got);
    for (int i = be - 1; i < n - 3; i++) bad += !testutil_same_bits_(got[i - (be - 1)], all[i]);
    CHECK_MSG(bad == 0, "%s: %d contiguous reads differ", parity_dtype_name(dt), bad);
    /* the transpose: element (e, k) is block k's value e */
    parity_tensor tt = view(dt, blocks, nb, 1);
    parity_tensor_read(&tt, 0, (size_t)n, got);
    bad = 0;
    for (int e = 0; e < be; e++)
        for (int k = 0; k < nb; k++) bad += !testutil_same_bits_(got[e * nb + k], all[k * be + e]);
    CHECK_MSG(bad == 0, "%s: %d strided reads differ", parity_dtype_name(dt), bad);
    /* parity_convert decodes from a block start across blocks */
    parity_convert(dt, blocks, (size_t)n, 0, got);
    bad = 0;
    for (int i = 0; i < n; i++) bad += !testutil_same_bits_(got[i], all[i]);
    CHECK_MSG(bad == 0, "%s: %d converted values differ", parity_dtype_name(dt), bad);
    CHECK_SAME_DBL(parity_dtype_to_double(dt, blocks + bb), all[be]);
    /* a view claiming one block more than its bytes: NaN past them */
    parity_tensor short_t = view(dt, blocks, nb, 0);
    short_t.nbytes -= (uint64_t)bb;
    parity_tensor_read(&short_t, (uint64_t)(n - be - 2), 4, got);
    CHECK(testutil_same_bits_(got[0], all[n - be - 2]) && isnan(got[2]) && isnan(got[3]));
}

static void check_type(parity_dtype dt, const unsigned char *blocks, int nb,
                       const spot *sp, int ns) {
    check_values(dt, blocks, nb, sp, ns);
    check_reads(dt, blocks, nb);
}

#define NSPOT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- Q4_0 ---------------------------------------------------------------- */

static void test_q4_0(void) {
    unsigned char b[2][18];
    /* block 0: d = 0x3c00 = 1.0; qs[j] = j | (15 - j) << 4 (pattern -15*j
     * + 0xF0 on bytes: 0xF0, 0xE1, ...) */
    put16(b[0], 0x3c00);
    for (int j = 0; j < 16; j++) b[0][2 + j] = (unsigned char)(j | (15 - j) << 4);
    /* block 1: d = 0xb800 = -0.5 (a negative scale); qs = (7j + 0x21) */
    put16(b[1], 0xb800);
    fill(b[1] + 2, 16, 7, 0x21);
    const spot sp[] = {
        {0, 0, -8.0},  /* qs[0] = 0xF0: low nibble 0: (0 - 8) * 1 = -8       */
        {0, 16, 7.0},  /* high nibble 15: (15 - 8) * 1 = 7                   */
        {0, 9, 1.0},   /* qs[9] = 0x69: low 9: 9 - 8 = 1                     */
        {0, 25, -2.0}, /* high 6: 6 - 8 = -2                                 */
        {1, 0, 3.5},   /* qs[0] = 0x21: low 1: (1 - 8) * -0.5 = 3.5          */
        {1, 16, 3.0},  /* high 2: (2 - 8) * -0.5 = 3                         */
        {1, 1, -0.0},  /* qs[1] = 0x28: low 8: 0 * -0.5 = -0 (int 0 times a  */
                       /* negative float keeps the sign)                     */
        {1, 2, -3.5},  /* qs[2] = 0x2F: low 15: 7 * -0.5 = -3.5              */
    };
    check_type(PARITY_DT_Q4_0, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q4_1 ---------------------------------------------------------------- */

static void test_q4_1(void) {
    unsigned char b[2][20];
    /* block 0: d = 0x3800 = 0.5, m = 0xc000 = -2.0; qs = (5j + 3) */
    put16(b[0], 0x3800);
    put16(b[0] + 2, 0xc000);
    fill(b[0] + 4, 16, 5, 3);
    /* block 1: f32 rounding of the sum: d = 0x0300 = 3 * 2^-16, m = 0x63d0
     * = 1000; qs = 0x11 * j (both nibbles j). One f32 ulp at 1000 is
     * 2^-14, so q * d = 0.75 q ulp: q = 1 gives 1000 + 0.75 ulp, rounded
     * up to 1000 + 2^-14; q = 2 gives 1000 + 1.5 ulp, a tie, rounded to the
     * even significand: 1000 = 16384000 ulp is even, so + 2 ulp. */
    put16(b[1], 0x0300);
    put16(b[1] + 2, 0x63d0);
    fill(b[1] + 4, 16, 0x11, 0);
    const spot sp[] = {
        {0, 0, -0.5},  /* qs[0] = 0x03: low 3: 3 * 0.5 - 2 = -0.5           */
        {0, 16, -2.0}, /* high 0: 0 * 0.5 - 2 = -2                           */
        {0, 5, 4.0},   /* qs[5] = 28 = 0x1C: low 12: 6 - 2 = 4               */
        {0, 21, -1.5}, /* high 1: 0.5 - 2 = -1.5                             */
        {1, 0, 1000.0},
        {1, 1, 1000.00006103515625},  /* 1000 + 1 ulp (0.75 rounded up)       */
        {1, 17, 1000.00006103515625}, /* high nibble 1 as well               */
        {1, 2, 1000.0001220703125},   /* 1.5 ulp: tie to even, + 2 ulp        */
        {1, 4, 1000.00018310546875},  /* 3 ulp exactly                       */
        {1, 6, 1000.000244140625},    /* 4.5 ulp: tie to even, + 4 ulp        */
    };
    check_type(PARITY_DT_Q4_1, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q5_0 ---------------------------------------------------------------- */

static void test_q5_0(void) {
    unsigned char b[2][22];
    /* block 0: d = 1.0; qh bytes 0F 00 F0 FF = u32 0xFFF0000F (bits 0-3
     * and 20-31 set); qs[j] = 0x11 * j (both nibbles j) */
    put16(b[0], 0x3c00);
    b[0][2] = 0x0F, b[0][3] = 0x00, b[0][4] = 0xF0, b[0][5] = 0xFF;
    fill(b[0] + 6, 16, 0x11, 0);
    /* block 1: d = 0x3400 = 0.25; qh = 0x12345678 (bytes 78 56 34 12);
     * qs = (37j + 5) */
    put16(b[1], 0x3400);
    b[1][2] = 0x78, b[1][3] = 0x56, b[1][4] = 0x34, b[1][5] = 0x12;
    fill(b[1] + 6, 16, 37, 5);
    const spot sp[] = {
        {0, 0, 0.0},    /* low 0, bit 0 set: 16 - 16 = 0                     */
        {0, 3, 3.0},    /* low 3, bit 3 set: 19 - 16 = 3                     */
        {0, 4, -12.0},  /* low 4, bit 4 clear: 4 - 16 = -12                  */
        {0, 15, -1.0},  /* low 15, bit 15 clear: -1                          */
        {0, 16, -16.0}, /* high nibble of qs[0] = 0, bit 16 clear: -16       */
        {0, 19, -13.0}, /* high 3, bit 19 clear: 3 - 16 = -13                */
        {0, 20, 4.0},   /* high 4, bit 20 set: 20 - 16 = 4                   */
        {0, 31, 15.0},  /* high 15, bit 31 set: 31 - 16 = 15                 */
        {1, 0, -2.75},  /* qs[0] = 5: low 5; bit 0 of 0x78 clear: (5 - 16)/4 */
        {1, 16, -4.0},  /* high 0; bit 16 = bit 0 of 0x34 clear: -16 / 4     */
        {1, 3, 1.0},    /* qs[3] = 116 = 0x74: low 4; bit 3 of 0x78 set:     */
                        /* (20 - 16) / 4 = 1                                 */
        {1, 19, -2.25}, /* high 7; bit 19 = bit 3 of 0x34 clear: -9 / 4      */
    };
    check_type(PARITY_DT_Q5_0, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q5_1 ---------------------------------------------------------------- */

static void test_q5_1(void) {
    unsigned char b[2][24];
    /* block 0: d = 1.0, m = 0x4900 = 10.0; qh = 0xFFFFFFFF (every 5th bit
     * set); qs[j] = 0x11 * j: value j and j + 16 are (j + 16) + 10 */
    put16(b[0], 0x3c00);
    put16(b[0] + 2, 0x4900);
    memset(b[0] + 4, 0xFF, 4);
    fill(b[0] + 8, 16, 0x11, 0);
    /* block 1: d = 0x2e66 = 1638 * 2^-14, m = 0xb4cd = -4916 * 2^-14;
     * qh = 0x0000FFFF (bytes FF FF 00 00); qs = (13j + 7) */
    put16(b[1], 0x2e66);
    put16(b[1] + 2, 0xb4cd);
    b[1][4] = 0xFF, b[1][5] = 0xFF, b[1][6] = 0x00, b[1][7] = 0x00;
    fill(b[1] + 8, 16, 13, 7);
    const spot sp[] = {
        {0, 0, 26.0},  /* (0 | 16) * 1 + 10                                  */
        {0, 31, 41.0}, /* (15 | 16) + 10                                     */
        {0, 16, 26.0},
        /* qs[0] = 7: low 7, bit 0 set: q = 23; 23 * 1638 = 37674;
         * (37674 - 4916) * 2^-14 = 32758 * 2^-14 = 1.9993896484375 */
        {1, 0, 1.9993896484375},
        {1, 16, -0.300048828125},  /* high 0, bit 16 clear: 0 * d + m       */
        /* qs[1] = 20 = 0x14: low 4 | 16 = 20: (32760 - 4916) * 2^-14 */
        {1, 1, 1.699462890625},
        /* high 1, bit 17 clear: (1638 - 4916) * 2^-14 = -3278 * 2^-14 */
        {1, 17, -0.2000732421875},
    };
    check_type(PARITY_DT_Q5_1, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q8_0 ---------------------------------------------------------------- */

static void test_q8_0(void) {
    unsigned char b[3][34];
    /* block 0: d = 1.0; qs[j] = j - 16 as int8: pattern (j + 0xF0) */
    put16(b[0], 0x3c00);
    fill(b[0] + 2, 32, 1, 0xF0);
    /* block 1: d = 0x2e66 = 1638 * 2^-14; qs[0] = 0x80 = -128, qs[1] =
     * 0x7F = 127, then (29j) from j = 2 */
    put16(b[1], 0x2e66);
    fill(b[1] + 2, 32, 29, 0);
    b[1][2] = 0x80, b[1][3] = 0x7F;
    /* block 2: d = 0x7c00 = +Inf: q * Inf is NaN for q = 0, +-Inf else */
    put16(b[2], 0x7c00);
    fill(b[2] + 2, 32, 1, 0xF0);
    const spot sp[] = {
        {0, 0, -16.0},
        {0, 31, 15.0},
        {1, 0, -12.796875},        /* -128 * 1638 * 2^-14 = -209664 * 2^-14 */
        {1, 1, 12.6968994140625},  /* 127 * 1638 = 208026; * 2^-14           */
        {1, 2, 5.798583984375},    /* qs = 58: 95004 * 2^-14                  */
        {1, 5, -11.0972900390625}, /* qs = 145 = 0x91 = -111: -181818 * 2^-14 */
        {2, 0, -INFINITY},         /* -16 * Inf                               */
        {2, 17, INFINITY},         /* 1 * Inf                                 */
    };
    check_type(PARITY_DT_Q8_0, b[0], 3, sp, NSPOT(sp));
    float y[32];
    parity__dequant_block(PARITY_DT_Q8_0, b[2], y);
    CHECK(isnan(y[16])); /* 0 * Inf */
}

/* ---- Q2_K ---------------------------------------------------------------- */

static void test_q2_k(void) {
    unsigned char b[2][84];
    /* block 0: scales[s] = s | (15 - s) << 4 (scale s, min 15 - s); qs all
     * 0xE4 = 11 10 01 00, so the 2 bits at 2j are j: value e = 128n + 32j +
     * l has q = j; d = 1.0, dmin = 0.5: y = s * j - 0.5 * (15 - s),
     * s = e / 16 */
    for (int s = 0; s < 16; s++) b[0][s] = (unsigned char)(s | (15 - s) << 4);
    memset(b[0] + 16, 0xE4, 64);
    put16(b[0] + 80, 0x3c00);
    put16(b[0] + 82, 0x3800);
    /* block 1: scales = (7s + 3); qs = (23i + 11); d = 0x2e66 = 1638 *
     * 2^-14, dmin = 0x3555 = 5460 * 2^-14 */
    fill(b[1], 16, 7, 3);
    fill(b[1] + 16, 64, 23, 11);
    put16(b[1] + 80, 0x2e66);
    put16(b[1] + 82, 0x3555);
    const spot sp[] = {
        {0, 0, -7.5},   /* s 0, j 0: 0 - 0.5 * 15                            */
        {0, 37, -4.5},  /* n 0, j 1, l 5; s 2: 2 * 1 - 0.5 * 13              */
        {0, 200, 22.5}, /* n 1, j 2, l 8; s 12: 24 - 0.5 * 3                 */
        {0, 255, 45.0}, /* n 1, j 3, l 31; s 15: 45 - 0                      */
        /* e 0: qs[0] = 11 = 0b1011, bits 0-1 = 3; scales[0] = 3: scale 3,
         * min 0: 3 * 3 * 1638 * 2^-14 = 14742 * 2^-14 */
        {1, 0, 0.8997802734375},
        /* e 100 = 32*3 + 4: qs[4] = 103 = 0b01100111, bits 6-7 = 1;
         * s 6: scales[6] = 45 = 0x2D: scale 13, min 2:
         * (13 * 1638 - 2 * 5460) * 2^-14 = (21294 - 10920) * 2^-14 */
        {1, 100, 0.6331787109375},
        /* e 130 = 128 + 2: qs[34] = 793 & 255 = 25 = 0b11001, bits 0-1 = 1;
         * s 8: scales[8] = 59 = 0x3B: scale 11, min 3:
         * (11 * 1638 - 3 * 5460) * 2^-14 = (18018 - 16380) * 2^-14 */
        {1, 130, 0.0999755859375},
    };
    check_type(PARITY_DT_Q2_K, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q3_K ---------------------------------------------------------------- */

static void test_q3_k(void) {
    unsigned char b[2][110];
    /* block 0: hmask[l] = 0x0F for l < 16, 0xF0 after (value e's high bit
     * is bit 4n + j of hmask[l]: set for n = 0 and l < 16 or n = 1 and
     * l >= 16, i.e. +0, else -4); qs all 0xE4 (low bits = j); all 16
     * scales 33 = 10 0001 (33 - 32 = 1): low nibbles 1 -> bytes 0-7 0x11,
     * top bits 2 at every position -> bytes 8-11 0xAA; d = 1.0:
     * y = j - (h ? 0 : 4) */
    memset(b[0], 0x0F, 16);
    memset(b[0] + 16, 0xF0, 16);
    memset(b[0] + 32, 0xE4, 64);
    memset(b[0] + 96, 0x11, 8);
    memset(b[0] + 104, 0xAA, 4);
    put16(b[0] + 108, 0x3c00);
    /* block 1: d = 0xb800 = -0.5; hmask = (37l + 1); qs = (11i + 5);
     * scales S[s] = (5s + 7) & 63 = 7 12 17 22 27 32 37 42 47 52 57 62 3 8
     * 13 18, packed by hand: bytes 0-7 = low nibble of S[k] | low nibble of
     * S[k + 8] << 4 = F7 4C 91 E6 3B 80 D5 2A; byte 8 + k = top bits
     * (S >> 4) of S[k], S[k+4], S[k+8], S[k+12] at bits 0, 2, 4, 6:
     * k0: 0 1 2 0 -> 0x24, k1: 0 2 3 0 -> 0x38, k2: 1 2 3 0 -> 0x39,
     * k3: 1 2 3 1 -> 0x79 */
    static const unsigned char sc1[12] = {0xF7, 0x4C, 0x91, 0xE6, 0x3B, 0x80,
                                          0xD5, 0x2A, 0x24, 0x38, 0x39, 0x79};
    fill(b[1], 32, 37, 1);
    fill(b[1] + 32, 64, 11, 5);
    memcpy(b[1] + 96, sc1, 12);
    put16(b[1] + 108, 0xb800);
    const spot sp[] = {
        {0, 0, 0.0},    /* n 0 j 0 l 0: hmask[0] bit 0 set: q = 0             */
        {0, 20, -4.0},  /* l 20: hmask[20] = 0xF0, bit 0 clear: 0 - 4         */
        {0, 130, -4.0}, /* n 1 j 0 l 2: hmask[2] = 0x0F, bit 4 clear          */
        {0, 255, 3.0},  /* n 1 j 3 l 31: hmask[31] bit 7 set: q = 3           */
        /* e 0: qs[0] = 5, bits 0-1 = 1; hmask[0] = 1, bit 0 set: q = 1;
         * S[0] = 7: (-0.5 * (7 - 32)) * 1 = 12.5 */
        {1, 0, 12.5},
        /* e 85 = 64 + 21 (j 2): qs[21] = 236 = 0b11101100, bits 4-5 = 2;
         * hmask[21] = 778 & 255 = 10 = 0b1010, bit 2 clear: q = 2 - 4 = -2;
         * S[5] = 32: dl = -0.5 * 0 = -0, and -0 * -2 = +0 */
        {1, 85, 0.0},
        /* e 200 = 128 + 64 + 8: qs[40] = 445 & 255 = 189 = 0b10111101,
         * bits 4-5 = 3; hmask[8] = 297 & 255 = 41 = 0b101001, bit 6 clear:
         * q = -1; S[12] = 3: (-0.5 * -29) * -1 = -14.5 */
        {1, 200, -14.5},
        /* e 250 = 128 + 96 + 26: qs[58] = 643 & 255 = 131 = 0b10000011,
         * bits 6-7 = 2; hmask[26] = 963 & 255 = 195 = 0b11000011, bit 7
         * set: q = 2; S[15] = 18: (-0.5 * -14) * 2 = 14 */
        {1, 250, 14.0},
    };
    check_type(PARITY_DT_Q3_K, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q4_K and Q5_K: the 12-byte 6-bit scale/min packing ----------------- */

/* Block A's scales SC = 1 2 3 4 17 33 49 63, mins M = 0 1 2 3 16 32 48 63,
 * packed by hand: bytes 0-3 = SC[j] | (SC[j+4] >> 4) << 6 = 41 82 C3 C4;
 * bytes 4-7 = M[j] | (M[j+4] >> 4) << 6 = 40 81 C2 C3; bytes 8-11 =
 * (SC[j] & 15) | (M[j] & 15) << 4 for j = 4..7 = 01 01 01 FF. */
static const unsigned char K_SCALES_A[12] = {0x41, 0x82, 0xC3, 0xC4, 0x40, 0x81,
                                             0xC2, 0xC3, 0x01, 0x01, 0x01, 0xFF};
/* Block B's SC = 63 0 31 45 12 60 5 38, M = 7 63 0 20 50 3 33 18: bytes
 * 0-3 = 3F C0 1F AD (60 and 38 put 3 and 2 in bits 6-7 of bytes 1 and 3),
 * bytes 4-7 = C7 3F 80 54 (50, 33, 18 put 3, 2, 1 in bytes 4, 6, 7),
 * bytes 8-11 = 2C 3C 15 26. */
static const unsigned char K_SCALES_B[12] = {0x3F, 0xC0, 0x1F, 0xAD, 0xC7, 0x3F,
                                             0x80, 0x54, 0x2C, 0x3C, 0x15, 0x26};

static void test_q4_k(void) {
    unsigned char b[2][144];
    /* block 0: d = dmin = 1.0; qs[i] = i. Value e = 64c + 32h + l is
     * nibble h of qs[32c + l]; sub-block e / 32 */
    put16(b[0], 0x3c00);
    put16(b[0] + 2, 0x3c00);
    memcpy(b[0] + 4, K_SCALES_A, 12);
    fill(b[0] + 16, 128, 1, 0);
    /* block 1: d = 0x2e66 = 1638 * 2^-14, dmin = 0x2c00 = 0.0625;
     * qs = (77i + 9) */
    put16(b[1], 0x2e66);
    put16(b[1] + 2, 0x2c00);
    memcpy(b[1] + 4, K_SCALES_B, 12);
    fill(b[1] + 16, 128, 77, 9);
    const spot sp[] = {
        {0, 0, 0.0},    /* qs[0] = 0; SC 1, M 0: 1 * 0 - 0                   */
        {0, 45, -1.0},  /* c 0 h 1 l 13: qs[13] >> 4 = 0; SC 2, M 1: 0 - 1    */
        {0, 140, 188.0}, /* c 2 h 0 l 12: qs[76] = 0x4C: 12; sub 4: SC 17,   */
                         /* M 16 (top bits from bytes 0 and 4): 204 - 16     */
        {0, 255, 378.0}, /* qs[127] = 0x7F: 7; sub 7: SC 63, M 63: 441 - 63  */
        /* e 0: qs[0] = 9: low 9; SC 63, M 7: 1638 * 63 * 9 = 928746;
         * 928746 * 2^-14 - 7 * 0.0625 = (928746 - 7168) * 2^-14 */
        {1, 0, 56.2486572265625},
        /* e 40 (h 1, l 8): qs[8] = 625 & 255 = 0x71: high 7; SC 0, M 63:
         * 0 - 63 * 0.0625 */
        {1, 40, -3.9375},
        /* e 77 (c 1, h 0, l 13): qs[45] = 3474 & 255 = 0x92: low 2; sub 2:
         * SC 31, M 0: 1638 * 31 * 2 * 2^-14 = 101556 * 2^-14 */
        {1, 77, 6.198486328125},
        /* e 230 (c 3, h 1, l 6): qs[102] = 7863 & 255 = 0xB7: high 11;
         * sub 7: SC 38, M 18: 1638 * 38 * 11 * 2^-14 - 18 * 0.0625 =
         * (684684 - 18432) * 2^-14 */
        {1, 230, 40.664794921875},
    };
    check_type(PARITY_DT_Q4_K, b[0], 2, sp, NSPOT(sp));
}

static void test_q5_k(void) {
    unsigned char b[2][176];
    /* block 0: d = 1.0, dmin = 0.5, scales A; qh[l] = 0x55 for l < 16
     * (bits 0 2 4 6: the h = 0 halves), 0xAA after (h = 1 halves): value
     * e's 5th bit is bit e / 32 of qh[l]; qs[i] = i */
    put16(b[0], 0x3c00);
    put16(b[0] + 2, 0x3800);
    memcpy(b[0] + 4, K_SCALES_A, 12);
    memset(b[0] + 16, 0x55, 16);
    memset(b[0] + 32, 0xAA, 16);
    fill(b[0] + 48, 128, 1, 0);
    /* block 1: d = 0x2e66, dmin = 0x2c00, scales B; qh = (53l + 17);
     * qs = (77i + 9) */
    put16(b[1], 0x2e66);
    put16(b[1] + 2, 0x2c00);
    memcpy(b[1] + 4, K_SCALES_B, 12);
    fill(b[1] + 16, 32, 53, 17);
    fill(b[1] + 48, 128, 77, 9);
    const spot sp[] = {
        {0, 0, 16.0},    /* qh[0] bit 0 set: q = 0 + 16; SC 1, M 0           */
        {0, 45, -0.5},   /* l 13: qh bit 1 clear, high nibble 0; SC 2, M 1:  */
                         /* 0 - 0.5 * 1                                      */
        {0, 209, 25.0},  /* c 3 h 0 l 17: qh[17] = 0xAA bit 6 clear; qs[113] */
                         /* = 0x71: 1; sub 6: SC 49, M 48: 49 - 24           */
        {0, 255, 1417.5}, /* qh[31] bit 7 set: 7 + 16 = 23; SC 63, M 63:     */
                          /* 63 * 23 - 31.5                                  */
        /* e 0: qh[0] = 17, bit 0 set: q = 9 + 16 = 25; SC 63, M 7:
         * (1638 * 63 * 25 - 7168) * 2^-14 = 2572682 * 2^-14 */
        {1, 0, 157.0240478515625},
        /* e 100 (c 1, h 1, l 4): qh[4] = 229 = 0b11100101, bit 3 clear;
         * qs[36] = 2781 & 255 = 0xDD: high 13; sub 3: SC 45, M 20:
         * 1638 * 45 * 13 * 2^-14 - 1.25 = (958230 - 20480) * 2^-14 */
        {1, 100, 57.2357177734375},
        /* e 150 (c 2, h 0, l 22): qh[22] = 1183 & 255 = 0b10011111, bit 4
         * set; qs[86] = 6631 & 255 = 0xE7: low 7: q = 23; sub 4: SC 12,
         * M 50: (1638 * 12 * 23 - 51200) * 2^-14 */
        {1, 150, 24.46826171875},
        /* e 230 (c 3, h 1, l 6): qh[6] = 79 = 0b01001111, bit 7 clear:
         * the Q4_K value above */
        {1, 230, 40.664794921875},
    };
    check_type(PARITY_DT_Q5_K, b[0], 2, sp, NSPOT(sp));
}

/* ---- Q6_K ---------------------------------------------------------------- */

static void test_q6_k(void) {
    unsigned char b[2][210];
    /* block 0: ql[i] = i; qh all 0xE4 (bits 2k..2k+1 = k); scales[s] =
     * s - 8 as int8; d = 1.0. Value e = 128n + 32k + l: low nibble of
     * ql[64n + 32(k % 2) + l] (high nibble for k >= 2), high 2 bits k:
     * q = (low | k << 4) - 32; y = (s - 8) * q, s = e / 16 */
    fill(b[0], 128, 1, 0);
    memset(b[0] + 128, 0xE4, 64);
    fill(b[0] + 192, 16, 1, 0xF8);
    put16(b[0] + 208, 0x3c00);
    /* block 1: d = 0xae66 = -1638 * 2^-14; ql = (89i + 31); qh = (13i + 7);
     * scales[0] = -128 (0x80), scales[1] = 127 (0x7F), then (41s + 3) */
    fill(b[1], 128, 89, 31);
    fill(b[1] + 128, 64, 13, 7);
    fill(b[1] + 192, 16, 41, 3);
    b[1][192] = 0x80, b[1][193] = 0x7F;
    put16(b[1] + 208, 0xae66);
    const spot sp[] = {
        {0, 0, 256.0},  /* low 0, k 0: q = -32; s 0: -8 * -32                */
        {0, 50, 70.0},  /* k 1 l 18: ql[50] & 15 = 2: q = 18 - 32 = -14;     */
                        /* s 3: -5 * -14                                     */
        {0, 200, 16.0}, /* n 1 k 2 l 8: ql[72] >> 4 = 4: q = 36 - 32 = 4;    */
                        /* s 12: 4 * 4                                       */
        {0, 255, 161.0}, /* ql[127] >> 4 = 7, k 3: 55 - 32 = 23; s 15: 7 * 23 */
        /* e 0: ql[0] = 31 = 0x1F: 15; qh[0] = 7, bits 0-1 = 3: q = 63 - 32
         * = 31; scale -128: (-d * -128) * 31 = 1638 * 128 * 31 * 2^-14 */
        {1, 0, 396.703125},
        /* e 16 (l 16): ql[16] = 1455 & 255 = 0xAF: 15; qh[16] = 215, bits
         * 0-1 = 3: q = 31; scale 127: -1638 * 127 * 31 * 2^-14 */
        {1, 16, -393.6038818359375},
        /* e 100 (k 3, l 4): ql[36] = 3235 & 255 = 0xA3 >> 4 = 10; qh[4] =
         * 59, bits 6-7 = 0: q = -22; scale 6: 249 = -7:
         * (-d * -7) * -22 = -1638 * 154 * 2^-14 */
        {1, 100, -15.396240234375},
        /* e 181 (n 1, k 1, l 21): ql[117] = 10444 & 255 = 0xCC & 15 = 12;
         * qh[53] = 696 & 255 = 184 = 0b10111000, bits 2-3 = 2: q = 44 - 32
         * = 12; scale 11: 454 & 255 = 198 = -58: (-d * -58) * 12 */
        {1, 181, 69.5830078125},
    };
    check_type(PARITY_DT_Q6_K, b[0], 2, sp, NSPOT(sp));
}

/* ---- geometry and names -------------------------------------------------- */

static void test_geometry(void) {
    static const struct { parity_dtype dt; const char *name; int elems, bytes; } tab[] = {
        {PARITY_DT_Q4_0, "Q4_0", 32, 18},   {PARITY_DT_Q4_1, "Q4_1", 32, 20},
        {PARITY_DT_Q5_0, "Q5_0", 32, 22},   {PARITY_DT_Q5_1, "Q5_1", 32, 24},
        {PARITY_DT_Q8_0, "Q8_0", 32, 34},   {PARITY_DT_Q2_K, "Q2_K", 256, 84},
        {PARITY_DT_Q3_K, "Q3_K", 256, 110}, {PARITY_DT_Q4_K, "Q4_K", 256, 144},
        {PARITY_DT_Q5_K, "Q5_K", 256, 176}, {PARITY_DT_Q6_K, "Q6_K", 256, 210},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        int e = 0, b = 0;
        CHECK_EQ_INT(parity_dtype_block(tab[i].dt, &e, &b), 1);
        CHECK_EQ_INT(e, tab[i].elems);
        CHECK_EQ_INT(b, tab[i].bytes);
        CHECK_EQ_STR(parity_dtype_name(tab[i].dt), tab[i].name);
        CHECK_EQ_INT(parity_dtype_from_name(tab[i].name), tab[i].dt);
        CHECK_EQ_U64(parity_dtype_size(tab[i].dt), 0);
        CHECK(parity_dtype_is_float(tab[i].dt));
        CHECK_EQ_INT(parity_dtype_mantissa_bits(tab[i].dt), 23);
    }
    int e = 7, b = 7;
    CHECK_EQ_INT(parity_dtype_block(PARITY_DT_BF16, &e, &b), 0);
    CHECK(e == 1 && b == 2);
    CHECK_EQ_INT(parity_dtype_block(PARITY_DT_INVALID, &e, &b), -1);
    CHECK(e == 0 && b == 0);
    CHECK_EQ_INT(parity_dtype_block(PARITY_DT_COUNT, NULL, NULL), -1);
    /* byte spans of element runs: whole blocks */
    uint64_t lo, hi;
    parity__dtype_span(PARITY_DT_Q4_0, 40, 30, &lo, &hi); /* blocks 1..2 */
    CHECK(lo == 18 && hi == 54);
    parity__dtype_span(PARITY_DT_F32, 3, 5, &lo, &hi);
    CHECK(lo == 12 && hi == 32);
    CHECK_EQ_U64(parity__dtype_elems_for_bytes(PARITY_DT_Q6_K, 1 << 20), (1 << 20) / 210 * 256);
    CHECK_EQ_U64(parity__dtype_elems_for_bytes(PARITY_DT_Q6_K, 100), 256);
    CHECK_EQ_U64(parity__dtype_elems_for_bytes(PARITY_DT_F16, 1 << 20), 1 << 19);
}

int main(void) {
    test_q4_0();
    test_q4_1();
    test_q5_0();
    test_q5_1();
    test_q8_0();
    test_q2_k();
    test_q3_k();
    test_q4_k();
    test_q5_k();
    test_q6_k();
    test_geometry();
    return TEST_SUMMARY();
}
