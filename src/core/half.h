/*
 * half.h — 16-bit floats to f32, exactly (internal): shared by the dtype
 * conversions (dtype.c) and the quantized blocks' f16 scales (quant.c).
 */
#ifndef PARITY_CORE_HALF_H
#define PARITY_CORE_HALF_H

#include <stdint.h>
#include <string.h>

/* f16 -> f32 by moving fields (exact): normal numbers rebias the exponent,
 * Inf/NaN get the all-ones f32 exponent (payload shifted, kept), and
 * subnormals are renormalized by one exact float subtraction. All three
 * cases are computed and one is selected by masks, without branches, so
 * the bulk loop over it vectorizes (branches kept F16 input at half the
 * speed of BF16). */
static inline float parity__f16_to_f32(uint16_t h) {
    const uint32_t exp_mask = 0x7c00u << 13;
    uint32_t u = (uint32_t)(h & 0x7fffu) << 13, e = u & exp_mask;
    uint32_t normal = u + ((uint32_t)(127 - 15) << 23);
    uint32_t special = normal + ((uint32_t)(128 - 16) << 23); /* Inf, NaN */
    uint32_t den_in = normal + (1u << 23), den;
    float f;
    memcpy(&f, &den_in, 4);
    f -= 0x1p-14f; /* subnormal and zero: exact */
    memcpy(&den, &f, 4);
    uint32_t is_special = 0u - (uint32_t)(e == exp_mask), is_den = 0u - (uint32_t)(e == 0);
    uint32_t bits = (special & is_special) | (den & is_den) | (normal & ~(is_special | is_den));
    bits |= (uint32_t)(h & 0x8000u) << 16;
    memcpy(&f, &bits, 4);
    return f;
}

/* ---- decoding ------------------------------------------------------------ */

static inline float parity__bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#endif /* PARITY_CORE_HALF_H */
