/* vae.c — VAE encode/decode through the package's compiled encoder and decoder graphs. */
#include <stdlib.h>

#include "models/vae.h"

cfy_status cfy_vae_new(cfy_package *pkg, cfy_vae **out, cfy_error *err)
{
    *out = NULL;
    cfy_aoti_component *enc = cfy_package_component(pkg, "vae_encoder"),
                       *dec = cfy_package_component(pkg, "vae_decoder");
    if (!enc || !dec) return cfy_error_set(err, CFY_EINVAL, "%s has no VAE", pkg->manifest->dir);
    cfy_vae *v = calloc(1, sizeof *v);
    if (!v) return cfy_error_set(err, CFY_ENOMEM, "vae: out of memory");
    v->package = cfy_package_retain(pkg);
    v->encoder = enc;
    v->decoder = dec;
    v->latent_channels = pkg->manifest->latent_channels;
    *out = v;
    return CFY_OK;
}

void cfy_vae_free(void *vae)
{
    cfy_vae *v = vae;
    if (!v) return;
    cfy_package_release(v->package);
    free(v);
}

cfy_status cfy_vae_encode(const cfy_vae *vae, const cfy_tensor *pixels, cfy_tensor **latent, cfy_error *err)
{
    *latent = NULL;
    if (pixels->ndim != 4 || pixels->sizes[3] < 3 || pixels->dtype != CFY_F32)
        return cfy_error_set(err, CFY_EINVAL, "VAE encode: expected an f32 IMAGE [B,H,W,C>=3]");
    int64_t h = pixels->sizes[1], w = pixels->sizes[2];
    if (h < 8 || w < 8)
        return cfy_error_set(err, CFY_EINVAL, "VAE encode: image %lldx%lld is smaller than 8x8", (long long)w,
                             (long long)h);
    /* centre crop to multiples of 8 and keep 3 channels: views, copied by the batched run */
    cfy_tensor *a = NULL, *b = NULL, *c = NULL;
    cfy_status st = cfy_tensor_narrow(pixels, 1, (h % 8) / 2, h / 8 * 8, &a, err);
    if (!st) st = cfy_tensor_narrow(a, 2, (w % 8) / 2, w / 8 * 8, &b, err);
    if (!st) st = cfy_tensor_narrow(b, 3, 0, 3, &c, err);
    if (!st) st = cfy_component_run_batched(vae->encoder, c, latent, err);
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    cfy_tensor_release(c);
    return st;
}

cfy_status cfy_vae_decode(const cfy_vae *vae, const cfy_tensor *latent, cfy_tensor **image, cfy_error *err)
{
    *image = NULL;
    if (latent->ndim != 4 || latent->dtype != CFY_F32 || latent->sizes[1] != vae->latent_channels)
        return cfy_error_set(err, CFY_EINVAL, "VAE decode: expected an f32 latent [B,%d,h,w]", vae->latent_channels);
    return cfy_component_run_batched(vae->decoder, latent, image, err);
}
