/* step_ops.h — the per-step elementwise arithmetic of the samplers on CPU or CUDA tensors:
 * the Euler update, ancestral noise injection, the CFG combine and the noise-mask blends
 * (spec sampling.md §4.2–4.3, §5.2, §6.2).
 *
 * Every function takes contiguous f32 tensors of equal element count on one device, evaluates
 * the spec's formula with one float32 rounding per operation (no fused multiply-add, on CUDA
 * through the __f*_rn intrinsics), so the CUDA path is bit-exact with the CPU path. Scalars are
 * float32 values computed by the caller on the host.
 * Returns CFY_OK, CFY_EINVAL (dtype/shape/device mismatch), CFY_EUNSUPPORTED (CUDA tensor in a
 * build without CUDA), CFY_EDEVICE. CUDA: enqueued on the default stream, does not synchronise. */
#ifndef CFY_SAMPLING_STEP_OPS_H
#define CFY_SAMPLING_STEP_OPS_H

#include "comfyc/tensor.h"

/* x ← x + ((x − D)/σ)·(σ' − σ). x in/out, denoised borrowed. */
cfy_status cfy_sampling_euler_step(cfy_tensor *x, const cfy_tensor *denoised, float sigma, float sigma_next,
                                   cfy_error *err);
/* x ← x + (ε·s_noise)·σ_up. */
cfy_status cfy_sampling_add_noise(cfy_tensor *x, const cfy_tensor *noise, float s_noise, float sigma_up,
                                  cfy_error *err);
/* out ← U + (C − U)·cfg. out may alias cond or uncond. */
cfy_status cfy_sampling_cfg_combine(const cfy_tensor *cond, const cfy_tensor *uncond, float cfg, cfy_tensor *out,
                                    cfy_error *err);
/* out ← x·m + (ε·σ + L)·(1 − m). noise may be NULL (zeros). */
cfy_status cfy_sampling_mask_blend_input(const cfy_tensor *x, const cfy_tensor *mask, const cfy_tensor *noise,
                                         float sigma, const cfy_tensor *latent, cfy_tensor *out, cfy_error *err);
/* D ← D·m + L·(1 − m), in place. */
cfy_status cfy_sampling_mask_blend_output(cfy_tensor *denoised, const cfy_tensor *mask, const cfy_tensor *latent,
                                          cfy_error *err);

#endif
