/* vae.h — the VAE value: encode IMAGE to LATENT and decode back with ComfyUI's conventions.
 *
 * Payload of a VAE value (type CFY_T_VAE). Conventions (segs-upscaler spec §5.1–5.2): encode
 * centre-crops H and W to multiples of 8, keeps 3 channels, maps 0..1 to -1..1 and returns
 * the latent mean, unscaled; decode returns (x+1)/2 clamped to 0..1. The pixel mapping runs
 * inside the compiled graphs. */
#ifndef CFY_MODELS_VAE_H
#define CFY_MODELS_VAE_H

#include "comfyc/tensor.h"
#include "models/package.h"

typedef struct cfy_vae {
    cfy_package *package;        /* owned reference */
    cfy_aoti_component *encoder; /* borrowed from package */
    cfy_aoti_component *decoder; /* borrowed from package */
    int latent_channels;
} cfy_vae;

/* A VAE over a package that has vae_encoder and vae_decoder. pkg borrowed (retained).
 * out: returns new (cfy_vae_free). CFY_EINVAL when the package has no VAE. */
cfy_status cfy_vae_new(cfy_package *pkg, cfy_vae **out, cfy_error *err);
void cfy_vae_free(void *vae); /* cfy_object_free_fn; NULL-safe */

/* pixels borrowed: IMAGE f32 [B,H,W,C], C >= 3, H,W >= 8, on the VAE's device.
 * latent: returns new f32 [B,4,floor(H/8),floor(W/8)], unscaled. Sizes outside the exported
 * range fail with CFY_EINVAL naming the range. Blocks. */
cfy_status cfy_vae_encode(const cfy_vae *vae, const cfy_tensor *pixels, cfy_tensor **latent, cfy_error *err);

/* latent borrowed: f32 [B,4,h,w], unscaled. image: returns new IMAGE f32 [B,8h,8w,3] in 0..1. */
cfy_status cfy_vae_decode(const cfy_vae *vae, const cfy_tensor *latent, cfy_tensor **image, cfy_error *err);

#endif
