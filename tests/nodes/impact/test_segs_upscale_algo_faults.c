/* test_segs_upscale_algo_faults.c — fault twin of the SEGSUpscaler algorithm: fail the Nth heap
 * allocation, for every N, during one cfy_segs_upscale call (model upscale, two segments, one of them
 * not a multiple of 8, Differential Diffusion, a hook; InpaintModelConditioning in a second case)
 * with the fake VAE, denoiser and upscaler of segs_fakes.h. Each failing call must return an error (never
 * crash) and leave no allocation behind. Allocator interposed by tests/fault_alloc.h;
 * skipped under ASan (exit 77). */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/blur.h"
#include "image/crop.h"
#include "image/paste.h"
#include "nodes/impact/segs_upscale_algo.h"
#include "sampling/model_sampling.h"

#include "fault_alloc.h"

#ifndef CFY_TEST_SANITIZED
#include "segs_fakes.h"

static cfy_status keep_hook(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out, cfy_error *err)
{
    (void)user;
    (void)rt;
    (void)err;
    *out = cfy_tensor_retain((cfy_tensor *)image);
    return CFY_OK;
}

static bool g_inpaint;

/* One whole call with the Nth allocation inside cfy_segs_upscale failing (0: none); the inputs are
 * built and freed outside the armed window. Returns the call's status. */
static cfy_status scenario(long fail_at, cfy_error *err)
{
    fixture f;
    fixture_init(&f);
    cfy_su_upscale_model um = {NULL, fake_upscale};
    cfy_upscaler_hook h = {CFY_ABI_VERSION, NULL, keep_hook, NULL};
    f.p.upscale_model = &um;
    f.p.hook = &h;
    f.p.inpaint_model = g_inpaint;
    f.p.noise_mask_feather = 3;
    f.p.steps = 2;
    f.p.rescale_factor = 1.0;
    cfy_tensor *im = make_image(24, 32), *out = NULL, *up = NULL;
    cfy_segs *s = make_segs(24, 32);
    add_seg(s, 0, 0, 16, 16, 1.0f);
    add_seg(s, 9, 5, 30, 19, 1.0f);
    g_count = 0;
    g_failed = 0;
    g_fail_at = fail_at;
    cfy_status st = cfy_segs_upscale(NULL, &f.p, im, s, &up, &out, err);
    g_fail_at = 0;
    if (st == CFY_OK && (!out || out->sizes[1] != 24)) st = cfy_error_set(err, CFY_EINTERNAL, "wrong output");
    cfy_tensor_release(out);
    cfy_tensor_release(up);
    cfy_tensor_release(im);
    cfy_segs_destroy(s);
    fixture_free(&f);
    return st;
}

static void every_allocation_failure(void)
{
    cfy_error err;
    cfy_error_clear(&err);
    CHECK_ST(scenario(0, &err), &err);
    long baseline = g_live;
    CHECK_ST(scenario(0, &err), &err);
    CHECK(g_live == baseline);
    long n = 0, errors = 0, leaks = 0;
    for (n = 1; n < 200000; n++) {
        cfy_error_clear(&err);
        cfy_status st = scenario(n, &err);
        if (!g_failed) {
            CHECK(st == CFY_OK);
            break;
        }
        if (st != CFY_OK) errors++;
        if (g_live != baseline) {
            if (leaks < 5)
                fprintf(stderr, "  allocation %ld failed: %ld blocks leaked (%s: %s)\n", n, g_live - baseline,
                        cfy_status_name(st), err.message);
            leaks++;
            baseline = g_live;
        }
    }
    fprintf(stderr, "  %ld allocation points failed one by one: %ld calls reported an error, %ld leaked\n", n - 1,
            errors, leaks);
    CHECK(n > 10);
    CHECK(leaks == 0);
}

/* Resize-only refinement path (no InpaintModelConditioning). */
static void test_every_allocation_failure(void)
{
    g_inpaint = false;
    every_allocation_failure();
}

/* With InpaintModelConditioning: its mask resize runs cfy_image_interpolate (whose failure path
 * once freed its tap tables twice). */
static void test_every_allocation_failure_inpaint(void)
{
    g_inpaint = true;
    every_allocation_failure();
}
#endif

int main(void)
{
#ifdef CFY_TEST_SANITIZED
    fprintf(stderr, "skipped: the allocator is owned by the sanitizer in this build\n");
    return 77;
#else
    RUN(test_every_allocation_failure);
    RUN(test_every_allocation_failure_inpaint);
    return cfy_test_finish();
#endif
}
