/* masks.c — noise-mask resize and blends, Differential Diffusion (spec sampling.md §6). */
#include "sampling/masks.h"

#include <stdlib.h>

#include "sampling/model_sampling.h"

/* torch upsample_bilinear2d source index/weights, align_corners = false. */
static void bl_coord(int64_t o, int64_t in, int64_t out, int64_t *i0, int64_t *i1, float *l0, float *l1)
{
    float scale = (float)in / (float)out;
    float c = scale * ((float)o + 0.5f) - 0.5f;
    if (c < 0.0f) c = 0.0f;
    int64_t a = (int64_t)c;
    if (a > in - 1) a = in - 1;
    *i0 = a;
    *i1 = a + (a < in - 1 ? 1 : 0);
    *l1 = c - (float)a;
    *l0 = 1.0f - *l1;
}

cfy_status cfy_mask_prepare(const cfy_tensor *mask, int64_t batch, int64_t channels, int64_t h, int64_t w,
                            float **out, cfy_error *err)
{
    *out = NULL;
    if (mask->dtype != CFY_F32 || mask->device.kind != CFY_DEVICE_CPU)
        return cfy_error_set(err, CFY_EINVAL, "noise_mask must be a float32 CPU tensor");
    int64_t H, W, mb;
    if (mask->ndim == 2) {
        mb = 1;
        H = mask->sizes[0];
        W = mask->sizes[1];
    } else if (mask->ndim == 3) {
        mb = mask->sizes[0];
        H = mask->sizes[1];
        W = mask->sizes[2];
    } else if (mask->ndim == 4 && mask->sizes[1] == 1) {
        mb = mask->sizes[0];
        H = mask->sizes[2];
        W = mask->sizes[3];
    } else {
        char buf[64];
        return cfy_error_set(err, CFY_EINVAL, "noise_mask has shape %s; expected [H,W], [B,H,W] or [B,1,H,W]",
                             cfy_tensor_shape_str(mask, buf, sizeof buf));
    }
    if (mb < 1 || H < 1 || W < 1) return cfy_error_set(err, CFY_EINVAL, "noise_mask is empty");
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_contiguous(mask, &c, err);
    if (st != CFY_OK) return st;
    const float *src = cfy_tensor_f32(c);
    float *res = malloc((size_t)(batch * channels * h * w) * sizeof(float));
    float *plane = malloc((size_t)(h * w) * sizeof(float));
    if (!res || !plane) {
        free(res);
        free(plane);
        cfy_tensor_release(c);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory for the noise mask");
    }
    for (int64_t b = 0; b < batch; b++) {
        const float *m = src + (b % mb) * H * W;
        for (int64_t y = 0; y < h; y++) {
            int64_t y0, y1;
            float ly0, ly1;
            bl_coord(y, H, h, &y0, &y1, &ly0, &ly1);
            for (int64_t x = 0; x < w; x++) {
                int64_t x0, x1;
                float lx0, lx1;
                bl_coord(x, W, w, &x0, &x1, &lx0, &lx1);
                /* spec §6.1 formula; torch's kernel differs by <= 1 ulp for some fractional weights */
                float top = lx0 * m[y0 * W + x0] + lx1 * m[y0 * W + x1];
                float bot = lx0 * m[y1 * W + x0] + lx1 * m[y1 * W + x1];
                plane[y * w + x] = (H == h && W == w) ? m[y * W + x] : ly0 * top + ly1 * bot;
            }
        }
        for (int64_t ch = 0; ch < channels; ch++)
            for (int64_t k = 0; k < h * w; k++) res[(b * channels + ch) * h * w + k] = plane[k];
    }
    free(plane);
    cfy_tensor_release(c);
    *out = res;
    return CFY_OK;
}

void cfy_mask_blend_input(const float *x, const float *m, const float *noise, float sigma, const float *latent,
                          float *x_in, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        float a = x[k] * m[k];
        float e = noise ? noise[k] * sigma : 0.0f * sigma;
        e = e + latent[k];
        float inv = 1.0f - m[k];
        e = e * inv;
        x_in[k] = a + e;
    }
}

void cfy_mask_blend_output(float *denoised, const float *m, const float *latent, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        float a = denoised[k] * m[k];
        float inv = 1.0f - m[k];
        float b = latent[k] * inv;
        denoised[k] = a + b;
    }
}

void cfy_differential_diffusion(const cfy_model_sampling *ms, float sigma, float sigma_from, float sigma_to,
                                double strength, const float *m, float *out, int64_t n)
{
    float ts_from = (float)cfy_ms_timestep(ms, sigma_from);
    float ts_to = (float)cfy_ms_timestep(ms, sigma_to);
    float ts = (float)cfy_ms_timestep(ms, sigma);
    float thr = (ts - ts_to) / (ts_from - ts_to);
    bool blend = strength > 0.0 && strength < 1.0;
    float fs = (float)strength, fr = (float)(1.0 - strength); /* Python floats: 1 - strength in double */
    for (int64_t k = 0; k < n; k++) {
        float b = m[k] >= thr ? 1.0f : 0.0f;
        if (blend) {
            float p = fs * b;
            float q = fr * m[k];
            out[k] = p + q;
        } else {
            out[k] = b;
        }
    }
}
