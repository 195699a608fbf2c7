/* test_resize.c — Pillow-exact resize: the spec's Pillow-made tap tables and whole-image vectors
 * (segs-upscaler.md 4.2.5), the rescale size rule, the streamed supersample chain against two
 * plain resizes, and bad input (codes and sizes in the message). The random bit-exact comparison
 * with Pillow itself is tests/image/test_resize.py. */
#include "harness.h"
#include "image/resize.h"
#include "image/resize_coeffs.h"

static void check_taps(int64_t n_in, int64_t n_out, cfy_resample m, int o, int xmin, int n, const int32_t *k)
{
    cfy_pil_coeffs c;
    cfy_error err = {0};
    CHECK_ST(cfy_pil_coeffs_make(n_in, n_out, m, &c, &err), &err);
    CHECK(c.bounds[2 * o] == xmin && c.bounds[2 * o + 1] == n);
    for (int j = 0; j < n; j++) CHECK(c.k[o * c.ksize + j] == k[j]);
    cfy_pil_coeffs_free(&c);
}

static void test_tap_tables(void)
{
    check_taps(4, 6, CFY_RESAMPLE_BILINEAR, 2, 1, 2, (const int32_t[]){3495253, 699051});
    check_taps(8, 3, CFY_RESAMPLE_BILINEAR, 1, 1, 6, (const int32_t[]){99864, 699051, 1298237, 1298237, 699051, 99864});
    check_taps(4, 6, CFY_RESAMPLE_BICUBIC, 2, 0, 4, (const int32_t[]){-242726, 3932160, 553415, -48545});
    check_taps(8, 3, CFY_RESAMPLE_BICUBIC, 1, 0, 8,
               (const int32_t[]){-113649, 59548, 732425, 1418827, 1418827, 732425, 59548, -113649});
    check_taps(4, 6, CFY_RESAMPLE_LANCZOS, 0, 0, 3, (const int32_t[]){4580609, -505874, 119569});
    check_taps(4, 3, CFY_RESAMPLE_LANCZOS, 1, 0, 4, (const int32_t[]){-262144, 2359296, 2359296, -262144});
    check_taps(8, 3, CFY_RESAMPLE_LANCZOS, 0, 0, 8,
               (const int32_t[]){1402571, 1673993, 1161457, 324263, -191192, -205439, -23887, 52538});
}

static cfy_tensor *u8_image(int64_t h, int64_t w, int64_t c, const uint8_t *data)
{
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    int64_t sizes[3] = {h, w, c};
    if (cfy_tensor_new(CFY_U8, cfy_cpu(), 3, sizes, false, &t, &err) != CFY_OK) return NULL;
    memcpy(cfy_tensor_data(t), data, (size_t)(h * w * c));
    return t;
}

static void test_whole_images(void)
{
    static const uint8_t src[12] = {0, 64, 128, 255, 255, 200, 30, 10, 90, 91, 250, 5};
    static const uint8_t bil65[30] = {0,   32,  75,  117, 192, 255, 102, 110, 114, 93,  123, 157, 255, 228, 172,
                                      58,  20,  10,  156, 146, 140, 157, 85,  7,   90,  91,  118, 223, 128, 5};
    static const uint8_t lan91[9] = {127, 125, 123, 125, 133, 130, 110, 89, 84};
    static const uint8_t nea91[9] = {255, 255, 200, 200, 30, 30, 30, 10, 10};
    cfy_error err = {0};
    cfy_tensor *s = u8_image(3, 4, 1, src), *o = NULL;
    CHECK_ST(cfy_image_resize_u8(NULL, s, 6, 5, CFY_RESAMPLE_BILINEAR, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), bil65, 30) == 0);
    cfy_tensor_release(o);
    /* The spec's vectors come from Pillow 9.4 (horizontal pass first); Pillow 13 runs the vertical
     * pass first for 4x3 -> 9x1 and gets {125,125,123,125,132,130,110,89,78}. */
    static const uint8_t lan91_p13[9] = {125, 125, 123, 125, 132, 130, 110, 89, 78};
    CHECK_ST(cfy_image_resize_u8_ex(NULL, s, 9, 1, CFY_RESAMPLE_LANCZOS, CFY_RESIZE_PILLOW_LEGACY, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), lan91, 9) == 0);
    cfy_tensor_release(o);
    CHECK_ST(cfy_image_resize_u8(NULL, s, 9, 1, CFY_RESAMPLE_LANCZOS, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), lan91_p13, 9) == 0);
    cfy_tensor_release(o);
    CHECK_ST(cfy_image_resize_u8(NULL, s, 9, 1, CFY_RESAMPLE_NEAREST, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), nea91, 9) == 0);
    cfy_tensor_release(o);
    cfy_tensor_release(s);

    /* stage-A chain, lanczos, supersample true / false (rows 0 and 5) */
    static const uint8_t a[20] = {126, 33, 124, 161, 5, 132, 41, 233, 106, 9, 77, 68, 53, 189, 149, 61, 70, 254, 212, 28};
    static const uint8_t ss0[7] = {133, 69, 33, 109, 183, 97, 5}, ss5[7] = {64, 40, 130, 255, 251, 109, 5};
    static const uint8_t pl0[7] = {133, 69, 34, 109, 183, 98, 4}, pl5[7] = {66, 42, 127, 255, 255, 107, 0};
    s = u8_image(4, 5, 1, a);
    CHECK_ST(cfy_image_resize_u8_supersample(NULL, s, 7, 6, CFY_RESAMPLE_LANCZOS, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), ss0, 7) == 0 && memcmp((uint8_t *)cfy_tensor_data(o) + 35, ss5, 7) == 0);
    cfy_tensor_release(o);
    CHECK_ST(cfy_image_resize_u8(NULL, s, 7, 6, CFY_RESAMPLE_LANCZOS, &o, &err), &err);
    CHECK(o && memcmp(cfy_tensor_data(o), pl0, 7) == 0 && memcmp((uint8_t *)cfy_tensor_data(o) + 35, pl5, 7) == 0);
    cfy_tensor_release(o);
    cfy_tensor_release(s);
}

/* The streamed chain must equal resize(resize(x, 8w, 8h), w, h) for every filter, including the
 * orders where a vertical pass runs first and RGBA. */
static void test_supersample_equals_two_resizes(void)
{
    static const int64_t cases[][4] = {{19, 23, 3, 11}, {90, 20, 2, 9}, {13, 40, 19, 60}, {7, 5, 3, 2}};
    cfy_error err = {0};
    uint32_t seed = 12345;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        for (int c = 1; c <= 4; c += (c == 1 ? 2 : 1)) {
            int64_t h = cases[ci][0], w = cases[ci][1], oh = cases[ci][2], ow = cases[ci][3];
            uint8_t *buf = malloc((size_t)(h * w * c));
            for (int64_t i = 0; i < h * w * c; i++) buf[i] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 24);
            cfy_tensor *s = u8_image(h, w, c, buf);
            free(buf);
            for (int m = 0; m < 4; m++) {
                cfy_tensor *a = NULL, *b = NULL, *ss = NULL;
                CHECK_ST(cfy_image_resize_u8(NULL, s, 8 * ow, 8 * oh, (cfy_resample)m, &a, &err), &err);
                CHECK_ST(cfy_image_resize_u8(NULL, a, ow, oh, (cfy_resample)m, &b, &err), &err);
                CHECK_ST(cfy_image_resize_u8_supersample(NULL, s, ow, oh, (cfy_resample)m, &ss, &err), &err);
                CHECK(b && ss && memcmp(cfy_tensor_data(b), cfy_tensor_data(ss), (size_t)(ow * oh * c)) == 0);
                cfy_tensor_release(a);
                cfy_tensor_release(b);
                cfy_tensor_release(ss);
            }
            cfy_tensor_release(s);
        }
    }
}

static void test_rescale_size(void)
{
    cfy_error err = {0};
    int64_t w, h;
    CHECK_ST(cfy_image_rescale_size(100, 768, 0.29, &w, &h, &err), &err);
    CHECK(w == 28 && h == 222);
    CHECK_ST(cfy_image_rescale_size(768, 777, 2.3, &w, &h, &err), &err);
    CHECK(w == 1766);
    CHECK_ST(cfy_image_rescale_size(777, 10, 1.5, &w, &h, &err), &err);
    CHECK(w == 1165 && h == 15);
    CHECK(cfy_image_rescale_size(3, 3, 0.1, &w, &h, &err) == CFY_EINVAL);
    CHECK(cfy_image_rescale_size(3, 3, -1.0, &w, &h, &err) == CFY_EINVAL);
}

static void test_bad_input(void)
{
    cfy_error err = {0};
    static const uint8_t px[12] = {0};
    cfy_tensor *s = u8_image(2, 2, 3, px), *o = (cfy_tensor *)1;
    CHECK(cfy_image_resize_u8(NULL, s, 0, 4, CFY_RESAMPLE_LANCZOS, &o, &err) == CFY_EINVAL);
    CHECK(o == NULL && strstr(err.message, "resize") && strstr(err.message, "0x4"));
    CHECK(cfy_image_resize_u8(NULL, s, 4, -3, CFY_RESAMPLE_BICUBIC, &o, &err) == CFY_EINVAL);
    CHECK(cfy_image_resize_u8(NULL, s, 16385, 4, CFY_RESAMPLE_BILINEAR, &o, &err) == CFY_EINVAL);
    CHECK(strstr(err.message, "limit") != NULL);
    CHECK(cfy_image_resize_u8(NULL, s, 4, 4, (cfy_resample)9, &o, &err) == CFY_EINVAL);
    CHECK(cfy_image_resize_u8_supersample(NULL, s, 0, 0, CFY_RESAMPLE_LANCZOS, &o, &err) == CFY_EINVAL);
    cfy_tensor_release(s);
    s = u8_image(2, 1, 2, px); /* LA: unsupported */
    CHECK(cfy_image_resize_u8(NULL, s, 4, 4, CFY_RESAMPLE_LANCZOS, &o, &err) == CFY_EINVAL);
    cfy_tensor_release(s);
    cfy_resample m;
    CHECK(cfy_resample_parse("lanczos", &m, &err) == CFY_OK && m == CFY_RESAMPLE_LANCZOS);
    CHECK(cfy_resample_parse("area", &m, &err) == CFY_EINVAL);
}

int main(void)
{
    RUN(test_tap_tables);
    RUN(test_whole_images);
    RUN(test_supersample_equals_two_resizes);
    RUN(test_rescale_size);
    RUN(test_bad_input);
    return cfy_test_finish();
}
