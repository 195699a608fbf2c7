/* test_image_cuda.c — every src/image op with a CUDA kernel against its CPU path: 8-bit resize
 * (all filters, up/down, L/RGB/RGBA, supersample) and the conversions bit-exact; bilinear, blur
 * and paste within 1e-5 (they are written to be bit-exact too). Exits 77 (skipped) without a GPU
 * or without a CUDA build. */
#include "harness.h"
#include "core/device_mem.h"
#include "image/blur.h"
#include "image/convert.h"
#include "image/interpolate.h"
#include "image/paste.h"
#include "image/resize.h"

static uint32_t rng_state = 2024;
static uint32_t rnd(void) { return rng_state = rng_state * 1664525u + 1013904223u; }

static cfy_tensor *random_tensor(cfy_dtype dt, int ndim, const int64_t *sizes)
{
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    if (cfy_tensor_new(dt, cfy_cpu(), ndim, sizes, false, &t, &err) != CFY_OK) return NULL;
    int64_t n = cfy_tensor_numel(t);
    for (int64_t i = 0; i < n; i++) {
        if (dt == CFY_U8) ((uint8_t *)cfy_tensor_data(t))[i] = (uint8_t)(rnd() >> 24);
        else cfy_tensor_f32(t)[i] = (float)(rnd() >> 8) / 16777216.0f;
    }
    return t;
}

static cfy_tensor *to_dev(const cfy_tensor *t, cfy_device d)
{
    cfy_tensor *o = NULL;
    cfy_error err = {0};
    return cfy_tensor_to(t, d, &o, &err) == CFY_OK ? o : NULL;
}

static int same_bytes(const cfy_tensor *cpu, const cfy_tensor *dev)
{
    cfy_tensor *h = to_dev(dev, cfy_cpu());
    int ok = h && cfy_tensor_numel(h) == cfy_tensor_numel(cpu) &&
             memcmp(cfy_tensor_data(h), cfy_tensor_data(cpu), (size_t)cfy_tensor_numel(cpu) * cfy_dtype_size(cpu->dtype)) == 0;
    cfy_tensor_release(h);
    return ok;
}

static void test_resize(void)
{
    cfy_error err = {0};
    static const int64_t sizes[][4] = {{37, 29, 80, 61}, {64, 48, 17, 23}, {13, 90, 40, 11}, {5, 7, 5, 21}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int c = 1; c <= 4; c += (c == 1 ? 2 : 1))
            for (int m = 0; m < 4; m++)
                for (int ss = 0; ss < 2; ss++) {
                    int64_t shp[4] = {2, sizes[i][0], sizes[i][1], c};
                    cfy_tensor *s = random_tensor(CFY_U8, 4, shp), *ds = to_dev(s, cfy_cuda(0));
                    cfy_tensor *a = NULL, *b = NULL;
                    cfy_status (*fn)(cfy_runtime *, const cfy_tensor *, int64_t, int64_t, cfy_resample, cfy_tensor **,
                                     cfy_error *) = ss ? cfy_image_resize_u8_supersample : cfy_image_resize_u8;
                    CHECK_ST(fn(NULL, s, sizes[i][3], sizes[i][2], (cfy_resample)m, &a, &err), &err);
                    CHECK_ST(fn(NULL, ds, sizes[i][3], sizes[i][2], (cfy_resample)m, &b, &err), &err);
                    CHECK(a && b && same_bytes(a, b));
                    cfy_tensor_release(a);
                    cfy_tensor_release(b);
                    cfy_tensor_release(s);
                    cfy_tensor_release(ds);
                }
}

static void test_float_ops(void)
{
    cfy_error err = {0};
    int64_t shp[4] = {2, 41, 33, 3};
    cfy_tensor *s = random_tensor(CFY_F32, 4, shp), *ds = to_dev(s, cfy_cuda(0));
    cfy_tensor *a = NULL, *b = NULL, *ah = NULL;
    CHECK_ST(cfy_image_to_u8(NULL, s, &a, &err), &err);
    CHECK_ST(cfy_image_to_u8(NULL, ds, &b, &err), &err);
    CHECK(a && b && same_bytes(a, b));
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    CHECK_ST(cfy_image_interpolate(NULL, s, 70, 19, CFY_INTERP_BILINEAR, &a, &err), &err);
    CHECK_ST(cfy_image_interpolate(NULL, ds, 70, 19, CFY_INTERP_BILINEAR, &b, &err), &err);
    ah = to_dev(b, cfy_cpu());
    CHECK(a && ah && cfy_test_close_f32("bilinear cuda", cfy_tensor_f32(ah), cfy_tensor_f32(a), cfy_tensor_numel(a), 1e-5));
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    cfy_tensor_release(ah);
    int64_t mshp[3] = {2, 41, 33};
    cfy_tensor *m = random_tensor(CFY_F32, 3, mshp), *dm = to_dev(m, cfy_cuda(0));
    CHECK_ST(cfy_image_blur_mask(NULL, m, 7, &a, &err), &err);
    CHECK_ST(cfy_image_blur_mask(NULL, dm, 7, &b, &err), &err);
    ah = to_dev(b, cfy_cpu());
    CHECK(a && ah && cfy_test_close_f32("blur cuda", cfy_tensor_f32(ah), cfy_tensor_f32(a), cfy_tensor_numel(a), 1e-5));
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    cfy_tensor_release(ah);
    /* paste into copies on both devices */
    int64_t pshp[4] = {2, 20, 15, 3}, pm[3] = {1, 20, 15};
    cfy_tensor *src = random_tensor(CFY_F32, 4, pshp), *mask = random_tensor(CFY_F32, 3, pm);
    cfy_tensor *dsrc = to_dev(src, cfy_cuda(0)), *dmask = to_dev(mask, cfy_cuda(0));
    cfy_tensor *img = NULL, *dimg = to_dev(s, cfy_cuda(0));
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, shp, false, &img, &err), &err);
    memcpy(cfy_tensor_data(img), cfy_tensor_data(s), sizeof(float) * (size_t)cfy_tensor_numel(s));
    CHECK_ST(cfy_image_paste(NULL, img, src, 25, 30, mask, &err), &err);
    CHECK_ST(cfy_image_paste(NULL, dimg, dsrc, 25, 30, dmask, &err), &err);
    CHECK(same_bytes(img, dimg));
    cfy_tensor_release(img);
    cfy_tensor_release(dimg);
    cfy_tensor_release(src);
    cfy_tensor_release(dsrc);
    cfy_tensor_release(mask);
    cfy_tensor_release(dmask);
    cfy_tensor_release(m);
    cfy_tensor_release(dm);
    cfy_tensor_release(s);
    cfy_tensor_release(ds);
}

int main(void)
{
    if (cfy_cuda_device_count() <= 0) {
        fprintf(stderr, "no CUDA device (or built without CUDA): skipped\n");
        return 77;
    }
    RUN(test_resize);
    RUN(test_float_ops);
    return cfy_test_finish();
}
