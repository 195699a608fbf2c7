/* test_blur_flat.c — cfy_image_blur_flat_fixup: flat all-ones windows get the row-major float32 sum
 * of the outer-product kernel taps (one value, torchvision's rounding), every other pixel keeps the blur's
 * value; a skipped blur is left alone; shape mismatches are refused. (End-to-end effect:
 * tests/oracle/test_segs_upscaler_parity.py::test_noise_mask_feathers.) */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/blur.h"
#include "image/blur_flat.h"

static cfy_tensor *rect_mask(int64_t h, int64_t w)
{
    int64_t sz[2] = {h, w};
    cfy_tensor *t = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sz, true, &t, NULL));
    float *d = cfy_tensor_f32(t);
    for (int64_t y = 4; y < 26; y++)
        for (int64_t x = 3; x < 37; x++)
            d[y * w + x] = 1.0f;
    d[12 * w + 20] = 0.5f; /* a hole: windows over it are not flat */
    return t;
}

static void test_fixup(void)
{
    const int64_t h = 30, w = 40;
    cfy_error err = {0};
    for (int64_t feather = 1; feather <= 6; feather++) {
        cfy_tensor *m = rect_mask(h, w), *a = NULL, *b = NULL;
        CHECK_ST(cfy_image_blur_mask(NULL, m, feather, &a, &err), &err);
        CHECK_ST(cfy_image_blur_mask(NULL, m, feather, &b, &err), &err);
        CHECK_ST(cfy_image_blur_flat_fixup(m, feather, b, &err), &err);
        int k = cfy_image_blur_kernel_size(h, w, feather), p = k / 2;
        float want = NAN; /* one value for every flat pixel (torch's value: tests/oracle/test_blur_flat_torch.py) */
        const float *mv = cfy_tensor_f32(m), *av = cfy_tensor_f32(a), *bv = cfy_tensor_f32(b);
        int flat_px = 0, bad = 0;
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++) {
                bool flat = true; /* windows here stay inside the image: no reflection needed */
                for (int64_t i = y - p; i <= y + p && flat; i++)
                    for (int64_t j = x - p; j <= x + p && flat; j++)
                        flat = i >= 0 && j >= 0 && i < h && j < w && mv[i * w + j] == 1.0f;
                if (y - p < 0 || x - p < 0 || y + p >= h || x + p >= w) continue; /* border: skip */
                if (flat) {
                    if (!flat_px++) want = bv[y * w + x];
                    bad += bv[y * w + x] != want;
                } else {
                    bad += bv[y * w + x] != av[y * w + x];
                }
            }
        CHECK(flat_px > 0 && bad == 0);
        CHECK(fabsf(want - 1.0f) < 1e-5f);
        cfy_tensor_release(m);
        cfy_tensor_release(a);
        cfy_tensor_release(b);
    }
}

static void test_skip_and_refusals(void)
{
    cfy_error err = {0};
    cfy_tensor *m = rect_mask(30, 40), *a = NULL, *c = NULL;
    CHECK_ST(cfy_image_blur_mask(NULL, m, 0, &a, &err), &err); /* feather 0: a copy */
    CHECK_ST(cfy_image_blur_flat_fixup(m, 0, a, &err), &err);
    CHECK(memcmp(cfy_tensor_f32(a), cfy_tensor_f32(m), 30 * 40 * sizeof(float)) == 0);
    int64_t sz[4] = {1, 30, 41, 1};
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, true, &c, NULL));
    CHECK(cfy_image_blur_flat_fixup(m, 3, c, &err) == CFY_EINVAL);
    cfy_tensor_release(m);
    cfy_tensor_release(a);
    cfy_tensor_release(c);
}

int main(void)
{
    RUN(test_fixup);
    RUN(test_skip_and_refusals);
    return cfy_test_finish();
}
