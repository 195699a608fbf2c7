/* segs_upscale_algo.h — the Impact Pack's SEGSUpscaler algorithm as a library call, separate from
 * the node table (nodes/impact/segs_upscaler.c) so that C tests can drive it with a fake VAE,
 * a fake denoiser and a fake upscale model (spec segs-upscaler.md §2, §5, §7).
 *
 * Flow of one call (cfy_segs_upscale):
 *   A. upscale: optional model pass (clamped to 0..1 after blending), then Pillow-exact resize of
 *      the uint8 image to trunc(W*f) x trunc(H*f) (optionally through the 8x supersample chain);
 *   B. segs_scale_match to the new size (with the swapped-factor quirk);
 *   C. per segment, in list order, on the *current* image: crop, paste mask = blur(mask, feather),
 *      skip all-zero masks (the seed index still advances), img2img with seed + i, paste in place,
 *      post_paste hook;
 *   then the RGB conversion (a no-op for 3 channels).
 * Both mask blurs (paste `feather`, noise `noise_mask_feather`) get torchvision's rounding on flat
 * windows (image/blur_flat.h): Differential Diffusion's first-step threshold is exactly 1.0.
 * Everything runs on the CPU in float32, like the Impact Pack; models run where their package lives. */
#ifndef CFY_NODES_IMPACT_SEGS_UPSCALE_ALGO_H
#define CFY_NODES_IMPACT_SEGS_UPSCALE_ALGO_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/comfyc.h"
#include "comfyc/hooks.h"
#include "image/resize.h"
#include "image/segs.h"
#include "sampling/sample.h"

/* The VAE as the algorithm uses it. The node adapts src/models' cfy_vae; tests pass a fake.
 * encode: pixels borrowed IMAGE f32 [1,H,W,3] (H,W >= 8, any size: the VAE centre-crops to
 *         multiples of 8); latent returns new f32 [1,C,H/8,W/8], unscaled.
 * decode: latent borrowed; image returns new IMAGE f32 [1,8h,8w,3] in 0..1. */
typedef struct cfy_su_vae {
    void *user;
    cfy_status (*encode)(void *user, const cfy_tensor *pixels, cfy_tensor **latent, cfy_error *err);
    cfy_status (*decode)(void *user, const cfy_tensor *latent, cfy_tensor **image, cfy_error *err);
} cfy_su_vae;

/* An upscale model (ComfyUI tiled_scale with tile 512, overlap 32 around the network).
 * upscale: image borrowed IMAGE f32 [1,H,W,3]; out returns new IMAGE f32 [1,sH,sW,3], NOT clamped
 * (the algorithm clamps after blending, as Impact does). */
typedef struct cfy_su_upscale_model {
    void *user;
    cfy_status (*upscale)(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out, cfy_error *err);
} cfy_su_upscale_model;

/* What happened to one segment (for progress, logs and reports). */
typedef struct cfy_su_segment_info {
    int index, count;  /* i of n */
    int64_t region[4]; /* crop region [x1,y1,x2,y2] after segs_scale_match (clipped to the image) */
    uint64_t seed;     /* seed + i */
    bool skipped;      /* all-zero mask */
    double seconds;    /* wall time of this segment */
} cfy_su_segment_info;

typedef struct cfy_segs_upscale_params {
    /* stage A */
    double rescale_factor;                     /* > 0; target = trunc(W*f) x trunc(H*f) */
    cfy_resample resampling;                   /* Pillow filter */
    bool supersample;                          /* "true": via 8x size with the same filter */
    const cfy_su_upscale_model *upscale_model; /* borrowed, NULL: resize only */
    /* per-segment img2img */
    const cfy_model *model; /* borrowed, required */
    cfy_su_vae vae;         /* required */
    uint64_t seed;
    int steps; /* >= 1 */
    double cfg;
    const char *sampler_name, *scheduler;        /* scheduler ignored when scheduler_func is set */
    const cfy_conditioning *positive, *negative; /* borrowed */
    double denoise;                              /* (0, 1] */
    int64_t feather;                             /* paste-mask blur, 0..100 */
    bool inpaint_model;                          /* InpaintModelConditioning instead of encode + noise mask */
    int64_t noise_mask_feather;                  /* noise-mask blur; > 0 also turns on Differential Diffusion */
    cfy_scheduler_func_fn scheduler_func;        /* NULL: by name */
    void *scheduler_func_user;
    const cfy_upscaler_hook *hook; /* borrowed, NULL: none */
    /* observers, all may be NULL */
    void (*on_segment)(void *user, const cfy_su_segment_info *info); /* after each segment */
    cfy_step_fn on_step;                                             /* each sampler step */
    cfy_interrupt_fn interrupted;                                    /* checked between segments and steps */
    void *observer_user;                                             /* passed to the three above */
    cfy_log_fn log;                                                  /* skipped-segment lines (level 2) */
    void *log_user;
} cfy_segs_upscale_params;

/* Fill defaults as the node's (rescale 2, lanczos, supersample, seed 0, steps 20, cfg 8, euler,
 * normal, denoise 0.5, feather 5, noise_mask_feather 20). */
void cfy_segs_upscale_params_init(cfy_segs_upscale_params *p);

/* Run SEGSUpscaler.
 * image borrowed: IMAGE f32 [1,H,W,3] on the CPU. segs borrowed.
 * upscaled: may be NULL; else returns new stage-A image (before any segment), for tests and dumps.
 * out: returns new IMAGE f32 [1,H',W',3] (release with cfy_tensor_release); NULL on failure.
 * Errors name the input (cfy_error_set_input): image (batch > 1, channels != 3), rescale_factor
 * (zero target size), segs (shape not the image's, crop region outside the image, a segment with a
 * ControlNet), steps, seed (seed + i above 2^64-1), sampler_name / scheduler (from sampling).
 * Returns CFY_OK, CFY_EINVAL, CFY_EUNSUPPORTED, CFY_ENOMEM, CFY_EINTERRUPTED, or the callee's code. */
cfy_status cfy_segs_upscale(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *image,
                            const cfy_segs *segs, cfy_tensor **upscaled, cfy_tensor **out, cfy_error *err);

/* Stage A alone (spec §2.3). image borrowed f32 [1,H,W,3]. out returns new f32 [1,H1,W1,3]. */
cfy_status cfy_segs_upscale_stage_a(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *image,
                                    cfy_tensor **out, cfy_error *err);

/* The "multiple of 8" enlargement of img2img_segs (spec §2.6 step 1): when w or h is not a multiple
 * of 8, s = 8/min(h,w) + 1 and the size becomes trunc(w*s) x trunc(h*s); returns true then.
 * Otherwise returns false and leaves w, h. */
bool cfy_segs_upscale_enlarged_size(int64_t w, int64_t h, int64_t *w2, int64_t *h2);

/* img2img_segs for one crop (spec §2.6). crop borrowed f32 [1,h,w,3]; noise_mask borrowed (the
 * segment's unblurred mask, f32 [h,w] or [B,h,w], CPU); seed: this segment's seed.
 * out returns new f32 [1,h,w,3]. */
cfy_status cfy_segs_upscale_img2img(cfy_runtime *rt, const cfy_segs_upscale_params *p, const cfy_tensor *crop,
                                    const cfy_tensor *noise_mask, uint64_t seed, cfy_tensor **out, cfy_error *err);

#endif
