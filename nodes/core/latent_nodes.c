/* latent_nodes.c — EmptyLatentImage, SetLatentNoiseMask and InpaintModelConditioning (spec segs-upscaler §5.3). */
#include <math.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "image/interpolate.h"
#include "models/vae.h"

#define MAX_RESOLUTION 16384

/* ==== EmptyLatentImage: zeros [batch, 4, height/8, width/8] on the CPU ==== */

static cfy_status empty_latent_run(cfy_node_ctx *ctx)
{
    int64_t w, h, b;
    cfy_status st = cfy_node_in_int(ctx, "width", &w);
    if (!st) st = cfy_node_in_int(ctx, "height", &h);
    if (!st) st = cfy_node_in_int(ctx, "batch_size", &b);
    if (st) return st;
    int64_t sizes[4] = {b, 4, h / 8, w / 8};
    cfy_tensor *t;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sizes, true, &t, cfy_node_err(ctx)))) return st;
    cfy_value *v = cfy_value_new_latent(t, NULL, NULL, 0);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

/* ==== SetLatentNoiseMask: the latent with noise_mask = mask as [N,1,H,W] ==== */

static cfy_status set_noise_mask_run(cfy_node_ctx *ctx)
{
    cfy_latent *lat;
    const cfy_tensor *mask;
    cfy_status st = cfy_node_in_object(ctx, "samples", CFY_T_LATENT, (void **)&lat);
    if (!st) st = cfy_node_in_tensor(ctx, "mask", &mask);
    if (st) return st;
    if (mask->ndim < 2) return cfy_node_fail(ctx, CFY_EINVAL, "mask", "mask needs at least 2 dimensions");
    int64_t h = mask->sizes[mask->ndim - 2], w = mask->sizes[mask->ndim - 1];
    int64_t n = (h > 0 && w > 0) ? cfy_tensor_numel(mask) / (h * w) : 0;
    int64_t sizes[4] = {n, 1, h, w};
    cfy_tensor *c = NULL, *m4 = NULL;
    if ((st = cfy_tensor_contiguous(mask, &c, cfy_node_err(ctx)))) return st;
    st = cfy_tensor_reshape(c, 4, sizes, &m4, cfy_node_err(ctx));
    cfy_tensor_release(c);
    if (st) return st;
    cfy_value *v = cfy_value_new_latent(cfy_tensor_retain(lat->samples), m4, lat->batch_index, lat->n_batch_index);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

/* ==== InpaintModelConditioning ==== */

/* cond with concat_latent_image / concat_mask set on every entry (tensors retained). */
static cfy_status with_concat(cfy_node_ctx *ctx, const char *input, cfy_tensor *concat, cfy_tensor *mask,
                              cfy_value **out)
{
    const cfy_conditioning *src;
    cfy_status st = cfy_node_in_object(ctx, input, CFY_T_CONDITIONING, (void **)&src);
    if (st) return st;
    cfy_conditioning *c = NULL;
    if ((st = cfy_conditioning_copy(src, &c, cfy_node_err(ctx)))) return st;
    for (int i = 0; i < c->n; i++) {
        cfy_tensor_release(c->entries[i].concat_latent_image);
        cfy_tensor_release(c->entries[i].concat_mask);
        c->entries[i].concat_latent_image = cfy_tensor_retain(concat);
        c->entries[i].concat_mask = cfy_tensor_retain(mask);
    }
    if (!(*out = cfy_value_new_conditioning(c))) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return CFY_OK;
}

static cfy_status inpaint_conditioning_run(cfy_node_ctx *ctx)
{
    cfy_vae *vae;
    const cfy_tensor *pixels, *mask_in;
    bool noise_mask = true;
    cfy_error *err = cfy_node_err(ctx);
    cfy_status st = cfy_node_in_object(ctx, "vae", CFY_T_VAE, (void **)&vae);
    if (!st) st = cfy_node_in_tensor(ctx, "pixels", &pixels);
    if (!st) st = cfy_node_in_tensor(ctx, "mask", &mask_in);
    if (!st && cfy_node_in(ctx, "noise_mask")) st = cfy_node_in_bool(ctx, "noise_mask", &noise_mask);
    if (st) return st;
    if (pixels->ndim != 4 || pixels->sizes[3] < 3 || pixels->device.kind != CFY_DEVICE_CPU)
        return cfy_node_fail(ctx, CFY_EINVAL, "pixels", "expected a CPU IMAGE [B,H,W,C>=3]");
    int64_t B = pixels->sizes[0], H = pixels->sizes[1], W = pixels->sizes[2];
    int64_t X = H / 8 * 8, Y = W / 8 * 8, oy = (H % 8) / 2, ox = (W % 8) / 2;
    if (!X || !Y)
        return cfy_node_fail(ctx, CFY_EINVAL, "pixels", "image %lldx%lld is smaller than 8x8", (long long)W,
                             (long long)H);
    /* mask -> [N,h,w] -> bilinear H x W -> crop */
    const cfy_tensor *m = mask_in;
    cfy_tensor *m3 = NULL, *mr = NULL, *mc = NULL, *mask = NULL, *pc = NULL, *pcc = NULL, *masked = NULL;
    cfy_tensor *concat = NULL, *orig = NULL;
    cfy_value *pos = NULL, *neg = NULL, *lat = NULL;
    if (m->ndim == 2) {
        int64_t s3[3] = {1, m->sizes[0], m->sizes[1]};
        cfy_tensor *c = NULL;
        if (!(st = cfy_tensor_contiguous(m, &c, err))) st = cfy_tensor_reshape(c, 3, s3, &m3, err);
        cfy_tensor_release(c);
        if (st) goto done;
        m = m3;
    }
    if (m->ndim != 3) {
        st = cfy_node_fail(ctx, CFY_EINVAL, "mask", "expected a MASK [N,h,w]");
        goto done;
    }
    int64_t N = m->sizes[0];
    if (N != 1 && N != B) {
        st = cfy_node_fail(ctx, CFY_EINVAL, "mask", "mask batch %lld does not match image batch %lld", (long long)N,
                           (long long)B);
        goto done;
    }
    if ((st = cfy_image_interpolate(cfy_node_runtime(ctx), m, W, H, CFY_INTERP_BILINEAR, &mr, err))) goto done;
    cfy_tensor *v1 = NULL, *v2 = NULL;
    if (!(st = cfy_tensor_narrow(mr, 1, oy, X, &v1, err)) && !(st = cfy_tensor_narrow(v1, 2, ox, Y, &v2, err)))
        st = cfy_tensor_contiguous(v2, &mc, err);
    cfy_tensor_release(v1);
    cfy_tensor_release(v2);
    if (st) goto done;
    int64_t s4[4] = {N, 1, X, Y};
    if ((st = cfy_tensor_reshape(mc, 4, s4, &mask, err))) goto done;
    /* cropped pixels, 3 channels, greyed where the mask rounds to 1 */
    v1 = v2 = NULL;
    cfy_tensor *v3 = NULL;
    if (!(st = cfy_tensor_narrow(pixels, 1, oy, X, &v1, err)) && !(st = cfy_tensor_narrow(v1, 2, ox, Y, &v2, err)) &&
        !(st = cfy_tensor_narrow(v2, 3, 0, 3, &v3, err)))
        st = cfy_tensor_contiguous(v3, &pc, err);
    cfy_tensor_release(v1);
    cfy_tensor_release(v2);
    cfy_tensor_release(v3);
    if (st) goto done;
    if (pc->storage == pixels->storage) { /* contiguous() may return a view: copy before writing */
        int64_t ps[4] = {B, X, Y, 3};
        if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, ps, false, &pcc, err))) goto done;
        memcpy(cfy_tensor_data(pcc), cfy_tensor_data(pc), (size_t)cfy_tensor_numel(pc) * sizeof(float));
        cfy_tensor_release(pc);
        pc = pcc;
        pcc = NULL;
    }
    masked = pc;
    pc = NULL;
    float *p = cfy_tensor_f32(masked);
    const float *mk = cfy_tensor_f32(mask);
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < X * Y; i++) {
            float keep = 1.0f - nearbyintf(mk[(N == 1 ? 0 : b) * X * Y + i]);
            for (int c = 0; c < 3; c++) {
                float *q = &p[(b * X * Y + i) * 3 + c];
                *q = (*q - 0.5f) * keep + 0.5f;
            }
        }
    if ((st = cfy_vae_encode(vae, masked, &concat, err)) || (st = cfy_vae_encode(vae, pixels, &orig, err))) goto done;
    if ((st = with_concat(ctx, "positive", concat, mask, &pos)) ||
        (st = with_concat(ctx, "negative", concat, mask, &neg)))
        goto done;
    lat = cfy_value_new_latent(orig, noise_mask ? cfy_tensor_retain(mask) : NULL, NULL, 0);
    orig = NULL;
    if (!lat) {
        st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
        goto done;
    }
    st = cfy_node_out(ctx, 0, pos);
    pos = NULL;
    if (!st) st = cfy_node_out(ctx, 1, neg);
    neg = NULL;
    if (!st) st = cfy_node_out(ctx, 2, lat);
    lat = NULL;
done:
    cfy_value_release(pos);
    cfy_value_release(neg);
    cfy_value_release(lat);
    cfy_tensor_release(m3);
    cfy_tensor_release(mr);
    cfy_tensor_release(mc);
    cfy_tensor_release(mask);
    cfy_tensor_release(pc);
    cfy_tensor_release(masked);
    cfy_tensor_release(concat);
    cfy_tensor_release(orig);
    return st;
}

/* ==== definitions ==== */

static const cfy_input_def empty_inputs[] = {
    {"width", CFY_T_INT, 0, .i = {512, 16, MAX_RESOLUTION, 8}, .tooltip = "The width of the latent images in pixels."},
    {"height", CFY_T_INT, 0, .i = {512, 16, MAX_RESOLUTION, 8},
     .tooltip = "The height of the latent images in pixels."},
    {"batch_size", CFY_T_INT, 0, .i = {1, 1, 4096, 1}, .tooltip = "The number of latent images in the batch."},
    {NULL},
};
static const cfy_output_def latent_outputs[] = {{CFY_T_LATENT}, {NULL}};
static const cfy_input_def noise_mask_inputs[] = {
    {"samples", CFY_T_LATENT, 0},
    {"mask", CFY_T_MASK, 0},
    {NULL},
};
static const cfy_input_def inpaint_inputs[] = {
    {"positive", CFY_T_CONDITIONING, 0},
    {"negative", CFY_T_CONDITIONING, 0},
    {"vae", CFY_T_VAE, 0},
    {"pixels", CFY_T_IMAGE, 0},
    {"mask", CFY_T_MASK, 0},
    {"noise_mask", CFY_T_BOOLEAN, 0, .b_def = true,
     .tooltip = "Add a noise mask to the latent so sampling will only happen within the mask. Might improve results or "
                "completely break things depending on the model."},
    {NULL},
};
static const cfy_output_def inpaint_outputs[] = {
    {CFY_T_CONDITIONING, "positive"}, {CFY_T_CONDITIONING, "negative"}, {CFY_T_LATENT, "latent"}, {NULL}};

static const cfy_node_def empty_latent = {
    .abi = CFY_ABI_VERSION,
    .class_type = "EmptyLatentImage",
    .display_name = "Empty Latent Image",
    .category = "latent",
    .description = "Create a new batch of empty latent images to be denoised via sampling.",
    .inputs = empty_inputs,
    .outputs = latent_outputs,
    .run = empty_latent_run,
};
static const cfy_node_def set_noise_mask = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SetLatentNoiseMask",
    .display_name = "Set Latent Noise Mask",
    .category = "latent/inpaint",
    .inputs = noise_mask_inputs,
    .outputs = latent_outputs,
    .run = set_noise_mask_run,
};
static const cfy_node_def inpaint_conditioning = {
    .abi = CFY_ABI_VERSION,
    .class_type = "InpaintModelConditioning",
    .display_name = "InpaintModelConditioning",
    .category = "conditioning/inpaint",
    .inputs = inpaint_inputs,
    .outputs = inpaint_outputs,
    .run = inpaint_conditioning_run,
};
static const cfy_node_def *const latent_nodes[] = {&empty_latent, &set_noise_mask, &inpaint_conditioning, NULL};

cfy_status cfy_nodes_core_latent_nodes_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, latent_nodes, err);
}
