/* unet.c — MODEL values over a compiled UNet: schedule from the manifest, apply = one graph run. */
#include <stdlib.h>
#include <string.h>

#include "models/unet.h"
#include "sampling/model_sampling.h"

static void *impl_retain(void *impl)
{
    return cfy_package_retain(impl);
}
static void impl_release(void *impl)
{
    cfy_package_release(impl);
}

/* [B,C1,H,W] ++ [B,C2,H,W] -> [B,C1+C2,H,W] (f32, CPU). */
static cfy_status concat_channels(const cfy_tensor *a, const cfy_tensor *b, cfy_tensor **out, cfy_error *err)
{
    if (a->ndim != 4 || b->ndim != 4 || a->sizes[0] != b->sizes[0] || a->sizes[2] != b->sizes[2] ||
        a->sizes[3] != b->sizes[3] || a->dtype != CFY_F32 || b->dtype != CFY_F32)
        return cfy_error_set(err, CFY_EINVAL, "UNet: concat conditioning does not match the latent's batch and size");
    if (a->device.kind != CFY_DEVICE_CPU || b->device.kind != CFY_DEVICE_CPU)
        return cfy_error_set(err, CFY_EUNSUPPORTED, "UNet: concat conditioning on CUDA is not implemented yet");
    cfy_tensor *ca = NULL, *cb = NULL;
    int64_t sizes[4] = {a->sizes[0], a->sizes[1] + b->sizes[1], a->sizes[2], a->sizes[3]};
    cfy_status st = cfy_tensor_contiguous(a, &ca, err);
    if (!st) st = cfy_tensor_contiguous(b, &cb, err);
    if (!st) st = cfy_tensor_new(CFY_F32, a->device, 4, sizes, false, out, err);
    if (!st) {
        size_t plane = (size_t)(a->sizes[2] * a->sizes[3]);
        size_t na = (size_t)a->sizes[1] * plane, nb = (size_t)b->sizes[1] * plane;
        float *d = cfy_tensor_f32(*out);
        for (int64_t i = 0; i < a->sizes[0]; i++) {
            memcpy(d + (size_t)i * (na + nb), cfy_tensor_f32(ca) + (size_t)i * na, na * sizeof(float));
            memcpy(d + (size_t)i * (na + nb) + na, cfy_tensor_f32(cb) + (size_t)i * nb, nb * sizeof(float));
        }
    }
    cfy_tensor_release(ca);
    cfy_tensor_release(cb);
    return st;
}

static cfy_status apply(void *impl, const cfy_unet_call *call, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_package *pkg = impl;
    cfy_aoti_component *c = cfy_package_component(pkg, "unet");
    const cfy_component_spec *s = cfy_aoti_component_spec(c);
    if (!call->x || !call->timestep || !call->context)
        return cfy_error_set(err, CFY_EINVAL, "UNet: x, timestep and context are required");
    bool takes_y = s->n_in >= 4;
    if (call->y && !takes_y)
        return cfy_error_set(err, CFY_EUNSUPPORTED, "UNet: this model takes no class/pooled conditioning (y)");
    if (!call->y && takes_y) return cfy_error_set(err, CFY_EINVAL, "UNet: this model needs its y vector (SDXL)");
    const cfy_tensor *src[4] = {call->x, call->timestep, call->context, call->y};
    cfy_tensor *cat = NULL;
    cfy_status st = CFY_OK;
    if (call->concat && s->in[0].dims[1].min > call->x->sizes[1]) {
        /* inpainting UNets: x and the concat conditioning (mask + masked latent) along channels */
        if ((st = concat_channels(call->x, call->concat, &cat, err))) return st;
        src[0] = cat;
    }
    st = cfy_component_call_host(c, src, takes_y ? 4 : 3, out, 1, err);
    cfy_tensor_release(cat);
    return st;
}

cfy_status cfy_unet_model_new(cfy_package *pkg, cfy_model **out, cfy_error *err)
{
    *out = NULL;
    cfy_aoti_component *c = cfy_package_component(pkg, "unet");
    if (!c) return cfy_error_set(err, CFY_EINVAL, "%s has no UNet", pkg->manifest->dir);
    const cfy_component_spec *s = cfy_aoti_component_spec(c);
    if ((s->n_in != 3 && s->n_in != 4) || s->in[0].ndim != 4)
        return cfy_error_set(err, CFY_EINVAL, "%s: the UNet graph does not take (x, timesteps, context[, y])",
                             pkg->manifest->dir);
    if (s->n_in == 4 && (s->in[3].ndim != 2 || s->in[3].dims[1].min != pkg->manifest->unet_adm_channels ||
                         pkg->manifest->unet_adm_channels == 0))
        return cfy_error_set(err, CFY_EINVAL, "%s: the UNet's y input does not match unet.adm_in_channels %d",
                             pkg->manifest->dir, pkg->manifest->unet_adm_channels);
    cfy_model *m = calloc(1, sizeof *m);
    if (!m) return cfy_error_set(err, CFY_ENOMEM, "model: out of memory");
    const cfy_manifest *man = pkg->manifest;
    cfy_model_sampling_init(&m->sampling, strcmp(man->prediction, "v") ? CFY_PRED_EPS : CFY_PRED_V, man->linear_start,
                            man->linear_end, false);
    m->latent_channels = man->latent_channels;
    m->unet_in_channels = (int)s->in[0].dims[1].min;
    m->latent_scale_factor = man->latent_scale_factor;
    m->adm_channels = s->n_in == 4 ? man->unet_adm_channels : 0;
    m->adm_pooled_width = s->n_in == 4 ? man->unet_pooled_width : 0;
    m->max_batch = (int)(s->in[0].dims[0].name[0] ? s->in[0].dims[0].max : s->in[0].dims[0].min);
    m->apply = apply;
    m->impl = cfy_package_retain(pkg);
    m->impl_retain = impl_retain;
    m->impl_release = impl_release;
    /* apply takes host tensors and stages them to the package's device itself
     * (cfy_component_call_host), so the sampler never moves them */
    m->device = cfy_cpu();
    *out = m;
    return CFY_OK;
}

void cfy_model_free(void *model)
{
    cfy_model *m = model;
    if (!m) return;
    if (m->impl_release) m->impl_release(m->impl);
    free(m);
}
