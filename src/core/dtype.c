/*
 * dtype.c — element types: sizes, names, exact decoding to double, and
 * rounding a double to a narrower float format.
 *
 * Bit layouts decoded here (sign s, exponent e, mantissa m, little-endian
 * storage unless byteswap is asked for):
 *   F64   s:1 e:11 m:52  bias 1023        F32  s:1 e:8 m:23  bias 127
 *   F16   s:1 e:5  m:10  bias 15          BF16 s:1 e:8 m:7   bias 127
 *         (BF16 is the top half of an F32)
 *   F8_E4M3      s:1 e:4 m:3 bias 7, no Inf, S.1111.111 = NaN (OCP e4m3fn)
 *   F8_E5M2      s:1 e:5 m:2 bias 15, IEEE-like: e=31 m=0 Inf, m!=0 NaN
 *   F8_E4M3FNUZ  s:1 e:4 m:3 bias 8, no Inf, no -0: 0x80 = NaN
 *   F8_E5M2FNUZ  s:1 e:5 m:2 bias 16, no Inf, no -0: 0x80 = NaN
 *   F8_E8M0      e:8 unsigned exponent only: 2^(e-127), 0xFF = NaN
 *   F80   16 bytes: bytes 0..7 the 64-bit significand with an explicit
 *         integer bit, bytes 8..9 s:1 e:15 (bias 16383), bytes 10..15 pad.
 * Subnormals (e = 0) are m · 2^(1 - bias - mbits) in every format.
 */
#include "internal.h"
#include "core/half.h"
#include "core/quant.h"

#include <math.h>
#include <string.h>

typedef struct dtype_info {
    const char *name;
    size_t size;
    int is_float;
    int mbits;
} dtype_info;

static const dtype_info INFO[PARITY_DT_COUNT] = {
    [PARITY_DT_INVALID] = {"?", 0, 0, 0},
    [PARITY_DT_F64] = {"F64", 8, 1, 52},
    [PARITY_DT_F32] = {"F32", 4, 1, 23},
    [PARITY_DT_F16] = {"F16", 2, 1, 10},
    [PARITY_DT_BF16] = {"BF16", 2, 1, 7},
    [PARITY_DT_F8_E4M3] = {"F8_E4M3", 1, 1, 3},
    [PARITY_DT_F8_E5M2] = {"F8_E5M2", 1, 1, 2},
    [PARITY_DT_F8_E4M3FNUZ] = {"F8_E4M3FNUZ", 1, 1, 3},
    [PARITY_DT_F8_E5M2FNUZ] = {"F8_E5M2FNUZ", 1, 1, 2},
    [PARITY_DT_F8_E8M0] = {"F8_E8M0", 1, 1, 0},
    [PARITY_DT_I64] = {"I64", 8, 0, 0},
    [PARITY_DT_I32] = {"I32", 4, 0, 0},
    [PARITY_DT_I16] = {"I16", 2, 0, 0},
    [PARITY_DT_I8] = {"I8", 1, 0, 0},
    [PARITY_DT_U64] = {"U64", 8, 0, 0},
    [PARITY_DT_U32] = {"U32", 4, 0, 0},
    [PARITY_DT_U16] = {"U16", 2, 0, 0},
    [PARITY_DT_U8] = {"U8", 1, 0, 0},
    [PARITY_DT_BOOL] = {"BOOL", 1, 0, 0},
    [PARITY_DT_F80] = {"F80", 16, 1, 63},
    /* block-quantized (core/quant.c): no element size; values are f32 */
    [PARITY_DT_Q4_0] = {"Q4_0", 0, 1, 23},
    [PARITY_DT_Q4_1] = {"Q4_1", 0, 1, 23},
    [PARITY_DT_Q5_0] = {"Q5_0", 0, 1, 23},
    [PARITY_DT_Q5_1] = {"Q5_1", 0, 1, 23},
    [PARITY_DT_Q8_0] = {"Q8_0", 0, 1, 23},
    [PARITY_DT_Q2_K] = {"Q2_K", 0, 1, 23},
    [PARITY_DT_Q3_K] = {"Q3_K", 0, 1, 23},
    [PARITY_DT_Q4_K] = {"Q4_K", 0, 1, 23},
    [PARITY_DT_Q5_K] = {"Q5_K", 0, 1, 23},
    [PARITY_DT_Q6_K] = {"Q6_K", 0, 1, 23},
};

static int valid(parity_dtype dt) {
    return dt > PARITY_DT_INVALID && dt < PARITY_DT_COUNT;
}

size_t parity_dtype_size(parity_dtype dt) {
    return valid(dt) ? INFO[dt].size : 0;
}

const char *parity_dtype_name(parity_dtype dt) {
    return valid(dt) ? INFO[dt].name : "?";
}

parity_dtype parity_dtype_from_name(const char *name) {
    if (!name) return PARITY_DT_INVALID;
    for (int dt = PARITY_DT_F64; dt < PARITY_DT_COUNT; dt++)
        if (strcmp(INFO[dt].name, name) == 0) return (parity_dtype)dt;
    return PARITY_DT_INVALID;
}

int parity_dtype_is_float(parity_dtype dt) {
    return valid(dt) ? INFO[dt].is_float : 0;
}

int parity_dtype_mantissa_bits(parity_dtype dt) {
    return valid(dt) ? INFO[dt].mbits : 0;
}

double parity__unit_roundoff(parity_dtype dt) {
    return ldexp(1.0, -(parity_dtype_mantissa_bits(dt) + 1));
}

/* The five 8-bit float formats: field widths and special encodings. */
typedef struct f8_fmt {
    int ebits, mbits, bias;
    int ieee_inf;  /* e all ones: m = 0 Inf, else NaN (E5M2)           */
    int fn_nan;    /* only S.1111.111 is NaN (E4M3FN)                  */
    int fnuz;      /* 0x80 is NaN, no -0, no Inf                        */
} f8_fmt;

static const f8_fmt F8_E4M3 = {4, 3, 7, 0, 1, 0};
static const f8_fmt F8_E5M2 = {5, 2, 15, 1, 0, 0};
static const f8_fmt F8_E4M3FNUZ = {4, 3, 8, 0, 0, 1};
static const f8_fmt F8_E5M2FNUZ = {5, 2, 16, 0, 0, 1};

static double f8_decode(const f8_fmt *f, uint8_t b) {
    int emax = (1 << f->ebits) - 1;
    int e = (b >> f->mbits) & emax;
    int m = b & ((1 << f->mbits) - 1);
    double sign = (b & 0x80) ? -1.0 : 1.0;
    if (f->fnuz && b == 0x80) return NAN;
    if (f->fn_nan && (b & 0x7f) == 0x7f) return copysign(NAN, sign);
    if (f->ieee_inf && e == emax) return m ? copysign(NAN, sign) : sign * INFINITY;
    if (e == 0) return sign * ldexp(m, 1 - f->bias - f->mbits);
    return sign * ldexp(m + (1 << f->mbits), e - f->bias - f->mbits);
}

static double e8m0_decode(uint8_t b) {
    return b == 0xff ? NAN : ldexp(1.0, (int)b - 127);
}

/* Round the value M · 2^E (M != 0, 64 bits) to the nearest double, ties
 * to even, subnormal and overflow results included. */
static double round_u64_scaled(uint64_t m, int e) {
    int lz = __builtin_clzll(m);
    m <<= lz;                    /* top bit set: value in [2^63, 2^64) ·2^e */
    e -= lz;
    int top = e + 63;            /* exponent of the leading bit             */
    int keep = 53;
    if (top < -1022) keep = 53 - (-1022 - top);
    if (keep <= 0) {
        /* below half the smallest subnormal, or exactly half of it and so
         * rounding to even gives 0; above half rounds up to it */
        if (keep == 0 && m > (1ull << 63)) return ldexp(1.0, -1074);
        return 0.0;
    }
    int shift = 64 - keep;
    uint64_t q = m >> shift;
    uint64_t rem = m & ((1ull << shift) - 1);
    uint64_t half = 1ull << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return ldexp((double)q, e + shift);
}

/* An x87 extended value as NumPy reads it (np.longdouble -> float64, which
 * loads it into the FPU): the encodings the 387 and later reject as
 * invalid operands - unnormals (exponent 1..0x7ffe without the integer
 * bit), pseudo-infinities and pseudo-NaNs (exponent 0x7fff without it) -
 * load as the default NaN, whose sign bit is set; pseudo-denormals
 * (exponent 0 with the integer bit) are read with the smallest exponent,
 * as denormals are. tests/unit/test_npy.c checks every case against NumPy
 * on the same bytes. */
static double f80_decode(const unsigned char *p) {
    uint64_t m;
    uint16_t se;
    memcpy(&m, p, 8);
    memcpy(&se, p + 8, 2);
    double sign = (se & 0x8000) ? -1.0 : 1.0;
    int e = se & 0x7fff;
    int integer_bit = (int)(m >> 63);
    if (e != 0 && !integer_bit) return copysign(NAN, -1.0); /* unnormal, pseudo-Inf, pseudo-NaN */
    if (e == 0x7fff) /* Inf: an empty fraction; else a NaN of its sign */
        return m == (1ull << 63) ? sign * INFINITY : copysign(NAN, sign);
    if (m == 0) return sign * 0.0;
    if (e == 0) e = 1; /* denormal: same scale as the smallest exponent */
    return sign * round_u64_scaled(m, e - 16383 - 63);
}

double parity_dtype_to_double(parity_dtype dt, const void *ptr) {
    const unsigned char *p = ptr;
    switch (dt) {
    case PARITY_DT_F64: { double v; memcpy(&v, p, 8); return v; }
    case PARITY_DT_F32: { float v; memcpy(&v, p, 4); return v; }
    case PARITY_DT_F16: { uint16_t v; memcpy(&v, p, 2); return parity__f16_to_f32(v); }
    case PARITY_DT_BF16: { uint16_t v; memcpy(&v, p, 2); return parity__bf16_to_f32(v); }
    case PARITY_DT_F8_E4M3: return f8_decode(&F8_E4M3, p[0]);
    case PARITY_DT_F8_E5M2: return f8_decode(&F8_E5M2, p[0]);
    case PARITY_DT_F8_E4M3FNUZ: return f8_decode(&F8_E4M3FNUZ, p[0]);
    case PARITY_DT_F8_E5M2FNUZ: return f8_decode(&F8_E5M2FNUZ, p[0]);
    case PARITY_DT_F8_E8M0: return e8m0_decode(p[0]);
    case PARITY_DT_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case PARITY_DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case PARITY_DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
    case PARITY_DT_I8: return (int8_t)p[0];
    case PARITY_DT_U64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
    case PARITY_DT_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case PARITY_DT_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case PARITY_DT_U8: return p[0];
    case PARITY_DT_BOOL: return p[0] != 0;
    case PARITY_DT_F80: return f80_decode(p);
    default: break;
    }
    if (parity_dtype_block(dt, NULL, NULL) != 1) return NAN;
    float y[PARITY__QK_MAX]; /* block-quantized: the block's first value */
    parity__dequant_block(dt, p, y);
    return y[0];
}

/* ---- bulk conversion ------------------------------------------------------ */

/* The hot formats get tight loops the compiler can vectorize; everything
 * else goes element by element through parity_dtype_to_double. */
PARITY__KERNEL
static void convert_f16_block(const unsigned char *s, size_t n, double *dst) {
    for (size_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, s + 2 * i, 2);
        dst[i] = parity__f16_to_f32(h);
    }
}

static int convert_fast(parity_dtype dt, const unsigned char *s, size_t n,
                        double *dst) {
    switch (dt) {
    case PARITY_DT_F32:
        for (size_t i = 0; i < n; i++) {
            float v;
            memcpy(&v, s + 4 * i, 4);
            dst[i] = v;
        }
        return 1;
    case PARITY_DT_F64:
        memcpy(dst, s, n * 8);
        return 1;
    case PARITY_DT_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, s + 2 * i, 2);
            dst[i] = parity__bf16_to_f32(v);
        }
        return 1;
    case PARITY_DT_F16:
        convert_f16_block(s, n, dst);
        return 1;
    default:
        return 0;
    }
}

/* Elements of the other byte order: reverse each one into a block of
 * scratch, then decode the block natively. */
static void convert_swapped(parity_dtype dt, const unsigned char *s, size_t n,
                            size_t esz, double *dst) {
    enum { BLOCK = 256 };
    unsigned char tmp[BLOCK * 16];
    while (n > 0) {
        size_t k = n < BLOCK ? n : BLOCK;
        for (size_t i = 0; i < k; i++)
            for (size_t b = 0; b < esz; b++) tmp[i * esz + b] = s[i * esz + esz - 1 - b];
        parity_convert(dt, tmp, k, 0, dst);
        s += k * esz, dst += k, n -= k;
    }
}

void parity_convert(parity_dtype dt, const void *src, size_t n, int byteswap,
                    double *dst) {
    const unsigned char *s = src;
    size_t esz = parity_dtype_size(dt);
    if (esz == 0 && parity_dtype_block(dt, NULL, NULL) == 1) {
        parity__dequant_run(dt, s, UINT64_MAX, 0, n, dst); /* from a block */
        return;
    }
    if (esz == 0) {
        for (size_t i = 0; i < n; i++) dst[i] = NAN;
        return;
    }
    if (byteswap && esz > 1) {
        convert_swapped(dt, s, n, esz, dst);
        return;
    }
    if (convert_fast(dt, s, n, dst)) return;
    for (size_t i = 0; i < n; i++) dst[i] = parity_dtype_to_double(dt, s + i * esz);
}

/* ---- rounding to a narrower format ------------------------------------- */

/* A binary float format by its precision and range: mbits stored mantissa
 * bits, emin the exponent of the smallest normal, max the largest finite
 * value; overflow gives Inf when the format has it, else NaN. */
typedef struct round_fmt {
    int mbits, emin;
    double max;
    int has_inf, has_negzero;
} round_fmt;

static double round_generic(const round_fmt *f, double x) {
    if (isnan(x)) return x;
    if (isinf(x)) return f->has_inf ? x : NAN;
    double a = fabs(x);
    if (a == 0) return f->has_negzero ? x : 0.0;
    int e;
    frexp(a, &e);           /* a = f · 2^e, f in [0.5, 1) */
    e -= 1;                 /* a in [2^e, 2^(e+1))       */
    if (e < f->emin) e = f->emin;
    int qexp = e - f->mbits; /* the quantum at this binade */
    double r = ldexp(nearbyint(ldexp(a, -qexp)), qexp); /* ties to even */
    if (r > f->max) return f->has_inf ? copysign(INFINITY, x) : NAN;
    if (r == 0 && !f->has_negzero) return 0.0;
    return copysign(r, x);
}

/* E8M0 holds only powers of two in [2^-127, 2^127]: the nearest one (ties
 * go up), NaN for anything <= 0, NaN or beyond the range. */
static double round_e8m0(double x) {
    if (!(x > 0) || isinf(x)) return NAN;
    int e;
    double f = frexp(x, &e); /* x = f · 2^e, f in [0.5, 1) */
    int k = f >= 0.75 ? e : e - 1;
    if (k < -127) k = -127;
    if (k > 127) return NAN;
    return ldexp(1.0, k);
}

double parity_round_to(parity_dtype dt, double x) {
    static const round_fmt F16 = {10, -14, 65504.0, 1, 1};
    static const round_fmt BF16 = {7, -126, 0x1.fep127, 1, 1};
    static const round_fmt E4M3 = {3, -6, 448.0, 0, 1};
    static const round_fmt E5M2 = {2, -14, 57344.0, 1, 1};
    static const round_fmt E4M3FNUZ = {3, -7, 240.0, 0, 0};
    static const round_fmt E5M2FNUZ = {2, -15, 57344.0, 0, 0};
    switch (dt) {
    case PARITY_DT_F32: return (double)(float)x;
    case PARITY_DT_F16: return round_generic(&F16, x);
    case PARITY_DT_BF16: return round_generic(&BF16, x);
    case PARITY_DT_F8_E4M3: return round_generic(&E4M3, x);
    case PARITY_DT_F8_E5M2: return round_generic(&E5M2, x);
    case PARITY_DT_F8_E4M3FNUZ: return round_generic(&E4M3FNUZ, x);
    case PARITY_DT_F8_E5M2FNUZ: return round_generic(&E5M2FNUZ, x);
    case PARITY_DT_F8_E8M0: return round_e8m0(x);
    default: return x; /* F64, F80 (wider than double) and integer types */
    }
}

/* ---- blocks: element types are blocks of one ---------------------------- */

int parity_dtype_block(parity_dtype dt, int *block_elems, int *block_bytes) {
    int qe = 0, qb = 0, quant = parity__quant_geometry(dt, &qe, &qb);
    size_t esz = parity_dtype_size(dt);
    if (block_elems) *block_elems = quant ? qe : esz ? 1 : 0;
    if (block_bytes) *block_bytes = quant ? qb : (int)esz;
    return quant ? 1 : esz ? 0 : -1;
}

/* ---- byte arithmetic ----------------------------------------------------- */

void parity__dtype_span(parity_dtype dt, uint64_t first, uint64_t n,
                        uint64_t *lo, uint64_t *hi) {
    int elems, bytes;
    parity_dtype_block(dt, &elems, &bytes);
    if (elems <= 0) {
        *lo = *hi = 0;
        return;
    }
    uint64_t e = (uint64_t)elems, end = first + n;
    *lo = first / e * (uint64_t)bytes;
    *hi = (end / e + (end % e != 0)) * (uint64_t)bytes;
}

uint64_t parity__dtype_elems_for_bytes(parity_dtype dt, uint64_t bytes) {
    int elems, size;
    parity_dtype_block(dt, &elems, &size);
    if (elems <= 0) return 0;
    uint64_t blocks = bytes / (uint64_t)size;
    return (blocks ? blocks : 1) * (uint64_t)elems;
}

