/* test_segs_upscale_algo.c — SEGSUpscaler's algorithm with a fake VAE, a fake denoiser and a fake
 * upscale model: the enlargement rule, stage A, empty SEGS, skipped segments and the seed counter,
 * overlapping segments, sizes not divisible by 8, rescale_factor < 1, the hook, and bad inputs. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/blur.h"
#include "image/blur_flat.h"
#include "image/crop.h"
#include "image/paste.h"
#include "nodes/impact/segs_upscale_algo.h"
#include "sampling/model_sampling.h"

#include "segs_fakes.h"

static bool same(const cfy_tensor *a, const cfy_tensor *b)
{
    if (a->ndim != b->ndim || memcmp(a->sizes, b->sizes, sizeof(int64_t) * (size_t)a->ndim) != 0) return false;
    return memcmp(cfy_tensor_f32(a), cfy_tensor_f32(b), (size_t)cfy_tensor_numel(a) * sizeof(float)) == 0;
}

/* ---- cases ---- */

static void test_enlarged_size(void)
{
    static const int64_t cases[][4] = {{150, 101, 161, 109}, {300, 200, 312, 208}, {53, 37, 64, 45},
                                       {9, 8, 18, 16},       {700, 513, 710, 521}, {100, 96, 108, 104}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t w2 = 0, h2 = 0;
        CHECK(cfy_segs_upscale_enlarged_size(cases[i][0], cases[i][1], &w2, &h2));
        CHECK(w2 == cases[i][2] && h2 == cases[i][3]);
    }
    int64_t w2 = -1, h2 = -1;
    CHECK(!cfy_segs_upscale_enlarged_size(64, 48, &w2, &h2) && w2 == -1 && h2 == -1);
}

static void test_stage_a_and_empty_segs(void)
{
    fixture f;
    fixture_init(&f);
    cfy_error err = {0};
    cfy_tensor *im = make_image(20, 16), *up = NULL, *out = NULL, *ref = NULL;
    /* no SEGS: the output is the stage-A image, bit for bit */
    cfy_segs *segs = make_segs(20, 16);
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, segs, &up, &out, &err), &err);
    CHECK_ST(cfy_image_resize_pil(NULL, im, 32, 40, CFY_RESAMPLE_LANCZOS, false, &ref, &err), &err);
    CHECK(out && up && ref && same(out, ref) && same(up, ref));
    CHECK(f.n_seg == 0 && g_apply_calls == 0);
    cfy_tensor_release(out);
    cfy_tensor_release(up);
    cfy_tensor_release(ref);
    /* with a model: clamp, then resize from the 2x model output to trunc(W*f) (here 1.5 -> 24x30) */
    cfy_su_upscale_model um = {NULL, fake_upscale};
    f.p.upscale_model = &um;
    f.p.rescale_factor = 1.5;
    f.p.resampling = CFY_RESAMPLE_BICUBIC;
    f.p.supersample = true;
    cfy_tensor *u = NULL, *uc = NULL;
    CHECK_ST(cfy_segs_upscale_stage_a(NULL, &f.p, im, &out, &err), &err);
    CHECK_OK(fake_upscale(NULL, NULL, im, &u, NULL));
    float *d = cfy_tensor_f32(u);
    for (int64_t i = 0; i < cfy_tensor_numel(u); i++)
        d[i] = d[i] < 0 ? 0 : d[i] > 1 ? 1 : d[i];
    CHECK_ST(cfy_image_resize_pil(NULL, u, 24, 30, CFY_RESAMPLE_BICUBIC, true, &uc, &err), &err);
    CHECK(out && uc && out->sizes[1] == 30 && out->sizes[2] == 24 && same(out, uc));
    cfy_tensor_release(out);
    cfy_tensor_release(u);
    cfy_tensor_release(uc);
    /* rescale_factor < 1 */
    f.p.upscale_model = NULL;
    f.p.rescale_factor = 0.5;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, segs, NULL, &out, &err), &err);
    CHECK(out && out->sizes[1] == 10 && out->sizes[2] == 8);
    cfy_tensor_release(out);
    cfy_segs_destroy(segs);
    cfy_tensor_release(im);
    fixture_free(&f);
}

/* A skipped (all-zero) segment keeps the seed counter: [zero, B] refines B exactly as [B] alone
 * with seed + 1. */
static void test_skip_keeps_seed_counter(void)
{
    fixture f;
    fixture_init(&f);
    cfy_error err = {0};
    cfy_tensor *im = make_image(24, 32), *out1 = NULL, *out2 = NULL, *up = NULL;
    cfy_segs *a = make_segs(24, 32), *b = make_segs(24, 32);
    add_seg(a, 0, 0, 16, 16, 0.0f); /* all-zero mask */
    add_seg(a, 8, 4, 24, 20, 1.0f);
    add_seg(b, 8, 4, 24, 20, 1.0f);
    int calls0 = g_apply_calls;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, a, &up, &out1, &err), &err);
    CHECK(g_apply_calls > calls0);
    CHECK(f.n_seg == 2 && f.skipped[0] && !f.skipped[1] && f.seeds[0] == 7 && f.seeds[1] == 8);
    f.p.seed = 8;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, b, NULL, &out2, &err), &err);
    CHECK(out1 && out2 && same(out1, out2));
    /* the refined region changed, pixels outside every crop region are untouched */
    CHECK(out1 && up && !same(out1, up));
    if (out1 && up) {
        const float *o = cfy_tensor_f32(out1), *u = cfy_tensor_f32(up);
        int outside_same = 1;
        for (int64_t y = 0; y < 48; y++)
            for (int64_t x = 0; x < 64; x++)
                if (y >= 8 && y < 40 && x >= 16 && x < 48)
                    continue;
                else if (memcmp(o + (y * 64 + x) * 3, u + (y * 64 + x) * 3, 3 * sizeof(float)))
                    outside_same = 0;
        CHECK(outside_same);
    }
    /* a different seed gives a different refinement */
    f.p.seed = 9;
    cfy_tensor *out3 = NULL;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, b, NULL, &out3, &err), &err);
    CHECK(out3 && out2 && !same(out3, out2));
    cfy_tensor_release(out1);
    cfy_tensor_release(out2);
    cfy_tensor_release(out3);
    cfy_tensor_release(up);
    cfy_tensor_release(im);
    cfy_segs_destroy(a);
    cfy_segs_destroy(b);
    fixture_free(&f);
}

/* Overlapping segments: the second crop is read after the first paste. Rebuilt by hand from the
 * stage functions; the regions (13x11 at 1x) are not multiples of 8 (enlargement path). */
static void test_overlap_reads_previous_paste(void)
{
    fixture f;
    fixture_init(&f);
    f.p.rescale_factor = 1.0;
    f.p.feather = 3;
    f.p.noise_mask_feather = 2;
    cfy_error err = {0};
    cfy_tensor *im = make_image(24, 30), *out = NULL, *cur = NULL;
    cfy_segs *s = make_segs(24, 30);
    add_seg(s, 2, 3, 15, 14, 1.0f);
    add_seg(s, 9, 7, 22, 18, 1.0f);
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, s, NULL, &out, &err), &err);
    CHECK(out && out->sizes[1] == 24 && out->sizes[2] == 30);
    /* by hand */
    CHECK_ST(cfy_segs_upscale_stage_a(NULL, &f.p, im, &cur, &err), &err);
    for (int i = 0; i < s->n && cur; i++) {
        const cfy_seg *g = &s->items[i];
        cfy_tensor *crop = NULL, *pm = NULL, *ref = NULL;
        CHECK_ST(cfy_image_crop(NULL, cur, g->crop_region[0], g->crop_region[1], g->crop_region[2], g->crop_region[3],
                                &crop, &err),
                 &err);
        CHECK_ST(cfy_image_blur_mask(NULL, g->cropped_mask, f.p.feather, &pm, &err), &err);
        CHECK_ST(cfy_image_blur_flat_fixup(g->cropped_mask, f.p.feather, pm, &err), &err);
        CHECK_ST(cfy_segs_upscale_img2img(NULL, &f.p, crop, g->cropped_mask, f.p.seed + (uint64_t)i, &ref, &err), &err);
        CHECK(ref && ref->sizes[1] == 11 && ref->sizes[2] == 13);
        CHECK_ST(cfy_image_paste(NULL, cur, ref, g->crop_region[0], g->crop_region[1], pm, &err), &err);
        cfy_tensor_release(crop);
        cfy_tensor_release(pm);
        cfy_tensor_release(ref);
    }
    CHECK(out && cur && same(out, cur));
    /* and not what the second segment alone gives on the unrefined image */
    cfy_segs *s2 = make_segs(24, 30);
    add_seg(s2, 9, 7, 22, 18, 1.0f);
    cfy_tensor *alone = NULL;
    f.p.seed = 8;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, s2, NULL, &alone, &err), &err);
    CHECK(alone && out && !same(alone, out));
    cfy_tensor_release(alone);
    cfy_segs_destroy(s2);
    cfy_tensor_release(cur);
    cfy_tensor_release(out);
    cfy_tensor_release(im);
    cfy_segs_destroy(s);
    fixture_free(&f);
}

static void test_inpaint_branch(void)
{
    fixture f;
    fixture_init(&f);
    f.p.inpaint_model = true;
    f.p.noise_mask_feather = 0;
    cfy_error err = {0};
    cfy_tensor *im = make_image(20, 28), *out = NULL;
    cfy_segs *s = make_segs(20, 28);
    add_seg(s, 3, 2, 20, 15, 1.0f);
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, s, NULL, &out, &err), &err);
    CHECK(out && out->sizes[1] == 40 && out->sizes[2] == 56);
    cfy_tensor_release(out);
    cfy_tensor_release(im);
    cfy_segs_destroy(s);
    fixture_free(&f);
}

static int g_hook_calls;
static cfy_status count_hook(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out, cfy_error *err)
{
    (void)user;
    (void)rt;
    g_hook_calls++;
    /* return a modified copy: later segments and the output must see it */
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, image->sizes, false, &c, err);
    if (st) return st;
    memcpy(cfy_tensor_f32(c), cfy_tensor_f32(image), (size_t)cfy_tensor_numel(image) * sizeof(float));
    cfy_tensor_f32(c)[0] = 0.25f;
    *out = c;
    return CFY_OK;
}

static void test_hook(void)
{
    fixture f;
    fixture_init(&f);
    cfy_upscaler_hook h = {CFY_ABI_VERSION, NULL, count_hook, NULL};
    f.p.hook = &h;
    cfy_error err = {0};
    cfy_tensor *im = make_image(16, 16), *out = NULL;
    cfy_segs *s = make_segs(16, 16);
    add_seg(s, 0, 0, 8, 8, 0.0f); /* skipped: no hook call */
    add_seg(s, 4, 4, 12, 12, 1.0f);
    add_seg(s, 8, 8, 16, 16, 1.0f);
    g_hook_calls = 0;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, s, NULL, &out, &err), &err);
    CHECK(g_hook_calls == 2);
    CHECK(out && cfy_tensor_f32(out)[0] == 0.25f);
    cfy_tensor_release(out);
    cfy_tensor_release(im);
    cfy_segs_destroy(s);
    fixture_free(&f);
}

static void expect_fail(fixture *f, const cfy_tensor *im, const cfy_segs *s, cfy_status code, const char *input)
{
    cfy_error err = {0};
    cfy_tensor *out = (cfy_tensor *)1;
    cfy_status st = cfy_segs_upscale(NULL, &f->p, im, s, NULL, &out, &err);
    CHECK(st == code);
    CHECK(strcmp(err.input, input) == 0);
    CHECK(out == NULL);
    if (st != code || strcmp(err.input, input))
        fprintf(stderr, "  got %s input '%s': %s\n", cfy_status_name(st), err.input, err.message);
}

static void test_bad_inputs(void)
{
    fixture f;
    fixture_init(&f);
    cfy_tensor *im = make_image(20, 16);
    cfy_segs *ok = make_segs(20, 16);
    add_seg(ok, 0, 0, 8, 8, 1.0f);
    /* batch of 2 */
    int64_t sz[4] = {2, 20, 16, 3};
    cfy_tensor *batch = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, true, &batch, NULL));
    expect_fail(&f, batch, ok, CFY_EINVAL, "image");
    /* zero target size */
    f.p.rescale_factor = 0.01;
    expect_fail(&f, im, ok, CFY_EINVAL, "rescale_factor");
    f.p.rescale_factor = 2.0;
    /* steps 0 */
    f.p.steps = 0;
    expect_fail(&f, im, ok, CFY_EINVAL, "steps");
    f.p.steps = 4;
    /* SEGS from another image */
    cfy_segs *other = make_segs(50, 50);
    add_seg(other, 0, 0, 8, 8, 1.0f);
    expect_fail(&f, im, other, CFY_EINVAL, "segs");
    /* crop region outside the image */
    cfy_segs *outside = make_segs(20, 16);
    add_seg(outside, 10, 10, 30, 18, 1.0f);
    expect_fail(&f, im, outside, CFY_EINVAL, "segs");
    /* a ControlNet on segment 1 */
    cfy_segs *cn = make_segs(20, 16);
    add_seg(cn, 0, 0, 8, 8, 1.0f);
    int64_t r[4] = {4, 4, 12, 12};
    double bb[4] = {4, 4, 12, 12};
    CHECK_OK(cfy_segs_add(cn, NULL, make_mask(8, 8, 1.0f), 1.0, r, bb, "face", cfy_value_new_int(1), NULL));
    cfy_error err = {0};
    cfy_tensor *out = NULL;
    CHECK(cfy_segs_upscale(NULL, &f.p, im, cn, NULL, &out, &err) == CFY_EUNSUPPORTED);
    CHECK(strcmp(err.input, "segs") == 0 && strstr(err.message, "segment 1") != NULL);
    /* seed + i above 2^64-1 */
    f.p.seed = UINT64_MAX;
    cfy_segs *two = make_segs(20, 16);
    add_seg(two, 0, 0, 8, 8, 1.0f);
    add_seg(two, 8, 8, 16, 16, 1.0f);
    expect_fail(&f, im, two, CFY_EINVAL, "seed");
    f.p.seed = 0;
    /* an unknown sampler surfaces from the sampling library with its input name */
    f.p.sampler_name = "no_such_sampler";
    expect_fail(&f, im, ok, CFY_EINVAL, "sampler_name");
    f.p.sampler_name = "euler";
    f.p.scheduler = "no_such_scheduler";
    expect_fail(&f, im, ok, CFY_EINVAL, "scheduler");
    cfy_tensor_release(batch);
    cfy_tensor_release(im);
    cfy_segs_destroy(ok);
    cfy_segs_destroy(other);
    cfy_segs_destroy(outside);
    cfy_segs_destroy(cn);
    cfy_segs_destroy(two);
    fixture_free(&f);
}

static int g_sched_calls, g_sched_steps;
static cfy_status record_sched(void *user, const cfy_model *model, const char *sampler, int steps, cfy_sigmas *out,
                               cfy_error *err)
{
    (void)user;
    (void)sampler;
    g_sched_calls++;
    g_sched_steps = steps;
    return cfy_scheduler_sigmas(&model->sampling, CFY_SCHED_KARRAS, steps, out, err);
}

/* SCHEDULER_FUNC: called once per refined segment with floor(steps / denoise), replacing the
 * named scheduler (an unknown scheduler name is then never looked at). */
static void test_scheduler_func(void)
{
    fixture f;
    fixture_init(&f);
    f.p.steps = 3;
    f.p.denoise = 0.4; /* floor(3 / 0.4) = 7 */
    f.p.scheduler = "not_used";
    f.p.scheduler_func = record_sched;
    cfy_error err = {0};
    cfy_tensor *im = make_image(16, 16), *out = NULL;
    cfy_segs *s = make_segs(16, 16);
    add_seg(s, 0, 0, 8, 8, 1.0f);
    add_seg(s, 4, 4, 12, 12, 0.0f); /* skipped: no call */
    add_seg(s, 8, 8, 16, 16, 1.0f);
    g_sched_calls = 0;
    CHECK_ST(cfy_segs_upscale(NULL, &f.p, im, s, NULL, &out, &err), &err);
    CHECK(g_sched_calls == 2 && g_sched_steps == 7);
    cfy_tensor_release(out);
    cfy_tensor_release(im);
    cfy_segs_destroy(s);
    fixture_free(&f);
}

int main(void)
{
    RUN(test_enlarged_size);
    RUN(test_stage_a_and_empty_segs);
    RUN(test_skip_keeps_seed_counter);
    RUN(test_overlap_reads_previous_paste);
    RUN(test_inpaint_branch);
    RUN(test_hook);
    RUN(test_bad_inputs);
    RUN(test_scheduler_func);
    return cfy_test_finish();
}
