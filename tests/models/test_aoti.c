/* test_aoti.c — the AOTI backend from C on the tiny model package: load, run, refuse bad shapes.
 *
 * Needs the packages that `comfyc-export --tiny-random 1 --models $CFY_BUILD_DIR/models` builds
 * (or $CFY_MODELS_DIR)
 * (the Python tests build them; scripts/test.sh may build them first) and libtorch; skips (77)
 * without them, and under sanitizers (libtorch's own allocations would read as leaks).
 * Numerical agreement with the eager modules is checked by tests/models/test_aoti_components.py. */
#include <math.h>
#include <sys/stat.h>

#include "harness.h"
#include "models/package.h"
#include "models/unet.h"
#include "models/vae.h"

#if defined(__SANITIZE_ADDRESS__)
#define CFY_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CFY_TEST_SANITIZED 1
#endif
#endif

static char pkg_dir[2048];

static void test_vae_roundtrip(void)
{
    cfy_error err = {0};
    cfy_package *pkg = NULL;
    CHECK_ST(cfy_package_open(pkg_dir, cfy_cpu(), &pkg, &err), &err);
    if (!pkg) return;
    cfy_vae *vae = NULL;
    CHECK_ST(cfy_vae_new(pkg, &vae, &err), &err);
    int64_t isz[4] = {2, 21, 35, 4}; /* cropped to 16 x 32, alpha dropped */
    cfy_tensor *img = NULL, *lat = NULL, *dec = NULL;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, isz, false, &img, &err), &err);
    float *p = cfy_tensor_f32(img);
    for (int64_t i = 0; i < cfy_tensor_numel(img); i++)
        p[i] = (float)((i * 7919) % 1000) / 1000.0f;
    CHECK_ST(cfy_vae_encode(vae, img, &lat, &err), &err);
    CHECK(lat && lat->ndim == 4 && lat->sizes[0] == 2 && lat->sizes[1] == 4 && lat->sizes[2] == 2 &&
          lat->sizes[3] == 4);
    if (lat) CHECK_ST(cfy_vae_decode(vae, lat, &dec, &err), &err);
    CHECK(dec && dec->sizes[1] == 16 && dec->sizes[2] == 32 && dec->sizes[3] == 3);
    int ok = dec != NULL;
    for (int64_t i = 0; dec && i < cfy_tensor_numel(dec); i++) {
        float v = cfy_tensor_f32(dec)[i];
        if (!(v >= 0.0f && v <= 1.0f)) ok = 0;
    }
    CHECK(ok);
    /* a batch above the graph's range (8) is split and concatenated: same latents as one by one */
    int64_t bsz[4] = {9, 16, 24, 3}, one[4] = {1, 16, 24, 3};
    cfy_tensor *big = NULL, *single = NULL, *lb = NULL, *l1 = NULL;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, bsz, false, &big, &err), &err);
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, one, false, &single, &err), &err);
    if (big && single) {
        for (int64_t i = 0; i < cfy_tensor_numel(big); i++)
            cfy_tensor_f32(big)[i] = (float)((i * 104729) % 997) / 997.0f;
        memcpy(cfy_tensor_data(single), cfy_tensor_f32(big) + 8 * 16 * 24 * 3, 16 * 24 * 3 * sizeof(float));
        CHECK_ST(cfy_vae_encode(vae, big, &lb, &err), &err);
        CHECK_ST(cfy_vae_encode(vae, single, &l1, &err), &err);
        CHECK(lb && lb->sizes[0] == 9);
        if (lb && l1)
            CHECK(cfy_test_close_f32("batch 9 vs 1", cfy_tensor_f32(lb) + 8 * 4 * 2 * 3, cfy_tensor_f32(l1), 24, 1e-5));
    }
    cfy_tensor_release(big);
    cfy_tensor_release(single);
    cfy_tensor_release(lb);
    cfy_tensor_release(l1);
    cfy_tensor_release(img);
    cfy_tensor_release(lat);
    cfy_tensor_release(dec);
    cfy_vae_free(vae);
    cfy_package_release(pkg);
}

static void test_unet_apply_and_ranges(void)
{
    cfy_error err = {0};
    cfy_package *pkg = NULL;
    CHECK_ST(cfy_package_open(pkg_dir, cfy_cpu(), &pkg, &err), &err);
    if (!pkg) return;
    cfy_model *m = NULL;
    CHECK_ST(cfy_unet_model_new(pkg, &m, &err), &err);
    cfy_package_release(pkg); /* the model keeps it alive */
    if (!m) return;
    CHECK(m->max_batch == 8 && m->latent_channels == 4 && fabs(m->latent_scale_factor - 0.18215) < 1e-12);
    CHECK(m->sampling.prediction == CFY_PRED_EPS && m->sampling.sigmas[0] > 0.029f && m->sampling.sigmas[0] < 0.03f);
    int64_t xs[4] = {2, 4, 6, 8}, ts[1] = {2}, cs[3] = {2, 154, 32};
    cfy_tensor *x = NULL, *t = NULL, *c = NULL, *out = NULL;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, xs, true, &x, &err), &err);
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 1, ts, true, &t, &err), &err);
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, cs, true, &c, &err), &err);
    cfy_unet_call call = {x, t, c, NULL, NULL};
    CHECK_ST(m->apply(m->impl, &call, &out, &err), &err);
    CHECK(out && out->ndim == 4 && out->sizes[0] == 2 && out->sizes[2] == 6 && out->sizes[3] == 8);
    cfy_tensor_release(out);
    out = NULL;
    /* odd latent sides run; a side below the compiled minimum (3) is refused before the graph runs */
    int64_t xodd[4] = {2, 4, 7, 9};
    cfy_tensor *xd = NULL;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, xodd, true, &xd, &err), &err);
    cfy_unet_call odd = {xd, t, c, NULL, NULL};
    CHECK_ST(m->apply(m->impl, &odd, &out, &err), &err);
    CHECK(out && out->sizes[2] == 7 && out->sizes[3] == 9);
    cfy_tensor_release(out);
    cfy_tensor_release(xd);
    out = NULL;
    cfy_tensor *xo = NULL;
    int64_t xos[4] = {2, 4, 2, 8};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, xos, true, &xo, &err), &err);
    cfy_unet_call bad = {xo, t, c, NULL, NULL};
    CHECK(m->apply(m->impl, &bad, &out, &err) == CFY_EINVAL && out == NULL);
    CHECK(strstr(err.message, "outside the compiled range") != NULL);
    cfy_tensor_release(xo);
    cfy_tensor_release(x);
    cfy_tensor_release(t);
    cfy_tensor_release(c);
    cfy_model_free(m);
}

static void test_missing_package(void)
{
    cfy_error err = {0};
    cfy_package *pkg = NULL;
    CHECK(cfy_package_open("/nonexistent/x.safetensors.comfyc", cfy_cpu(), &pkg, &err) == CFY_ENOTFOUND && !pkg);
}

int main(void)
{
#ifdef CFY_TEST_SANITIZED
    fprintf(stderr, "skipped: libtorch under the sanitizer\n");
    return 77;
#endif
    const char *md = getenv("CFY_MODELS_DIR"), *b = getenv("CFY_BUILD_DIR");
    if (md && md[0])
        snprintf(pkg_dir, sizeof pkg_dir, "%s/checkpoints/tiny-sd1-s1.safetensors.comfyc", md);
    else
        snprintf(pkg_dir, sizeof pkg_dir, "%s/models/checkpoints/tiny-sd1-s1.safetensors.comfyc", b ? b : "build");
    char man[2200];
    snprintf(man, sizeof man, "%s/manifest.json", pkg_dir);
    struct stat st;
    if (stat(man, &st) != 0) {
        fprintf(stderr, "skipped: no tiny model package at %s (run comfyc-export --tiny-random 1)\n", pkg_dir);
        return 77;
    }
    RUN(test_vae_roundtrip);
    RUN(test_unet_apply_and_ranges);
    RUN(test_missing_package);
    return cfy_test_finish();
}
