/* cfg.h — the guided denoiser: conditioning batches through the model interface, CFG combine,
 * noise-mask blend and Differential Diffusion (spec sampling.md §1.3, §5, §6). */
#ifndef CFY_SAMPLING_CFG_H
#define CFY_SAMPLING_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/value.h"
#include "sampling/model.h"

typedef struct cfy_guider {
    const cfy_model *model;              /* borrowed */
    const cfy_conditioning *positive;    /* borrowed, required */
    const cfy_conditioning *negative;    /* borrowed; NULL: positive only (BasicGuider) */
    double cfg;
    bool no_cfg1_shortcut;               /* CFG++ samplers always evaluate the negative */
    int64_t batch, channels, height, width; /* latent [B,C,h,w] */
    /* noise mask (all borrowed, n floats each, or NULL) */
    const float *mask;                   /* prepared mask (1 = regenerate) */
    const float *mask_src;               /* the prepared mask before Differential Diffusion (inpaint concat) */
    const float *mask_noise;             /* ε used to re-noise the kept region (NULL: zeros) */
    const float *latent_image;           /* L (processed) */
    float dd_sigma_from, dd_sigma_to;    /* Differential Diffusion range (when model->differential_diffusion) */
    int64_t batch_offset, full_batch;    /* internal: sub-batch of a split UNet call (0, 0 = whole batch) */
    /* scratch, owned (cfy_guider_free) */
    float *buf_in, *buf_mask, *buf_out, *buf_u;
} cfy_guider;

/* Validate and allocate scratch. g filled by the caller (scratch fields NULL).
 * Returns CFY_OK, CFY_EINVAL (cfg NaN, empty positive, unsupported conditioning), CFY_ENOMEM. */
cfy_status cfy_guider_init(cfy_guider *g, cfy_error *err);
void cfy_guider_free(cfy_guider *g); /* NULL-safe */

/* D(x, σ) — guided, mask-blended denoised prediction. x, D: n floats; U (uncond prediction,
 * after the mask blend) may be NULL. Matches cfy_denoise_fn with user = g. */
cfy_status cfy_guider_denoise(void *g, const float *x, float sigma, float *D, float *U, cfy_error *err);

/* SDXL's y vector for one entry: [pooled(pooled_width) | e(v) for v in vals], vals = {height,
 * width, crop_h, crop_w, target_height, target_width} in pixels (pooled_width 1280 for SDXL: y
 * has 2816 floats). pooled may be NULL (zeros). */
void cfy_sdxl_adm(const float *pooled, int64_t n_pooled, int pooled_width, const double vals[6], float *y);

#endif
