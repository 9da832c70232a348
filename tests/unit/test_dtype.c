/*
 * test_dtype.c — every 8- and 16-bit float pattern decoded against an
 * independent reference: NumPy for F16, PyTorch (and the f32 top-half
 * relation) for BF16, a separate ldexp decoder written from the format
 * definitions for the f8 formats; F80 against NumPy longdouble; rounding
 * against NumPy astype(float16), torch bfloat16 and a brute-force nearest
 * search; byte-swapped conversion; names.
 */
#include "parity.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the Python reference ------------------------------------------------ */

static const char *PY_REF =
    "import sys, numpy as np\n"
    "np.seterr(all='ignore')\n"
    "out = sys.argv[1]\n"
    "h = np.arange(65536, dtype=np.uint16)\n"
    "h.view(np.float16).astype(np.float64).tofile(out + '/dtype_f16.bin')\n"
    "try:\n"
    "    import torch\n"
    "    t = torch.from_numpy(h.view(np.int16).copy()).view(torch.bfloat16)\n"
    "    t.to(torch.float64).numpy().tofile(out + '/dtype_bf16.bin')\n"
    "except ImportError:\n"
    "    pass\n"
    "rng = np.random.default_rng(1234)\n"
    "n = 20000\n"
    "mag = 2.0 ** rng.uniform(-30, 18, n)\n"
    "x = np.where(rng.random(n) < 0.5, -mag, mag)\n"
    /* exact ties between adjacent f16 values, and the overflow edge */
    "f = h.view(np.float16)\n"
    "fin = f[np.isfinite(f)].astype(np.float64)\n"
    "fin = np.unique(fin)\n"
    "mid = (fin[:-1] + fin[1:]) / 2\n"
    "x = np.concatenate([x, mid[rng.integers(0, len(mid), 4000)],\n"
    "    [65504.0, 65519.99, 65520.0, 65536.0, 1e300, -1e-300, 2**-25,\n"
    "     2**-25 * 1.0000001, 3 * 2**-26, 0.0, -0.0]])\n"
    "x.astype(np.float64).tofile(out + '/dtype_rnd_x.bin')\n"
    "x.astype(np.float16).astype(np.float64).tofile(out + '/dtype_rnd_f16.bin')\n"
    "x32 = x.astype(np.float32)\n"
    "x32.astype(np.float64).tofile(out + '/dtype_rnd_x32.bin')\n"
    "try:\n"
    "    import torch\n"
    "    b = torch.from_numpy(x32).to(torch.bfloat16).to(torch.float64)\n"
    "    b.numpy().tofile(out + '/dtype_rnd_bf16.bin')\n"
    "except ImportError:\n"
    "    pass\n"
    "L = np.longdouble\n"
    "one = L(1)\n"
    "v = [one + L(2)**-60, one + L(2)**-53, one + L(2)**-53 + L(2)**-60,\n"
    "     one + 3 * L(2)**-53, L(2)**-1075, L(2)**-1075 * L(1.5), L(2)**-1080,\n"
    "     L(2)**-1074 * L(2.5), L(2)**-1022 * (1 - L(2)**-60),\n"
    "     L(2)**1024 * (1 - L(2)**-60), L(2)**1024 * (1 - L(2)**-54),\n"
    "     L(2)**-16440, L(10)**4000, -L(10)**-4000, L(np.inf), -L(np.inf),\n"
    "     L(0), -L(0), L(np.pi), -L(1)/L(3)]\n"
    "r = rng.standard_normal(200).astype(L) * L(2)**rng.integers(-1100, 1100, 200)\n"
    "r = r + r * L(2)**-58 * rng.integers(1, 31, 200)\n"
    "a = np.array(v + list(r), dtype=L)\n"
    "a.tofile(out + '/dtype_f80.bin')\n"
    "with np.errstate(over='ignore'):\n"
    "    a.astype(np.float64).tofile(out + '/dtype_f80_f64.bin')\n";

static char g_dir[1024];

static int run_python(void) {
    const char *py = getenv("PARITY_PYTHON");
    const char *build = getenv("PARITY_BUILD");
    if (!py || !*py) py = "/usr/bin/python3";
    snprintf(g_dir, sizeof g_dir, "%s", build && *build ? build : ".");
    char script[1200], cmd[4096];
    snprintf(script, sizeof script, "%s/dtype_ref.py", g_dir);
    FILE *f = fopen(script, "w");
    if (!f) return 0;
    fputs(PY_REF, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", py, script, g_dir);
    return system(cmd) == 0;
}

/* Read a whole reference file; *n elements of size esz. NULL if absent. */
static void *load(const char *name, size_t esz, size_t *n) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(len > 0 ? (size_t)len : 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    *n = got / esz;
    return buf;
}

/* Same value, same sign of zero; NaN matches NaN. */
static int same_value(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

/* ---- 16-bit formats ------------------------------------------------------ */

static void test_f16_exhaustive(void) {
    size_t n = 0;
    double *ref = load("dtype_f16.bin", 8, &n);
    if (!CHECK(ref && n == 65536)) { free(ref); return; }
    int bad = 0;
    for (uint32_t b = 0; b < 65536; b++) {
        uint16_t h = (uint16_t)b;
        double v = parity_dtype_to_double(PARITY_DT_F16, &h);
        if (!same_value(v, ref[b]) || (isnan(v) && signbit(v) != signbit(ref[b]))) {
            if (bad++ < 5) fprintf(stderr, "f16 0x%04x: %.17g vs numpy %.17g\n", b, v, ref[b]);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* the block conversion of whole arrays takes another code path */
    uint16_t *all = malloc(65536 * sizeof *all);
    double *got = malloc(65536 * sizeof *got);
    if (CHECK(all && got)) {
        for (uint32_t b = 0; b < 65536; b++) all[b] = (uint16_t)b;
        parity_convert(PARITY_DT_F16, all, 65536, 0, got);
        bad = 0;
        for (uint32_t b = 0; b < 65536; b++)
            if (!same_value(got[b], ref[b]) || (isnan(got[b]) && signbit(got[b]) != signbit(ref[b])))
                if (bad++ < 5) fprintf(stderr, "f16 block 0x%04x: %.17g vs numpy %.17g\n", b, got[b], ref[b]);
        CHECK_EQ_INT(bad, 0);
    }
    free(all);
    free(got);
    free(ref);
}

static void test_bf16_exhaustive(void) {
    int bad = 0;
    for (uint32_t b = 0; b < 65536; b++) {
        uint16_t h = (uint16_t)b;
        uint32_t u = b << 16; /* bf16 is the top half of an f32 */
        float f;
        memcpy(&f, &u, 4);
        double v = parity_dtype_to_double(PARITY_DT_BF16, &h);
        if (!same_value(v, f)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    size_t n = 0;
    double *ref = load("dtype_bf16.bin", 8, &n);
    if (!ref) {
        fprintf(stderr, "note: torch unavailable, bf16 checked by bits only\n");
        return;
    }
    CHECK_EQ_U64(n, 65536);
    bad = 0;
    for (uint32_t b = 0; b < 65536 && n == 65536; b++) {
        uint16_t h = (uint16_t)b;
        if (!same_value(parity_dtype_to_double(PARITY_DT_BF16, &h), ref[b])) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    free(ref);
}

/* ---- 8-bit formats: a second decoder, written from the definitions ----- */

/* value = (-1)^s · 2^(e - bias) · (1 + m/2^M) for e > 0,
 *         (-1)^s · 2^(1 - bias) · (m/2^M)     for e = 0 */
static double ref_f8(parity_dtype dt, unsigned b) {
    unsigned s = b >> 7;
    double sign = s ? -1.0 : 1.0;
    switch (dt) {
    case PARITY_DT_F8_E4M3: { /* 4 exp bits, bias 7, S.1111.111 NaN, no Inf */
        unsigned e = (b >> 3) & 15, m = b & 7;
        if (e == 15 && m == 7) return NAN;
        if (e == 0) return sign * ldexp(m / 8.0, 1 - 7);
        return sign * ldexp(1 + m / 8.0, (int)e - 7);
    }
    case PARITY_DT_F8_E5M2: { /* 5 exp bits, bias 15, IEEE specials */
        unsigned e = (b >> 2) & 31, m = b & 3;
        if (e == 31) return m ? NAN : sign * INFINITY;
        if (e == 0) return sign * ldexp(m / 4.0, 1 - 15);
        return sign * ldexp(1 + m / 4.0, (int)e - 15);
    }
    case PARITY_DT_F8_E4M3FNUZ: { /* bias 8, 0x80 NaN, no -0, no Inf */
        unsigned e = (b >> 3) & 15, m = b & 7;
        if (b == 0x80) return NAN;
        if (e == 0) return sign * ldexp(m / 8.0, 1 - 8);
        return sign * ldexp(1 + m / 8.0, (int)e - 8);
    }
    case PARITY_DT_F8_E5M2FNUZ: { /* bias 16, 0x80 NaN, no -0, no Inf */
        unsigned e = (b >> 2) & 31, m = b & 3;
        if (b == 0x80) return NAN;
        if (e == 0) return sign * ldexp(m / 4.0, 1 - 16);
        return sign * ldexp(1 + m / 4.0, (int)e - 16);
    }
    case PARITY_DT_F8_E8M0:
        return b == 255 ? NAN : ldexp(1.0, (int)b - 127);
    default:
        return NAN;
    }
}

static const parity_dtype F8S[] = {PARITY_DT_F8_E4M3, PARITY_DT_F8_E5M2,
                                   PARITY_DT_F8_E4M3FNUZ, PARITY_DT_F8_E5M2FNUZ,
                                   PARITY_DT_F8_E8M0};

static void test_f8_exhaustive(void) {
    for (size_t k = 0; k < sizeof F8S / sizeof F8S[0]; k++) {
        int bad = 0;
        for (unsigned b = 0; b < 256; b++) {
            unsigned char c = (unsigned char)b;
            double v = parity_dtype_to_double(F8S[k], &c);
            if (!same_value(v, ref_f8(F8S[k], b))) bad++;
        }
        CHECK_MSG(bad == 0, "%s: %d patterns differ", parity_dtype_name(F8S[k]), bad);
    }
    /* landmarks from the format specifications */
    unsigned char c = 0x7e;
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E4M3, &c), 448.0);
    c = 0x7b;
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E5M2, &c), 57344.0);
    c = 0x7c;
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E5M2, &c), INFINITY);
    c = 0x7f;
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E4M3FNUZ, &c), 240.0);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E5M2FNUZ, &c), 57344.0);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E8M0, &c), 1.0);
    c = 0x01;
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_F8_E4M3, &c), ldexp(1, -9));
    c = 0x80;
    CHECK_SAME_DBL(parity_dtype_to_double(PARITY_DT_F8_E4M3, &c), -0.0);
    CHECK(isnan(parity_dtype_to_double(PARITY_DT_F8_E4M3FNUZ, &c)));
}

/* Brute force: the nearest of the 256 decoded values, ties to the even
 * pattern. One virtual candidate sits a step above the largest finite
 * value (pattern max + 1, as with an unbounded exponent); landing on it is
 * an overflow: Inf for E5M2, NaN for the formats without Inf. */
static double ref_round_f8(parity_dtype dt, double x) {
    if (isnan(x)) return NAN;
    double best = NAN, bestd = INFINITY, maxf = 0, below = 0;
    unsigned bestb = 0, maxb = 0;
    for (unsigned b = 0; b < 128; b++) {
        double v = ref_f8(dt, b);
        if (isfinite(v) && v > maxf) below = maxf, maxf = v, maxb = b;
    }
    for (unsigned b = 0; b <= 256; b++) {
        double v = b < 256 ? ref_f8(dt, b) : copysign(2 * maxf - below, x);
        unsigned pat = b < 256 ? b : maxb + 1;
        if (!isfinite(v)) continue;
        double d = fabs(v - x);
        if (d < bestd || (d == bestd && (pat & 1) == 0 && (bestb & 1))) {
            best = v, bestd = d, bestb = pat;
        }
    }
    if (fabs(best) > maxf) return dt == PARITY_DT_F8_E5M2 ? copysign(INFINITY, x) : NAN;
    if (best == 0 && (dt == PARITY_DT_F8_E4M3FNUZ || dt == PARITY_DT_F8_E5M2FNUZ)) return 0.0;
    if (best == 0) return copysign(0.0, x);
    return best;
}

static void test_round_f8(void) {
    uint64_t s = 88172645463325252ull;
    for (size_t k = 0; k < 4; k++) { /* E8M0 has its own rule, below */
        int bad = 0;
        for (int i = 0; i < 20000; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            double u = (double)(s >> 11) / 9007199254740992.0;
            double x = ldexp(u, (int)(s % 40) - 24) * ((s >> 5) & 1 ? -1 : 1);
            if (i % 4 == 0) { /* exact midpoints between neighbours */
                unsigned b = (unsigned)(s >> 20) & 0x7e;
                double a = ref_f8(F8S[k], b), c = ref_f8(F8S[k], b + 1);
                if (isfinite(a) && isfinite(c)) x = (a + c) / 2;
            }
            double got = parity_round_to(F8S[k], x), want = ref_round_f8(F8S[k], x);
            if (!same_value(got, want)) {
                if (bad++ < 3)
                    fprintf(stderr, "%s round %.17g: %.17g vs %.17g\n",
                            parity_dtype_name(F8S[k]), x, got, want);
            }
        }
        CHECK_MSG(bad == 0, "%s: %d roundings differ", parity_dtype_name(F8S[k]), bad);
    }
    CHECK_EQ_DBL(parity_round_to(PARITY_DT_F8_E8M0, 3.0), 4.0);
    CHECK_EQ_DBL(parity_round_to(PARITY_DT_F8_E8M0, 2.9), 2.0);
    CHECK(isnan(parity_round_to(PARITY_DT_F8_E8M0, -1.0)));
    CHECK(isnan(parity_round_to(PARITY_DT_F8_E4M3, 1e6)));
    CHECK_EQ_DBL(parity_round_to(PARITY_DT_F8_E4M3, 464.0), 448.0);
    CHECK(isnan(parity_round_to(PARITY_DT_F8_E4M3, 464.5)));
    CHECK_EQ_DBL(parity_round_to(PARITY_DT_F8_E5M2, 1e6), INFINITY);
}

static void test_round_16(void) {
    size_t nx = 0, nh = 0, nx32 = 0, nb = 0;
    double *x = load("dtype_rnd_x.bin", 8, &nx);
    double *h = load("dtype_rnd_f16.bin", 8, &nh);
    double *x32 = load("dtype_rnd_x32.bin", 8, &nx32);
    double *b = load("dtype_rnd_bf16.bin", 8, &nb);
    if (CHECK(x && h && nx == nh && nx > 20000)) {
        int bad = 0;
        for (size_t i = 0; i < nx; i++)
            if (!same_value(parity_round_to(PARITY_DT_F16, x[i]), h[i])) {
                if (bad++ < 5) fprintf(stderr, "f16 round %.17g: %.17g vs numpy %.17g\n",
                                       x[i], parity_round_to(PARITY_DT_F16, x[i]), h[i]);
            }
        CHECK_EQ_INT(bad, 0);
    }
    if (b && CHECK(x32 && nb == nx32)) {
        int bad = 0;
        for (size_t i = 0; i < nb; i++)
            if (!same_value(parity_round_to(PARITY_DT_BF16, x32[i]), b[i])) bad++;
        CHECK_EQ_INT(bad, 0);
    }
    if (x32) {
        for (size_t i = 0; i < nx32; i++)
            if (!CHECK_SAME_DBL(parity_round_to(PARITY_DT_F32, x[i]), x32[i])) break;
    }
    free(x), free(h), free(x32), free(b);
}

static void test_f80(void) {
    size_t na = 0, nd = 0;
    unsigned char *a = load("dtype_f80.bin", 16, &na);
    double *d = load("dtype_f80_f64.bin", 8, &nd);
    if (CHECK(a && d && na == nd && na > 200)) {
        int bad = 0;
        for (size_t i = 0; i < na; i++) {
            double v = parity_dtype_to_double(PARITY_DT_F80, a + 16 * i);
            if (!same_value(v, d[i])) {
                if (bad++ < 5) fprintf(stderr, "f80 #%zu: %.17g vs numpy %.17g\n", i, v, d[i]);
            }
        }
        CHECK_EQ_INT(bad, 0);
    }
    free(a), free(d);
}

/* ---- integers, bool, byte order, names ---------------------------------- */

static void test_ints(void) {
    int64_t i64 = INT64_MIN;
    uint64_t u64 = UINT64_MAX;
    int8_t i8 = -128;
    uint32_t u32 = 4000000000u;
    int16_t i16 = -32768;
    unsigned char bools[3] = {0, 1, 7};
    double out[3];
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_I64, &i64), -0x1p63);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_U64, &u64), 0x1p64);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_I8, &i8), -128.0);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_U32, &u32), 4e9);
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_I16, &i16), -32768.0);
    parity_convert(PARITY_DT_BOOL, bools, 3, 0, out);
    CHECK(out[0] == 0 && out[1] == 1 && out[2] == 1);
    int64_t big = ((int64_t)1 << 53) + 1; /* rounds to nearest even */
    CHECK_EQ_DBL(parity_dtype_to_double(PARITY_DT_I64, &big), 0x1p53);
}

static void test_byteswap(void) {
    unsigned char f32be[8] = {0x3f, 0x80, 0, 0, 0xc0, 0x49, 0x0f, 0xdb};
    unsigned char f16be[4] = {0x3c, 0x00, 0xfc, 0x00};
    unsigned char bf16be[2] = {0xbf, 0x80};
    unsigned char i32be[4] = {0xff, 0xff, 0xff, 0xfe};
    unsigned char f64be[8] = {0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18};
    unsigned char u16be[2] = {0x12, 0x34};
    double out[2];
    parity_convert(PARITY_DT_F32, f32be, 2, 1, out);
    CHECK_EQ_DBL(out[0], 1.0);
    CHECK_EQ_DBL(out[1], (double)-3.14159274101257324f);
    parity_convert(PARITY_DT_F16, f16be, 2, 1, out);
    CHECK_EQ_DBL(out[0], 1.0);
    CHECK_EQ_DBL(out[1], -INFINITY);
    parity_convert(PARITY_DT_BF16, bf16be, 1, 1, out);
    CHECK_EQ_DBL(out[0], -1.0);
    parity_convert(PARITY_DT_I32, i32be, 1, 1, out);
    CHECK_EQ_DBL(out[0], -2.0);
    parity_convert(PARITY_DT_F64, f64be, 1, 1, out);
    CHECK_EQ_DBL(out[0], 3.141592653589793);
    parity_convert(PARITY_DT_U16, u16be, 1, 1, out);
    CHECK_EQ_DBL(out[0], 0x1234);
    /* native order through the bulk path equals the per-element path */
    uint16_t hs[5] = {0x0001, 0x8000, 0x7c01, 0x3555, 0xfbff};
    double bulk[5];
    parity_convert(PARITY_DT_F16, hs, 5, 0, bulk);
    for (int i = 0; i < 5; i++)
        CHECK(same_value(bulk[i], parity_dtype_to_double(PARITY_DT_F16, &hs[i])));
}

/* Long byte-swapped runs (several internal blocks) equal per-element
 * decoding of the reversed bytes, for every multi-byte dtype. */
static void test_byteswap_long(void) {
    enum { N = 1000 };
    static unsigned char raw[N * 16], rev[N * 16];
    static double bulk[N];
    uint64_t s = 0x2545f4914f6cdd1dull;
    for (size_t i = 0; i < sizeof raw; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        raw[i] = (unsigned char)s;
    }
    for (int dt = PARITY_DT_F64; dt < PARITY_DT_COUNT; dt++) {
        size_t esz = parity_dtype_size((parity_dtype)dt);
        if (esz == 0) continue; /* block-quantized: no byte order (test_quant.c) */
        for (size_t i = 0; i < N; i++)
            for (size_t b = 0; b < esz; b++) rev[i * esz + b] = raw[i * esz + esz - 1 - b];
        parity_convert((parity_dtype)dt, rev, N, 1, bulk);
        int bad = 0;
        for (size_t i = 0; i < N; i++)
            bad += !same_value(bulk[i], parity_dtype_to_double((parity_dtype)dt, raw + i * esz));
        CHECK_MSG(bad == 0, "%s: %d swapped elements differ", parity_dtype_name((parity_dtype)dt), bad);
    }
}

static void test_names(void) {
    for (int dt = PARITY_DT_F64; dt < PARITY_DT_COUNT; dt++) {
        const char *name = parity_dtype_name((parity_dtype)dt);
        CHECK_EQ_INT(parity_dtype_from_name(name), dt);
    }
    CHECK_EQ_INT(parity_dtype_from_name("f32"), PARITY_DT_INVALID);
    CHECK_EQ_INT(parity_dtype_from_name(NULL), PARITY_DT_INVALID);
    CHECK_EQ_STR(parity_dtype_name(PARITY_DT_INVALID), "?");
    CHECK_EQ_U64(parity_dtype_size(PARITY_DT_F80), 16);
    CHECK_EQ_U64(parity_dtype_size(PARITY_DT_BF16), 2);
    CHECK_EQ_U64(parity_dtype_size(PARITY_DT_INVALID), 0);
    CHECK(parity_dtype_is_float(PARITY_DT_F8_E8M0));
    CHECK(!parity_dtype_is_float(PARITY_DT_BOOL));
    CHECK_EQ_INT(parity_dtype_mantissa_bits(PARITY_DT_F16), 10);
    CHECK_EQ_INT(parity_dtype_mantissa_bits(PARITY_DT_BF16), 7);
    CHECK_EQ_INT(parity_dtype_mantissa_bits(PARITY_DT_I32), 0);
}

int main(void) {
    if (!CHECK(run_python())) return TEST_SUMMARY();
    test_f16_exhaustive();
    test_bf16_exhaustive();
    test_f8_exhaustive();
    test_round_f8();
    test_round_16();
    test_f80();
    test_ints();
    test_byteswap();
    test_byteswap_long();
    test_names();
    return TEST_SUMMARY();
}
