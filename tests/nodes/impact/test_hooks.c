/* test_hooks.c — PreviewDetailerHookProvider: both outputs, post_paste writes
 * <temp>/pvhook/<node id>.webp (lossy, the node's quality) close to the tensor2pil pixels and
 * returns the image unchanged. Pillow-side checks: test_preview_hook.py. */
#include <stdlib.h>
#include <string.h>

#include "comfyc/hooks.h"
#include "core/fsutil.h"
#include "harness.h"
#include <webp/decode.h>

static void test_preview_hook(void)
{
    char tmp[512], path[700];
    cfy_test_tmpdir(tmp, sizeof tmp);
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.temp_dir = tmp;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(&o, &rt, &err), &err);
    if (!rt) return;
    cfy_value *q = cfy_value_new_int(95);
    cfy_named_value in[] = {{"quality", q}};
    cfy_value *outs[2] = {0};
    CHECK_ST(cfy_node_call(rt, "PreviewDetailerHookProvider", in, 1, outs, 2, &err), &err);
    CHECK(outs[0] && strcmp(cfy_value_type(outs[0]), "DETAILER_HOOK") == 0);
    CHECK(outs[1] && strcmp(cfy_value_type(outs[1]), "UPSCALER_HOOK") == 0);
    const cfy_upscaler_hook *h = cfy_value_upscaler_hook(outs[1]);
    CHECK(h && h->post_paste && cfy_value_upscaler_hook(outs[0]));
    int64_t sz[4] = {1, 5, 7, 3};
    cfy_tensor *im = NULL, *res = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &im, NULL));
    float *d = cfy_tensor_f32(im);
    for (int i = 0; i < 5 * 7 * 3; i++)
        d[i] = (float)i / 104.0f;
    if (h) {
        CHECK_ST(h->post_paste(h->user, rt, im, &res, &err), &err);
        CHECK(res == im); /* unchanged: the same tensor, retained */
        snprintf(path, sizeof path, "%s/pvhook/hook.webp", tmp);
        void *data = NULL;
        size_t n = 0;
        CHECK_ST(cfy_read_file(path, 1 << 20, &data, &n, &err), &err);
        CHECK(n > 12 && data && memcmp(data, "RIFF", 4) == 0 && memcmp((char *)data + 8, "WEBP", 4) == 0);
        int w = 0, hh = 0;
        unsigned char *px = data ? WebPDecodeRGB(data, n, &w, &hh) : NULL;
        CHECK(px && w == 7 && hh == 5);
        if (px) { /* lossy: close to the tensor2pil pixels, not equal */
            double sum = 0;
            for (int i = 0; i < 5 * 7 * 3; i++)
                sum += abs((int)px[i] - (int)(unsigned char)(255.0f * d[i]));
            CHECK(sum / (5 * 7 * 3) < 12.0);
        }
        WebPFree(px);
        free(data);
    }
    cfy_tensor_release(res);
    cfy_tensor_release(im);
    cfy_value_release(outs[0]);
    cfy_value_release(outs[1]);
    cfy_value_release(q);
    /* quality below 20 is refused, naming the input */
    cfy_value *bad = cfy_value_new_int(10);
    cfy_named_value in2[] = {{"quality", bad}};
    cfy_value *o2[2] = {0};
    cfy_error e2 = {0};
    CHECK(cfy_node_call(rt, "PreviewDetailerHookProvider", in2, 1, o2, 2, &e2) == CFY_EINVAL);
    CHECK(strcmp(e2.input, "quality") == 0);
    cfy_value_release(bad);
    cfy_runtime_destroy(rt);
}

int main(void)
{
    RUN(test_preview_hook);
    return cfy_test_finish();
}
