/* test_noise.c — prepare_noise with batch_index, SeedSequence and Brownian-tree spec vectors
 * (sampling.md §8.5–8.9); bit-exact comparisons against torch/NumPy/torchsde are test_noise.py. */
#include <string.h>

#include "harness.h"
#include "sampling/noise.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_prepare_noise_batch_index(void)
{
    float n[32];
    cfy_error err = {0};
    int64_t bi[2] = {2, 0};
    CHECK_ST(cfy_noise_prepare(42, 2, 16, bi, 2, CFY_RANDN_SCALAR, n, &err), &err);
    CHECK(bits(n[0]) == 0xbfb13d01 && bits(n[1]) == 0xbf5f0955 && bits(n[16]) == 0x3ff6a527 && bits(n[17]) == 0x3fbe5f54);
    int64_t neg[2] = {-1, 0};
    CHECK(cfy_noise_prepare(42, 2, 16, neg, 2, CFY_RANDN_SCALAR, n, &err) == CFY_EINVAL);
    CHECK(cfy_noise_prepare(42, 2, 16, bi, 1, CFY_RANDN_SCALAR, n, &err) == CFY_EINVAL);
}

static void test_ancestral_vectors(void)
{
    cfy_noise_sampler ns;
    float a[100];
    cfy_error err = {0};
    cfy_noise_sampler_init_default(&ns, 43, 100, CFY_RANDN_SCALAR);
    CHECK_ST(cfy_noise_sampler_draw(&ns, 1.0f, 0.5f, a, &err), &err);
    CHECK(bits(a[0]) == 0xbc88044d && bits(a[1]) == 0xbeeeffbf && bits(a[99]) == 0xbf38eb01);
    CHECK_ST(cfy_noise_sampler_draw(&ns, 1.0f, 0.5f, a, &err), &err);
    CHECK(bits(a[0]) == 0xbda1e79a && bits(a[99]) == 0xbfdea979);
    cfy_noise_sampler_free(&ns);
}

static void test_seed_sequence(void)
{
    uint32_t w[4];
    cfy_seed_sequence(42, NULL, 0, w, 3);
    CHECK(w[0] == 387750627u && w[1] == 2536650517u && w[2] == 4078839648u);
    uint64_t key[2] = {0, 0};
    cfy_seed_sequence(42, key, 2, w, 4);
    CHECK(w[0] == 2102017995u && w[1] == 2891809698u && w[2] == 2144110403u && w[3] == 379559146u);
}

static void test_brownian_vectors(void)
{
    static const float k10[11] = {14.614643096923828f, 9.10292911529541f, 5.478392124176025f, 3.168604850769043f,
                                  1.749418020248413f,  0.9140726923942566f, 0.4469185769557953f, 0.2013983577489853f,
                                  0.08191029727458954f, 0.0291671771556139f, 0.0f};
    cfy_brownian_tree bt;
    cfy_error err = {0};
    float a[100];
    CHECK_ST(cfy_brownian_tree_init(&bt, k10[9], k10[0], 42, 100, CFY_RANDN_SCALAR, &err), &err);
    CHECK_ST(cfy_brownian_tree_noise(&bt, k10[0], k10[1], a, &err), &err);
    CHECK(bits(a[0]) == 0xbfa8f5a7 && bits(a[1]) == 0x3f5ed675 && bits(a[99]) == 0x3e9b6a0e);
    CHECK_ST(cfy_brownian_tree_noise(&bt, k10[1], k10[2], a, &err), &err);
    CHECK(bits(a[0]) == 0x3f44e98b && bits(a[1]) == 0xbf86002d && bits(a[99]) == 0xbc8b4015);
    cfy_brownian_tree_free(&bt);
    CHECK_ST(cfy_brownian_tree_init(&bt, k10[9], k10[0], 42, 100, CFY_RANDN_AVX2, &err), &err);
    CHECK_ST(cfy_brownian_tree_noise(&bt, k10[1], k10[2], a, &err), &err);
    CHECK(bits(a[0]) == 0x3f44e987 && bits(a[99]) == 0xbc8b4043);
    cfy_brownian_tree_free(&bt);
    CHECK(cfy_brownian_tree_init(&bt, 2.0, 1.0, 1, 4, CFY_RANDN_SCALAR, &err) == CFY_EINVAL);
    cfy_brownian_tree_free(&bt);
}

int main(void)
{
    RUN(test_prepare_noise_batch_index);
    RUN(test_ancestral_vectors);
    RUN(test_seed_sequence);
    RUN(test_brownian_vectors);
    return cfy_test_finish();
}
