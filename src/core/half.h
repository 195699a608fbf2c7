/* half.h — IEEE binary16 and bfloat16 <-> float conversion (round to nearest even). */
#ifndef CFY_CORE_HALF_H
#define CFY_CORE_HALF_H

#include <stdint.h>
#include <string.h>

static inline float cfy_bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t cfy_float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static inline float cfy_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0) {
        if (mant == 0) return cfy_bits_to_float(sign);
        float f = (float)mant / 16777216.0f; /* subnormal: mant * 2^-24 */
        return sign ? -f : f;
    }
    if (exp == 31) return cfy_bits_to_float(sign | 0x7f800000u | (mant << 13));
    return cfy_bits_to_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

static inline uint16_t cfy_float_to_half(float f)
{
    uint32_t u = cfy_float_to_bits(f);
    uint32_t sign = (u >> 16) & 0x8000u;
    int32_t exp = (int32_t)((u >> 23) & 0xffu) - 127 + 15;
    uint32_t mant = u & 0x7fffffu;
    if (((u >> 23) & 0xffu) == 0xffu) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
    if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
    if (exp <= 0) {
        if (exp < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;
    return (uint16_t)half;
}

static inline float cfy_bf16_to_float(uint16_t b) { return cfy_bits_to_float((uint32_t)b << 16); }

static inline uint16_t cfy_float_to_bf16(float f)
{
    uint32_t u = cfy_float_to_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

#endif
