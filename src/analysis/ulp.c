/*
 * ulp.c — distances in units in the last place.
 *
 * The ULP distance of two values in a float format is the difference of
 * their order-preserving integer images: for a non-negative value its bit
 * pattern read as an integer (the sign bit clear), for a negative value
 * minus the pattern of its magnitude. Adjacent representable values are one
 * apart, +0 and -0 coincide, and the largest finite value is one below Inf.
 * Each value is first rounded to the format (parity_round_to), so a pair of
 * F32 tensors counts F32 steps and an F32/BF16 pair counts BF16 steps.
 */
#include "acc.h"

#include <math.h>
#include <string.h>

/* Precision and smallest normal exponent of the formats below 32 bits. */
typedef struct small_fmt {
    int mbits, emin;
    double max;
} small_fmt;

static int small_format(parity_dtype dt, small_fmt *f) {
    static const small_fmt F16 = {10, -14, 65504.0};
    static const small_fmt BF16 = {7, -126, 0x1.fep127};
    static const small_fmt E4M3 = {3, -6, 448.0};
    static const small_fmt E5M2 = {2, -14, 57344.0};
    static const small_fmt E4M3FNUZ = {3, -7, 240.0};
    static const small_fmt E5M2FNUZ = {2, -15, 57344.0};
    static const small_fmt E8M0 = {0, -127, 0x1p127};
    switch (dt) {
    case PARITY_DT_F16: *f = F16; return 1;
    case PARITY_DT_BF16: *f = BF16; return 1;
    case PARITY_DT_F8_E4M3: *f = E4M3; return 1;
    case PARITY_DT_F8_E5M2: *f = E5M2; return 1;
    case PARITY_DT_F8_E4M3FNUZ: *f = E4M3FNUZ; return 1;
    case PARITY_DT_F8_E5M2FNUZ: *f = E5M2FNUZ; return 1;
    case PARITY_DT_F8_E8M0: *f = E8M0; return 1;
    default: return 0;
    }
}

/* |r| (already representable, finite or Inf) as its unsigned pattern:
 * subnormals count quanta of 2^(emin - mbits); a normal value adds one
 * binade of 2^mbits patterns per exponent step above emin. Inf lands one
 * past the largest finite value. */
static int64_t small_magnitude(double a, const small_fmt *f) {
    int mbits = f->mbits, emin = f->emin;
    if (isinf(a)) return small_magnitude(f->max, f) + 1;
    if (a < ldexp(1.0, emin)) return (int64_t)ldexp(a, mbits - emin);
    int e;
    frexp(a, &e);
    e -= 1; /* a in [2^e, 2^(e+1)) */
    int64_t binade = (int64_t)(e - emin + 1) << mbits;
    return binade + (int64_t)(ldexp(a, mbits - e) - ldexp(1.0, mbits));
}

/* Fast paths for values that are exactly an f32 (every value read from an
 * F32, F16 or BF16 tensor): round the f32 pattern with integer steps, ties
 * to even; a carry out of the mantissa correctly bumps the exponent, up to
 * the Inf pattern (one past the largest finite value). */
static int64_t bf16_magnitude(uint32_t mag) {
    return (int64_t)((mag + 0x7fffu + ((mag >> 16) & 1u)) >> 16);
}

static int64_t f16_magnitude(uint32_t mag, float fv) {
    if (mag >= (uint32_t)(127 + 16) << 23) return 0x7c00;  /* >= 2^16: Inf */
    if (mag < (uint32_t)113 << 23) {
        /* below 2^-14: adding 0.5 rounds to the subnormal grid 2^-24 */
        float t = fabsf(fv) + 0.5f;
        uint32_t u;
        memcpy(&u, &t, 4);
        return (int64_t)(u - 0x3f000000u);
    }
    uint32_t odd = (mag >> 13) & 1u;
    mag += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
    int64_t h = (int64_t)(mag >> 13);
    return h > 0x7c00 ? 0x7c00 : h;
}

int64_t parity__ulp_image(parity_dtype dt, double x) {
    int64_t mag;
    small_fmt f;
    float fv = (float)x;
    uint32_t u32;
    memcpy(&u32, &fv, 4);
    if (dt == PARITY_DT_F32) {
        mag = u32 & 0x7fffffffu;
    } else if (dt == PARITY_DT_BF16 && (double)fv == x) {
        mag = bf16_magnitude(u32 & 0x7fffffffu);
    } else if (dt == PARITY_DT_F16 && (double)fv == x) {
        mag = f16_magnitude(u32 & 0x7fffffffu, fv);
    } else if (small_format(dt, &f)) {
        double r = parity_round_to(dt, x);
        if (isnan(r)) r = copysign(INFINITY, x); /* past the format's range */
        mag = small_magnitude(fabs(r), &f);
    } else {
        uint64_t u;
        memcpy(&u, &x, 8);
        mag = (int64_t)(u & 0x7fffffffffffffffull);
    }
    return signbit(x) ? -mag : mag;
}

parity_dtype parity__ulp_dtype(parity_dtype a, parity_dtype b) {
    int fa = parity_dtype_is_float(a), fb = parity_dtype_is_float(b);
    if (!fa && !fb) return PARITY_DT_INVALID;
    if (a == PARITY_DT_F80) a = PARITY_DT_F64; /* values arrive as doubles */
    if (b == PARITY_DT_F80) b = PARITY_DT_F64;
    /* block-quantized values are f32 (ggml decodes them in f32) */
    if (parity_dtype_block(a, NULL, NULL) == 1) a = PARITY_DT_F32;
    if (parity_dtype_block(b, NULL, NULL) == 1) b = PARITY_DT_F32;
    if (!fa) return b;
    if (!fb) return a;
    return parity_dtype_mantissa_bits(a) <= parity_dtype_mantissa_bits(b) ? a : b;
}
