/* vae_nodes.c — VAEEncode and VAEDecode (segs-upscaler spec §5.1–5.2; conventions in src/models/vae.h). */
#include "comfyc/comfyc.h"
#include "models/vae.h"

/* VAEEncode: IMAGE [B,H,W,C] -> LATENT {samples [B,4,H/8,W/8]} (centre-cropped to multiples of 8). */
static cfy_status vae_encode_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *pixels;
    cfy_vae *vae;
    cfy_status st = cfy_node_in_tensor(ctx, "pixels", &pixels);
    if (!st) st = cfy_node_in_object(ctx, "vae", CFY_T_VAE, (void **)&vae);
    if (st) return st;
    cfy_tensor *lat = NULL;
    if ((st = cfy_vae_encode(vae, pixels, &lat, cfy_node_err(ctx))))
        return cfy_error_set_input(cfy_node_err(ctx), "pixels");
    cfy_value *v = cfy_value_new_latent(lat, NULL, NULL, 0);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

/* VAEDecode: LATENT samples [B,4,h,w] -> IMAGE [B,8h,8w,3]. */
static cfy_status vae_decode_run(cfy_node_ctx *ctx)
{
    cfy_latent *lat;
    cfy_vae *vae;
    cfy_status st = cfy_node_in_object(ctx, "samples", CFY_T_LATENT, (void **)&lat);
    if (!st) st = cfy_node_in_object(ctx, "vae", CFY_T_VAE, (void **)&vae);
    if (st) return st;
    cfy_tensor *img = NULL;
    if ((st = cfy_vae_decode(vae, lat->samples, &img, cfy_node_err(ctx))))
        return cfy_error_set_input(cfy_node_err(ctx), "samples");
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, img));
}

static const cfy_input_def encode_inputs[] = {
    {"pixels", CFY_T_IMAGE, 0},
    {"vae", CFY_T_VAE, 0},
    {NULL},
};
static const cfy_output_def latent_outputs[] = {{CFY_T_LATENT}, {NULL}};
static const cfy_input_def decode_inputs[] = {
    {"samples", CFY_T_LATENT, 0, .tooltip = "The latent to be decoded."},
    {"vae", CFY_T_VAE, 0, .tooltip = "The VAE model used for decoding the latent."},
    {NULL},
};
static const cfy_output_def image_outputs[] = {{CFY_T_IMAGE}, {NULL}};

static const cfy_node_def vae_encode = {
    .abi = CFY_ABI_VERSION,
    .class_type = "VAEEncode",
    .display_name = "VAE Encode",
    .category = "latent",
    .inputs = encode_inputs,
    .outputs = latent_outputs,
    .run = vae_encode_run,
};
static const cfy_node_def vae_decode = {
    .abi = CFY_ABI_VERSION,
    .class_type = "VAEDecode",
    .display_name = "VAE Decode",
    .category = "latent",
    .description = "Decodes latent images back into pixel space images.",
    .inputs = decode_inputs,
    .outputs = image_outputs,
    .run = vae_decode_run,
};
static const cfy_node_def *const vae_nodes[] = {&vae_encode, &vae_decode, NULL};

cfy_status cfy_nodes_core_vae_nodes_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, vae_nodes, err);
}
