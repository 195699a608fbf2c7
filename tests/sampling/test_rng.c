/* test_rng.c — MT19937 and randn against the spec's torch vectors (sampling.md §8.1–8.4, 8.9); the
 * many-seed bit-exact comparison against torch itself is tests/sampling/test_noise.py. */
#include <string.h>

#include "harness.h"
#include "sampling/rng.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_mt19937_seed0(void)
{
    static const uint32_t want[8] = {0x8c7f0aac, 0x97c4aa2f, 0xb716a675, 0xd821ccc0,
                                     0x9a4eb343, 0xdba252fb, 0x8b7d76c3, 0xd8e57d67};
    cfy_rng g;
    cfy_rng_seed(&g, 0);
    for (int i = 0; i < 8; i++) CHECK(cfy_rng_u32(&g) == want[i]);
    /* only the low 32 bits of the seed are used */
    cfy_rng h;
    cfy_rng_seed(&g, 5);
    cfy_rng_seed(&h, 5 + (UINT64_C(1) << 32));
    for (int i = 0; i < 700; i++) CHECK(cfy_rng_u32(&g) == cfy_rng_u32(&h));
    cfy_rng_seed(&g, 0);
    CHECK(cfy_rng_uniform_f32(&g) == 0.49625658988952637f);
}

static void test_randn_vectors(void)
{
    cfy_rng g;
    float a[20], b[4];
    cfy_rng_seed(&g, 0);
    cfy_rng_randn(&g, a, 20, CFY_RANDN_SCALAR);
    cfy_rng_randn(&g, b, 4, CFY_RANDN_SCALAR);
    CHECK(bits(a[0]) == 0xbf901b85 && bits(a[3]) == 0xbede255e && bits(a[4]) == 0x3f194d8b);
    CHECK(bits(a[13]) == 0x3fcb0d01 && bits(a[19]) == 0x3d5c1b39);
    CHECK(bits(b[0]) == 0xbf6459ce && bits(b[3]) == 0x3fba6ead);
    cfy_rng_seed(&g, 0);
    cfy_rng_randn(&g, a, 20, CFY_RANDN_AVX2);
    CHECK(bits(a[3]) == 0xbede255d && bits(a[6]) == 0xbeaec6ca && bits(a[19]) == 0x3d5c1b3a);
    CHECK(bits(a[0]) == 0xbf901b85);
    cfy_rng_seed(&g, 0);
    cfy_rng_randn(&g, b, 4, CFY_RANDN_AVX2);
    CHECK(bits(b[0]) == 0x3fc53f5c && bits(b[1]) == 0xbe963c50 && bits(b[2]) == 0xc00b7149 && bits(b[3]) == 0x3f1184b6);
}

static void test_prepare_noise_vectors(void)
{
    float n[100];
    cfy_rng g;
    cfy_rng_seed(&g, 42);
    cfy_rng_randn(&g, n, 100, CFY_RANDN_SCALAR);
    CHECK(bits(n[0]) == 0x3ff6a527 && bits(n[83]) == 0xbf15dad8 && bits(n[84]) == 0x3f24088a && bits(n[99]) == 0x3f1e061c);
    cfy_rng_seed(&g, 42);
    cfy_rng_randn(&g, n, 100, CFY_RANDN_AVX2);
    CHECK(bits(n[0]) == 0x3ff6a529 && bits(n[1]) == 0x3fbe5f53);
}

static void test_variant_names(void)
{
    CHECK(strcmp(cfy_randn_variant_name(CFY_RANDN_SCALAR), "scalar") == 0);
    CHECK(strcmp(cfy_randn_variant_name(CFY_RANDN_AVX2), "avx2") == 0);
    cfy_randn_variant v = cfy_randn_variant_detect();
    CHECK(v == CFY_RANDN_SCALAR || v == CFY_RANDN_AVX2);
}

int main(void)
{
    RUN(test_mt19937_seed0);
    RUN(test_randn_vectors);
    RUN(test_prepare_noise_vectors);
    RUN(test_variant_names);
    return cfy_test_finish();
}
