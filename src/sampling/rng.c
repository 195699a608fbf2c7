/* rng.c — MT19937 and torch's CPU float32 randn, reimplemented from spec sampling.md §8.1–8.4. */
#include "sampling/rng.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- MT19937 (§8.1) */

void cfy_rng_seed(cfy_rng *g, uint64_t seed)
{
    g->mt[0] = (uint32_t)(seed & 0xffffffffu);
    for (int j = 1; j < 624; j++)
        g->mt[j] = 1812433253u * (g->mt[j - 1] ^ (g->mt[j - 1] >> 30)) + (uint32_t)j;
    g->next = 624;
    g->has_normal = false;
    g->normal = 0.0;
}

static void regenerate(cfy_rng *g)
{
    for (int k = 0; k < 624; k++) {
        uint32_t y = (g->mt[k] & 0x80000000u) | (g->mt[(k + 1) % 624] & 0x7fffffffu);
        g->mt[k] = g->mt[(k + 397) % 624] ^ (y >> 1) ^ ((g->mt[(k + 1) % 624] & 1u) ? 0x9908b0dfu : 0u);
    }
    g->next = 0;
}

uint32_t cfy_rng_u32(cfy_rng *g)
{
    if (g->next >= 624) regenerate(g);
    uint32_t y = g->mt[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* ---------------------------------------------------------------- uniforms (§8.2) */

float cfy_rng_uniform_f32(cfy_rng *g)
{
    return (float)(cfy_rng_u32(g) & 0xffffffu) * (1.0f / 16777216.0f);
}

double cfy_rng_uniform_f64(cfy_rng *g)
{
    uint64_t r1 = cfy_rng_u32(g);
    uint64_t r2 = cfy_rng_u32(g);
    uint64_t v = (r1 << 32) | r2;
    return (double)(v & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

/* ---------------------------------------------------------------- Box–Muller blocks (§8.3) */

/* Variant S: libm in float, the angle in double. */
static void block_scalar(float *p)
{
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - p[j];
        float u2 = p[j + 8];
        float radius = sqrtf(-2.0f * logf(u1));
        float theta = (float)(6.283185307179586 * (double)u2);
        p[j] = radius * cosf(theta);
        p[j + 8] = radius * sinf(theta);
    }
}

/* Variant A / W: Cephes-style polynomials; `fused` selects fmaf or multiply-then-add. */
static inline __attribute__((always_inline)) float madd(float a, float b, float c, int fused)
{
    if (fused) return fmaf(a, b, c);
    float t = a * b;
    return t + c;
}

static inline __attribute__((always_inline)) float cephes_log(float v, int fused)
{
    const float min_norm = 1.17549435e-38f; /* 2^-126 */
    if (v < min_norm) v = min_norm;
    uint32_t bits;
    memcpy(&bits, &v, 4);
    float e = (float)((int32_t)(bits >> 23) - 127) + 1.0f;
    uint32_t mbits = (bits & 0x807fffffu) | 0x3f000000u;
    float m;
    memcpy(&m, &mbits, 4);
    float t;
    if (m < 0.70710677f) {
        e = e - 1.0f;
        t = (m - 1.0f) + m;
    } else {
        t = m - 1.0f;
    }
    float z = t * t;
    static const float p[8] = {-1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
                               -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f};
    float y = 7.0376836292E-2f;
    for (int k = 0; k < 8; k++) y = madd(y, t, p[k], fused);
    y = y * t;
    float eq1 = e * -2.12194440E-4f;
    y = madd(y, z, eq1, fused);
    float hz = 0.5f * z;
    y = y - hz;
    t = t + y;
    return madd(e, 0.693359375f, t, fused);
}

static inline __attribute__((always_inline)) void cephes_sincos(float theta, float *sn, float *cs, int fused)
{
    float y = theta * 1.27323954473516f;
    int32_t j = (int32_t)y;
    j = (j + 1) & ~1;
    y = (float)j;
    float a = madd(y, -0.78515625f, theta, fused);
    a = madd(y, -2.4187564849853515625E-4f, a, fused);
    a = madd(y, -3.77489497744594108E-8f, a, fused);
    float z = a * a;
    float c = madd(2.443315711809948E-5f, z, -1.388731625493765E-3f, fused);
    c = madd(c, z, 4.166664568298827E-2f, fused);
    c = c * z;
    float hz = 0.5f * z;
    c = madd(c, z, -hz, fused);
    c = c + 1.0f;
    float s = madd(-1.9515295891E-4f, z, 8.3321608736E-3f, fused);
    s = madd(s, z, -1.6666654611E-1f, fused);
    s = s * z;
    s = madd(s, a, a, fused);
    float rs, rc;
    if ((j & 2) == 0) {
        rs = s;
        rc = c;
    } else {
        rs = c;
        rc = s;
    }
    if (j & 4) rs = -rs;
    if (((j - 2) & 4) == 0) rc = -rc;
    *sn = rs;
    *cs = rc;
}

static inline __attribute__((always_inline)) void block_avx2(float *p, int fused)
{
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - p[j];
        float u2 = p[j + 8];
        float lg = cephes_log(u1, fused);
        float radius = sqrtf(-2.0f * lg);
        float theta = 6.2831855f * u2;
        float sn, cs;
        cephes_sincos(theta, &sn, &cs, fused);
        p[j] = radius * cs;
        p[j + 8] = radius * sn;
    }
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
/* The same arithmetic with the CPU's FMA instructions inlined (fmaf is exactly rounded either
 * way, so the numbers are identical; only the speed differs). ISO C mode keeps GCC from
 * contracting any other multiply-add. */
__attribute__((target("fma"))) static void block_avx2_hw(float *p) { block_avx2(p, 1); }
static bool cpu_has_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma");
}
#else
static void block_avx2_hw(float *p) { block_avx2(p, 1); }
static bool cpu_has_fma(void) { return false; }
#endif

static void transform_block(float *p, cfy_randn_variant variant, bool hw_fma)
{
    switch (variant) {
    case CFY_RANDN_AVX2:
        if (hw_fma) block_avx2_hw(p);
        else block_avx2(p, 1);
        break;
    case CFY_RANDN_AVX2_NOFMA: block_avx2(p, 0); break;
    case CFY_RANDN_SCALAR:
    default: block_scalar(p); break;
    }
}

/* ---------------------------------------------------------------- randn (§8.3, §8.4) */

static float normal_small(cfy_rng *g)
{
    if (g->has_normal) {
        g->has_normal = false;
        return (float)g->normal;
    }
    double u1 = cfy_rng_uniform_f64(g);
    double u2 = cfy_rng_uniform_f64(g);
    double r = sqrt(-2.0 * log1p(-u2));
    double theta = 2.0 * 3.14159265358979323846 * u1;
    g->normal = r * sin(theta);
    g->has_normal = true;
    return (float)(r * cos(theta));
}

void cfy_rng_randn(cfy_rng *g, float *out, int64_t n, cfy_randn_variant variant)
{
    if (n <= 0) return;
    if (n < 16) {
        for (int64_t i = 0; i < n; i++) out[i] = normal_small(g);
        return;
    }
    bool hw = variant == CFY_RANDN_AVX2 && cpu_has_fma();
    for (int64_t i = 0; i < n; i++) out[i] = cfy_rng_uniform_f32(g);
    for (int64_t i = 0; i + 16 <= n; i += 16) transform_block(out + i, variant, hw);
    if (n % 16 != 0) {
        float *tail = out + (n - 16);
        for (int k = 0; k < 16; k++) tail[k] = cfy_rng_uniform_f32(g);
        transform_block(tail, variant, hw);
    }
}

const char *cfy_randn_variant_name(cfy_randn_variant v)
{
    switch (v) {
    case CFY_RANDN_SCALAR: return "scalar";
    case CFY_RANDN_AVX2: return "avx2";
    case CFY_RANDN_AVX2_NOFMA: return "avx2_nofma";
    }
    return "unknown";
}

cfy_randn_variant cfy_randn_variant_detect(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CFY_RANDN_AVX2;
#endif
    return CFY_RANDN_SCALAR;
}
