/* step_ops.c — argument checks, device dispatch and the CPU reference of the per-step sampler
 * arithmetic (spec sampling.md §4.2–4.3, §5.2, §6.2). The CUDA kernels are step_ops_cuda.cu. */
#include "sampling/step_ops.h"

#include "sampling/masks.h"
#include "sampling/step_ops_cuda.h"

/* All non-NULL tensors: contiguous f32, same numel and device as ref. */
static cfy_status check(const char *op, const cfy_tensor *ref, const cfy_tensor *const *ts, int k, cfy_error *err)
{
    for (int i = -1; i < k; i++) {
        const cfy_tensor *t = i < 0 ? ref : ts[i];
        if (!t) continue;
        if (t->dtype != CFY_F32 || !cfy_tensor_is_contiguous(t))
            return cfy_error_set(err, CFY_EINVAL, "%s: tensors must be contiguous float32", op);
        if (cfy_tensor_numel(t) != cfy_tensor_numel(ref) || !cfy_device_eq(t->device, ref->device))
            return cfy_error_set(err, CFY_EINVAL, "%s: tensors must have the same size and device", op);
    }
    return CFY_OK;
}

static const float *cf(const cfy_tensor *t) { return t ? (const float *)cfy_tensor_data(t) : NULL; }
static float *mf(cfy_tensor *t) { return (float *)cfy_tensor_data(t); }

cfy_status cfy_sampling_euler_step(cfy_tensor *x, const cfy_tensor *denoised, float sigma, float sigma_next,
                                   cfy_error *err)
{
    const cfy_tensor *ts[1] = {denoised};
    cfy_status st = check("euler_step", x, ts, 1, err);
    if (st != CFY_OK) return st;
    int64_t n = cfy_tensor_numel(x);
    float dt = sigma_next - sigma;
    if (x->device.kind == CFY_DEVICE_CUDA) return cfy_sampling_euler_step_cuda(mf(x), cf(denoised), sigma, dt, n, err);
    float *p = mf(x);
    const float *d = cf(denoised);
    for (int64_t k = 0; k < n; k++) {
        float v = p[k] - d[k];
        v = v / sigma;
        v = v * dt;
        p[k] = p[k] + v;
    }
    return CFY_OK;
}

cfy_status cfy_sampling_add_noise(cfy_tensor *x, const cfy_tensor *noise, float s_noise, float sigma_up,
                                  cfy_error *err)
{
    const cfy_tensor *ts[1] = {noise};
    cfy_status st = check("add_noise", x, ts, 1, err);
    if (st != CFY_OK) return st;
    int64_t n = cfy_tensor_numel(x);
    if (x->device.kind == CFY_DEVICE_CUDA) return cfy_sampling_add_noise_cuda(mf(x), cf(noise), s_noise, sigma_up, n, err);
    float *p = mf(x);
    const float *e = cf(noise);
    for (int64_t k = 0; k < n; k++) {
        float v = e[k] * s_noise;
        v = v * sigma_up;
        p[k] = p[k] + v;
    }
    return CFY_OK;
}

cfy_status cfy_sampling_cfg_combine(const cfy_tensor *cond, const cfy_tensor *uncond, float cfg, cfy_tensor *out,
                                    cfy_error *err)
{
    const cfy_tensor *ts[2] = {uncond, out};
    cfy_status st = check("cfg_combine", cond, ts, 2, err);
    if (st != CFY_OK) return st;
    int64_t n = cfy_tensor_numel(cond);
    if (cond->device.kind == CFY_DEVICE_CUDA)
        return cfy_sampling_cfg_combine_cuda(cf(cond), cf(uncond), cfg, mf(out), n, err);
    const float *c = cf(cond), *u = cf(uncond);
    float *o = mf(out);
    for (int64_t k = 0; k < n; k++) {
        float d = c[k] - u[k];
        d = d * cfg;
        o[k] = u[k] + d;
    }
    return CFY_OK;
}

cfy_status cfy_sampling_mask_blend_input(const cfy_tensor *x, const cfy_tensor *mask, const cfy_tensor *noise,
                                         float sigma, const cfy_tensor *latent, cfy_tensor *out, cfy_error *err)
{
    const cfy_tensor *ts[4] = {mask, noise, latent, out};
    cfy_status st = check("mask_blend_input", x, ts, 4, err);
    if (st != CFY_OK) return st;
    int64_t n = cfy_tensor_numel(x);
    if (x->device.kind == CFY_DEVICE_CUDA)
        return cfy_sampling_mask_blend_input_cuda(cf(x), cf(mask), cf(noise), sigma, cf(latent), mf(out), n, err);
    cfy_mask_blend_input(cf(x), cf(mask), cf(noise), sigma, cf(latent), mf(out), n);
    return CFY_OK;
}

cfy_status cfy_sampling_mask_blend_output(cfy_tensor *denoised, const cfy_tensor *mask, const cfy_tensor *latent,
                                          cfy_error *err)
{
    const cfy_tensor *ts[2] = {mask, latent};
    cfy_status st = check("mask_blend_output", denoised, ts, 2, err);
    if (st != CFY_OK) return st;
    int64_t n = cfy_tensor_numel(denoised);
    if (denoised->device.kind == CFY_DEVICE_CUDA)
        return cfy_sampling_mask_blend_output_cuda(mf(denoised), cf(mask), cf(latent), n, err);
    cfy_mask_blend_output(mf(denoised), cf(mask), cf(latent), n);
    return CFY_OK;
}
