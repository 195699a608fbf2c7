/* model_loaders.c — CheckpointLoaderSimple, VAELoader, UpscaleModelLoader and CLIPSetLastLayer.
 *
 * Names are model files as ComfyUI shows them ("v1-5.safetensors"); each resolves to the
 * compiled package "<name>.comfyc/" in the matching models folder (src/models/model_paths.h).
 * Packages load on the runtime's device; MODEL, CLIP and VAE of one checkpoint share it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "models/model_paths.h"
#include "models/package.h"
#include "models/text_encode.h"
#include "models/unet.h"
#include "models/upscale_model.h"
#include "models/vae.h"

/* ==== combo lists ==== */

static cfy_status list_checkpoints(cfy_runtime *rt, char ***out, cfy_error *err)
{
    return cfy_model_paths_list(rt, "checkpoints", out, err);
}
static cfy_status list_vaes(cfy_runtime *rt, char ***out, cfy_error *err)
{
    return cfy_model_paths_list(rt, "vae", out, err);
}
static cfy_status list_upscalers(cfy_runtime *rt, char ***out, cfy_error *err)
{
    return cfy_model_paths_list(rt, "upscale_models", out, err);
}

/* Open the package named by input `input` in `folder`; errors name the input. */
static cfy_status open_named(cfy_node_ctx *ctx, const char *input, const char *folder, cfy_package **pkg)
{
    *pkg = NULL;
    const char *name;
    cfy_status st = cfy_node_in_string(ctx, input, &name);
    if (st) return st;
    cfy_runtime *rt = cfy_node_runtime(ctx);
    char *dir = NULL;
    cfy_error *err = cfy_node_err(ctx);
    if ((st = cfy_model_paths_find(rt, folder, name, &dir, err))) {
        cfy_error_set_input(err, input);
        return st;
    }
    st = cfy_package_open(dir, cfy_runtime_opts(rt)->device, pkg, err);
    free(dir);
    if (st) cfy_error_set_input(err, input);
    return st;
}

/* Validation: the name must be an available package; the message lists them (ComfyUI's combo error). */
static cfy_status validate_in(cfy_node_ctx *ctx, const char *input, const char *folder)
{
    const cfy_value *v = cfy_node_in(ctx, input);
    if (!v) return CFY_OK; /* linked: checked at run time */
    const char *name;
    cfy_status st = cfy_node_in_string(ctx, input, &name);
    if (st) return st;
    char *dir = NULL;
    cfy_error *err = cfy_node_err(ctx);
    if ((st = cfy_model_paths_find(cfy_node_runtime(ctx), folder, name, &dir, err))) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", err->message);
        return cfy_node_fail(ctx, st, input, "Value not in list: %s: %s", input, msg);
    }
    free(dir);
    return CFY_OK;
}
static cfy_status validate_ckpt(cfy_node_ctx *ctx)
{
    return validate_in(ctx, "ckpt_name", "checkpoints");
}
static cfy_status validate_vae(cfy_node_ctx *ctx)
{
    return validate_in(ctx, "vae_name", "vae");
}
static cfy_status validate_upscaler(cfy_node_ctx *ctx)
{
    return validate_in(ctx, "model_name", "upscale_models");
}

/* ==== CheckpointLoaderSimple ==== */

static cfy_status checkpoint_loader_run(cfy_node_ctx *ctx)
{
    cfy_package *pkg = NULL;
    cfy_status st = open_named(ctx, "ckpt_name", "checkpoints", &pkg);
    if (st) return st;
    cfy_error *err = cfy_node_err(ctx);
    cfy_model *model = NULL;
    cfy_clip *clip = NULL;
    cfy_vae *vae = NULL;
    if (strcmp(pkg->manifest->kind, "checkpoint"))
        st = cfy_node_fail(ctx, CFY_EINVAL, "ckpt_name", "%s is a '%s' package, not a checkpoint", pkg->manifest->dir,
                           pkg->manifest->kind);
    if (!st) st = cfy_unet_model_new(pkg, &model, err);
    char **embedding_dirs = NULL; /* "embedding:NAME" in prompts, as ComfyUI's embeddings folders */
    if (!st) st = cfy_model_paths_dirs(cfy_node_runtime(ctx), "embeddings", &embedding_dirs, err);
    if (!st) st = cfy_clip_new(pkg, (const char *const *)embedding_dirs, &clip, err);
    cfy_strlist_free(embedding_dirs);
    if (!st) st = cfy_vae_new(pkg, &vae, err);
    cfy_package_release(pkg);
    if (st) {
        cfy_model_free(model);
        cfy_clip_free(clip);
        cfy_vae_free(vae);
        return st;
    }
    if ((st = cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_MODEL, model, cfy_model_free)))) {
        cfy_clip_free(clip);
        cfy_vae_free(vae);
        return st;
    }
    if ((st = cfy_node_out(ctx, 1, cfy_value_new_object(CFY_T_CLIP, clip, cfy_clip_free)))) {
        cfy_vae_free(vae);
        return st;
    }
    return cfy_node_out(ctx, 2, cfy_value_new_object(CFY_T_VAE, vae, cfy_vae_free));
}

/* ==== VAELoader ==== */

static cfy_status vae_loader_run(cfy_node_ctx *ctx)
{
    cfy_package *pkg = NULL;
    cfy_status st = open_named(ctx, "vae_name", "vae", &pkg);
    if (st) return st;
    cfy_vae *vae = NULL;
    st = cfy_vae_new(pkg, &vae, cfy_node_err(ctx));
    cfy_package_release(pkg);
    if (st) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_VAE, vae, cfy_vae_free));
}

/* ==== UpscaleModelLoader ==== */

static cfy_status upscale_loader_run(cfy_node_ctx *ctx)
{
    cfy_package *pkg = NULL;
    cfy_status st = open_named(ctx, "model_name", "upscale_models", &pkg);
    if (st) return st;
    cfy_upscale_model *m = NULL;
    st = cfy_upscale_model_new(pkg, &m, cfy_node_err(ctx));
    cfy_package_release(pkg);
    if (st) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_UPSCALE_MODEL, m, cfy_upscale_model_free));
}

/* ==== CLIPSetLastLayer ==== */

static cfy_status clip_set_last_layer_run(cfy_node_ctx *ctx)
{
    cfy_clip *clip;
    int64_t layer;
    cfy_status st = cfy_node_in_object(ctx, "clip", CFY_T_CLIP, (void **)&clip);
    if (!st) st = cfy_node_in_int(ctx, "stop_at_layer", &layer);
    if (st) return st;
    cfy_clip *out = NULL;
    if ((st = cfy_clip_with_layer(clip, (int)layer, &out, cfy_node_err(ctx))))
        return cfy_error_set_input(cfy_node_err(ctx), "stop_at_layer");
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_CLIP, out, cfy_clip_free));
}

/* ==== definitions ==== */

static const cfy_input_def ckpt_inputs[] = {
    {"ckpt_name", CFY_T_COMBO, CFY_IN_NODE_VALIDATED, .combo_fn = list_checkpoints,
     .tooltip = "The name of the checkpoint (model) to load."},
    {NULL},
};
static const cfy_output_def ckpt_outputs[] = {{CFY_T_MODEL}, {CFY_T_CLIP}, {CFY_T_VAE}, {NULL}};
static const cfy_input_def vae_inputs[] = {
    {"vae_name", CFY_T_COMBO, CFY_IN_NODE_VALIDATED, .combo_fn = list_vaes},
    {NULL},
};
static const cfy_output_def vae_outputs[] = {{CFY_T_VAE}, {NULL}};
static const cfy_input_def upscaler_inputs[] = {
    {"model_name", CFY_T_COMBO, CFY_IN_NODE_VALIDATED, .combo_fn = list_upscalers},
    {NULL},
};
static const cfy_output_def upscaler_outputs[] = {{CFY_T_UPSCALE_MODEL}, {NULL}};
static const cfy_input_def last_layer_inputs[] = {
    {"clip", CFY_T_CLIP, 0},
    {"stop_at_layer", CFY_T_INT, 0, .i = {-1, -24, -1, 1}},
    {NULL},
};
static const cfy_output_def clip_outputs[] = {{CFY_T_CLIP}, {NULL}};

static const cfy_node_def checkpoint_loader = {
    .abi = CFY_ABI_VERSION,
    .class_type = "CheckpointLoaderSimple",
    .display_name = "Load Checkpoint",
    .category = "loaders",
    .description = "Loads a diffusion model checkpoint (a comfyc model package).",
    .inputs = ckpt_inputs,
    .outputs = ckpt_outputs,
    .run = checkpoint_loader_run,
    .validate = validate_ckpt,
};
static const cfy_node_def vae_loader = {
    .abi = CFY_ABI_VERSION,
    .class_type = "VAELoader",
    .display_name = "Load VAE",
    .category = "loaders",
    .inputs = vae_inputs,
    .outputs = vae_outputs,
    .run = vae_loader_run,
    .validate = validate_vae,
};
static const cfy_node_def upscale_loader = {
    .abi = CFY_ABI_VERSION,
    .class_type = "UpscaleModelLoader",
    .display_name = "Load Upscale Model",
    .category = "loaders",
    .python_module = "comfy_extras.nodes_upscale_model",
    .inputs = upscaler_inputs,
    .outputs = upscaler_outputs,
    .run = upscale_loader_run,
    .validate = validate_upscaler,
};
static const cfy_node_def clip_set_last_layer = {
    .abi = CFY_ABI_VERSION,
    .class_type = "CLIPSetLastLayer",
    .display_name = "CLIP Set Last Layer",
    .category = "conditioning",
    .inputs = last_layer_inputs,
    .outputs = clip_outputs,
    .run = clip_set_last_layer_run,
};
static const cfy_node_def *const model_loader_nodes[] = {&checkpoint_loader, &vae_loader, &upscale_loader,
                                                         &clip_set_last_layer, NULL};

cfy_status cfy_nodes_core_model_loaders_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, model_loader_nodes, err);
}
