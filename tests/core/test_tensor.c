/* test_tensor.c — tensors: allocation, views, contiguous copies, dtype conversion, .npy I/O. */
#include "harness.h"

static void test_new_and_views(void)
{
    cfy_error err = {0};
    cfy_tensor *t = NULL, *n = NULL, *c = NULL;
    int64_t sizes[3] = {2, 3, 4};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sizes, true, &t, &err), &err);
    if (!t) return;
    CHECK(cfy_tensor_numel(t) == 24);
    CHECK(cfy_tensor_is_contiguous(t));
    float *p = cfy_tensor_f32(t);
    for (int i = 0; i < 24; i++) p[i] = (float)i;
    CHECK_ST(cfy_tensor_narrow(t, 2, 1, 2, &n, &err), &err);
    CHECK(!cfy_tensor_is_contiguous(n));
    CHECK_ST(cfy_tensor_contiguous(n, &c, &err), &err);
    const float *q = cfy_tensor_f32(c);
    /* element [b,y,x] of the narrowed view is t[b,y,x+1] */
    int ok = 1;
    for (int b = 0; b < 2; b++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 2; x++)
                if (q[(b * 3 + y) * 2 + x] != (float)((b * 3 + y) * 4 + x + 1)) ok = 0;
    CHECK(ok);
    cfy_tensor_release(c);
    cfy_tensor_release(n);
    cfy_tensor_release(t);
}

static void test_bad_shapes(void)
{
    cfy_error err = {0};
    cfy_tensor *t = (cfy_tensor *)1;
    int64_t bad[2] = {2, -1};
    CHECK(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, bad, false, &t, &err) == CFY_EINVAL);
    CHECK(t == NULL);
    CHECK(cfy_tensor_new(CFY_F32, cfy_cpu(), 9, bad, false, &t, &err) == CFY_EINVAL);
}

static void test_convert_half(void)
{
    cfy_error err = {0};
    cfy_tensor *t, *h, *back;
    int64_t n = 6;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 1, &n, false, &t, &err), &err);
    float vals[6] = {0.0f, 1.0f, -2.5f, 65504.0f, 1e-8f, 0.333333f};
    memcpy(cfy_tensor_f32(t), vals, sizeof vals);
    CHECK_ST(cfy_tensor_convert(t, CFY_F16, &h, &err), &err);
    CHECK_ST(cfy_tensor_convert(h, CFY_F32, &back, &err), &err);
    const float *b = cfy_tensor_f32(back);
    CHECK(b[0] == 0.0f && b[1] == 1.0f && b[2] == -2.5f && b[3] == 65504.0f);
    CHECK(b[4] == 0.0f || b[4] < 1e-7f);
    CHECK(b[5] > 0.3332f && b[5] < 0.3335f);
    cfy_tensor_release(t);
    cfy_tensor_release(h);
    cfy_tensor_release(back);
}

static void test_npy_roundtrip(void)
{
    cfy_error err = {0};
    char dir[256], path[512];
    cfy_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.npy", dir);
    cfy_tensor *t, *r = NULL;
    int64_t sizes[2] = {3, 5};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, false, &t, &err), &err);
    for (int i = 0; i < 15; i++) cfy_tensor_f32(t)[i] = (float)i * 0.5f;
    CHECK_ST(cfy_tensor_save_npy(t, path, &err), &err);
    CHECK_ST(cfy_tensor_load_npy(path, &r, &err), &err);
    if (r) {
        CHECK(r->ndim == 2 && r->sizes[0] == 3 && r->sizes[1] == 5);
        CHECK(memcmp(cfy_tensor_data(r), cfy_tensor_data(t), 15 * 4) == 0);
    }
    cfy_tensor_release(t);
    cfy_tensor_release(r);
}

int main(void)
{
    RUN(test_new_and_views);
    RUN(test_bad_shapes);
    RUN(test_convert_half);
    RUN(test_npy_roundtrip);
    return cfy_test_finish();
}
