/* test_ops.c — blur, interpolate, crop, paste and conversions: the spec's vectors and every
 * bad-input error (code and the sizes in the message). Torch/Pillow comparisons on random data
 * are the Python tests beside this file. */
#include <math.h>

#include "harness.h"
#include "image/blur.h"
#include "image/convert.h"
#include "image/crop.h"
#include "image/interpolate.h"
#include "image/paste.h"

static cfy_tensor *f32(int ndim, const int64_t *sizes, const float *data)
{
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    if (cfy_tensor_new(CFY_F32, cfy_cpu(), ndim, sizes, true, &t, &err) != CFY_OK) return NULL;
    if (data) memcpy(cfy_tensor_data(t), data, sizeof(float) * (size_t)cfy_tensor_numel(t));
    return t;
}

static void test_blur_vector(void)
{
    cfy_error err = {0};
    float m[36] = {0};
    for (int y = 2; y < 4; y++)
        for (int x = 2; x < 5; x++) m[y * 6 + x] = 1;
    cfy_tensor *t = f32(2, (const int64_t[]){6, 6}, m), *o = NULL;
    CHECK_ST(cfy_image_blur_mask(NULL, t, 1, &o, &err), &err);
    CHECK(o && o->ndim == 4 && o->sizes[0] == 1 && o->sizes[3] == 1);
    if (o) {
        const float *d = cfy_tensor_f32(o);
        CHECK(fabsf(d[7] - 0.1107407f) < 1e-6f && fabsf(d[2 * 6 + 3] - 0.6672226f) < 1e-6f && d[0] == 0);
    }
    cfy_tensor_release(o);
    CHECK(cfy_image_blur_kernel_size(100, 100, 5) == 11 && cfy_image_blur_kernel_size(11, 50, 5) == 5);
    CHECK(cfy_image_blur_kernel_size(12, 50, 5) == 11 && cfy_image_blur_kernel_size(4, 4, 5) == 3);
    CHECK(cfy_image_blur_kernel_size(2, 9, 5) == 0 && cfy_image_blur_kernel_size(50, 50, 0) == 0);
    cfy_tensor_release(t);
    t = f32(2, (const int64_t[]){0, 6}, NULL);
    CHECK(cfy_image_blur_mask(NULL, t, 5, &o, &err) == CFY_EINVAL && o == NULL);
    cfy_tensor_release(t);
}

static void test_interpolate_vector(void)
{
    cfy_error err = {0};
    cfy_tensor *t = f32(2, (const int64_t[]){2, 3}, (const float[]){0, 1, 0, 1, 1, 0}), *o = NULL;
    CHECK_ST(cfy_image_interpolate(NULL, t, 5, 3, CFY_INTERP_BILINEAR, &o, &err), &err);
    static const float want[15] = {0, 0.4f, 1, 0.4f, 0, 0.5f, 0.7f, 1, 0.4f, 0, 1, 1, 1, 0.4f, 0};
    CHECK(o && cfy_test_close_f32("bilinear 2x3->3x5", cfy_tensor_f32(o), want, 15, 1e-6));
    cfy_tensor_release(o);
    CHECK(cfy_image_interpolate(NULL, t, 0, 3, CFY_INTERP_BILINEAR, &o, &err) == CFY_EINVAL && o == NULL);
    CHECK(strstr(err.message, "0x3") != NULL);
    CHECK(cfy_image_interpolate(NULL, t, 3, 3, (cfy_interp)17, &o, &err) == CFY_EINVAL);
    cfy_tensor_release(t);
}

static void test_crop_and_paste(void)
{
    cfy_error err = {0};
    float img[2 * 4 * 5 * 3];
    for (int i = 0; i < 2 * 4 * 5 * 3; i++) img[i] = (float)i;
    cfy_tensor *a = f32(4, (const int64_t[]){2, 4, 5, 3}, img), *c = NULL;
    CHECK_ST(cfy_image_crop(NULL, a, 1, 2, 4, 4, &c, &err), &err);
    CHECK(c && c->sizes[1] == 2 && c->sizes[2] == 3 && cfy_tensor_f32(c)[0] == img[(2 * 5 + 1) * 3]);
    cfy_tensor_release(c);
    CHECK(cfy_image_crop(NULL, a, 3, 0, 6, 2, &c, &err) == CFY_EINVAL && c == NULL);
    CHECK(strstr(err.message, "[3, 0, 6, 2]") && strstr(err.message, "[2,4,5,3]"));
    CHECK(cfy_image_crop(NULL, a, 2, 2, 2, 3, &c, &err) == CFY_EINVAL);

    /* paste: m = 1 copies, m = 0 keeps, clipped at the border */
    cfy_tensor *b = f32(4, (const int64_t[]){1, 2, 2, 3}, NULL);
    float *bd = cfy_tensor_f32(b);
    for (int i = 0; i < 12; i++) bd[i] = -1.0f;
    cfy_tensor *m = f32(2, (const int64_t[]){2, 2}, (const float[]){1, 0, 1, 0.5f});
    CHECK_ST(cfy_image_paste(NULL, a, b, 4, 3, m, &err), &err);
    const float *ad = cfy_tensor_f32(a);
    CHECK(ad[(3 * 5 + 4) * 3] == -1.0f && ad[(3 * 5 + 3) * 3] == img[(3 * 5 + 3) * 3]);
    CHECK(ad[60 + (3 * 5 + 4) * 3 + 2] == -1.0f); /* second image of the batch too */
    CHECK_ST(cfy_image_paste(NULL, a, b, 5, 0, m, &err), &err); /* entirely outside on the right: no-op */
    CHECK(cfy_image_paste(NULL, a, b, -1, 0, m, &err) == CFY_EINVAL);
    cfy_tensor *m3 = f32(3, (const int64_t[]){3, 2, 2}, NULL);
    CHECK(cfy_image_paste(NULL, a, b, 0, 0, m3, &err) == CFY_EINVAL); /* mask batch 3 vs image batch 2 */
    CHECK(strstr(err.message, "[3,2,2]") != NULL);
    cfy_tensor_release(m3);
    cfy_tensor_release(m);
    cfy_tensor_release(b);
    cfy_tensor_release(a);
}

static void test_convert_values(void)
{
    cfy_error err = {0};
    static const float v[6] = {0.5f, 0.999f, 0.00392f, 0.003921569f, -0.1f, 1.2f};
    static const uint8_t want[6] = {127, 254, 0, 1, 0, 255};
    cfy_tensor *t = f32(1, (const int64_t[]){6}, v), *q = NULL, *back = NULL;
    CHECK_ST(cfy_image_to_u8(NULL, t, &q, &err), &err);
    CHECK(q && memcmp(cfy_tensor_data(q), want, 6) == 0);
    CHECK_ST(cfy_image_from_u8(NULL, q, &back, &err), &err);
    CHECK(back && cfy_tensor_f32(back)[0] == 127.0f / 255.0f);
    cfy_tensor *bad = NULL;
    CHECK(cfy_image_from_u8(NULL, t, &bad, &err) == CFY_EINVAL && bad == NULL); /* f32 given to the u8 reader */
    cfy_tensor_release(q);
    cfy_tensor_release(back);
    cfy_tensor_release(t);
    int ok = 1;
    for (int k = 0; k < 256; k++) ok &= cfy_image_quantize((float)k / 255.0f) == k; /* round trip exact */
    CHECK(ok);
}

int main(void)
{
    RUN(test_blur_vector);
    RUN(test_interpolate_vector);
    RUN(test_crop_and_paste);
    RUN(test_convert_values);
    return cfy_test_finish();
}
