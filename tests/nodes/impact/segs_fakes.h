/* segs_fakes.h — test fixtures for the SEGSUpscaler algorithm: a fake VAE (8x8 block means), a fake
 * denoiser, a fake 2x upscale model, and helpers that build images, masks and SEGS. Shared by
 * test_segs_upscale_algo.c and its fault twin; include once per test file (static functions). */
#ifndef CFY_TESTS_SEGS_FAKES_H
#define CFY_TESTS_SEGS_FAKES_H

#include <math.h>
#include <string.h>

#include "harness.h"
#include "image/segs.h"
#include "nodes/impact/segs_upscale_algo.h"
#include "sampling/model_sampling.h"

/* ---- fakes ---- */

/* Encoder: centre crop to x8, channel c<3 = mean of (2p-1) over each 8x8 block, channel 3 = 0. */
static cfy_status fake_encode(void *user, const cfy_tensor *px, cfy_tensor **latent, cfy_error *err)
{
    (void)user;
    int64_t H = px->sizes[1], W = px->sizes[2], C = px->sizes[3];
    int64_t h = H / 8, w = W / 8, oy = (H % 8) / 2, ox = (W % 8) / 2;
    int64_t sz[4] = {1, 4, h, w};
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_contiguous(px, &c, err);
    if (!st) st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, true, latent, err);
    if (st) {
        cfy_tensor_release(c);
        return st;
    }
    const float *p = cfy_tensor_f32(c);
    float *l = cfy_tensor_f32(*latent);
    for (int64_t ch = 0; ch < 3; ch++)
        for (int64_t i = 0; i < h; i++)
            for (int64_t j = 0; j < w; j++) {
                float s = 0;
                for (int64_t a = 0; a < 8; a++)
                    for (int64_t b = 0; b < 8; b++)
                        s += 2.0f * p[((oy + i * 8 + a) * W + ox + j * 8 + b) * C + ch] - 1.0f;
                l[(ch * h + i) * w + j] = s / 64.0f;
            }
    cfy_tensor_release(c);
    return CFY_OK;
}

/* Decoder: nearest x8, (x+1)/2 clamped, plus a small ramp so decoded pixels are not k/255. */
static cfy_status fake_decode(void *user, const cfy_tensor *lat, cfy_tensor **image, cfy_error *err)
{
    (void)user;
    int64_t h = lat->sizes[2], w = lat->sizes[3];
    int64_t sz[4] = {1, 8 * h, 8 * w, 3};
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, image, err);
    if (st) return st;
    const float *l = cfy_tensor_f32(lat);
    float *o = cfy_tensor_f32(*image);
    for (int64_t y = 0; y < 8 * h; y++)
        for (int64_t x = 0; x < 8 * w; x++)
            for (int64_t c = 0; c < 3; c++) {
                float v = (l[(c * h + y / 8) * w + x / 8] + 1.0f) / 2.0f + 0.001f * (float)(x % 8);
                o[(y * 8 * w + x) * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
            }
    return CFY_OK;
}

static int g_apply_calls;

/* eps = 0.3 x + 0.05 (a denoiser that changes the image a little). */
static cfy_status fake_apply(void *impl, const cfy_unet_call *call, cfy_tensor **out, cfy_error *err)
{
    (void)impl;
    g_apply_calls++;
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_contiguous(call->x, &c, err);
    if (!st) st = cfy_tensor_new(CFY_F32, cfy_cpu(), c->ndim, c->sizes, false, out, err);
    if (!st) {
        const float *x = cfy_tensor_f32(c);
        float *o = cfy_tensor_f32(*out);
        for (int64_t i = 0, n = cfy_tensor_numel(c); i < n; i++)
            o[i] = 0.3f * x[i] + 0.05f;
    }
    cfy_tensor_release(c);
    return st;
}

/* Upscale model: nearest 2x, values pushed slightly outside 0..1 (the algorithm clamps). */
static cfy_status fake_upscale(void *user, cfy_runtime *rt, const cfy_tensor *im, cfy_tensor **out, cfy_error *err)
{
    (void)user;
    (void)rt;
    int64_t H = im->sizes[1], W = im->sizes[2];
    int64_t sz[4] = {1, 2 * H, 2 * W, 3};
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, out, err);
    if (st) return st;
    const float *s = cfy_tensor_f32(im);
    float *o = cfy_tensor_f32(*out);
    for (int64_t y = 0; y < 2 * H; y++)
        for (int64_t x = 0; x < 2 * W; x++)
            for (int c = 0; c < 3; c++)
                o[(y * 2 * W + x) * 3 + c] = 1.2f * s[((y / 2) * W + x / 2) * 3 + c] - 0.1f;
    return CFY_OK;
}

typedef struct fixture {
    cfy_model model;
    cfy_conditioning pos, neg;
    cfy_cond_entry pe, ne;
    cfy_tensor *cond_p, *cond_n;
    cfy_segs_upscale_params p;
    uint64_t seeds[16];
    bool skipped[16];
    int n_seg;
} fixture;

static void on_segment(void *user, const cfy_su_segment_info *s)
{
    fixture *f = user;
    if (f->n_seg < 16) {
        f->seeds[f->n_seg] = s->seed;
        f->skipped[f->n_seg] = s->skipped;
    }
    f->n_seg++;
}

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    cfy_model_sampling_init_sd(&f->model.sampling, CFY_PRED_EPS);
    f->model.latent_channels = 4;
    f->model.unet_in_channels = 4;
    f->model.latent_scale_factor = 0.18215;
    f->model.max_batch = 2;
    f->model.apply = fake_apply;
    f->model.device = cfy_cpu();
    int64_t sz[3] = {1, 77, 8};
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, true, &f->cond_p, NULL));
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, true, &f->cond_n, NULL));
    cfy_cond_entry_init(&f->pe);
    cfy_cond_entry_init(&f->ne);
    f->pe.cond = f->cond_p;
    f->ne.cond = f->cond_n;
    f->pos.entries = &f->pe;
    f->pos.n = 1;
    f->neg.entries = &f->ne;
    f->neg.n = 1;
    cfy_segs_upscale_params_init(&f->p);
    f->p.model = &f->model;
    f->p.vae.encode = fake_encode;
    f->p.vae.decode = fake_decode;
    f->p.positive = &f->pos;
    f->p.negative = &f->neg;
    f->p.steps = 4;
    f->p.denoise = 0.5;
    f->p.seed = 7;
    f->p.rescale_factor = 2.0;
    f->p.supersample = false;
    f->p.on_segment = on_segment;
    f->p.observer_user = f;
}

static void fixture_free(fixture *f)
{
    cfy_tensor_release(f->cond_p);
    cfy_tensor_release(f->cond_n);
}

/* A smooth test image [1,H,W,3]. */
static cfy_tensor *make_image(int64_t H, int64_t W)
{
    int64_t sz[4] = {1, H, W, 3};
    cfy_tensor *t = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &t, NULL));
    float *d = cfy_tensor_f32(t);
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
            for (int c = 0; c < 3; c++)
                d[(y * W + x) * 3 + c] = 0.5f + 0.4f * sinf(0.3f * (float)x + 0.2f * (float)y + (float)c);
    return t;
}

/* A mask [h,w]: 1 inside [mx1,mx2) x [my1,my2), else 0 (all 0 when value is 0). */
static cfy_tensor *make_mask(int64_t h, int64_t w, float value)
{
    int64_t sz[2] = {h, w};
    cfy_tensor *t = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sz, true, &t, NULL));
    float *d = cfy_tensor_f32(t);
    for (int64_t y = h / 4; y < h - h / 4; y++)
        for (int64_t x = w / 4; x < w - w / 4; x++)
            d[y * w + x] = value;
    return t;
}

static cfy_segs *make_segs(int64_t H, int64_t W)
{
    cfy_segs *s = NULL;
    CHECK_OK(cfy_segs_create(H, W, &s, NULL));
    return s;
}

static void add_seg(cfy_segs *s, int64_t x1, int64_t y1, int64_t x2, int64_t y2, float value)
{
    int64_t r[4] = {x1, y1, x2, y2};
    double bb[4] = {(double)x1, (double)y1, (double)x2, (double)y2};
    CHECK_OK(cfy_segs_add(s, NULL, make_mask(y2 - y1, x2 - x1, value), 1.0, r, bb, "A", NULL, NULL));
}

#endif
