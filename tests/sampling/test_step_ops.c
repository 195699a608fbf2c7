/* test_step_ops.c — per-step sampler arithmetic: the CPU reference against the formulas written
 * out, argument checks, and the CUDA kernels bit-exact against the CPU path when a GPU is present
 * (the CUDA part is skipped otherwise). */
#include <math.h>

#include "core/device_mem.h"
#include "harness.h"
#include "sampling/step_ops.h"

enum { N = 1000 };

static cfy_tensor *host(float seed)
{
    int64_t n = N;
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 1, &n, false, &t, &err), &err);
    for (int k = 0; k < N; k++) cfy_tensor_f32(t)[k] = sinf(seed * (float)(k + 1)) * 3.0f;
    return t;
}

static cfy_tensor *mask(void)
{
    cfy_tensor *t = host(0.3f);
    for (int k = 0; k < N; k++) cfy_tensor_f32(t)[k] = fabsf(cfy_tensor_f32(t)[k]) / 3.0f;
    return t;
}

static void test_cpu_formulas(void)
{
    cfy_error err = {0};
    cfy_tensor *x = host(0.1f), *d = host(0.2f), *e = host(0.7f), *m = mask(), *l = host(0.9f), *o = host(0.5f);
    float x0 = cfy_tensor_f32(x)[5], d0 = cfy_tensor_f32(d)[5];
    CHECK_ST(cfy_sampling_euler_step(x, d, 2.5f, 1.5f, &err), &err);
    float v = (x0 - d0) / 2.5f;
    v = v * (1.5f - 2.5f);
    CHECK(cfy_tensor_f32(x)[5] == x0 + v);
    CHECK_ST(cfy_sampling_cfg_combine(x, d, 7.5f, o, &err), &err);
    float c = cfy_tensor_f32(x)[9] - cfy_tensor_f32(d)[9];
    c = c * 7.5f;
    CHECK(cfy_tensor_f32(o)[9] == cfy_tensor_f32(d)[9] + c);
    CHECK_ST(cfy_sampling_mask_blend_input(x, m, e, 3.0f, l, o, &err), &err);
    CHECK_ST(cfy_sampling_mask_blend_input(x, m, NULL, 3.0f, l, o, &err), &err);
    CHECK_ST(cfy_sampling_mask_blend_output(o, m, l, &err), &err);
    CHECK_ST(cfy_sampling_add_noise(x, e, 1.0f, 0.5f, &err), &err);
    /* mismatched sizes are refused */
    int64_t n2 = 3;
    cfy_tensor *small = NULL;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 1, &n2, true, &small, &err), &err);
    CHECK(cfy_sampling_euler_step(x, small, 1.0f, 0.5f, &err) == CFY_EINVAL);
    cfy_tensor *ts[] = {x, d, e, m, l, o, small};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) cfy_tensor_release(ts[i]);
}

static cfy_tensor *dev(const cfy_tensor *h)
{
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_tensor_to(h, cfy_cuda(0), &t, &err), &err);
    return t;
}

static int same_as_host(const cfy_tensor *d, const cfy_tensor *h)
{
    cfy_tensor *back = NULL;
    cfy_error err = {0};
    if (cfy_tensor_to(d, cfy_cpu(), &back, &err) != CFY_OK) return 0;
    int ok = memcmp(cfy_tensor_f32(back), cfy_tensor_f32(h), N * sizeof(float)) == 0;
    cfy_tensor_release(back);
    return ok;
}

static void test_cuda_matches_cpu(void)
{
    if (cfy_cuda_device_count() == 0) {
        fprintf(stderr, "  (no CUDA device: CUDA comparison skipped)\n");
        return;
    }
    cfy_error err = {0};
    cfy_tensor *x = host(0.1f), *d = host(0.2f), *e = host(0.7f), *m = mask(), *l = host(0.9f), *o = host(0.5f);
    cfy_tensor *gx = dev(x), *gd = dev(d), *ge = dev(e), *gm = dev(m), *gl = dev(l), *go = dev(o);
    CHECK_ST(cfy_sampling_euler_step(x, d, 2.5f, 1.5f, &err), &err);
    CHECK_ST(cfy_sampling_euler_step(gx, gd, 2.5f, 1.5f, &err), &err);
    CHECK(same_as_host(gx, x));
    CHECK_ST(cfy_sampling_add_noise(x, e, 1.0f, 0.37f, &err), &err);
    CHECK_ST(cfy_sampling_add_noise(gx, ge, 1.0f, 0.37f, &err), &err);
    CHECK(same_as_host(gx, x));
    CHECK_ST(cfy_sampling_cfg_combine(x, d, 6.5f, o, &err), &err);
    CHECK_ST(cfy_sampling_cfg_combine(gx, gd, 6.5f, go, &err), &err);
    CHECK(same_as_host(go, o));
    CHECK_ST(cfy_sampling_mask_blend_input(x, m, e, 2.0f, l, o, &err), &err);
    CHECK_ST(cfy_sampling_mask_blend_input(gx, gm, ge, 2.0f, gl, go, &err), &err);
    CHECK(same_as_host(go, o));
    CHECK_ST(cfy_sampling_mask_blend_output(o, m, l, &err), &err);
    CHECK_ST(cfy_sampling_mask_blend_output(go, gm, gl, &err), &err);
    CHECK(same_as_host(go, o));
    cfy_tensor *ts[] = {x, d, e, m, l, o, gx, gd, ge, gm, gl, go};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) cfy_tensor_release(ts[i]);
}

int main(void)
{
    RUN(test_cpu_formulas);
    RUN(test_cuda_matches_cpu);
    return cfy_test_finish();
}
