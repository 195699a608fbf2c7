/* masks.h — latent noise masks: resize to the latent, the per-call blend, and Differential
 * Diffusion's per-step threshold (spec sampling.md §6.1–6.3). */
#ifndef CFY_SAMPLING_MASKS_H
#define CFY_SAMPLING_MASKS_H

#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"
#include "sampling/model.h"

/* Resize a noise mask ([H,W], [b,H,W] or [b,1,H,W], f32 CPU, any resolution) to the latent
 * [batch, channels, h, w]: bilinear (align_corners = false), repeated along channels, batch
 * repeated/truncated. out: returns new malloc'd batch*channels*h*w floats (free()).
 * Returns CFY_OK, CFY_EINVAL (bad shape or dtype), CFY_ENOMEM. */
cfy_status cfy_mask_prepare(const cfy_tensor *mask, int64_t batch, int64_t channels, int64_t h, int64_t w,
                            float **out, cfy_error *err);

/* x_in = x·m + (ε·σ + L)·(1 − m). noise may be NULL (zeros). All n floats. */
void cfy_mask_blend_input(const float *x, const float *m, const float *noise, float sigma, const float *latent,
                          float *x_in, int64_t n);
/* D = D_raw·m + L·(1 − m), in place on D. */
void cfy_mask_blend_output(float *denoised, const float *m, const float *latent, int64_t n);

/* Differential Diffusion (§6.3): out = threshold of m at the step's timestep. sigma_from/sigma_to:
 * first sigma of the sampler's vector and max(model sigma_min, last sigma). */
void cfy_differential_diffusion(const cfy_model_sampling *ms, float sigma, float sigma_from, float sigma_to,
                                double strength, const float *m, float *out, int64_t n);

#endif
