/* test_metrics.c — cfy_image_compare: identical images, a known MSE, SSIM bounds and symmetry,
 * shape and dtype refusals. (SSIM against scikit-image's definition: tests/oracle/test_regress_cli.py.) */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/metrics.h"

static cfy_tensor *img(int64_t h, int64_t w, float v0)
{
    int64_t sz[4] = {1, h, w, 3};
    cfy_tensor *t = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &t, NULL));
    float *d = cfy_tensor_f32(t);
    for (int64_t i = 0; i < h * w * 3; i++)
        d[i] = v0 + 0.5f * (float)((i * 37) % 101) / 101.0f;
    return t;
}

static void test_identical_and_known_mse(void)
{
    cfy_error err = {0};
    cfy_image_metrics m;
    cfy_tensor *a = img(20, 30, 0.1f), *b = img(20, 30, 0.1f);
    CHECK_ST(cfy_image_compare(a, b, &m, &err), &err);
    CHECK(isinf(m.psnr_db) && m.mse == 0 && m.max_abs_diff == 0 && m.n_different == 0 && fabs(m.ssim - 1) < 1e-12);
    CHECK(m.n_values == 20 * 30 * 3);
    /* shift every value by 0.1: MSE 0.01 -> PSNR 20 dB */
    float *d = cfy_tensor_f32(b);
    for (int64_t i = 0; i < cfy_tensor_numel(b); i++)
        d[i] += 0.1f;
    CHECK_ST(cfy_image_compare(a, b, &m, &err), &err);
    CHECK(fabs(m.psnr_db - 20.0) < 1e-4 && fabs(m.max_abs_diff - 0.1) < 1e-6 && m.n_different == m.n_values);
    CHECK(m.ssim < 1.0 && m.ssim > 0.5);
    cfy_image_metrics m2;
    CHECK_ST(cfy_image_compare(b, a, &m2, &err), &err);
    CHECK(m2.ssim == m.ssim && m2.psnr_db == m.psnr_db);
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    /* images smaller than the 11x11 window still work */
    cfy_tensor *s1 = img(4, 6, 0.2f), *s2 = img(4, 6, 0.3f);
    CHECK_ST(cfy_image_compare(s1, s2, &m, &err), &err);
    CHECK(isfinite(m.ssim) && m.ssim <= 1.0);
    cfy_tensor_release(s1);
    cfy_tensor_release(s2);
}

static void test_refusals(void)
{
    cfy_error err = {0};
    cfy_image_metrics m;
    cfy_tensor *a = img(20, 30, 0.1f), *b = img(21, 30, 0.1f);
    CHECK(cfy_image_compare(a, b, &m, &err) == CFY_EINVAL && strstr(err.message, "shape"));
    int64_t sz[2] = {4, 4};
    cfy_tensor *c = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sz, true, &c, NULL));
    CHECK(cfy_image_compare(c, c, &m, &err) == CFY_EINVAL);
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    cfy_tensor_release(c);
}

int main(void)
{
    RUN(test_identical_and_known_mse);
    RUN(test_refusals);
    return cfy_test_finish();
}
