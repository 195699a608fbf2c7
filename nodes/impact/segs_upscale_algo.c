/* segs_upscale_algo.c — SEGSUpscaler's algorithm (spec segs-upscaler.md §2, §5): stage A upscale,
 * segs_scale_match, the per-segment img2img loop with in-place pastes, InpaintModelConditioning.
 *
 * This is a library file: it registers no nodes (the build gives every nodes/<group>/<file>.c a
 * register function, so it has an empty one at the end). */
#include "nodes/impact/segs_upscale_algo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image/blur.h"
#include "image/crop.h"
#include "image/interpolate.h"
#include "image/paste.h"

void cfy_segs_upscale_params_init(cfy_segs_upscale_params *p)
{
    memset(p, 0, sizeof *p);
    p->rescale_factor = 2.0;
    p->resampling = CFY_RESAMPLE_LANCZOS;
    p->supersample = true;
    p->steps = 20;
    p->cfg = 8.0;
    p->sampler_name = "euler";
    p->scheduler = "normal";
    p->denoise = 0.5;
    p->feather = 5;
    p->noise_mask_feather = 20;
}

static cfy_status fail_input(cfy_error *err, cfy_status code, const char *input, const char *fmt, ...) CFY_PRINTF(4, 5);
static cfy_status fail_input(cfy_error *err, cfy_status code, const char *input, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfy_error_setv(err, code, fmt, ap);
    va_end(ap);
    return cfy_error_set_input(err, input);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void logf_(const cfy_segs_upscale_params *p, int level, const char *fmt, ...) CFY_PRINTF(3, 4);
static void logf_(const cfy_segs_upscale_params *p, int level, const char *fmt, ...)
{
    if (!p->log) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->log(p->log_user, level, msg);
}

/* ================================ stage A ================================ */

static cfy_status check_image(const cfy_tensor *image, cfy_error *err)
{
    char b[96];
    if (!image || image->dtype != CFY_F32 || image->ndim != 4 || image->device.kind != CFY_DEVICE_CPU)
        return fail_input(err, CFY_EINVAL, "image", "expected an f32 CPU IMAGE [1,H,W,3], got %s",
                          image ? cfy_tensor_shape_str(image, b, sizeof b) : "nothing");
    if (image->sizes[0] != 1)
        return fail_input(err, CFY_EINVAL, "image",
                          "SEGSUpscaler takes one image, got a batch of %lld (%s); split the batch first",
                          (long long)image->sizes[0], cfy_tensor_shape_str(image, b, sizeof b));
    if (image->sizes[3] != 3)
        return fail_input(err, CFY_EINVAL, "image", "expected 3 channels (RGB), got %lld (%s)",
                          (long long)image->sizes[3], cfy_tensor_shape_str(image, b, sizeof b));
    if (image->sizes[1] < 1 || image->sizes[2] < 1)
        return fail_input(err, CFY_EINVAL, "image", "the image is empty (%s)",
                          cfy_tensor_shape_str(image, b, sizeof b));
    return CFY_OK;
}

/* Target size of stage A: trunc(W0*f) x trunc(H0*f) in double. */
static cfy_status target_size(cfy_runtime *rt, const cfy_tensor *image, double f, int64_t *w1, int64_t *h1,
                              cfy_error *err)
{
    int64_t h0 = image->sizes[1], w0 = image->sizes[2];
    if (!(f > 0.0) || !isfinite(f))
        return fail_input(err, CFY_EINVAL, "rescale_factor", "rescale_factor %g must be a positive number", f);
    double fw = (double)w0 * f, fh = (double)h0 * f;
    if (fw < 1.0 || fh < 1.0)
        return fail_input(err, CFY_EINVAL, "rescale_factor",
                          "rescale_factor %g turns the %lldx%lld image into %lldx%lld; the size must be at least 1x1",
                          f, (long long)w0, (long long)h0, (long long)fw, (long long)fh);
    cfy_status st = cfy_image_rescale_size(w0, h0, f, w1, h1, err);
    if (st != CFY_OK) return cfy_error_set_input(err, "rescale_factor");
    const cfy_runtime_options *o = rt ? cfy_runtime_opts(rt) : NULL;
    int64_t lim = o && o->max_image_pixels_side > 0 ? o->max_image_pixels_side : 16384;
    if (*w1 > lim || *h1 > lim)
        return fail_input(err, CFY_EINVAL, "rescale_factor",
                          "rescale_factor %g turns the %lldx%lld image into %lldx%lld, above the limit of %lld pixels",
                          f, (long long)w0, (long long)h0, (long long)*w1, (long long)*h1, (long long)lim);
    return CFY_OK;
}

/* Clamp a model's output to 0..1 (after blending, as Impact's upscale_with_model). out returns new. */
static cfy_status clamp01(const cfy_tensor *t, cfy_tensor **out, cfy_error *err)
{
    int64_t sz[4] = {t->sizes[0], t->sizes[1], t->sizes[2], t->sizes[3]};
    cfy_tensor *c = NULL, *r = NULL;
    cfy_status st = cfy_tensor_contiguous(t, &c, err);
    if (st == CFY_OK) st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &r, err);
    if (st == CFY_OK) {
        const float *s = cfy_tensor_f32(c);
        float *d = cfy_tensor_f32(r);
        int64_t n = cfy_tensor_numel(c);
        for (int64_t i = 0; i < n; i++) {
            float v = s[i];
            d[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; /* NaN stays NaN, then quantizes to 0 */
        }
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(r);
        r = NULL;
    }
    *out = r;
    return st;
}

cfy_status cfy_segs_upscale_stage_a(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *image,
                                    cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_status st = check_image(image, err);
    if (st != CFY_OK) return st;
    int64_t w1, h1;
    if ((st = target_size(rt, image, p->rescale_factor, &w1, &h1, err)) != CFY_OK) return st;
    cfy_tensor *u = NULL;
    if (p->upscale_model) {
        cfy_tensor *raw = NULL;
        if ((st = p->upscale_model->upscale(p->upscale_model->user, rt, image, &raw, err)) != CFY_OK) {
            if (!err || !err->input[0]) cfy_error_set_input(err, "upscale_model_opt");
            return st;
        }
        char b[96];
        if (raw->dtype != CFY_F32 || raw->ndim != 4 || raw->sizes[0] != 1 || raw->sizes[3] != 3) {
            st = fail_input(err, CFY_EINVAL, "upscale_model_opt",
                            "the upscale model returned %s, expected [1,H,W,3] f32",
                            cfy_tensor_shape_str(raw, b, sizeof b));
        } else {
            st = clamp01(raw, &u, err);
        }
        cfy_tensor_release(raw);
        if (st != CFY_OK) return st;
    }
    st = cfy_image_resize_pil(rt, u ? u : image, w1, h1, p->resampling, p->supersample, out, err);
    cfy_tensor_release(u);
    return st;
}

/* ========================= InpaintModelConditioning ========================= */

/* Copy cond with concat_latent_image / concat_mask replaced (both borrowed, retained). */
static cfy_status cond_with_concat(const cfy_conditioning *src, cfy_tensor *concat, cfy_tensor *mask,
                                   cfy_conditioning **out, cfy_error *err)
{
    cfy_status st = cfy_conditioning_copy(src, out, err);
    if (st != CFY_OK) return st;
    for (int i = 0; i < (*out)->n; i++) {
        cfy_cond_entry *e = &(*out)->entries[i];
        cfy_tensor_release(e->concat_latent_image);
        cfy_tensor_release(e->concat_mask);
        e->concat_latent_image = cfy_tensor_retain(concat);
        e->concat_mask = cfy_tensor_retain(mask);
    }
    return CFY_OK;
}

/* ComfyUI InpaintModelConditioning(positive, negative, pixels, vae, mask) (spec §5.3).
 * pixels f32 [1,H,W,3]; nm f32 [B,h,w]. Returns new conditionings, the latent of the uncropped
 * pixels and the noise mask [B,1,X,Y] (soft, resized to the pixels, centre-cropped to x8). */
static cfy_status inpaint_conditioning(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *pixels,
                                       const cfy_tensor *nm, cfy_conditioning **pos, cfy_conditioning **neg,
                                       cfy_tensor **samples, cfy_tensor **noise_mask, cfy_error *err)
{
    int64_t H = pixels->sizes[1], W = pixels->sizes[2];
    int64_t X = H / 8 * 8, Y = W / 8 * 8, oy = (H % 8) / 2, ox = (W % 8) / 2;
    int64_t B = nm->sizes[0];
    cfy_tensor *m = NULL, *mc = NULL, *pc = NULL, *pm = NULL, *concat = NULL, *m4 = NULL;
    cfy_status st = cfy_image_interpolate(rt, nm, W, H, CFY_INTERP_BILINEAR, &m, err);
    if (!st) st = cfy_image_crop(rt, m, ox, oy, ox + Y, oy + X, &mc, err);
    if (!st) st = cfy_image_crop(rt, pixels, ox, oy, ox + Y, oy + X, &pc, err);
    if (!st) {
        int64_t sz[4] = {1, X, Y, 3};
        st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &pm, err);
    }
    if (!st) {
        /* p' = ((p - 0.5) * (1 - round(mask))) + 0.5, each op in float32; mask batch 0 (pixels have
         * batch 1, torch broadcasts the first mask over it) */
        const float *s = cfy_tensor_f32(pc), *mk = cfy_tensor_f32(mc);
        float *d = cfy_tensor_f32(pm);
        for (int64_t i = 0; i < X * Y; i++) {
            float keep = 1.0f - rintf(mk[i]);
            for (int c = 0; c < 3; c++) {
                float v = s[i * 3 + c] - 0.5f;
                v = v * keep;
                d[i * 3 + c] = v + 0.5f;
            }
        }
        st = p->vae.encode(p->vae.user, pm, &concat, err);
    }
    if (!st) st = p->vae.encode(p->vae.user, pixels, samples, err);
    if (!st) {
        int64_t sz[4] = {B, 1, X, Y};
        st = cfy_tensor_reshape(mc, 4, sz, &m4, err);
    }
    if (!st) st = cond_with_concat(p->positive, concat, m4, pos, err);
    if (!st && p->negative) st = cond_with_concat(p->negative, concat, m4, neg, err);
    if (!st) *noise_mask = cfy_tensor_retain(m4);
    cfy_tensor_release(m);
    cfy_tensor_release(mc);
    cfy_tensor_release(pc);
    cfy_tensor_release(pm);
    cfy_tensor_release(concat);
    cfy_tensor_release(m4);
    return st;
}

/* ================================ img2img ================================ */

bool cfy_segs_upscale_enlarged_size(int64_t w, int64_t h, int64_t *w2, int64_t *h2)
{
    if (h % 8 == 0 && w % 8 == 0) return false;
    double s = 8.0 / (double)(h < w ? h : w) + 1.0;
    *w2 = (int64_t)((double)w * s);
    *h2 = (int64_t)((double)h * s);
    return true;
}

cfy_status cfy_segs_upscale_img2img(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *crop,
                                    const cfy_tensor *noise_mask, uint64_t seed, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    int64_t h = crop->sizes[1], w = crop->sizes[2], w2, h2;
    cfy_tensor *img = NULL, *nm4 = NULL, *nm = NULL, *samples = NULL, *lmask = NULL, *dec = NULL;
    cfy_conditioning *ipos = NULL, *ineg = NULL;
    cfy_value *res = NULL;
    cfy_status st;
    /* 1. enlarge when not a multiple of 8 (Pillow LANCZOS through uint8) */
    if (cfy_segs_upscale_enlarged_size(w, h, &w2, &h2))
        st = cfy_image_tensor_resize(rt, crop, w2, h2, &img, err);
    else
        st = cfy_tensor_contiguous(crop, &img, err);
    /* 2. noise mask blurred with its own feather, at the crop size, channel axis dropped */
    if (!st) st = cfy_image_blur_mask(rt, noise_mask, p->noise_mask_feather, &nm4, err);
    if (!st) {
        int64_t sz[3] = {nm4->sizes[0], nm4->sizes[1], nm4->sizes[2]};
        st = cfy_tensor_reshape(nm4, 3, sz, &nm, err);
    }
    if (st) goto done;
    /* 3. Differential Diffusion on a patched copy of the model */
    cfy_model dd = *p->model;
    if (p->noise_mask_feather > 0 && !dd.differential_diffusion) {
        dd.differential_diffusion = true;
        dd.differential_diffusion_strength = 1.0f;
    }
    /* (4. a segment's ControlNet is refused before the loop, in check_segs) 5. latent */
    if (p->inpaint_model) {
        st = inpaint_conditioning(rt, p, img, nm, &ipos, &ineg, &samples, &lmask, err);
    } else {
        st = p->vae.encode(p->vae.user, img, &samples, err);
        if (!st) lmask = cfy_tensor_retain(nm);
    }
    if (st) goto done;
    /* 6. sample (Impact ksampler_wrapper: full-denoise slice, last denoised returned) */
    cfy_sample_params sp;
    cfy_sample_params_init(&sp);
    sp.model = &dd;
    sp.seed = seed;
    sp.steps = p->steps;
    sp.cfg = p->cfg;
    sp.sampler_name = p->sampler_name;
    sp.scheduler = p->scheduler;
    sp.positive = ipos ? ipos : p->positive;
    sp.negative = p->inpaint_model ? ineg : p->negative;
    sp.denoise = p->denoise;
    sp.mode = CFY_SAMPLE_IMPACT;
    sp.force_full_denoise = true;
    sp.return_last_denoised = true;
    sp.scheduler_func = p->scheduler_func;
    sp.scheduler_func_user = p->scheduler_func_user;
    sp.progress = p->on_step;
    sp.progress_user = p->observer_user;
    sp.interrupted = p->interrupted;
    sp.interrupt_user = p->observer_user;
    cfy_latent lat = {samples, lmask, NULL, 0};
    if ((st = cfy_sample(&sp, &lat, &res, NULL, err)) != CFY_OK) goto done;
    /* 7. decode, 8. resize back when the decoded size differs from the crop */
    if ((st = p->vae.decode(p->vae.user, cfy_value_latent(res)->samples, &dec, err)) != CFY_OK) goto done;
    if (dec->ndim != 4 || dec->sizes[0] != 1 || dec->sizes[3] != 3) {
        char b[96];
        st = cfy_error_set(err, CFY_EINVAL, "VAE decode returned %s, expected [1,H,W,3]",
                           cfy_tensor_shape_str(dec, b, sizeof b));
        goto done;
    }
    if (dec->sizes[1] != h || dec->sizes[2] != w)
        st = cfy_image_tensor_resize(rt, dec, w, h, out, err);
    else
        st = cfy_tensor_contiguous(dec, out, err);
done:
    cfy_tensor_release(img);
    cfy_tensor_release(nm4);
    cfy_tensor_release(nm);
    cfy_tensor_release(samples);
    cfy_tensor_release(lmask);
    cfy_tensor_release(dec);
    cfy_conditioning_free(ipos);
    cfy_conditioning_free(ineg);
    cfy_value_release(res);
    return st;
}

/* ============================== the segment loop ============================== */

static bool mask_all_zero(const cfy_tensor *m)
{
    cfy_tensor *c = NULL;
    if (cfy_tensor_to(m, cfy_cpu(), &c, NULL) != CFY_OK) return false;
    const float *v = cfy_tensor_f32(c);
    bool zero = true;
    for (int64_t i = 0, n = cfy_tensor_numel(c); i < n && zero; i++)
        zero = v[i] == 0.0f;
    cfy_tensor_release(c);
    return zero;
}

/* Everything that can be refused before any work: SEGS shape, regions, ControlNets, seeds, steps. */
static cfy_status check_segs(const cfy_segs_upscale_params *p, const cfy_tensor *image, int64_t w1, int64_t h1,
                             const cfy_segs *segs, cfy_error *err)
{
    int64_t h0 = image->sizes[1], w0 = image->sizes[2];
    if (!p->model || !p->vae.encode || !p->vae.decode || !p->positive)
        return cfy_error_set(err, CFY_EINVAL, "SEGSUpscaler: model, vae and positive are required");
    if (p->steps < 1 || p->steps > 10000)
        return fail_input(err, CFY_EINVAL, "steps", "steps %d is out of range 1..10000", p->steps);
    if (!(p->denoise > 0.0 && p->denoise <= 1.0))
        return fail_input(err, CFY_EINVAL, "denoise", "denoise %g is outside (0, 1]", p->denoise);
    if (segs->height < 0 || segs->width < 0 || segs->n < 0)
        return fail_input(err, CFY_EINVAL, "segs", "malformed SEGS (shape %lldx%lld, %d segments)",
                          (long long)segs->width, (long long)segs->height, segs->n);
    bool has_shape = segs->height > 0 && segs->width > 0;
    if (has_shape && !(segs->height == h0 && segs->width == w0) && !(segs->height == h1 && segs->width == w1))
        return fail_input(err, CFY_EINVAL, "segs",
                          "SEGS shape (%lld, %lld) does not match the image (%lld, %lld) nor its upscaled size "
                          "(%lld, %lld); the SEGS were made from another image",
                          (long long)segs->height, (long long)segs->width, (long long)h0, (long long)w0, (long long)h1,
                          (long long)w1);
    int64_t rh = has_shape ? segs->height : h1, rw = has_shape ? segs->width : w1;
    for (int i = 0; i < segs->n; i++) {
        const cfy_seg *s = &segs->items[i];
        const int64_t *r = s->crop_region;
        if (r[0] < 0 || r[1] < 0 || r[0] >= r[2] || r[1] >= r[3] || r[2] > rw || r[3] > rh)
            return fail_input(err, CFY_EINVAL, "segs",
                              "segment %d: crop region [%lld, %lld, %lld, %lld] is outside the %lldx%lld image "
                              "the SEGS refer to",
                              i, (long long)r[0], (long long)r[1], (long long)r[2], (long long)r[3], (long long)rw,
                              (long long)rh);
        if (!s->cropped_mask || s->cropped_mask->dtype != CFY_F32 || s->cropped_mask->ndim < 2 ||
            s->cropped_mask->ndim > 3 || cfy_tensor_numel(s->cropped_mask) == 0)
            return fail_input(err, CFY_EINVAL, "segs", "segment %d has no f32 [h,w] or [B,h,w] mask", i);
        if (s->control_net_wrapper)
            return fail_input(err, CFY_EUNSUPPORTED, "segs",
                              "segment %d (label '%s', crop region [%lld, %lld, %lld, %lld]) carries a ControlNet "
                              "(control_net_wrapper), which comfyc does not support yet",
                              i, s->label ? s->label : "", (long long)r[0], (long long)r[1], (long long)r[2],
                              (long long)r[3]);
    }
    if (segs->n > 0 && p->seed > UINT64_MAX - (uint64_t)(segs->n - 1))
        return fail_input(err, CFY_EINVAL, "seed",
                          "seed %llu + segment index %d is above 2^64-1 (each segment i samples with seed + i)",
                          (unsigned long long)p->seed, segs->n - 1);
    return CFY_OK;
}

/* Replace *cur with the hook's result. */
static cfy_status run_hook(cfy_runtime *rt, const cfy_upscaler_hook *hook, cfy_tensor **cur, cfy_error *err)
{
    cfy_tensor *res = NULL;
    cfy_status st = hook->post_paste(hook->user, rt, *cur, &res, err);
    if (st != CFY_OK) return cfy_error_set_input(err, "upscaler_hook_opt");
    if (!res) return fail_input(err, CFY_EINTERNAL, "upscaler_hook_opt", "post_paste returned no image");
    if (res == *cur) {
        cfy_tensor_release(res);
        return CFY_OK;
    }
    char b1[96], b2[96];
    if (res->dtype != CFY_F32 || res->ndim != 4 || res->device.kind != CFY_DEVICE_CPU ||
        memcmp(res->sizes, (*cur)->sizes, 4 * sizeof(int64_t)) != 0) {
        fail_input(err, CFY_EINVAL, "upscaler_hook_opt", "post_paste returned %s, expected an f32 CPU IMAGE %s",
                   cfy_tensor_shape_str(res, b1, sizeof b1), cfy_tensor_shape_str(*cur, b2, sizeof b2));
        cfy_tensor_release(res);
        return CFY_EINVAL;
    }
    /* The working image is written in place by later pastes: take a private copy. */
    int64_t sz[4] = {res->sizes[0], res->sizes[1], res->sizes[2], res->sizes[3]};
    cfy_tensor *own = NULL, *c = NULL;
    if ((st = cfy_tensor_contiguous(res, &c, err)) == CFY_OK &&
        (st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &own, err)) == CFY_OK)
        memcpy(cfy_tensor_f32(own), cfy_tensor_f32(c), (size_t)cfy_tensor_numel(c) * sizeof(float));
    cfy_tensor_release(c);
    cfy_tensor_release(res);
    if (st != CFY_OK) return st;
    cfy_tensor_release(*cur);
    *cur = own;
    return CFY_OK;
}

cfy_status cfy_segs_upscale(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *image,
                            const cfy_segs *segs, cfy_tensor **upscaled, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (upscaled) *upscaled = NULL;
    cfy_status st = check_image(image, err);
    if (st != CFY_OK) return st;
    if (!segs) return fail_input(err, CFY_EINVAL, "segs", "no SEGS given");
    int64_t w1, h1;
    if ((st = target_size(rt, image, p->rescale_factor, &w1, &h1, err)) != CFY_OK) return st;
    if ((st = check_segs(p, image, w1, h1, segs, err)) != CFY_OK) return st;

    cfy_tensor *cur = NULL, *crop = NULL, *mask = NULL, *pmask = NULL, *refined = NULL;
    cfy_segs *scaled = NULL;
    /* A. upscale, B. segs_scale_match */
    if ((st = cfy_segs_upscale_stage_a(rt, p, image, &cur, err)) != CFY_OK) return st;
    if (upscaled) {
        if ((st = cfy_tensor_contiguous(cur, &crop, err)) != CFY_OK) goto done;
        /* cur is written in place below: hand out a copy, not a view of it */
        int64_t sz[4] = {1, h1, w1, 3};
        if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, upscaled, err)) != CFY_OK) goto done;
        memcpy(cfy_tensor_f32(*upscaled), cfy_tensor_f32(crop), (size_t)(h1 * w1 * 3) * sizeof(float));
        cfy_tensor_release(crop);
        crop = NULL;
    }
    if ((st = cfy_segs_scale_match(rt, segs, h1, w1, &scaled, err)) != CFY_OK) {
        cfy_error_set_input(err, "segs");
        goto done;
    }
    /* C. segments in list order, each on the current image */
    for (int i = 0; i < scaled->n; i++) {
        const cfy_seg *s = &scaled->items[i];
        double t0 = now_s();
        if (p->interrupted && p->interrupted(p->observer_user)) {
            st = cfy_error_set(err, CFY_EINTERRUPTED, "interrupted before segment %d of %d", i, scaled->n);
            goto done;
        }
        /* numpy slicing clips at the border (segs_scale_match's swapped factors can overshoot) */
        int64_t x1 = s->crop_region[0], y1 = s->crop_region[1];
        int64_t x2 = s->crop_region[2] < w1 ? s->crop_region[2] : w1;
        int64_t y2 = s->crop_region[3] < h1 ? s->crop_region[3] : h1;
        cfy_su_segment_info info = {i, scaled->n, {x1, y1, x2, y2}, p->seed + (uint64_t)i, false, 0.0};
        if (x1 < 0 || y1 < 0 || x1 >= x2 || y1 >= y2) {
            st = fail_input(err, CFY_EINVAL, "segs",
                            "segment %d: crop region [%lld, %lld, %lld, %lld] is outside the upscaled %lldx%lld image",
                            i, (long long)s->crop_region[0], (long long)s->crop_region[1], (long long)s->crop_region[2],
                            (long long)s->crop_region[3], (long long)w1, (long long)h1);
            goto done;
        }
        if ((st = cfy_image_crop(rt, cur, x1, y1, x2, y2, &crop, err)) != CFY_OK) goto done;
        if ((st = cfy_tensor_to(s->cropped_mask, cfy_cpu(), &mask, err)) != CFY_OK) goto done; /* host copy */
        if ((st = cfy_image_blur_mask(rt, mask, p->feather, &pmask, err)) != CFY_OK) goto done;
        if (mask_all_zero(mask)) {
            info.skipped = true;
            logf_(p, 2,
                  "SEGSUpscaler: segment %d of %d (crop region [%lld, %lld, %lld, %lld]) has an empty mask: "
                  "skipped",
                  i, scaled->n, (long long)x1, (long long)y1, (long long)x2, (long long)y2);
        } else {
            if ((st = cfy_segs_upscale_img2img(rt, p, crop, mask, info.seed, &refined, err)) != CFY_OK) goto done;
            if ((st = cfy_image_paste(rt, cur, refined, x1, y1, pmask, err)) != CFY_OK) goto done;
            if (p->hook && (st = run_hook(rt, p->hook, &cur, err)) != CFY_OK) goto done;
        }
        cfy_tensor_release(crop);
        cfy_tensor_release(mask);
        cfy_tensor_release(pmask);
        cfy_tensor_release(refined);
        crop = mask = pmask = refined = NULL;
        info.seconds = now_s() - t0;
        if (p->on_segment) p->on_segment(p->observer_user, &info);
    }
    /* tensor_convert_rgb: the tensor itself for 3 channels */
    *out = cur;
    cur = NULL;
done:
    cfy_tensor_release(cur);
    cfy_tensor_release(crop);
    cfy_tensor_release(mask);
    cfy_tensor_release(pmask);
    cfy_tensor_release(refined);
    cfy_segs_destroy(scaled);
    if (st != CFY_OK && upscaled) {
        cfy_tensor_release(*upscaled);
        *upscaled = NULL;
    }
    return st;
}

/* Library file: no nodes (see the first comment). */
cfy_status cfy_nodes_impact_segs_upscale_algo_register(cfy_registry *reg, cfy_error *err);
cfy_status cfy_nodes_impact_segs_upscale_algo_register(cfy_registry *reg, cfy_error *err)
{
    (void)reg; /* nothing to register: the nodes using this file are in segs_upscaler.c */
    (void)err;
    return CFY_OK;
}
